import { beforeAll, describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/report/index.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { Random } from '../../src/util/random.js';
import { must } from '../support/must.js';
import { makeLine, makeManifest, makeThumbnail } from './fixtures.js';

let lines: PredictionLine[] = [];
beforeAll(async () => {
  const thumbnail = await makeThumbnail();
  lines = Array.from({ length: 60 }, (_, i) => makeLine(i, { explain: i % 2 === 0, thumbnail, hostile: i === 7 }));
});

function build(input: readonly PredictionLine[], maxRecords: number, generatedAt?: string): string {
  const builder = new ReportBuilder({ maxRecords });
  for (const line of input) builder.add(structuredClone(line));
  return builder.render({ manifest: makeManifest(), modelSha: 'abcdef012345', ...(generatedAt ? { generatedAt } : {}) });
}

describe('report determinism', () => {
  it('gives byte-identical HTML for the same lines and manifest', () => {
    const a = build(lines, 20);
    const b = build(lines, 20);
    expect(a.length).toBeGreaterThan(50_000);
    expect(b).toBe(a);
  });

  it('prints no time unless one is passed', () => {
    const doc = build(lines.slice(0, 5), 5);
    expect(doc).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(doc).not.toContain('generated ');
    expect(build(lines.slice(0, 5), 5, '2025-01-02T03:04:05Z')).toContain('generated 2025-01-02T03:04:05Z');
  });

  it('gives the same summary whatever order the records arrive in', () => {
    const shuffled = Random.derive(5, 'report-order').shuffle(lines);
    expect(shuffled.map((l) => l.id)).not.toEqual(lines.map((l) => l.id));
    expect(build(shuffled, 0)).toBe(build(lines, 0));
  });

  it('changes when a score changes', () => {
    const changed = structuredClone(lines);
    must(must(changed[3], 'line 4').predictions.diagnoses?.[0], 'the top diagnosis of line 4').score = 0.5;
    expect(build(changed, 0)).not.toBe(build(lines, 0));
  });
});
