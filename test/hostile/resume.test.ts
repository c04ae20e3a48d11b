/**
 * @file `--resume` (src/io/resume.ts): a run killed with SIGKILL at seeded random points, then
 * resumed, leaves the same `--out` and `--dead-letter` files, byte for byte, as one uninterrupted
 * run (issue 11, item 3). Also torn last lines, the HTML report and the FHIR output format of a
 * resumed run, and the refusals: no `--out`, `--fhir`, another model's lines, changed inputs.
 *
 * The input is generated here: the samples repeated (so record ids repeat at other lines, which
 * the resume must match to their own lines) with broken lines and empty Bundles between them (so
 * both files grow), long enough at `--batch-size 2` that the kill lands mid-run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { mulberry32 } from '../../src/util/random.js';
import { BIN, cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';

/** Seed of the kill points; FUZZ_SEED=<n> reproduces a failure printed with its seed. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

let tmp = '';
let remove = () => {};
let input = '';
const full = { out: '', dead: '', report: '', fhir: '' };

const analyze = (out: string, dead: string, extra: string[] = []) => [
  'analyze',
  input,
  '--model',
  MODEL_DIR,
  '--no-timing',
  '--batch-size',
  '2',
  '--out',
  out,
  '--dead-letter',
  dead,
  '-q',
  ...extra,
];

const lineCount = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);

/** Starts analyze and SIGKILLs it once `out` holds `atLines` whole lines (or lets it finish). */
function killedAt(out: string, dead: string, atLines: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...analyze(out, dead)], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let killed = false;
    const poll = setInterval(() => {
      if (!killed && lineCount(out) >= atLines) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('close', () => {
      clearInterval(poll);
      resolve({ killed });
    });
  });
}

beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-resume-'));
  const samples = readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson'), 'utf8')
    .trim()
    .split('\n');
  const lines: string[] = [];
  for (let round = 0; round < 6; round++) {
    samples.forEach((line, i) => {
      lines.push(line);
      if ((i + round) % 5 === 1) lines.push('{"resourceType": "Bundle", "entry": [');
      if ((i + round) % 9 === 4) lines.push('{"resourceType":"Bundle","type":"collection","entry":[]}');
    });
  }
  input = join(tmp, 'records.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  if (!HAS_MODEL) return;
  full.out = join(tmp, 'full.jsonl');
  full.dead = join(tmp, 'full.dead.jsonl');
  full.report = join(tmp, 'full.html');
  const run = cli(analyze(full.out, full.dead, ['--report', full.report]));
  if (run.status !== 3) throw new Error(`the uninterrupted run failed (${run.status}): ${run.stderr}`);
  full.fhir = join(tmp, 'full.fhir.jsonl');
  cli(analyze(full.fhir, join(tmp, 'full.fhir.dead.jsonl'), ['--output-format', 'fhir']));
});
afterAll(() => remove());

