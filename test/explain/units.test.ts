import { describe, expect, it } from 'vitest';
import { randomWeights, summarizeFaithfulness, topCount, topUnits, type RecordFaithfulness } from '../../src/explain/faithfulness.js';
import { parseLabels } from '../../src/explain/labels.js';
import { envelope } from '../../src/explain/audio.js';
import { rolloutFromCls, type LayerView } from '../../src/explain/rollout.js';
import { removeUnits, textUnits } from '../../src/explain/units.js';
import type { LinkedEntity } from '../../src/model/features.js';

const note = 'Patient denies chest pain, has fever 38.5 today.';
const span = (phrase: string): [number, number] => {
  const start = note.indexOf(phrase);
  return [start, start + phrase.length];
};
const entities: LinkedEntity[] = [
  { id: 'finding:chest-pain', flag: 'negated', span: span('chest pain') },
  { id: 'finding:fever', flag: 'mentioned', span: span('fever') },
  { id: 'condition:I10', flag: 'coded' },
];

describe('text units', () => {
  it('splits words and keeps a linked mention whole', () => {
    const units = textUnits(note, entities);
    expect(units.map((u) => note.slice(u.start, u.end))).toEqual(['Patient', 'denies', 'chest pain', 'has', 'fever', '38.5', 'today']);
    expect(units.filter((u) => u.mention).map((u) => note.slice(u.start, u.end))).toEqual(['chest pain', 'fever']);
  });

  it('keeps mentions first when capped, then words in reading order', () => {
    const units = textUnits(note, entities, 3);
    expect(units.map((u) => note.slice(u.start, u.end))).toEqual(['Patient', 'chest pain', 'fever']);
  });

  it('widens a mention to the words it cuts and merges mentions that then overlap', () => {
    const text = 'pt xyzabc q';
    const merged = textUnits(text, [
      { id: 'a', flag: 'historical', span: [3, 6] },
      { id: 'b', flag: 'mentioned', span: [6, 9] },
    ]);
    expect(merged.map((u) => text.slice(u.start, u.end))).toEqual(['pt', 'xyzabc', 'q']);
    const widened = textUnits(text, [{ id: 'a', flag: 'mentioned', span: [4, 6] }]);
    expect(widened.map((u) => [text.slice(u.start, u.end), u.mention])).toEqual([
      ['pt', false],
      ['xyzabc', true],
      ['q', false],
    ]);
  });

  it('removes units and keeps separators', () => {
    const units = textUnits(note, entities);
    expect(removeUnits(note, units, (i) => i === 2)).toBe('Patient denies , has fever 38.5 today.');
    expect(removeUnits(note, units, (i) => i !== 4)).toBe('  ,  fever  .');
    expect(removeUnits(note, units, () => false)).toBe(note);
  });
});

describe('ERASER helpers', () => {
  it('takes max(1, round(k% of n)) units, never more than n', () => {
    expect(topCount(37, 10)).toBe(4);
    expect(topCount(5, 1)).toBe(1);
    expect(topCount(3, 50)).toBe(2);
    expect(topCount(1, 50)).toBe(1);
  });

  it('ranks by weight, ties to the earlier unit', () => {
    expect([...topUnits([0.1, 0.3, 0.3, -1], 2)].sort()).toEqual([1, 2]);
    expect([...topUnits([0.2, 0.2, 0.2], 1)]).toEqual([0]);
  });

  it('draws the same random ranking for the same seed and record, another for another record', () => {
    expect(randomWeights(10, 7, 'p1')).toEqual(randomWeights(10, 7, 'p1'));
    expect(randomWeights(10, 7, 'p1')).not.toEqual(randomWeights(10, 7, 'p2'));
    expect(randomWeights(10, 7, 'p1')).not.toEqual(randomWeights(10, 8, 'p1'));
  });

  it('averages records and AOPC levels', () => {
    const record = (c: number, s: number): RecordFaithfulness => ({
      units: 10,
      base: 0.9,
      methods: {
        'word-occlusion': {
          comprehensiveness: { 1: c, 5: c, 10: c, 20: 2 * c, 50: 3 * c },
          sufficiency: { 1: s, 5: s, 10: s, 20: s, 50: 0 },
        },
      },
    });
    const summary = summarizeFaithfulness([record(0.1, 0.2), record(0.3, 0.4)]);
    const w = summary['word-occlusion'];
    expect(w?.records).toBe(2);
    expect(w?.comprehensiveness.k10).toBeCloseTo(0.2, 12);
    expect(w?.comprehensiveness.k20).toBeCloseTo(0.4, 12);
    expect(w?.comprehensiveness.aopc).toBeCloseTo((0.2 + 0.2 + 0.2 + 0.4 + 0.6) / 5, 12);
    expect(w?.sufficiency.aopc).toBeCloseTo((0.3 * 4) / 5, 12);
    expect(summary.random).toBeUndefined();
  });
});

