/**
 * @file `clinicalbert evaluate`: runs the model over labelled records and measures it — top-1/top-3
 * accuracy, macro-F1, AUROC and calibration of the diagnosis head (and of a severity head when the
 * model has one), micro/macro-F1 and AUROC of the drug head — and, with `faithfulness`, the ERASER
 * scores of word occlusion and attention rollout beside a seeded random baseline.
 *
 * Diagnoses are an open set. Records whose true answer is "none of these" (labels version 2 with
 * `condition: null`, or a condition the head does not have) are out-of-label: the diagnosis
 * metrics above cover the in-label records only, ranking the head's labels without its none
 * label ("closed-set"), and `openSet` measures the abstention (src/explain/metrics.ts defines
 * each number). A package whose head cannot abstain gets `openSet` too when the labels hold
 * out-of-label records, with 1 − the highest label probability as a reference score and no
 * threshold (nothing abstains). Drugs are measured on what the output lines report (the
 * `follows` rule of src/model/decide.ts applied), over all records.
 *
 * The model card's numbers come from rerunning this, so records go through the very loop `analyze`
 * uses (src/pipeline/batches.ts: same reader, same featurizer, same length-sorted batches of the
 * model) and get the same decisions: the metrics are measured on the predictions `analyze` writes,
 * and every number is a mean over records anyone can regenerate with `clinicalbert synth`.
 */
import { abstentionScore, answerIndices, decideHeads, rankIndices, type HeadDecision } from '../model/decide.js';
import type { AbstentionScoreKind, HeadSpec, ModelManifest } from '../model/manifest.js';
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, RecordOutputs } from '../model/runtime.js';
import { runRecords, type BatchItem } from '../pipeline/batches.js';
import { recordEvidence } from '../pipeline/prediction.js';
import type { ReadOptions } from '../records/read.js';
import { ClinicalBertError } from '../util/errors.js';
import {
  recordFaithfulness,
  randomWeights,
  summarizeFaithfulness,
  AOPC_K,
  type EraserSummary,
  type FaithfulnessMethod,
  type RecordFaithfulness,
} from './faithfulness.js';
import type { GroundTruth } from './labels.js';
import {
  abstentionRates,
  argmax,
  auroc,
  coverageCurve,
  expectedCalibrationError,
  macroAuroc,
  macroF1,
  multiLabelF1,
  openSetAuroc,
  selectiveAt,
  topKAccuracy,
  type CoveragePoint,
  type OpenSetRecord,
  type SelectivePoint,
} from './metrics.js';
import { attentionRollout } from './rollout.js';
import { diagnosisHead, topTarget } from './target.js';
import { MAX_UNITS, textUnits } from './units.js';
import { wordOcclusion } from './words.js';

export interface EvaluateOptions {
  inputs: string[];
  labels: readonly GroundTruth[];
  read: Partial<ReadOptions>;
  batchSize: number;
  faithfulness: boolean;
  /** Seed of the random baseline's rankings. */
  seed: number;
  /** Most text units per record (word occlusion's cap). */
  maxUnits?: number;
  /** Stop after this many labelled records (reading stops there: later records are not counted as read). */
  limit?: number;
  onProgress?: (evaluated: number) => void;
}

export interface SingleLabelMetrics {
  head: string;
  records: number;
  /**
   * Records whose true label is not one of the head's labels. Severity: counted as misses. The
   * diagnosis head: left out of these metrics and evaluated as out-of-label in `openSet`.
   */
  outsideLabels: number;
  top1: number | null;
  top3: number | null;
  macroF1: number | null;
  /** One-vs-rest AUROC averaged over the classes present. */
  auroc: number | null;
  ece: number | null;
  aurocPerClass: Record<string, number>;
}

export interface MultiLabelMetrics {
  head: string;
  records: number;
  threshold: number;
  /** True labels that are not among the head's labels (ignored). */
  outsideLabels: number;
  microF1: number | null;
  macroF1: number | null;
  /** Per-label AUROC averaged over labels with positives and negatives. */
  auroc: number | null;
  /** The head this one follows: F1 is over the drugs the lines report after the rule. */
  follows?: string;
}