describe.skipIf(!HAS_MODEL)(`--resume after kill -9${MODEL_NOTE}`, () => {
  it('the uninterrupted run writes to both files', () => {
    expect(lineCount(full.out)).toBe(120);
    expect(lineCount(full.dead)).toBeGreaterThan(20);
  });

  const random = mulberry32(SEED);
  const points = [1, 2, 3].map(() => 1 + Math.floor(random() * 110));
  it.each(points.map((at, k) => [k, at]))(
    `kill %i (seed ${SEED}) at %i output lines, then --resume: the uninterrupted files`,
    async (k, at) => {
      const out = join(tmp, `killed-${k}.jsonl`);
      const dead = join(tmp, `killed-${k}.dead.jsonl`);
      const { killed } = await killedAt(out, dead, at);
      const before = lineCount(out);
      expect(killed, 'the run ended before the kill point').toBe(true);
      const resumed = cli(analyze(out, dead, ['--resume']).filter((a) => a !== '-q'));
      expect(resumed.status, resumed.stderr).toBe(3);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(full.out, 'utf8'));
      expect(readFileSync(dead, 'utf8')).toBe(readFileSync(full.dead, 'utf8'));
      // the records found in the files were not run again
      if (killed) expect(resumed.stderr).toMatch(new RegExp(`: ${before} lines of the interrupted run kept`));
      expect(resumed.stderr).toMatch(/analyze: read \d+, written 120, dead-lettered \d+, .*already done \d+/);
    },
  );

  it('cuts torn last lines off both files; the report and the counts equal the uninterrupted run', () => {
    const out = join(tmp, 'torn.jsonl');
    const dead = join(tmp, 'torn.dead.jsonl');
    const report = join(tmp, 'torn.html');
    const outText = readFileSync(full.out, 'utf8');
    const deadText = readFileSync(full.dead, 'utf8');
    // 37 whole lines and 50 bytes of the 38th; 9 dead letters and 20 bytes of the 10th
    const cut = (text: string, lines: number, bytes: number) => {
      const kept = text.split('\n').slice(0, lines).join('\n');
      return `${kept}\n${(text.split('\n')[lines] ?? '').slice(0, bytes)}`;
    };
    writeFileSync(out, cut(outText, 37, 50));
    writeFileSync(dead, cut(deadText, 9, 20));
    const resumed = cli(analyze(out, dead, ['--resume', '--report', report]).filter((a) => a !== '-q'));
    expect(resumed.status, resumed.stderr).toBe(3);
    expect(resumed.stderr).toContain('37 lines of the interrupted run kept, a torn last line of 50 bytes cut off');
    expect(resumed.stderr).toContain('9 lines of the interrupted run kept, a torn last line of 20 bytes cut off');
    expect(readFileSync(out, 'utf8')).toBe(outText);
    expect(readFileSync(dead, 'utf8')).toBe(deadText);
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(full.report, 'utf8'));
  });

  it('resumes the FHIR output format (Bundles keyed by record id)', () => {
    const out = join(tmp, 'torn.fhir.jsonl');
    const dead = join(tmp, 'torn.fhir.dead.jsonl');
    writeFileSync(out, readFileSync(full.fhir, 'utf8'));
    truncateSync(out, Math.floor(statSync(out).size * 0.4));
    const resumed = cli(analyze(out, dead, ['--resume', '--output-format', 'fhir']));
    expect(resumed.status, resumed.stderr).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(full.fhir, 'utf8'));
  });

  it('a whole run resumed again runs nothing and changes nothing', () => {
    const out = join(tmp, 'again.jsonl');
    const dead = join(tmp, 'again.dead.jsonl');
    writeFileSync(out, readFileSync(full.out));
    writeFileSync(dead, readFileSync(full.dead));
    const resumed = cli(analyze(out, dead, ['--resume']).filter((a) => a !== '-q'));
    expect(resumed.status).toBe(3);
    expect(resumed.stderr).toMatch(/read (\d+), .*already done \1 \(--resume\),/);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(full.out, 'utf8'));
  });

  it('refuses, before writing, a file written by another model package (exit 2)', () => {
    const out = join(tmp, 'other-model.jsonl');
    const first = readFileSync(full.out, 'utf8').split('\n')[0] as string;
    const line = JSON.parse(first) as { model: { sha: string } };
    line.model.sha = '0'.repeat(64);
    writeFileSync(out, `${JSON.stringify(line)}\n`);
    const resumed = cli(analyze(out, join(tmp, 'other-model.dead.jsonl'), ['--resume']));
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/line 1 was written by model package "0{64}"/);
    expect(lineCount(out)).toBe(1);
  });

  it('refuses a line that is not a prediction line, quoting where (exit 2)', () => {
    const out = join(tmp, 'not-ours.jsonl');
    writeFileSync(out, '{"hello": "world"}\n');
    const resumed = cli(analyze(out, join(tmp, 'not-ours.dead.jsonl'), ['--resume']));
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toContain('not-ours.jsonl line 1 is not a prediction line');
  });

  it('names lines that match no record of the inputs (the inputs changed): RESUME_MISMATCH, exit 1', () => {
    const out = join(tmp, 'changed.jsonl');
    const lines = readFileSync(full.out, 'utf8').split('\n');
    const moved = JSON.parse(lines[3] as string) as { source: { line: number } };
    moved.source.line += 10_000;
    writeFileSync(out, `${[...lines.slice(0, 3), JSON.stringify(moved)].join('\n')}\n`);
    const resumed = cli(analyze(out, join(tmp, 'changed.dead.jsonl'), ['--resume']));
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toMatch(/1 output line\(s\) and 0 dead letter\(s\) of the interrupted run match no record/);
  });

  it('is a usage error without --out, and with --fhir', () => {
    const noOut = cli(['analyze', input, '--model', MODEL_DIR, '--resume']);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain('--resume needs --out FILE');
    const fhir = cli(['analyze', '--fhir', 'http://127.0.0.1:9/fhir', '--out', join(tmp, 'x.jsonl'), '--resume']);
    expect(fhir.status).toBe(2);
    expect(fhir.stderr).toContain('--resume reads files or stdin, not --fhir');
  });
});
