import { describe, expect, it } from 'vitest';
import {
  COVERAGE_TARGETS,
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
  type OpenSetRecord,
} from '../../src/explain/metrics.js';

describe('top-k accuracy', () => {
  const scores = [
    [0.7, 0.2, 0.1],
    [0.5, 0.3, 0.2],
    [0.2, 0.3, 0.5],
    [0.6, 0.3, 0.1],
  ];
  const truth = [0, 1, 2, -1];

  it('counts the true class among the k best, a label outside the head as a miss', () => {
    expect(topKAccuracy(truth, scores, 1)).toBe(0.5);
    expect(topKAccuracy(truth, scores, 2)).toBe(0.75);
    expect(topKAccuracy(truth, scores, 3)).toBe(0.75);
  });

  it('is undefined without records', () => {
    expect(topKAccuracy([], [], 1)).toBeNull();
  });

  it('argmax breaks ties by the lower index', () => {
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
  });
});

describe('macro-F1', () => {
  it('averages per-class F1 over classes in truth or predictions', () => {
    // class 0: tp 1, fp 1, fn 1 -> 0.5; class 1: tp 2, fp 1 -> 0.8; class 2: tp 0 -> 0.
    expect(macroF1([0, 0, 1, 1, 2], [0, 1, 1, 1, 0])).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
  });

  it('counts a prediction for an out-of-head label as a false positive only', () => {
    // class 0: tp 1, fp 1 (the -1 record) -> 2/3; -1 is not a class of its own.
    expect(macroF1([0, -1], [0, 0])).toBeCloseTo(2 / 3, 12);
  });
});

describe('AUROC', () => {
  it('matches the textbook example', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
  });

  it('counts ties as one half', () => {
    expect(auroc([0.5, 0.5, 0.2, 0.9], [true, false, false, true])).toBeCloseTo(0.875, 12);
  });

  it('is undefined with one class only', () => {
    expect(auroc([0.1, 0.2], [true, true])).toBeNull();
  });

  it('averages one-vs-rest over classes present', () => {
    const { mean, perClass } = macroAuroc(
      [0, 1, 0, 1],
      [
        [0.9, 0.1],
        [0.4, 0.6],
        [0.3, 0.7],
        [0.2, 0.8],
      ],
    );
    expect(perClass.get(0)).toBeCloseTo(0.75, 12);
    expect(perClass.get(1)).toBeCloseTo(0.75, 12);
    expect(mean).toBeCloseTo(0.75, 12);
  });
});

describe('expected calibration error', () => {
  it('weights each bin by its share of records', () => {
    // bins (0.9,1]: |1-0.95|·1/4; (0.8,0.9]: |0.5-0.85|·2/4; (0.3,0.4]: |0-0.35|·1/4.
    expect(expectedCalibrationError([0.95, 0.85, 0.85, 0.35], [true, true, false, false])).toBeCloseTo(0.0125 + 0.175 + 0.0875, 12);
  });

  it('puts a confidence on a bin edge in the lower bin', () => {
    // 0.3 belongs to (0.2, 0.3]: alone there, with 0.25 beside it: |0.5 - 0.275| = 0.225.
    expect(expectedCalibrationError([0.3, 0.25], [true, false])).toBeCloseTo(0.225, 12);
  });

  it('is zero for perfectly calibrated bins', () => {
    expect(expectedCalibrationError([1, 1, 0.5, 0.5], [true, true, true, false])).toBeCloseTo(0, 12);
  });
});

describe('multi-label F1', () => {
  it('gives micro and macro F1 over labels seen', () => {
    const truth = [new Set([0, 1]), new Set([1]), new Set<number>()];
    const predicted = [new Set([0]), new Set([1, 2]), new Set([2])];
    const { micro, macro } = multiLabelF1(truth, predicted);
    // tp 2, fp 2, fn 1.
    expect(micro).toBeCloseTo(4 / 7, 12);
    // label 0: 1; label 1: tp 1, fn 1 -> 2/3; label 2: fp 2 -> 0.
    expect(macro).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
  });
});

