/**
 * @file Prediction metrics against ground truth, as pure functions over arrays: top-k accuracy,
 * macro-F1, one-vs-rest AUROC, expected calibration error, micro/macro F1 for multi-label heads,
 * and the open-set metrics of a head that can abstain (defined exactly above `OpenSetRecord`).
 * `clinicalbert evaluate` and the model card use these; each is checked on hand-computed
 * examples (test/explain/metrics.test.ts).
 *
 * Conventions (the usual ones, spelled out because they change the numbers):
 * - A true class index of -1 means "not one of the head's labels": always a miss, and a false
 *   positive for whatever was predicted, but not a class of its own in macro averages.
 * - Macro-F1 averages over classes that occur in the truth or the predictions (sklearn's default).
 * - AUROC is the Mann–Whitney statistic (ties count one half); the one-vs-rest macro average is
 *   over classes with at least one positive and one negative record. Undefined values are null.
 * - ECE uses 10 equal-width confidence bins on the top-1 probability: Σ |B|/n · |acc(B) − conf(B)|.
 */

/** Label indices sorted by score, best first (ties by index). */
function order(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/** Share of records whose true class is among the k best-scored labels. */
export function topKAccuracy(truth: readonly number[], scores: readonly ArrayLike<number>[], k: number): number | null {
  if (truth.length === 0) return null;
  let hits = 0;
  truth.forEach((t, i) => {
    if (
      t >= 0 &&
      order(scores[i] as ArrayLike<number>)
        .slice(0, k)
        .includes(t)
    )
      hits++;
  });
  return hits / truth.length;
}

/** Index of the best score (ties: lowest index). */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
  return best;
}

function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Macro-F1 of single-label predictions over classes seen in truth or predictions. */
export function macroF1(truth: readonly number[], predicted: readonly number[]): number | null {
  const classes = new Set<number>([...truth, ...predicted].filter((c) => c >= 0));
  if (classes.size === 0) return null;
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((t, i) => {
      const p = predicted[i];
      if (p === c && t === c) tp++;
      else if (p === c) fp++;
      else if (t === c) fn++;
    });
    sum += f1(tp, fp, fn);
  }
  return sum / classes.size;
}

/** Area under the ROC curve: P(score of a positive > score of a negative), ties one half. */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  const items = scores.map((s, i) => ({ s, p: positive[i] === true })).sort((a, b) => a.s - b.s);
  const nPos = items.filter((x) => x.p).length;
  const nNeg = items.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  // Mid-ranks over tied scores, then the Mann–Whitney U of the positives.
  let rankSum = 0;
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j + 1 < items.length && (items[j + 1] as { s: number }).s === (items[i] as { s: number }).s) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((items[k] as { p: boolean }).p) rankSum += midRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** One-vs-rest AUROC per class present in truth, and their mean. */
export function macroAuroc(
  truth: readonly number[],
  scores: readonly ArrayLike<number>[],
): { mean: number | null; perClass: Map<number, number> } {
  const perClass = new Map<number, number>();
  const classes = [...new Set(truth.filter((t) => t >= 0))].sort((a, b) => a - b);
  for (const c of classes) {
    const value = auroc(
      scores.map((s) => s[c] as number),
      truth.map((t) => t === c),
    );
    if (value !== null) perClass.set(c, value);
  }
  const values = [...perClass.values()];
  return { mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null, perClass };
}