describe('attention rollout', () => {
  it('mixes in the residual and multiplies layers from the last down', () => {
    // One head, two tokens, A = [[0.5, 0.5], [0, 1]] -> 0.5A + 0.5I = [[0.75, 0.25], [0, 1]].
    const data = new Float32Array([0.5, 0.5, 0, 1]);
    const layer: LayerView = { data, offset: 0, heads: 1, length: 2 };
    const one = rolloutFromCls([layer], 2);
    expect(one[0]).toBeCloseTo(0.75, 9);
    expect(one[1]).toBeCloseTo(0.25, 9);
    const two = rolloutFromCls([layer, layer], 2);
    expect(two[0]).toBeCloseTo(0.5625, 9);
    expect(two[1]).toBeCloseTo(0.4375, 9);
  });

  it('averages heads and ignores padded positions past n', () => {
    // Two heads over a padded length of 3 (position 2 is padding, never attended).
    const length = 3;
    const data = new Float32Array(2 * length * length);
    data.set([1, 0, 0, 0, 1, 0, 0, 0, 1], 0);
    data.set([0, 1, 0, 0, 1, 0, 0, 0, 1], 9);
    const flow = rolloutFromCls([{ data, offset: 0, heads: 2, length }], 2);
    // mean head row 0 = [0.5, 0.5] -> mixed with I: [0.75, 0.25].
    expect(Array.from(flow)).toEqual([0.75, 0.25]);
  });
});

describe('labels', () => {
  it('reads the fields the metrics use', () => {
    const text = [
      JSON.stringify({
        patientId: 'p1',
        encounterId: 'e1',
        condition: { id: 'condition:J17', severity: 3 },
        recommendedDrugs: [{ id: 'drug:DB1' }],
      }),
      '',
      JSON.stringify({ patientId: 'p2', condition: { id: 'condition:I10' } }),
    ].join('\n');
    expect(parseLabels(text, 'l.jsonl')).toEqual([
      { patientId: 'p1', encounterId: 'e1', condition: 'condition:J17', severity: 3, drugs: ['drug:DB1'] },
      { patientId: 'p2', condition: 'condition:I10', drugs: [] },
    ]);
  });

  it('names the file and line of a bad label', () => {
    expect(() => parseLabels('{"patientId":"p1","condition":{}}', 'l.jsonl')).toThrow(
      'l.jsonl:1: not a labels line: missing "condition.id"',
    );
    expect(() => parseLabels('\n{oops', 'l.jsonl')).toThrow('l.jsonl:2: not a labels line: invalid JSON');
  });
});

describe('audio envelope', () => {
  it('keeps the peak magnitude of each slice', () => {
    const samples = new Float32Array([0.1, -0.5, 0.2, 0.3, -0.1, 0]);
    expect(Array.from(envelope(samples, 3), (x) => Math.round(x * 10) / 10)).toEqual([0.5, 0.3, 0.1]);
  });
});
