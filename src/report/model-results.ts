/**
 * @file The model card's one-screen summary for a reader who has to decide how far to trust the
 * predictions: how the model did on real notes beside the simple baselines it has to beat, one
 * line on generated records, and the limitations those numbers show.
 *
 * The training recipe writes `metrics` (training/evaluate.py, MODEL_CARD.md); this module picks
 * the few numbers that matter by their known paths and says nothing about a number that is
 * missing or malformed, so an older or hand-written manifest still gets a card. Everything the
 * manifest holds stays available, folded away, in ./model-card.ts.
 */
import type { ModelManifest } from '../model/manifest.js';
import { html, type Html } from './escape.js';
import { fmtCount, fmtPercent } from './format.js';
import { isJsonObject } from '../util/json.js';

type Obj = Record<string, unknown>;

/** The value at a dotted path of objects, or undefined. */
function at(root: unknown, path: string): unknown {
  let v = root;
  for (const key of path.split('.')) {
    if (!isJsonObject(v)) return undefined;
    v = v[key];
  }
  return v;
}

/** A share in [0, 1] at the path, or undefined. */
function share(root: unknown, path: string): number | undefined {
  const v = at(root, path);
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined;
}

/** A count at the path, or undefined. */
function count(root: unknown, path: string): number | undefined {
  const v = at(root, path);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

const pct = (x: number | undefined): string => (x === undefined ? '–' : fmtPercent(x, 1));

/** "83.5 % / 95.9 %" for top-1 / top-3, "–" for a missing half. */
function topPair(root: unknown, path: string): string | undefined {
  const top1 = share(root, `${path}.top1`);
  const top3 = share(root, `${path}.top3`);
  return top1 === undefined && top3 === undefined ? undefined : `${pct(top1)} / ${pct(top3)}`;
}

interface Baseline {
  name: string;
  value: string;
}

interface ResultRow {
  task: string;
  notes?: number;
  model: string;
  baselines: Baseline[];
}

const DIAGNOSIS_BASELINES: [string, string][] = [
  ['linker', 'entity linker'],
  ['tfidf_logreg', 'TF-IDF + logistic regression'],
  ['majority', 'most frequent labels'],
];

function diagnosisRow(diagnosis: unknown, key: string, task: string): ResultRow | undefined {
  const model = topPair(diagnosis, `${key}.model`);
  if (model === undefined) return undefined;
  const baselines = DIAGNOSIS_BASELINES.flatMap(([k, name]) => {
    const value = topPair(diagnosis, `${key}.${k}`);
    return value === undefined ? [] : [{ name, value }];
  });
  const notes = count(diagnosis, `${key}.notes`);
  return { task, ...(notes !== undefined ? { notes } : {}), model, baselines };
}

/** The rows of the real-note table: diagnosis named and not named, out-of-label notes, specialty. */
export function realResultRows(metrics: Obj): ResultRow[] {
  const rows: ResultRow[] = [];
  const diagnosis = at(metrics, 'real_notes.diagnosis');
  const named = diagnosisRow(diagnosis, 'named', 'Diagnosis, named in the note (top-1 / top-3)');
  if (named) rows.push(named);
  const removed = diagnosisRow(diagnosis, 'naming_removed', 'Same notes, the diagnosis’s name removed (top-1 / top-3)');
  if (removed) rows.push(removed);
  const openSet = at(metrics, 'real_notes.open_set');
  const outAbstained = share(openSet, 'abstained_out_of_label');
  if (outAbstained !== undefined) {
    const linker = share(openSet, 'linker_abstained_out_of_label');
    const inAbstained = share(openSet, 'abstained_in_label');
    const outOf = count(openSet, 'out_of_label');
    rows.push({
      task: `Diagnosis not among its labels: answered “none of these”${inAbstained !== undefined ? ` (in-label notes wrongly set aside: ${pct(inAbstained)})` : ''}`,
      ...(outOf !== undefined ? { notes: outOf } : {}),
      model: pct(outAbstained),
      baselines: linker === undefined ? [] : [{ name: 'entity linker', value: pct(linker) }],
    });
  }
  const specialty = share(metrics, 'specialty.pretrained.test.accuracy');
  if (specialty !== undefined) {
    const baselines: Baseline[] = [];
    const tfidf = share(metrics, 'specialty.tfidf_logreg_full_document.test.accuracy');
    if (tfidf !== undefined) baselines.push({ name: 'TF-IDF + logistic regression', value: pct(tfidf) });
    const majority = share(metrics, 'specialty.majority_class_test_accuracy');
    if (majority !== undefined) baselines.push({ name: 'most frequent specialty', value: pct(majority) });
    const docs = count(metrics, 'specialty.documents.test');
    rows.push({
      task: 'Specialty of the note (accuracy)',
      ...(docs !== undefined ? { notes: docs } : {}),
      model: pct(specialty),
      baselines,
    });
  }
  return rows;
}

/** The generated test split's top-1 / top-3 beside the label-prior baseline, as one sentence. */
function generatedLine(metrics: Obj): Html {
  const model = topPair(metrics, 'generated_test.model');
  if (model === undefined) return html``;
  const records = count(metrics, 'generated_test.records');
  const prior = topPair(metrics, 'generated_test.prior_baseline');
  return html`<p class="small">On generated test records${records !== undefined ? ` (${fmtCount(records)})` : ''}: diagnosis top-1 / top-3 <b>${model}</b>${prior ? html` <span class="muted">(label prior ${prior})</span>` : ''}. Generated records follow the graph they were drawn from and are easier than real notes.</p>`;
}

/** What the numbers say the model cannot do, each only when its numbers are in the manifest. */
export function limitations(manifest: ModelManifest): string[] {
  const m = manifest.metrics;
  const out: string[] = [];
  const genTop1 = share(m, 'generated_test.model.top1');
  const realTop1 = share(m, 'real_notes.diagnosis.named.model.top1');
  if (genTop1 !== undefined && realTop1 !== undefined && genTop1 > realTop1) {
    out.push(
      `Trained mostly on generated records: diagnosis top-1 is ${pct(genTop1)} on generated records but ${pct(realTop1)} on real notes that name the diagnosis.`,
    );
  }
  const removedTop3 = share(m, 'real_notes.diagnosis.naming_removed.model.top3');
  const tfidfRemoved = share(m, 'real_notes.diagnosis.naming_removed.tfidf_logreg.top3');
  if (removedTop3 !== undefined) {
    const beside = tfidfRemoved !== undefined ? ` (TF-IDF baseline ${pct(tfidfRemoved)})` : '';
    out.push(
      `It relies on the diagnosis being named: with the name removed, the right diagnosis is in its top 3 for ${pct(removedTop3)} of notes${beside}.`,
    );
  }
  const head = manifest.heads.diagnoses;
  const noneLabel = head?.abstention && head.abstention.score !== 'one-minus-max' ? (head.abstention.label ?? 'none') : undefined;
  const labels = head?.labels.filter((l) => l.id !== noneLabel).length;
  const outAbstained = share(m, 'real_notes.open_set.abstained_out_of_label');
  if (labels !== undefined) {
    out.push(
      `It knows ${fmtCount(labels)} diagnosis labels${outAbstained !== undefined ? `; for a note outside them it answers “none of these” ${pct(outAbstained)} of the time and otherwise names a wrong label` : ''}.`,
    );
  }
  const specialty = share(m, 'specialty.pretrained.test.accuracy');
  const tfidf = share(m, 'specialty.tfidf_logreg_full_document.test.accuracy');
  if (specialty !== undefined && tfidf !== undefined && specialty <= tfidf) {
    out.push(`Its note specialty (${pct(specialty)}) is no better than a TF-IDF baseline (${pct(tfidf)}).`);
  }
  out.push(
    `It reads the first ${fmtCount(manifest.text.maxLength)} tokens of the notes, one ${manifest.image.size}×${manifest.image.size} grey image and ${manifest.audio.seconds} s of audio; the rest is not seen.`,
  );
  out.push('The figures come from its own held-out splits; other hospitals, note styles and populations may do worse.');
  return out;
}

/** The summary: results on real notes beside the baselines, the generated-data line, limitations. */
export function modelResults(manifest: ModelManifest): Html {
  const rows = realResultRows(manifest.metrics);
  const table =
    rows.length === 0
      ? html`<p class="muted">The manifest records no results on real notes.</p>`
      : html`<table class="results"><thead><tr><th>task</th><th class="num">notes</th><th class="num">this model</th><th>baselines</th></tr></thead><tbody>${rows.map(
          (r) =>
            html`<tr><td>${r.task}</td><td class="num">${r.notes === undefined ? '–' : fmtCount(r.notes)}</td><td class="num"><b>${r.model}</b></td><td>${
              r.baselines.length === 0
                ? html`<span class="muted">–</span>`
                : r.baselines.map((b) => html`<span class="result-baseline"><span class="muted">${b.name}</span> ${b.value}</span>`)
            }</td></tr>`,
        )}</tbody></table>`;
  return html`<h4>Results on real notes</h4>${table}${generatedLine(manifest.metrics)}
<h4>Limitations</h4><ul class="limits">${limitations(manifest).map((l) => html`<li>${l}</li>`)}</ul>`;
}