/** The abstention of the diagnosis head measured against labels (src/explain/metrics.ts). */
export interface OpenSetMetrics {
  head: string;
  /** How the abstention score is computed; `one-minus-max` as a reference when the head cannot abstain. */
  score: AbstentionScoreKind;
  /** The package's threshold; null when the head cannot abstain (then nothing abstains). */
  threshold: number | null;
  inLabel: number;
  outOfLabel: number;
  /** Out-of-label records by the labels' `openSet.kind`; `outside-labels`: a condition the head lacks; `unspecified`: no kind given. */
  outOfLabelKinds: Record<string, number>;
  /** At the package's threshold: share of out-of-label records that abstained (right), of in-label ones (wrong). */
  abstentionRate: { outOfLabel: number | null; inLabel: number | null };
  /** AUROC of the abstention score, out-of-label records positive. */
  auroc: number | null;
  /** Coverage, accuracy and top-3 at the package's threshold. */
  atThreshold: SelectivePoint;
  /** Accuracy against coverage at 5 %, 10 %, …, 100 % (nearest achievable points). */
  curve: CoveragePoint[];
}

export interface FaithfulnessReport {
  /** Records with at least one text unit (the others have no note to attribute). */
  records: number;
  /** Of those, records whose explained target was the abstention ("none of these"). */
  abstentionTargets: number;
  seed: number;
  maxUnits: number;
  aopcK: number[];
  methods: Partial<Record<FaithfulnessMethod, EraserSummary & { msPerRecord: number }>>;
}

export interface EvaluationReport {
  model: { name: string; version: string; sha: string; precision?: string };
  records: {
    read: number;
    evaluated: number;
    /** Records with no label line (not evaluated). */
    unlabelled: number;
    /** Label lines that matched no record. */
    labelsWithoutRecord: number;
    /** Inputs that could not become a record, be featurized or be run through the model. */
    failed: number;
  };
  /** Diagnoses: closed-set metrics over in-label records only. */
  heads: { diagnoses?: SingleLabelMetrics; severity?: SingleLabelMetrics; drugs?: MultiLabelMetrics };
  /** Present when the labels hold out-of-label records or the diagnosis head can abstain. */
  openSet?: OpenSetMetrics;
  faithfulness?: FaithfulnessReport;
  seconds: number;
}

/** One evaluated record: its labels, the model's outputs and what each head decided. */
export interface Scored {
  truth: GroundTruth;
  outputs: RecordOutputs;
  decisions: Record<string, HeadDecision>;
}

/** Metrics of a softmax head; column j of `scores` is the label `ids[j]`. */
function singleLabel(
  head: string,
  ids: readonly string[],
  rows: readonly { truth: number; scores: ArrayLike<number> }[],
): SingleLabelMetrics {
  const truth = rows.map((r) => r.truth);
  const scores = rows.map((r) => r.scores);
  const predicted = scores.map(argmax);
  const { mean, perClass } = macroAuroc(truth, scores);
  return {
    head,
    records: rows.length,
    outsideLabels: truth.filter((t) => t < 0).length,
    top1: topKAccuracy(truth, scores, 1),
    top3: topKAccuracy(truth, scores, 3),
    macroF1: macroF1(truth, predicted),
    auroc: mean,
    ece: expectedCalibrationError(
      scores.map((s, i) => s[predicted[i] as number] as number),
      predicted.map((p, i) => p === truth[i]),
    ),
    aurocPerClass: Object.fromEntries([...perClass].map(([c, v]) => [ids[c] ?? String(c), v])),
  };
}

/** The head recommending drugs: `drugs`, else the first sigmoid head over `drug:` labels. */
function drugHead(heads: Record<string, HeadSpec>): string | undefined {
  if (heads.drugs) return 'drugs';
  return Object.entries(heads).find(([, h]) => h.activation === 'sigmoid' && h.labels.some((l) => l.id.startsWith('drug:')))?.[0];
}

/** Index of severity `s` among a severity head's labels (`3`, `severity:3`, display `3`). */
function severityIndex(spec: HeadSpec, s: number): number {
  const key = String(s);
  return spec.labels.findIndex((l) => l.id === key || l.id.endsWith(`:${key}`) || l.code === key || l.display === key);
}

/** The head's abstention score of a record, or 1 − its highest answer probability when it cannot abstain. */
function openSetScore(spec: HeadSpec, scores: Float32Array): number {
  const score = abstentionScore(spec, scores);
  if (score !== undefined) return score;
  let max = 0;
  for (const i of answerIndices(spec)) max = Math.max(max, scores[i] as number);
  return 1 - max;
}

