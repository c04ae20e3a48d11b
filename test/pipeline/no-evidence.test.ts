/**
 * A record with nothing to read gets no predictions: every head abstains with NO_EVIDENCE, the line
 * says why in a warning and the summary counts it. Records that carry a note, a coded fact, an
 * image or a recording are not touched by the rule.
 */
import { describe, expect, it } from 'vitest';
import { decideHeads, hasEvidence } from '../../src/model/decide.js';
import type { HeadSpec } from '../../src/model/manifest.js';
import { NO_EVIDENCE_WARNING, type PredictionLine } from '../../src/pipeline/prediction.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

describe('hasEvidence', () => {
  it('is false only when there is no note, no entity, no image and no audio', () => {
    const none = { notes: 0, entities: 0, image: false, audio: false };
    expect(hasEvidence(none)).toBe(false);
    expect(hasEvidence({ ...none, notes: 1 })).toBe(true);
    expect(hasEvidence({ ...none, entities: 1 })).toBe(true);
    expect(hasEvidence({ ...none, image: true })).toBe(true);
    expect(hasEvidence({ ...none, audio: true })).toBe(true);
  });

  it('makes every head abstain, whatever the scores', () => {
    const head = (activation: 'softmax' | 'sigmoid'): HeadSpec =>
      ({
        output: 'x',
        activation,
        labels: [{ id: 'a' }, { id: 'b' }],
        ...(activation === 'sigmoid' ? { threshold: 0.5 } : {}),
      }) as HeadSpec;
    const heads = { diagnoses: head('softmax'), specialty: head('softmax'), drugs: head('sigmoid') };
    const scores = { diagnoses: Float32Array.of(0.99, 0.01), specialty: Float32Array.of(0.2, 0.8), drugs: Float32Array.of(0.9, 0.9) };
    const without = decideHeads(heads, scores, { evidence: false });
    for (const name of Object.keys(heads)) {
      expect(without[name]?.labels).toEqual([]);
      expect(without[name]?.abstained?.reason).toBe('NO_EVIDENCE');
    }
    const withEvidence = decideHeads(heads, scores, { evidence: true });
    expect(withEvidence.diagnoses?.labels).toEqual([0, 1]);
    expect(withEvidence.drugs?.labels).toEqual([0, 1]);
  });
});

function bundle(id: string, extra: object[] = []): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: { resourceType: 'Patient', id, gender: 'female', birthDate: '1960-01-01' } },
      ...extra.map((resource) => ({ resource })),
    ],
  });
}

describe.skipIf(!HAS_MODEL)(`analyze on records without evidence${MODEL_NOTE}`, () => {
  it('writes no predictions for an empty record, and predictions for its neighbours', () => {
    const note = {
      resourceType: 'DocumentReference',
      id: 'n1',
      status: 'current',
      subject: { reference: 'Patient/p2' },
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            data: Buffer.from('Fever, productive cough and pleuritic chest pain for three days.').toString('base64'),
          },
        },
      ],
    };
    const input = `${[bundle('p1'), bundle('p2', [note]), bundle('p3')].join('\n')}\n`;
    const r = cli(['analyze', '-', '--no-timing', '--model', MODEL_DIR], { input });
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout) as unknown as PredictionLine[];
    expect(lines.map((l) => l.id)).toEqual(['p1', 'p2', 'p3']);
    for (const l of [lines[0], lines[2]]) {
      expect(Object.values(l?.predictions ?? {}).every((labels) => labels.length === 0)).toBe(true);
      expect(l?.abstained?.diagnoses?.reason).toBe('NO_EVIDENCE');
      expect(l?.warnings).toContain(NO_EVIDENCE_WARNING);
    }
    expect(lines[1]?.warnings).not.toContain(NO_EVIDENCE_WARNING);
    expect(lines[1]?.abstained?.diagnoses?.reason).not.toBe('NO_EVIDENCE');
    expect(r.stderr).toMatch(/analyze: read 3, written 3, dead-lettered 0, warnings 2, no evidence 2,/);
  });
});
