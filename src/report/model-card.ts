/**
 * @file The model card section: which model made these predictions, what it is for, and how far
 * to trust it, in one screen: the curated summary of ./model-results.ts (results on real notes
 * beside the baselines, then limitations). The heads and every number the manifest's `metrics`
 * hold (rendered generically, `metrics.real_notes` first with its accuracy-against-coverage
 * curve) are folded away below it, for whoever needs them.
 *
 * The card states the package it was read from; if the lines were produced by a different model
 * (another sha) the report says so plainly, since the numbers would then describe the wrong model.
 * The models seen in the lines are listed with the precision each ran at where the lines say it
 * (schema 1.3): the same package's fp32 and int8 lines are listed apart.
 */
import type { ModelManifest } from '../model/manifest.js';
import type { Aggregates } from './aggregate.js';
import { html, type Html } from './escape.js';
import { fmtCount, fmtMetric, plural } from './format.js';
import { modelResults } from './model-results.js';
import { lineChartSvg } from './svg.js';
import { valueTable } from './value-table.js';

export interface ModelCardInput {
  manifest?: ModelManifest;
  /** The package fingerprint (`ModelPackage.sha`). */
  sha?: string;
  /** Why there is no manifest, when there is none (shown instead of the card). */
  unavailable?: string;
}

/** Lines made by a model other than the card's, as readable strings. */
export function modelMismatches(agg: Aggregates, card: ModelCardInput): string[] {
  const manifest = card.manifest;
  if (!manifest) return [];
  return agg.models
    .sorted()
    .filter((m) => m.name !== manifest.name || m.version !== manifest.version || (card.sha !== undefined && m.sha !== card.sha))
    .map(
      (m) =>
        `${plural(m.count, 'record')} made by ${m.name} ${m.version} (sha ${m.sha}${m.precision !== undefined ? `, ${m.precision}` : ''}), not by the model of this card`,
    );
}

export function modelCard(card: ModelCardInput, agg: Aggregates): Html {
  const seen = agg.models.sorted();
  const seenList = html`<p class="muted">Predictions in this file: ${
    seen.length === 0
      ? 'none'
      : seen.map(
          (m, i) =>
            html`${i > 0 ? '; ' : ''}<code>${m.name} ${m.version} · ${m.sha}${m.precision !== undefined ? ` · ${m.precision}` : ''}</code> (${fmtCount(m.count)})`,
        )
  }${agg.models.other > 0 ? ` and ${fmtCount(agg.models.other)} from other models` : ''}.</p>`;
  const m = card.manifest;
  if (!m) {
    return html`<div class="callout warn">Model card unavailable${card.unavailable ? html`: ${card.unavailable}` : ''}.</div>${seenList}`;
  }
  const heads = Object.entries(m.heads)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([name, h]) =>
        html`<tr><th scope="row">${name}</th><td>${h.activation === 'softmax' ? (h.abstention ? 'one label or none (softmax, may abstain)' : 'one label (softmax)') : 'any number of labels (sigmoid)'}${h.follows ? html` <span class="muted small">· follows ${h.follows}</span>` : ''}</td><td class="num">${fmtCount(h.labels.length)}</td><td class="num">${h.abstention ? `abstains at ≥ ${h.abstention.threshold}` : (h.threshold ?? '–')}</td><td>${h.description}${h.abstention?.description ? html` <span class="muted small">· ${h.abstention.description}</span>` : ''}</td></tr>`,
    );
  const raw = otherMetrics(m.metrics);
  return html`<dl class="card-facts">
<dt>Model</dt><dd><b>${m.name}</b> ${m.version}${card.sha ? html` · sha <code>${card.sha}</code>` : ''}</dd>
<dt>What it is</dt><dd>${m.description}</dd>
<dt>Intended use</dt><dd>${m.intendedUse}</dd>
<dt>Inputs</dt><dd>text up to ${m.text.maxLength} tokens · image ${m.image.size}×${m.image.size} · audio ${m.audio.seconds} s at ${m.audio.sampleRate} Hz · up to ${m.knowledgeGraph.maxEntities} graph entities</dd>
</dl>
${seenList}
${modelResults(m)}
<details class="fold"><summary>Heads (${fmtCount(heads.length)}), license and recipe</summary>
<dl class="card-facts"><dt>License</dt><dd>${m.license}</dd><dt>Built by</dt><dd><code>${m.createdBy}</code></dd>${buildFacts(m.metrics)}</dl>
<table class="legend"><thead><tr><th>head</th><th>kind</th><th>labels</th><th>threshold</th><th>description</th></tr></thead><tbody>${heads}</tbody></table>
</details>
<details class="fold"><summary>All metrics recorded in the manifest</summary>
<div class="fold-body">${realNotes(m.metrics)}
<h4>Measured on held-out data</h4>
${Object.keys(raw).length > 0 ? valueTable(raw) : html`<p class="muted">The manifest records no metrics.</p>`}</div>
</details>`;
}