function openSetMetrics(
  head: string,
  spec: HeadSpec,
  scored: readonly Scored[],
  position: ReadonlyMap<string, number>,
  answers: readonly number[],
): OpenSetMetrics {
  const kinds: Record<string, number> = {};
  const records: OpenSetRecord[] = scored.map((s) => {
    const scores = s.outputs.heads[head] as Float32Array;
    const truth = s.truth.condition === null ? undefined : position.get(s.truth.condition);
    const outOfLabel = truth === undefined;
    if (outOfLabel) {
      const kind = s.truth.openSet?.kind ?? (s.truth.condition === null ? 'unspecified' : 'outside-labels');
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    const top = rankIndices(scores, answers).slice(0, 3);
    const at = truth === undefined ? -1 : top.indexOf(answers[truth] as number);
    return { score: openSetScore(spec, scores), outOfLabel, correct1: at === 0, correct3: at >= 0 };
  });
  const threshold = spec.abstention?.threshold ?? null;
  return {
    head,
    score: spec.abstention ? (spec.abstention.score ?? 'label') : 'one-minus-max',
    threshold,
    inLabel: records.filter((r) => !r.outOfLabel).length,
    outOfLabel: records.filter((r) => r.outOfLabel).length,
    outOfLabelKinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1))),
    abstentionRate: abstentionRates(records, threshold),
    auroc: openSetAuroc(records),
    atThreshold: selectiveAt(records, threshold),
    curve: coverageCurve(records),
  };
}

/**
 * Every head's metrics over scored records (exported for tests on hand-made outputs). The
 * diagnosis head's closed-set metrics rank its answer labels only (the none label left out) over
 * the in-label records.
 */
export function headMetrics(
  manifest: ModelManifest,
  scored: readonly Scored[],
): { heads: EvaluationReport['heads']; openSet?: OpenSetMetrics } {
  const heads = manifest.heads;
  const out: EvaluationReport['heads'] = {};
  const dx = diagnosisHead(manifest);
  const dxSpec = heads[dx] as HeadSpec;
  const answers = answerIndices(dxSpec);
  const position = new Map(answers.map((labelIndex, j) => [dxSpec.labels[labelIndex]?.id ?? String(labelIndex), j]));
  const inLabel = scored.filter((s) => s.truth.condition !== null && position.has(s.truth.condition));
  out.diagnoses = {
    ...singleLabel(
      dx,
      answers.map((i) => dxSpec.labels[i]?.id ?? String(i)),
      inLabel.map((s) => {
        const scores = s.outputs.heads[dx] as Float32Array;
        return { truth: position.get(s.truth.condition as string) as number, scores: answers.map((i) => scores[i] as number) };
      }),
    ),
    outsideLabels: scored.filter((s) => s.truth.condition !== null && !position.has(s.truth.condition)).length,
  };
  const outOfLabel = scored.length - inLabel.length;
  const openSet = outOfLabel > 0 || dxSpec.abstention ? openSetMetrics(dx, dxSpec, scored, position, answers) : undefined;

  const severity = heads.severity;
  if (severity && severity.activation === 'softmax') {
    const rows = scored
      .filter((s) => s.truth.severity !== undefined && s.outputs.heads.severity)
      .map((s) => ({ truth: severityIndex(severity, s.truth.severity as number), scores: s.outputs.heads.severity as Float32Array }));
    if (rows.length > 0 && rows.some((r) => r.truth >= 0))
      out.severity = singleLabel(
        'severity',
        severity.labels.map((l) => l.id),
        rows,
      );
  }

  const drugs = drugHead(heads);
  if (drugs) {
    const spec = heads[drugs] as HeadSpec;
    const index = new Map(spec.labels.map((l, i) => [l.id, i]));
    const threshold = spec.threshold ?? 0.5;
    let outside = 0;
    const truth = scored.map((s) => {
      const set = new Set<number>();
      for (const id of s.truth.drugs) {
        const i = index.get(id);
        if (i === undefined) outside++;
        else set.add(i);
      }
      return set;
    });
    const scores = scored.map((s) => s.outputs.heads[drugs] as Float32Array);
    const predicted = scored.map((s) => new Set(s.decisions[drugs]?.labels ?? []));
    const f1 = multiLabelF1(truth, predicted);
    const perLabel = spec.labels
      .map((_, c) =>
        auroc(
          scores.map((row) => row[c] as number),
          truth.map((t) => t.has(c)),
        ),
      )
      .filter((v): v is number => v !== null);
    out.drugs = {
      head: drugs,
      records: scored.length,
      threshold,
      outsideLabels: outside,
      microF1: f1.micro,
      macroF1: f1.macro,
      auroc: perLabel.length > 0 ? perLabel.reduce((a, b) => a + b, 0) / perLabel.length : null,
      ...(spec.follows !== undefined ? { follows: spec.follows } : {}),
    };
  }
  return { heads: out, ...(openSet ? { openSet } : {}) };
}

