/**
 * @file Renders an arbitrary JSON value (the model card's `metrics`) as nested HTML tables.
 *
 * The training recipe decides what it measures and may add numbers at any time; the report must
 * show them without knowing their names. Objects become key/value tables, a set of objects with
 * the same numeric fields (per-head or per-split results) becomes one matrix, arrays of objects
 * become row tables, and anything deeper than a few levels is shown as compact JSON text.
 */
import { html, type Html } from './escape.js';
import { fmtMetric } from './format.js';

const MAX_DEPTH = 4;
const MAX_ROWS = 100;
const MAX_COLUMNS = 12;
const MAX_LIST = 50;

type Primitive = string | number | boolean | null;
const isPrimitive = (v: unknown): v is Primitive => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function primitive(v: Primitive): Html {
  if (v === null) return html`<span class="muted">–</span>`;
  if (typeof v === 'number') return html`<span class="num">${fmtMetric(v)}</span>`;
  if (typeof v === 'boolean') return html`${v ? 'yes' : 'no'}`;
  return html`${v.length > 500 ? `${v.slice(0, 499)}…` : v}`;
}

/** Columns of a matrix: every value is an object of primitives, with few distinct keys. */
function matrixColumns(entries: [string, unknown][]): string[] | undefined {
  if (entries.length < 2) return undefined;
  const columns: string[] = [];
  for (const [, v] of entries) {
    if (!isPlainObject(v) || !Object.values(v).every(isPrimitive)) return undefined;
    for (const k of Object.keys(v)) if (!columns.includes(k)) columns.push(k);
  }
  return columns.length > 0 && columns.length <= MAX_COLUMNS ? columns : undefined;
}

export function valueTable(value: unknown, depth = 0): Html {
  if (isPrimitive(value)) return primitive(value);
  if (depth >= MAX_DEPTH) {
    const text = JSON.stringify(value) ?? '';
    return html`<code>${text.length > 300 ? `${text.slice(0, 299)}…` : text}</code>`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">(none)</span>`;
    if (value.every(isPrimitive)) {
      const shown = value.slice(0, MAX_LIST).map((v) => (v === null ? '–' : typeof v === 'number' ? fmtMetric(v) : String(v)));
      return html`${shown.join(', ')}${value.length > MAX_LIST ? ` … (${value.length} in all)` : ''}`;
    }
    if (value.every(isPlainObject)) {
      const columns: string[] = [];
      for (const row of value) for (const k of Object.keys(row)) if (!columns.includes(k) && columns.length < MAX_COLUMNS) columns.push(k);
      const rows = value
        .slice(0, MAX_ROWS)
        .map((row) => html`<tr>${columns.map((c) => html`<td>${valueTable(row[c] ?? null, depth + 1)}</td>`)}</tr>`);
      return html`<table class="kv rows"><thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table>${value.length > MAX_ROWS ? html`<p class="muted">… ${value.length - MAX_ROWS} more rows</p>` : ''}`;
    }
    return html`<ol class="plain">${value.slice(0, MAX_ROWS).map((v) => html`<li>${valueTable(v, depth + 1)}</li>`)}</ol>`;
  }
  if (!isPlainObject(value)) return html`${String(value)}`;
  const entries = Object.entries(value);
  if (entries.length === 0) return html`<span class="muted">(none)</span>`;
  const columns = matrixColumns(entries);
  if (columns) {
    const rows = entries.slice(0, MAX_ROWS).map(([k, v]) => {
      const o = v as Record<string, Primitive>;
      return html`<tr><th scope="row">${k}</th>${columns.map((c) => html`<td>${c in o ? primitive(o[c] as Primitive) : ''}</td>`)}</tr>`;
    });
    return html`<table class="kv matrix"><thead><tr><th></th>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
  }
  // Scalars beside a group of same-shaped objects (e.g. records + comprehensiveness/sufficiency
  // at several k): the scalars as rows, the group as one matrix.
  const scalars = entries.filter(([, v]) => isPrimitive(v));
  const group = entries.filter(([, v]) => !isPrimitive(v));
  const groupColumns = scalars.length > 0 ? matrixColumns(group) : undefined;
  if (groupColumns) {
    const scalarRows = scalars.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${primitive(v as Primitive)}</td></tr>`);
    return html`<table class="kv"><tbody>${scalarRows}</tbody></table>${valueTable(Object.fromEntries(group), depth)}`;
  }
  const rows = entries.slice(0, MAX_ROWS).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${valueTable(v, depth + 1)}</td></tr>`);
  return html`<table class="kv"><tbody>${rows}</tbody></table>${entries.length > MAX_ROWS ? html`<p class="muted">… ${entries.length - MAX_ROWS} more entries</p>` : ''}`;
}
