/**
 * @file The model card section: which model made these predictions, what it is for, and how well
 * it did on its held-out data (the manifest's `metrics`, rendered generically).
 *
 * The card states the package it was read from; if the lines were produced by a different model
 * (another sha) the report says so plainly, since the numbers would then describe the wrong model.
 */
import type { ModelManifest } from '../model/manifest.js';
import type { Aggregates } from './aggregate.js';
import { html, type Html } from './escape.js';
import { fmtCount, plural } from './format.js';
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
  if (!card.manifest) return [];
  return agg.models
    .sorted()
    .filter((m) => m.name !== card.manifest!.name || m.version !== card.manifest!.version || (card.sha !== undefined && m.sha !== card.sha))
    .map((m) => `${plural(m.count, 'record')} made by ${m.name} ${m.version} (sha ${m.sha}), not by the model of this card`);
}

export function modelCard(card: ModelCardInput, agg: Aggregates): Html {
  const seen = agg.models.sorted();
  const seenList = html`<p class="muted">Predictions in this file: ${
    seen.length === 0 ? 'none' : seen.map((m, i) => html`${i > 0 ? '; ' : ''}<code>${m.name} ${m.version} · ${m.sha}</code> (${fmtCount(m.count)})`)
  }${agg.models.other > 0 ? ` and ${fmtCount(agg.models.other)} from other models` : ''}.</p>`;
  const m = card.manifest;
  if (!m) {
    return html`<div class="callout warn">Model card unavailable${card.unavailable ? html`: ${card.unavailable}` : ''}.</div>${seenList}`;
  }
  const heads = Object.entries(m.heads)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([name, h]) =>
        html`<tr><th scope="row">${name}</th><td>${h.activation === 'softmax' ? 'one label (softmax)' : 'any number of labels (sigmoid)'}</td><td class="num">${fmtCount(h.labels.length)}</td><td class="num">${h.threshold ?? '–'}</td><td>${h.description}</td></tr>`,
    );
  return html`<dl class="card-facts">
<dt>Model</dt><dd><b>${m.name}</b> ${m.version}${card.sha ? html` · sha <code>${card.sha}</code>` : ''}</dd>
<dt>Description</dt><dd>${m.description}</dd>
<dt>Intended use</dt><dd>${m.intendedUse}</dd>
<dt>License</dt><dd>${m.license}</dd>
<dt>Built by</dt><dd><code>${m.createdBy}</code></dd>
<dt>Inputs</dt><dd>text up to ${m.text.maxLength} tokens · image ${m.image.size}×${m.image.size} · audio ${m.audio.seconds} s at ${m.audio.sampleRate} Hz · up to ${m.knowledgeGraph.maxEntities} graph entities</dd>
</dl>
${seenList}
<h4>Heads</h4>
<table class="legend"><thead><tr><th>head</th><th>kind</th><th>labels</th><th>threshold</th><th>description</th></tr></thead><tbody>${heads}</tbody></table>
<h4>Measured on held-out data</h4>
${Object.keys(m.metrics).length > 0 ? valueTable(m.metrics) : html`<p class="muted">The manifest records no metrics.</p>`}`;
}
