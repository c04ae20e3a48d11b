import { describe, expect, it } from 'vitest';
import { argmax, auroc, expectedCalibrationError, macroAuroc, macroF1, multiLabelF1, topKAccuracy } from '../../src/explain/metrics.js';

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
    const { mean, perClass } = macroAuroc([0, 1, 0, 1], [
      [0.9, 0.1],
      [0.4, 0.6],
      [0.3, 0.7],
      [0.2, 0.8],
    ]);
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