/** Expected calibration error of top-1 confidences, equal-width bins over [0, 1]. */
export function expectedCalibrationError(confidence: readonly number[], correct: readonly boolean[], bins = 10): number | null {
  if (confidence.length === 0) return null;
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const acc = new Array<number>(bins).fill(0);
  confidence.forEach((c, i) => {
    // Bin b holds (b/bins, (b+1)/bins]; a confidence of exactly 0 goes to the first bin.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins - 1e-9) - 1));
    count[b] = (count[b] as number) + 1;
    conf[b] = (conf[b] as number) + c;
    acc[b] = (acc[b] as number) + (correct[i] ? 1 : 0);
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number;
    if (n > 0) ece += (n / confidence.length) * Math.abs((acc[b] as number) / n - (conf[b] as number) / n);
  }
  return ece;
}

/** Micro and macro F1 of multi-label predictions (`truth[i]`/`predicted[i]`: label index sets). */
export function multiLabelF1(
  truth: readonly ReadonlySet<number>[],
  predicted: readonly ReadonlySet<number>[],
): { micro: number | null; macro: number | null } {
  const counts = new Map<number, { tp: number; fp: number; fn: number }>();
  const entry = (c: number) => {
    let e = counts.get(c);
    if (!e) {
      e = { tp: 0, fp: 0, fn: 0 };
      counts.set(c, e);
    }
    return e;
  };
  truth.forEach((t, i) => {
    const p = predicted[i] ?? new Set<number>();
    for (const c of p) {
      if (t.has(c)) entry(c).tp++;
      else entry(c).fp++;
    }
    for (const c of t) if (!p.has(c)) entry(c).fn++;
  });
  if (counts.size === 0) return { micro: null, macro: null };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let macro = 0;
  for (const e of counts.values()) {
    tp += e.tp;
    fp += e.fp;
    fn += e.fn;
    macro += f1(e.tp, e.fp, e.fn);
  }
  return { micro: f1(tp, fp, fn), macro: macro / counts.size };
}

/*
 * Open-set metrics: how well the abstention score separates records whose true answer is one of
 * the head's labels ("in-label") from records whose true answer is "none of these"
 * ("out-of-label"), and what answering only below a threshold buys. Definitions, exactly (the
 * training recipe's Python computes the same quantities):
 *
 * - Each evaluated record i has an abstention score s_i (the package's: p(none label) or
 *   1 − max label probability), out_i (true answer is "none of these"), and correct1_i /
 *   correct3_i: the true label is the top-1 / among the top-3 of the labels ranked without the
 *   none label (always false for an out-of-label record).
 * - A record abstains at threshold t when s_i >= t, and answers when s_i < t. "No threshold"
 *   (t = null) means it never abstains.
 * - Abstention rate on out-of-label records (right) = #{out_i, s_i >= t} / #{out_i}; on in-label
 *   records (wrong) = #{not out_i, s_i >= t} / #{not out_i}; null when the group is empty.
 * - AUROC of s between in-label (negative) and out-of-label (positive) records: the
 *   Mann–Whitney statistic of `auroc` above (ties count one half).
 * - At threshold t: answered = #{s_i < t}; coverage = answered / N (N = all evaluated records);
 *   accuracy = #{s_i < t, correct1_i} / answered (an answered out-of-label record is always
 *   wrong); top-3 likewise with correct3_i; accuracy and top-3 are null when nothing is answered.
 * - Accuracy against coverage: sort the scores ascending, s_(1) <= … <= s_(N). Answering exactly
 *   the k lowest-scored records is achievable for 1 <= k < N with s_(k) < s_(k+1), at
 *   t = s_(k+1) (the smallest unanswered score), and for k = N at t = 1 (null if a score is 1, as
 *   then no threshold in (0, 1] answers every record); k = 0 is left out (no accuracy). For each
 *   target coverage c = i / 20 (i = 1 … 20) the curve reports the achievable k nearest to c·N
 *   (ties, within 1e-9: the smaller k), with its coverage, accuracy, threshold and answered count.
 *   This is training/open_set.py's `coverage_curve` (which rounds to 4 decimals).
 */

/** One evaluated record, as the open-set metrics see it. */
export interface OpenSetRecord {
  /** The abstention score (higher: more "none of these"). */
  score: number;
  /** True answer is "none of these" (no label, or a label outside the head). */
  outOfLabel: boolean;
  /** The true label is the top-1 answer label (false for out-of-label records). */
  correct1: boolean;
  /** The true label is among the top-3 answer labels (false for out-of-label records). */
  correct3: boolean;
}

/** Coverage, accuracy and top-3 when answering below a threshold (null: never abstain). */
export interface SelectivePoint {
  threshold: number | null;
  answered: number;
  coverage: number | null;
  accuracy: number | null;
  top3: number | null;
}

/** Share of out-of-label (right) and in-label (wrong) records that abstain at `threshold`. */
export function abstentionRates(
  records: readonly OpenSetRecord[],
  threshold: number | null,
): { outOfLabel: number | null; inLabel: number | null } {
  const rate = (group: readonly OpenSetRecord[]) =>
    group.length === 0 ? null : group.filter((r) => threshold !== null && r.score >= threshold).length / group.length;
  return { outOfLabel: rate(records.filter((r) => r.outOfLabel)), inLabel: rate(records.filter((r) => !r.outOfLabel)) };
}

/** AUROC of the abstention score, out-of-label records positive. */
export function openSetAuroc(records: readonly OpenSetRecord[]): number | null {
  return auroc(
    records.map((r) => r.score),
    records.map((r) => r.outOfLabel),
  );
}

/** The records answered below `threshold` (all of them when null), with their accuracy. */
export function selectiveAt(records: readonly OpenSetRecord[], threshold: number | null): SelectivePoint {
  const answered = records.filter((r) => threshold === null || r.score < threshold);
  const n = answered.length;
  return {
    threshold,
    answered: n,
    coverage: records.length === 0 ? null : n / records.length,
    accuracy: n === 0 ? null : answered.filter((r) => r.correct1).length / n,
    top3: n === 0 ? null : answered.filter((r) => r.correct3).length / n,
  };
}

/** The target coverages of the accuracy-against-coverage curve: 0.05, 0.10, …, 1.00. */
export const COVERAGE_TARGETS: readonly number[] = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);

export interface CoveragePoint {
  /** The coverage asked for. */
  target: number;
  /** The nearest achievable coverage, and the accuracy, threshold and count there. */
  coverage: number;
  accuracy: number;
  threshold: number | null;
  answered: number;
}

/** Accuracy against coverage at the nearest achievable point to each target coverage. */
export function coverageCurve(records: readonly OpenSetRecord[], targets: readonly number[] = COVERAGE_TARGETS): CoveragePoint[] {
  const n = records.length;
  if (n === 0) return [];
  const sorted = records.slice().sort((a, b) => a.score - b.score);
  // correct[k] = correct answers among the k lowest-scored records.
  const correct = [0];
  for (const r of sorted) correct.push((correct[correct.length - 1] as number) + (r.correct1 ? 1 : 0));
  const achievable: { k: number; threshold: number | null }[] = [];
  for (let k = 1; k < n; k++) {
    const here = (sorted[k - 1] as OpenSetRecord).score;
    const next = (sorted[k] as OpenSetRecord).score;
    if (here < next) achievable.push({ k, threshold: next });
  }
  achievable.push({ k: n, threshold: (sorted[n - 1] as OpenSetRecord).score < 1 ? 1 : null });
  return targets.map((target) => {
    // Achievable points are in increasing k, so a tie keeps the smaller one.
    let best = achievable[0] as { k: number; threshold: number | null };
    for (const point of achievable) if (Math.abs(point.k - target * n) < Math.abs(best.k - target * n) - 1e-9) best = point;
    return { target, coverage: best.k / n, accuracy: (correct[best.k] as number) / best.k, threshold: best.threshold, answered: best.k };
  });
}