export async function runEvaluate(model: ClinicalModel, options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const byId = new Map<string, GroundTruth>();
  for (const label of options.labels) {
    byId.set(label.patientId, label);
    if (label.encounterId) byId.set(label.encounterId, label);
  }
  const matched = new Set<GroundTruth>();
  const counts = { read: 0, evaluated: 0, unlabelled: 0, failed: 0 };
  const scored: Scored[] = [];
  const faithful: RecordFaithfulness[] = [];
  const cost: Record<FaithfulnessMethod, number> = { 'word-occlusion': 0, 'attention-rollout': 0, random: 0 };
  const head = diagnosisHead(model.manifest);
  const headSpec = model.manifest.heads[head] as HeadSpec;

  let abstentionTargets = 0;
  // Faithfulness runs on the batch the model just ran (its embeddings are reused), one result per record.
  const perBatch = async (
    batch: readonly BatchItem[],
    features: readonly RecordFeatures[],
    outputs: readonly RecordOutputs[],
  ): Promise<({ result: RecordFaithfulness; abstention: boolean } | undefined)[]> => {
    const results: ({ result: RecordFaithfulness; abstention: boolean } | undefined)[] = [];
    const embeddings = await model.encodingOf(features);
    for (const [r, item] of batch.entries()) {
      const target = topTarget(head, headSpec, outputs[r] as RecordOutputs);
      let t = performance.now();
      const occlusion = await wordOcclusion(model, item.features, embeddings, r, target, options.maxUnits);
      cost['word-occlusion'] += performance.now() - t;
      t = performance.now();
      const rollout = await attentionRollout(model, item.features, options.maxUnits);
      cost['attention-rollout'] += performance.now() - t;
      const units = textUnits(item.features.text, item.features.entities, options.maxUnits);
      const result = await recordFaithfulness(model, item.features, embeddings, r, target, units, {
        'word-occlusion': occlusion.weights,
        ...(rollout ? { 'attention-rollout': rollout.weights } : {}),
        random: randomWeights(units.length, options.seed, item.record.id),
      });
      results.push(result ? { result, abstention: target.abstention !== undefined } : undefined);
    }
    return results;
  };

  const events = runRecords(model, {
    inputs: options.inputs,
    read: options.read,
    batchSize: options.batchSize,
    select: (record) => byId.has(record.id),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.faithfulness ? { perBatch } : {}),
  });
  for await (const event of events) {
    // (`other-shard` comes only with the `keep` option, which evaluate does not pass)
    if (event.kind === 'window' || event.kind === 'other-shard') {
      if (event.kind === 'window') options.onProgress?.(counts.evaluated);
      continue;
    }
    counts.read++;
    // A skipped input (reference data only) has no patient, hence no labels either.
    if (event.kind === 'skipped' || event.kind === 'skipped-input') {
      counts.unlabelled++;
      continue;
    }
    // (`resumed` comes only with the `resumed` option, which evaluate does not pass)
    if (event.kind === 'unreadable' || event.kind === 'unfeaturizable' || event.kind === 'resumed') {
      counts.failed++;
      continue;
    }
    const truth = byId.get(event.record.id) as GroundTruth;
    matched.add(truth);
    if (event.kind === 'failed') {
      counts.failed++;
      continue;
    }
    const decisions = decideHeads(model.manifest.heads, event.outputs.heads, {
      graph: model.graph,
      facts: event.record.facts,
      evidence: recordEvidence(event.record, event.features),
    });
    scored.push({ truth, outputs: event.outputs, decisions });
    counts.evaluated++;
    if (event.extra) {
      faithful.push(event.extra.result);
      if (event.extra.abstention) abstentionTargets++;
    }
  }
  if (scored.length === 0) {
    throw new ClinicalBertError(
      `no record matched a label (read ${counts.read}, unlabelled ${counts.unlabelled}): labels join records by patientId (encounterId with --unit encounter)`,
      { code: 'EVALUATE_NO_MATCH' },
    );
  }

  const manifest = model.manifest;
  const report: EvaluationReport = {
    model: { name: manifest.name, version: manifest.version, sha: model.pkg.sha, precision: model.precision },
    records: { ...counts, labelsWithoutRecord: options.labels.filter((l) => !matched.has(l)).length },
    ...headMetrics(manifest, scored),
    seconds: 0,
  };
  if (options.faithfulness) {
    const summary = summarizeFaithfulness(faithful);
    const methods: FaithfulnessReport['methods'] = {};
    for (const [name, s] of Object.entries(summary) as [FaithfulnessMethod, EraserSummary][]) {
      methods[name] = { ...s, msPerRecord: scored.length > 0 ? cost[name] / scored.length : 0 };
    }
    report.faithfulness = {
      records: faithful.length,
      abstentionTargets,
      seed: options.seed,
      maxUnits: options.maxUnits ?? MAX_UNITS,
      aopcK: [...AOPC_K],
      methods,
    };
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
