/**
 * `clinicalbert analyze` on a Bulk folder stopped by SIGINT or SIGTERM (src/pipeline/stop-signals.ts):
 * exit 130 / 143, the summary on stderr, whole output lines that add up, and no spill folder left
 * in the temp folder; after a normal run the temp folder is empty too. The input is generated
 * here, large enough that the signal lands while the run is still reading or predicting.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { tempFolder } from '../io/corpus.js';

let tmp = '';
let remove = () => {};
let input = '';
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-bulk-signals-'));
  input = join(tmp, 'export');
  mkdirSync(input);
  const patients = 600;
  const rows: string[] = [];
  for (let p = 0; p < patients; p++)
    rows.push(JSON.stringify({ resourceType: 'Patient', id: `p${p}`, gender: 'female', birthDate: '1960-01-01' }));
  writeFileSync(join(input, 'Patient.ndjson'), `${rows.join('\n')}\n`);
  const obs: string[] = [];
  for (let i = 0; i < 60_000; i++) {
    obs.push(
      JSON.stringify({
        resourceType: 'Observation',
        id: `o${i}`,
        status: 'final',
        subject: { reference: `Patient/p${i % patients}` },
        effectiveDateTime: new Date(Date.UTC(2000, 0, 1) + i * 60_000).toISOString(),
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] },
        valueQuantity: { value: 90 + (i % 50), unit: 'mg/dL' },
      }),
    );
  }
  writeFileSync(join(input, 'Observation.ndjson'), `${obs.join('\n')}\n`);
});
afterAll(() => remove());

const spillFolders = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('clinicalbert-group-'));

/** Runs analyze with its own TMPDIR and sends `signal` once `ready()` holds; resolves with the outcome. */
function interrupted(name: string, signal: NodeJS.Signals, args: string[], ready: (tmpdir: string, out: string) => boolean) {
  const tmpdir = join(tmp, name);
  mkdirSync(tmpdir);
  const out = join(tmp, `${name}.jsonl`);
  return new Promise<{ status: number | null; stderr: string; tmpdir: string; out: string; signalled: boolean }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'analyze', input, '--model', MODEL_DIR, '--no-timing', '--out', out, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmpdir, NO_COLOR: '1' },
    });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (!signalled && ready(tmpdir, out)) {
        signalled = true;
        child.kill(signal);
      }
    }, 20);
    child.on('close', (status) => {
      clearInterval(poll);
      resolve({ status, stderr, tmpdir, out, signalled });
    });
  });
}

describe.skipIf(!HAS_MODEL)(`analyze stopped by a signal during a Bulk run${MODEL_NOTE}`, () => {
  it('SIGINT while the join spills: exit 130, the summary, no spill folder left', async () => {
    const run = await interrupted('sigint-spill', 'SIGINT', [], (dir) => spillFolders(dir).length > 0);
    expect(run.signalled).toBe(true);
    expect(run.status, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/analyze: read \d+, written \d+, dead-lettered 0/);
    expect(run.stderr).toContain('stopped by SIGINT');
    expect(spillFolders(run.tmpdir)).toEqual([]);
    expect(existsSync(run.out)).toBe(true);
  }, 120_000);

  it('SIGTERM while records are written: exit 143, whole lines that add up, no spill folder left', async () => {
    const run = await interrupted(
      'sigterm-drain',
      'SIGTERM',
      ['--batch-size', '1', '--log-format', 'json'],
      (_dir, out) => existsSync(out) && readFileSync(out, 'utf8').includes('\n'),
    );
    expect(run.signalled).toBe(true);
    expect(run.status, run.stderr).toBe(143);
    const events = run.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; read: number; written: number; deadLettered: number; stoppedBy?: string });
    const summary = events.find((e) => e.event === 'summary');
    expect(summary).toBeDefined();
    expect(events.some((e) => e.event === 'stopped')).toBe(true);
    const lines = readFileSync(run.out, 'utf8').split('\n').filter(Boolean);
    for (const l of lines) JSON.parse(l);
    expect(summary?.written).toBe(lines.length);
    expect(summary?.written).toBeGreaterThan(0);
    expect(summary?.written).toBeLessThan(600);
    expect(summary?.read).toBe((summary?.written ?? 0) + (summary?.deadLettered ?? 0));
    expect(spillFolders(run.tmpdir)).toEqual([]);
  }, 120_000);

  it('leaves no spill folder after a whole run, and removes a stale one of a killed run', () => {
    const tmpdir = join(tmp, 'whole');
    const stale = join(tmpdir, 'clinicalbert-group-999999999-killed');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'bucket-0.spill'), 'a copy of records\n');
    const bulk = join(REPO_ROOT, 'samples', 'bulk');
    const run = spawnSync(
      process.execPath,
      [BIN, 'analyze', bulk, '--model', MODEL_DIR, '--no-timing', '--out', join(tmp, 'whole.jsonl')],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: tmpdir, NO_COLOR: '1' },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    // ours only: on some machines the image library (sharp's libvips) leaves files of its own in TMPDIR
    expect(readdirSync(tmpdir).filter((n) => n.startsWith('clinicalbert-'))).toEqual([]);
  }, 120_000);
});
