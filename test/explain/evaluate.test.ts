/**
 * `evaluate`'s head metrics on hand-made outputs (no model): closed-set diagnosis metrics over
 * in-label records, the open-set section, drug F1 over what the lines report, and the text
 * rendering. Every expected number is worked out by hand in the comments.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { headMetrics, type EvaluationReport, type Scored } from '../../src/explain/evaluate.js';
import type { GroundTruth } from '../../src/explain/labels.js';
import { renderEvaluation } from '../../src/explain/render.js';
import { decideHeads } from '../../src/model/decide.js';
import type { HeadSpec, ModelManifest } from '../../src/model/manifest.js';
import { clinicGraph } from '../support/clinic-graph.js';
import { must } from '../support/must.js';

const graph = clinicGraph();
const heads: Record<string, HeadSpec> = {
  diagnoses: {
    output: 'diagnosis_logits',
    activation: 'softmax',
    labels: [
      { id: 'condition:J45', display: 'Asthma' },
      { id: 'condition:J17', display: 'Pneumonia' },
      { id: 'condition:E11.9', display: 'Diabetes' },
      { id: 'none', display: 'none of these labels' },
    ],
    description: '',
    abstention: { label: 'none', threshold: 0.5 },
  },
  drugs: {
    output: 'drug_logits',
    activation: 'sigmoid',
    labels: [
      { id: 'drug:SALB', display: 'Salbutamol' },
      { id: 'drug:AMOX', display: 'Amoxicillin' },
    ],
    description: '',
    threshold: 0.5,
    follows: 'diagnoses',
  },
};
const manifest = { heads } as unknown as ModelManifest;

function scored(truth: Omit<GroundTruth, 'patientId'>, diagnoses: number[]): Scored {
  const outputs = {
    heads: { diagnoses: Float32Array.from(diagnoses), drugs: Float32Array.from([0.9, 0.9]) },
    entityAttention: new Float32Array(0),
    modalities: { text: true, image: false, audio: false, entities: false },
  };
  return { truth: { patientId: 'p', ...truth }, outputs, decisions: decideHeads(heads, outputs.heads, { graph, facts: [] }) };
}

// p(J45), p(J17), p(E11.9), p(none)
const records: Scored[] = [
  scored({ condition: 'condition:J45', drugs: ['drug:SALB'] }, [0.7, 0.1, 0.1, 0.1]), // right; score 0.1
  scored({ condition: 'condition:J17', drugs: ['drug:AMOX'] }, [0.5, 0.2, 0.1, 0.2]), // wrong, top-3; 0.2
  scored({ condition: null, drugs: [], openSet: { kind: 'outside' } }, [0.1, 0.1, 0.1, 0.7]), // abstains (right)
  scored({ condition: null, drugs: [], openSet: { kind: 'no-acute' } }, [0.3, 0.2, 0.1, 0.4]), // answers (wrong)
  scored({ condition: 'condition:Z99', drugs: [] }, [0.1, 0.6, 0.1, 0.2]), // a label the head lacks: out-of-label
  scored({ condition: 'condition:E11.9', drugs: [] }, [0.05, 0.05, 0.3, 0.6]), // abstains (wrong); closed-set top-1 right
];

describe('evaluate head metrics', () => {
  const { heads: metrics, openSet } = headMetrics(manifest, records);

  it('measures diagnoses closed-set: in-label records only, the none label left out', () => {
    const d = must(metrics.diagnoses, 'the diagnoses metrics');
    expect(d.records).toBe(3);
    expect(d.outsideLabels).toBe(1);
    // Top answer labels: J45 (right), J45 (wrong), E11.9 (right); three labels, so top-3 is all.
    expect(d.top1).toBeCloseTo(2 / 3, 12);
    expect(d.top3).toBe(1);
    expect(Object.keys(d.aurocPerClass).sort()).toEqual(['condition:E11.9', 'condition:J17', 'condition:J45']);
  });

  it('measures the abstention on in- and out-of-label records', () => {
    expect(openSet).toBeDefined();
    const o = must(openSet, 'the open-set section');
    expect(o).toMatchObject({ head: 'diagnoses', score: 'label', threshold: 0.5, inLabel: 3, outOfLabel: 3 });
    expect(o.outOfLabelKinds).toEqual({ 'no-acute': 1, outside: 1, 'outside-labels': 1 });
    // Out-of-label scores 0.7, 0.4, 0.2: one of three abstains; in-label 0.1, 0.2, 0.6: one of three.
    expect(o.abstentionRate.outOfLabel).toBeCloseTo(1 / 3, 12);
    expect(o.abstentionRate.inLabel).toBeCloseTo(1 / 3, 12);
    // Positives {0.7, 0.4, 0.2} against {0.1, 0.2, 0.6}: 3 + 2 + 1.5 of 9 pairs.
    expect(o.auroc).toBeCloseTo(6.5 / 9, 6);
    // Answered below 0.5: 0.1 (right), 0.2 (wrong, top-3), 0.4 and 0.2 (out-of-label, wrong).
    expect(o.atThreshold.answered).toBe(4);
    expect(o.atThreshold.coverage).toBeCloseTo(4 / 6, 12);
    expect(o.atThreshold.accuracy).toBeCloseTo(1 / 4, 12);
    expect(o.atThreshold.top3).toBeCloseTo(2 / 4, 12);
    expect(o.curve).toHaveLength(20);
    expect(o.curve[19]).toMatchObject({ coverage: 1, accuracy: 2 / 6, threshold: 1, answered: 6 });
  });

  it('measures the drugs the lines report, after the follows rule', () => {
    // Reported: SALB for the three records answering asthma, AMOX for the one answering pneumonia,
    // nothing for the two that abstain. Against SALB, AMOX, –, –, –, –: tp 1, fp 3, fn 1.
    const drugs = must(metrics.drugs, 'the drugs metrics');
    expect(drugs.follows).toBe('diagnoses');
    expect(drugs.microF1).toBeCloseTo(2 / 6, 12);
    // SALB: tp 1, fp 2 -> 0.5; AMOX: tp 0 -> 0.
    expect(drugs.macroF1).toBeCloseTo(0.25, 12);
  });

  it('has no open-set section for in-label records of a head that cannot abstain', () => {
    const plain = {
      heads: { diagnoses: { ...must(heads.diagnoses, 'the diagnoses head'), abstention: undefined } },
    } as unknown as ModelManifest;
    const inLabel = records.filter((r) => r.truth.condition === 'condition:J45' || r.truth.condition === 'condition:J17');
    const result = headMetrics(plain, inLabel);
    expect(result.openSet).toBeUndefined();
    // Without an abstention the none label is an ordinary label: J45's record still ranks J45 first.
    expect(result.heads.diagnoses?.records).toBe(2);
    // With out-of-label records it reports 1 − max as a reference, and nothing abstains.
    const reference = must(headMetrics(plain, records).openSet, 'the reference open-set section');
    expect(reference).toMatchObject({ score: 'one-minus-max', threshold: null, abstentionRate: { outOfLabel: 0, inLabel: 0 } });
    expect(reference.atThreshold.coverage).toBe(1);
  });

  it('renders the open-set section as readable tables', () => {
    const report: EvaluationReport = {
      model: { name: 'm', version: '1', sha: 'abcdef012345' },
      records: { read: 6, evaluated: 6, unlabelled: 0, labelsWithoutRecord: 0, failed: 0 },
      heads: metrics,
      ...(openSet ? { openSet } : {}),
      seconds: 1,
    };
    const text = renderEvaluation(report, new Chalk({ level: 0 }));
    expect(text).toContain('diagnoses (in-label)  3        0.6667');
    expect(text).toContain('3 in-label, 3 out-of-label (no-acute 1, outside 1, outside-labels 1); package threshold 0.5');
    expect(text).toMatch(/abstained on out-of-label \(right\) +33\.3%/);
    expect(text).toMatch(/AUROC in- vs out-of-label +0\.7222/);
    expect(text).toContain('at the package threshold           coverage 66.7%, accuracy 0.2500, top-3 0.5000 (4 answered)');
    expect(text).toMatch(/100\.0% +100\.0% +0\.3333 +1\.0000 +6/);
    expect(text).toContain('F1 of the drugs the lines report');
  });
});
