/**
 * @file `--workers` (src/pipeline/featurize-pool.ts): records featurized in worker threads give
 * the same bytes as on the main thread, at any pool size and batch size, with dead letters in the
 * same order; a pool whose workers cannot load the package fails records one by one (errors that
 * name the cause), and the pool never keeps the process alive after close.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeaturizePool } from '../../src/pipeline/featurize-pool.js';
import type { ClinicalRecord } from '../../src/records/types.js';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-featurize-pool-'));
});
afterAll(() => remove());

describe.skipIf(!HAS_MODEL)(`featurizing in worker threads${MODEL_NOTE}`, () => {
  it('writes the same lines and dead letters with 0, 1 and 3 workers (Bundles with a broken line, Bulk, CSV)', () => {
    const samples = join(REPO_ROOT, 'samples');
    const broken = join(tmp, 'broken.ndjson');
    const lines = readFileSync(join(samples, 'records.ndjson'), 'utf8').trim().split('\n');
    writeFileSync(broken, `${[...lines.slice(0, 9), '{"broken": ', ...lines.slice(9)].join('\n')}\n`);
    const runs = [0, 1, 3].map((workers) => {
      const out = join(tmp, `w${workers}.jsonl`);
      const dead = join(tmp, `w${workers}.dead.jsonl`);
      const r = cli([
        'analyze',
        broken,
        join(samples, 'bulk'),
        join(samples, 'records.csv'),
        '--model',
        MODEL_DIR,
        '--no-timing',
        '--batch-size',
        '2',
        '--workers',
        String(workers),
        '--out',
        out,
        '--dead-letter',
        dead,
        '-q',
      ]);
      expect(r.status, r.stderr).toBe(3);
      return { out: readFileSync(out, 'utf8'), dead: readFileSync(dead, 'utf8') };
    });
    expect(runs[0]?.out.split('\n').length).toBeGreaterThan(50);
    for (const r of runs.slice(1)) {
      expect(r.out).toBe(runs[0]?.out);
      expect(r.dead).toBe(runs[0]?.dead);
    }
  });

  it('a bad --workers is a usage error quoting it', () => {
    const r = cli(['analyze', join(REPO_ROOT, 'samples', 'records.ndjson'), '--workers', 'many']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workers');
    expect(r.stderr).toContain('"many"');
  });
});

describe('FeaturizePool', () => {
  it('rejects each record with the reason when its workers cannot load the package, and closes', async () => {
    const pool = new FeaturizePool(join(tmp, 'no-such-package'), 2);
    const record = {
      id: 'p1',
      patient: 'Patient/p1',
      source: { file: 'x' },
      demographics: {},
      notes: [],
      media: [],
      facts: [],
      warnings: [],
    };
    const results = await Promise.allSettled([0, 1, 2].map(() => pool.featurize(record as ClinicalRecord)));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/no-such-package|manifest/);
    }
    await pool.close();
  });
});