describe('open-set metrics', () => {
  // score, out-of-label, top-1 right, top-3 right
  const records: OpenSetRecord[] = [
    { score: 0.1, outOfLabel: false, correct1: true, correct3: true },
    { score: 0.2, outOfLabel: false, correct1: false, correct3: true },
    { score: 0.3, outOfLabel: true, correct1: false, correct3: false },
    { score: 0.4, outOfLabel: false, correct1: true, correct3: true },
    { score: 0.8, outOfLabel: true, correct1: false, correct3: false },
    { score: 0.8, outOfLabel: false, correct1: false, correct3: false },
  ];

  it('gives the abstention rate of each group at a threshold (score >= threshold abstains)', () => {
    // out-of-label: 0.8 abstains, 0.3 does not; in-label: 0.4 and 0.8 abstain of four.
    expect(abstentionRates(records, 0.35)).toEqual({ outOfLabel: 0.5, inLabel: 0.5 });
    expect(abstentionRates(records, 0.4)).toEqual({ outOfLabel: 0.5, inLabel: 0.5 });
    expect(abstentionRates(records, null)).toEqual({ outOfLabel: 0, inLabel: 0 });
    expect(abstentionRates(records.slice(0, 2), 0.35)).toEqual({ outOfLabel: null, inLabel: 0 });
  });

  it('gives the AUROC of the score with out-of-label records positive', () => {
    // 0.3 beats 0.1 and 0.2 (2); 0.8 beats 0.1, 0.2, 0.4 and ties 0.8 (3.5): 5.5 of 4 × 2 pairs.
    expect(openSetAuroc(records)).toBeCloseTo(5.5 / 8, 12);
  });

  it('measures coverage, accuracy and top-3 of the records answered below a threshold', () => {
    // Answered: 0.1 (right), 0.2 (top-3 only), 0.3 (out-of-label: wrong).
    expect(selectiveAt(records, 0.35)).toEqual({ threshold: 0.35, answered: 3, coverage: 0.5, accuracy: 1 / 3, top3: 2 / 3 });
    expect(selectiveAt(records, null)).toEqual({ threshold: null, answered: 6, coverage: 1, accuracy: 2 / 6, top3: 3 / 6 });
    expect(selectiveAt(records, 0.05)).toEqual({ threshold: 0.05, answered: 0, coverage: 0, accuracy: null, top3: null });
  });

  it('reports accuracy against coverage at the nearest achievable points', () => {
    const curve = coverageCurve(records);
    expect(curve.map((p) => p.target)).toEqual(COVERAGE_TARGETS);
    expect(COVERAGE_TARGETS).toHaveLength(20);
    // Achievable: answer the k lowest scores for k = 1, 2, 3, 4 (t = the next score) and 6 (t = 1);
    // k = 5 is not (the two 0.8 scores cannot be split).
    const at = (target: number) => curve.find((p) => Math.abs(p.target - target) < 1e-9);
    expect(at(0.05)).toEqual({ target: 0.05, coverage: 1 / 6, accuracy: 1, threshold: 0.2, answered: 1 });
    // 0.25 · 6 = 1.5 lies halfway between k = 1 and k = 2: the smaller wins.
    expect(at(0.25)).toEqual({ target: 0.25, coverage: 1 / 6, accuracy: 1, threshold: 0.2, answered: 1 });
    expect(at(0.3)).toEqual({ target: 0.3, coverage: 2 / 6, accuracy: 0.5, threshold: 0.3, answered: 2 });
    expect(at(0.5)).toEqual({ target: 0.5, coverage: 0.5, accuracy: 1 / 3, threshold: 0.4, answered: 3 });
    expect(at(0.75)).toEqual({ target: 0.75, coverage: 4 / 6, accuracy: 0.5, threshold: 0.8, answered: 4 });
    // 5/6 is not achievable: 0.85 (5.1 records) goes to k = 6 (distance 0.9 against 1.1 for k = 4).
    expect(at(0.85)).toEqual({ target: 0.85, coverage: 1, accuracy: 1 / 3, threshold: 1, answered: 6 });
    expect(at(1)).toEqual({ target: 1, coverage: 1, accuracy: 1 / 3, threshold: 1, answered: 6 });
  });

  it('has one achievable point when every score is the same, and none without records', () => {
    const same = records.map((r) => ({ ...r, score: 0.5 }));
    expect(new Set(coverageCurve(same).map((p) => p.answered))).toEqual(new Set([6]));
    // With a score of exactly 1 no threshold in (0, 1] answers every record.
    expect(coverageCurve(records.map((r, i) => ({ ...r, score: i === 5 ? 1 : r.score }))).at(-1)?.threshold).toBeNull();
    expect(coverageCurve([])).toEqual([]);
    expect(openSetAuroc(records.filter((r) => !r.outOfLabel))).toBeNull();
  });
});
