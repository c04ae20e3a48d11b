/**
 * @file The summary section: the whole run at a glance, computed over every record (not only the
 * ones shown in detail): counts, what inputs the records had, what the model predicted, how sure
 * it was, how often a head abstained ("none of these") and why, which warnings came up and how
 * often.
 */
import type { ModelManifest } from '../model/manifest.js';
import type { Aggregates, HeadTally, LabelTally } from './aggregate.js';
import { html, type Html } from './escape.js';
import { fmtCount, fmtMetric, fmtPercent, fmtScore, fmtSigned, plural, titleCase } from './format.js';
import { barSvg, histogramSvg, signedBarSvg } from './svg.js';

/** Counts from the run that produced the lines (`AnalyzeSummary` fits), when known. */
export interface RunSummary {
  read?: number;
  written?: number;
  deadLettered?: number;
  /** Inputs skipped on purpose (Bundles of reference data only). */
  skipped?: number;
  deadLetterCodes?: Record<string, number>;
  seconds?: number;
  recordsPerSecond?: number;
  aborted?: boolean;
  stoppedByReader?: boolean;
}

const HEAD_ORDER = ['diagnoses', 'drugs', 'severity', 'specialty'];
const LABELS_SHOWN = 12;

function headRank(name: string): number {
  const i = HEAD_ORDER.indexOf(name);
  return i < 0 ? HEAD_ORDER.length : i;
}

