/**
 * What an explanation explains, on hand-made outputs: the top answer label, never the "none of
 * these" label, and the abstention itself when the record abstains.
 */
import { describe, expect, it } from 'vitest';
import { topTarget, targetScore } from '../../src/explain/target.js';
import type { HeadSpec } from '../../src/model/manifest.js';
import type { RecordOutputs } from '../../src/model/runtime.js';

const spec: HeadSpec = {
  output: 'diagnosis_logits',
  activation: 'softmax',
  labels: [
    { id: 'condition:J45', display: 'Asthma' },
    { id: 'condition:J17', display: 'Pneumonia' },
    { id: 'none', display: 'none of these labels' },
  ],
  description: '',
  abstention: { label: 'none', threshold: 0.5 },
};

const out = (scores: number[]): RecordOutputs => ({
  heads: { diagnoses: Float32Array.from(scores) },
  entityAttention: new Float32Array(0),
  modalities: { text: true, image: false, audio: false, entities: false },
});

describe('explanation targets', () => {
  it('explains the top answer label, even when "none" scores higher but under the threshold', () => {
    const t = topTarget('diagnoses', spec, out([0.3, 0.25, 0.45]));
    expect(t).toMatchObject({ head: 'diagnoses', index: 0, id: 'condition:J45', display: 'Asthma' });
    expect(t.abstention).toBeUndefined();
    expect(t.score).toBeCloseTo(0.3, 6);
  });

  it('explains an abstention as "none of these", scored by the none label', () => {
    const t = topTarget('diagnoses', spec, out([0.1, 0.2, 0.7]));
    expect(t).toMatchObject({ head: 'diagnoses', index: 2, id: 'none', display: 'none of these labels', abstention: 'label' });
    expect(t.score).toBeCloseTo(0.7, 6);
    // A variant's score is the none label's probability.
    expect(targetScore(t, out([0.5, 0.1, 0.4]))).toBeCloseTo(0.4, 6);
  });

  it('scores a one-minus-max abstention as 1 − the best answer label in every variant', () => {
    const minus: HeadSpec = { ...spec, labels: spec.labels.slice(0, 2), abstention: { score: 'one-minus-max', threshold: 0.6 } };
    const t = topTarget('diagnoses', minus, out([0.3, 0.35]));
    expect(t).toMatchObject({ index: -1, id: 'none', abstention: 'one-minus-max' });
    expect(t.score).toBeCloseTo(0.65, 6);
    expect(targetScore(t, out([0.9, 0.1]))).toBeCloseTo(0.1, 6);
    // With a none label as well, that label is left out of the maximum.
    const both: HeadSpec = { ...spec, abstention: { score: 'one-minus-max', label: 'none', threshold: 0.6 } };
    const t2 = topTarget('diagnoses', both, out([0.2, 0.1, 0.7]));
    expect(t2).toMatchObject({ index: 2, abstention: 'one-minus-max' });
    expect(t2.score).toBeCloseTo(0.8, 6);
  });
});