/** `metrics.build` (training/publish.py): library versions and the commit the package was published from. */
function buildFacts(metrics: Record<string, unknown>): Html {
  const build = metrics.build;
  if (!isPlainObject(build)) return html``;
  const text = (k: string): string | undefined => (typeof build[k] === 'string' ? (build[k] as string) : undefined);
  const versions = (
    [
      ['torch', 'PyTorch'],
      ['numpy', 'NumPy'],
      ['onnx', 'ONNX'],
    ] as const
  )
    .filter(([k]) => text(k) !== undefined)
    .map(([k, name]) => `${name} ${text(k)}`);
  const commit = text('git_commit');
  return html`${versions.length > 0 ? html`<dt>Published with</dt><dd>${versions.join(', ')}</dd>` : ''}${
    commit ? html`<dt>Commit</dt><dd><code>${commit}</code>${build.git_dirty === true ? ' (with uncommitted changes)' : ''}</dd>` : ''
  }`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const inUnit = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

/** The metrics but `real_notes` when it is shown on its own (realNotes). */
function otherMetrics(metrics: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(metrics.real_notes)) return metrics;
  const { real_notes: _shown, ...rest } = metrics;
  return rest;
}

/** The well-formed points of `real_notes.open_set.curve`, by coverage. */
export function coverageCurvePoints(
  realNotes: Record<string, unknown>,
): { coverage: number; accuracy: number; threshold: number | null }[] {
  const openSet = realNotes.open_set;
  const curve = isPlainObject(openSet) ? openSet.curve : undefined;
  if (!Array.isArray(curve)) return [];
  return curve
    .slice(0, 1000)
    .filter((p): p is Record<string, unknown> => isPlainObject(p) && inUnit(p.coverage) && inUnit(p.accuracy))
    .map((p) => ({ coverage: p.coverage as number, accuracy: p.accuracy as number, threshold: inUnit(p.threshold) ? p.threshold : null }))
    .sort((a, b) => a.coverage - b.coverage || a.accuracy - b.accuracy);
}

/**
 * `metrics.real_notes`, first, because a real-data number comes before a generated-data one: its
 * numbers as a table (the curve left out) and accuracy against coverage from
 * `real_notes.open_set.curve` as a line plot. Nothing when the manifest has no `real_notes`.
 */
function realNotes(metrics: Record<string, unknown>): Html {
  const real = metrics.real_notes;
  if (!isPlainObject(real)) return html``;
  const points = coverageCurvePoints(real);
  const openSet = real.open_set;
  const shown =
    isPlainObject(openSet) && 'curve' in openSet
      ? { ...real, open_set: Object.fromEntries(Object.entries(openSet).filter(([k]) => k !== 'curve')) }
      : real;
  const plot =
    points.length > 0
      ? lineChartSvg(
          points.map((p) => ({
            x: p.coverage,
            y: p.accuracy,
            title: `coverage ${fmtMetric(p.coverage)}, accuracy ${fmtMetric(p.accuracy)}, threshold ${p.threshold === null ? 'none (never abstains)' : fmtMetric(p.threshold)}`,
          })),
          { x: 'coverage', y: 'accuracy' },
          'Accuracy against coverage on real notes: answering only the records with the lowest abstention scores (an answered record whose answer is "none of these" counts as wrong).',
        )
      : html``;
  return html`<h4>Measured on real notes</h4><div class="real-notes"><div>${Object.keys(shown).length > 0 ? valueTable(shown) : ''}</div>${plot}</div>`;
}