/** Known heads first, in HEAD_ORDER, then the rest by name. */
function compareHeads(a: string, b: string): number {
  return headRank(a) - headRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function orderedHeads(names: Iterable<string>): string[] {
  return [...names].sort(compareHeads);
}

/** The entries of a map keyed by head name, in `orderedHeads` order. */
export function orderedHeadEntries<T>(byHead: ReadonlyMap<string, T>): [string, T][] {
  return [...byHead.entries()].sort(([a], [b]) => compareHeads(a, b));
}

function stat(value: string, label: string, tone = '', title = ''): Html {
  return html`<div class="stat ${tone}"${title ? html` title="${title}"` : ''}><div class="stat-value">${value}</div><div class="stat-label">${label}</div></div>`;
}

/** What a line's `timing.ms` measures (schema/prediction.schema.json), for the stat's tooltip. */
const TIMING_MEANING =
  'The record’s own compute: featurizing it plus its share of its batch’s model run and explanations (divided by the batch size). Waiting for the rest of its batch is not included; records / second is the throughput.';

export function labelName(l: { code?: string; display: string; id: string }): Html {
  return html`${l.code ? html`<code class="code">${l.code}</code> ` : ''}${l.display || l.id}`;
}

function distribution(entries: LabelTally[], other: number, denominator: number, caption: string): Html {
  const shown = entries.slice(0, LABELS_SHOWN);
  const rest = entries.slice(LABELS_SHOWN);
  const restCount = rest.reduce((s, e) => s + e.count, 0) + other;
  const max = Math.max(1, ...shown.map((e) => e.count));
  const rows = shown.map(
    (e) =>
      html`<div class="bar-row"><span class="bar-label" title="${e.id}">${labelName(e)}</span>${barSvg(e.count, max, 'count')}<span class="bar-value">${fmtCount(e.count)} <span class="muted">${fmtPercent(e.count, denominator)}</span></span></div>`,
  );
  const more =
    rest.length > 0 || other > 0
      ? html`<p class="muted small">+ ${rest.length > 0 ? plural(rest.length, 'more label') : 'other labels'} (${fmtCount(restCount)})</p>`
      : '';
  return html`<p class="chart-caption">${caption}</p><div class="bars">${rows}</div>${more}`;
}

function headBlock(name: string, tally: HeadTally, agg: Aggregates, manifest?: ModelManifest): Html {
  const multi = manifest?.heads[name]?.activation === 'sigmoid';
  const caption = multi
    ? `Records with the label predicted (score ≥ ${manifest?.heads[name]?.threshold ?? 0.5}); a record may have several.`
    : 'Top prediction per record.';
  const chosen = multi ? tally.reported : tally.top1;
  // The manifest names labels authoritatively; lines only repeat those names.
  const specs = new Map((manifest?.heads[name]?.labels ?? []).map((l) => [l.id, l]));
  const entries = chosen.sorted().map((e) => {
    const spec = specs.get(e.id);
    return spec ? { id: e.id, display: spec.display, ...(spec.code ? { code: spec.code } : {}), count: e.count } : e;
  });
  return html`<div class="head-block">
<h4>${titleCase(name)} <span class="muted small">${plural(tally.records, 'record')} · mean top score ${fmtScore(tally.top1ScoreSum / Math.max(1, tally.records))}${tally.abstained > 0 ? ` · ${fmtCount(tally.abstained)} abstained (${fmtPercent(tally.abstained, agg.records)})` : ''}</span></h4>
<div class="head-grid"><div>${distribution(entries, chosen.other, agg.records, caption)}</div>${histogramSvg(tally.top1Bins, 'top-1 score distribution')}</div>
</div>`;
}

/** What an abstention reason code means, for the summary table. */
export const ABSTENTION_MEANINGS: Record<string, string> = {
  NO_LABEL_FITS: 'none of the labels fits the evidence (abstention score at or above the threshold)',
  FOLLOWS_ABSTAINED: 'the head follows one that abstained',
  NO_EVIDENCE: 'the record had nothing to read',
};

/** Abstained records by head and reason; nothing when no record abstained. */
function abstentionTable(agg: Aggregates): Html {
  const rows = agg.abstentions.sorted();
  if (rows.length === 0) return html``;
  return html`<h4>Abstained <span class="muted small">${plural(agg.abstainedRecords, 'record')} with no label for at least one head</span></h4><table class="warnings abstentions"><thead><tr><th>head</th><th>reason</th><th>records</th><th>meaning</th></tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr><td>${r.head}</td><td><code>${r.reason}</code></td><td class="num">${fmtCount(r.count)} <span class="muted">${fmtPercent(r.count, agg.records)}</span></td><td class="muted">${ABSTENTION_MEANINGS[r.reason] ?? ''}</td></tr>`,
  )}${agg.abstentions.other > 0 ? html`<tr><td class="muted" colspan="2">other</td><td class="num">${fmtCount(agg.abstentions.other)}</td><td></td></tr>` : ''}</tbody></table>`;
}

function warningTable(agg: Aggregates, run: RunSummary | undefined): Html {
  const kinds = agg.warningKinds.sorted();
  const codes = Object.entries(run?.deadLetterCodes ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const parts: Html[] = [];
  if (kinds.length === 0) parts.push(html`<p class="muted">No record warnings.</p>`);
  else {
    parts.push(
      html`<table class="warnings"><thead><tr><th>warning</th><th>count</th></tr></thead><tbody>${kinds.map(
        (k) => html`<tr><td>${k.kind}</td><td class="num">${fmtCount(k.count)}</td></tr>`,
      )}${agg.warningKinds.other > 0 ? html`<tr><td class="muted">other kinds</td><td class="num">${fmtCount(agg.warningKinds.other)}</td></tr>` : ''}</tbody></table>`,
    );
  }
  if (codes.length > 0) {
    parts.push(
      html`<h4>Dead-lettered records by reason</h4><table class="warnings"><thead><tr><th>code</th><th>count</th></tr></thead><tbody>${codes.map(
        ([code, n]) => html`<tr><td><code>${code}</code></td><td class="num">${fmtCount(n)}</td></tr>`,
      )}</tbody></table>`,
    );
  }
  if (agg.skipped > 0) {
    parts.push(
      html`<h4>Input lines skipped</h4><p>${plural(agg.skipped, 'line')} of the predictions file could not be read and ${agg.skipped === 1 ? 'is' : 'are'} not in this report${agg.skipped > agg.skippedExamples.length ? ` (first ${agg.skippedExamples.length} shown)` : ''}:</p><table class="warnings"><thead><tr><th>where</th><th>why</th></tr></thead><tbody>${agg.skippedExamples.map(
        (s) => html`<tr><td><code>${s.position}</code></td><td>${s.reason}</td></tr>`,
      )}</tbody></table>`,
    );
  }
  return html`${parts}`;
}

export function summarySection(
  agg: Aggregates,
  run: RunSummary | undefined,
  manifest: ModelManifest | undefined,
  extras: { modelCard: Html; legend: Html; alerts: string[] },
): Html {
  const n = agg.records;
  const stats: Html[] = [stat(fmtCount(n), 'records in this report')];
  if (run?.read !== undefined) stats.push(stat(fmtCount(run.read), 'records read'));
  if (run?.deadLettered !== undefined) stats.push(stat(fmtCount(run.deadLettered), 'dead-lettered', run.deadLettered > 0 ? 'bad' : ''));
  if (run?.skipped) stats.push(stat(fmtCount(run.skipped), 'skipped (reference data only)'));
  stats.push(stat(fmtCount(agg.warnings), `warnings on ${plural(agg.recordsWithWarnings, 'record')}`, agg.warnings > 0 ? 'warn' : ''));
  if (agg.abstainedRecords > 0) stats.push(stat(fmtCount(agg.abstainedRecords), 'abstained (no label for a head)'));
  stats.push(stat(fmtCount(agg.explained), 'with explanations'));
  if (agg.truncated > 0) stats.push(stat(fmtCount(agg.truncated), 'notes truncated to fit', 'warn'));
  if (agg.skipped > 0) stats.push(stat(fmtCount(agg.skipped), 'input lines skipped', 'bad'));
  if (agg.timing.count > 0)
    stats.push(
      stat(`${fmtMetric(Math.round((agg.timing.sum / agg.timing.count) * 10) / 10)} ms`, 'mean time per record', '', TIMING_MEANING),
    );
  if (run?.recordsPerSecond !== undefined) stats.push(stat(fmtMetric(Math.round(run.recordsPerSecond * 10) / 10), 'records / second'));

  const modalityRows = (
    [
      ['note text', agg.modalities.text],
      ['image', agg.modalities.image],
      ['audio', agg.modalities.audio],
      ['graph entities', agg.modalities.entities],
    ] as const
  ).map(
    ([label, count]) =>
      html`<div class="bar-row"><span class="bar-label">${label}</span>${barSvg(count, Math.max(1, n), 'count')}<span class="bar-value">${fmtCount(count)} <span class="muted">${fmtPercent(count, n)}</span></span></div>`,
  );

  const contributions = ['text', 'image', 'audio', 'entities']
    .map((m) => [m, agg.contributions.get(m)] as const)
    .filter((e): e is readonly [string, { sum: number; count: number; negative: number }] => e[1] !== undefined && e[1].count > 0);
  const maxMean = Math.max(1e-9, ...contributions.map(([, t]) => Math.abs(t.sum / t.count)));
  const contributionBlock =
    contributions.length === 0
      ? ''
      : html`<div class="panel"><h3>Mean modality contribution</h3><p class="chart-caption">Average change in the explained score when each input is removed (records that had it; explained abstentions left out). Positive: the input supported the prediction.</p><div class="bars">${contributions.map(
          ([m, t]) =>
            html`<div class="bar-row"><span class="bar-label">${m}</span>${signedBarSvg(t.sum / t.count, maxMean)}<span class="bar-value">${fmtSigned(t.sum / t.count)} <span class="muted">n=${fmtCount(t.count)}${t.negative > 0 ? `, ${fmtCount(t.negative)} against` : ''}</span></span></div>`,
        )}</div></div>`;

  const heads = orderedHeadEntries(agg.heads).map(([name, t]) => headBlock(name, t, agg, manifest));
  const files = agg.files.sorted();

  return html`<section id="summary" class="summary">
