/**
 * @file The method legend: what each explanation method does, whether it measures the model
 * (faithful) or only pictures it, its cost in this run, and the faithfulness numbers the model
 * card recorded for it.
 *
 * Clinicians should not have to know that attention is not evidence; the legend says so next to
 * the numbers. Faithful/not comes from the lines themselves (each method states it), the
 * descriptions from the table below, and any unknown method is still listed by name.
 */
import type { Aggregates } from './aggregate.js';
import { html, type Html } from './escape.js';
import { fmtCount, fmtMetric } from './format.js';
import { valueTable } from './value-table.js';
import { isJsonObject } from '../util/json.js';

export const METHOD_DESCRIPTIONS: Record<string, string> = {
  'modality-ablation':
    'Removes each input (note text, image, audio, knowledge-graph entities) in turn and re-runs the model; the change in the score is that input’s contribution.',
  'kg-evidence':
    'The record’s linked knowledge-graph facts that the graph connects to each diagnosis, with the edge, its probability and the fusion head’s attention on the entity.',
  'word-occlusion': 'Removes each word (or linked mention) of the note and re-runs the model; the drop in the score is the word’s weight.',
  'attention-rollout':
    'Attention from the classification token to each word, multiplied through the layers. Shows where the model looked, not what changed its answer.',
  'image-occlusion': 'Covers each cell of a grid over the image and re-runs the model; the drop in the score is the cell’s weight.',
  'audio-occlusion': 'Silences each time segment of the recording and re-runs the model; the drop in the score is the segment’s weight.',
};

/** The first object in `metrics` (two levels deep) under a key that mentions faithfulness. */
export function findFaithfulness(metrics: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!metrics) return undefined;
  for (const [k, v] of Object.entries(metrics)) if (/faithful/i.test(k) && isJsonObject(v)) return v;
  for (const v of Object.values(metrics)) {
    if (!isJsonObject(v)) continue;
    for (const [k, inner] of Object.entries(v)) if (/faithful/i.test(k) && isJsonObject(inner)) return inner;
  }
  return undefined;
}

/** The faithfulness numbers for one method: keyed by its name directly or under `methods`. */
function faithfulnessFor(found: Record<string, unknown> | undefined, method: string): unknown {
  if (!found) return undefined;
  const methods = found.methods;
  const nested = typeof methods === 'object' && methods !== null && !Array.isArray(methods) ? (methods as Record<string, unknown>) : {};
  return found[method] ?? found[method.replace(/-/g, '_')] ?? nested[method] ?? nested[method.replace(/-/g, '_')];
}

export function methodLegend(agg: Aggregates, metrics: Record<string, unknown> | undefined): Html {
  const found = findFaithfulness(metrics);
  const tallies = [...agg.methods.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (tallies.length === 0) {
    return html`<p class="muted">No explanations in this run. Run <code>clinicalbert analyze --explain fast</code> (or <code>full</code>) to add them.</p>${found ? html`<h4>Measured faithfulness (model card)</h4>${valueTable(found)}` : ''}`;
  }
  let matched = false;
  const rows = tallies.map(([name, t]) => {
    const faithful = t.faithful === t.records ? 'yes' : t.faithful === 0 ? 'no' : `mixed (${t.faithful}/${t.records})`;
    const numbers = faithfulnessFor(found, name);
    if (numbers !== undefined) matched = true;
    const meanMs = t.msCount > 0 ? `${fmtMetric(Math.round((t.msSum / t.msCount) * 10) / 10)} ms` : '–';
    return html`<tr>
<th scope="row"><span class="method">${name}</span></th>
<td><span class="badge ${t.faithful === t.records ? 'faithful' : 'visual'}">${faithful}</span></td>
<td>${METHOD_DESCRIPTIONS[name] ?? 'No description for this method.'}</td>
<td class="num">${fmtCount(t.records)}</td>
<td class="num">${fmtMetric(Math.round((t.forwardPasses / Math.max(1, t.records)) * 10) / 10)}</td>
<td class="num">${meanMs}</td>
<td>${numbers === undefined ? html`<span class="muted">–</span>` : valueTable(numbers, 1)}</td>
</tr>`;
  });
  const random = faithfulnessFor(found, 'random');
  if (random !== undefined) {
    rows.push(html`<tr class="baseline">
<th scope="row"><span class="method">random</span></th>
<td><span class="muted">baseline</span></td>
<td>A seeded random ranking of the same words: the score any attribution method has to beat.</td>
<td class="num">–</td><td class="num">–</td><td class="num">–</td>
<td>${valueTable(random, 1)}</td>
</tr>`);
  }
  // Wide faithfulness tables scroll inside their own box, never the page (1280 px screens).
  return html`<div class="table-scroll"><table class="legend"><thead><tr><th>method</th><th>faithful</th><th>what it shows</th><th>records</th><th>passes / record</th><th>mean time</th><th>measured faithfulness (model card)</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="note-small"><b>Faithful</b> methods change the input and re-run the model, so they measure what the model actually relied on. Attention is a picture of where the model looked; it is <b>not</b> a faithfulness measure.</p>
${found && !matched ? html`<h4>Measured faithfulness (model card)</h4>${valueTable(found)}` : ''}`;
}