<h2>Summary</h2>
${extras.alerts.map((a) => html`<div class="callout warn">${a}</div>`)}
<div class="stats">${stats}</div>
${run?.aborted ? html`<div class="callout bad">The run stopped early: too many records were dead-lettered (--max-errors).</div>` : ''}
${run?.stoppedByReader ? html`<div class="callout warn">The run stopped early: the reader closed the output.</div>` : ''}
<div class="two-col">
<div class="panel"><h3>Inputs present</h3><div class="bars">${modalityRows}</div>
<p class="muted small">From ${plural(files.length + (agg.files.other > 0 ? 1 : 0), 'input file')}: ${files.slice(0, 5).map((f, i) => html`${i > 0 ? ', ' : ''}<code>${f.file}</code> (${fmtCount(f.count)})`)}${files.length > 5 || agg.files.other > 0 ? ' …' : ''}</p></div>
${contributionBlock}
</div>
<div class="panel"><h3>Predictions</h3>${heads.length > 0 ? heads : html`<p class="muted">No predictions.</p>`}${abstentionTable(agg)}</div>
<div class="panel"><h3>Warnings</h3>${warningTable(agg, run)}</div>
<div class="panel" id="model-card"><h3>Model card</h3>${extras.modelCard}</div>
<div class="panel" id="methods"><h3>Explanation methods</h3>${extras.legend}</div>
</section>`;
}
