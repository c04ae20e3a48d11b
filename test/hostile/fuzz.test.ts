/**
 * @file A seeded fuzzer (issue 11, item 8): a few hundred mutations of the committed samples
 * (fuzz-case.ts: JSON-aware, CSV, byte-level and Bulk-folder mutations of one to three records),
 * each run in process through `runAnalyze` with the model loaded once, must end without an
 * exception, without a stall, with counts that add up, schema-valid output lines and dead letters
 * that name their file, code and reason (run-checks.ts), and without polluting Object.prototype.
 * A few more run through the real CLI in a child process: exit 0 or 3, never a stack trace.
 *
 * Reproducing a failure: the case's name holds its index and the describe's name the seed;
 * `FUZZ_SEED=<seed> npx vitest run test/hostile/fuzz.test.ts -t '#<index> '` runs that case alone
 * (the same bytes: each case is derived from the seed and its index only). FUZZ_CASES sets how many
 * cases run (default 300). Time is bounded: a case that has not settled after CASE_SECONDS is a
 * failure (a hang guard, not a speed assertion), and past FUZZ_BUDGET_S seconds for the whole file
 * the remaining cases are skipped with a note rather than run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClinicalModel } from '../../src/model/runtime.js';
import { readRecords } from '../../src/records/read.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { type FuzzCase, fuzzCase } from './fuzz-case.js';
import { analyzeInto, fileLines, type HostileRun, runProblems, withinSeconds } from './run-checks.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.FUZZ_CASES ?? 300);
const CLI_CASES = 10;
/** Hang guard per case (a generous bound: a case takes well under a second). */
const CASE_SECONDS = 20;
const BUDGET_S = Number(process.env.FUZZ_BUDGET_S ?? 240);

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cb-fuzz-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes the case's files under `dir/in` and returns the input path given to analyze. */
function writeCase(c: FuzzCase, dir: string): string {
  const inDir = join(dir, 'in');
  for (const f of c.files) {
    mkdirSync(dirname(join(inDir, f.name)), { recursive: true });
    writeFileSync(join(inDir, f.name), f.bytes);
  }
  mkdirSync(inDir, { recursive: true });
  return join(inDir, c.input);
}

/**
 * Inputs that may give no record item at all (read 0, no dead letter) without anything vanishing:
 * a CSV of a header only (as the samples' header alone), and resources one per line that the Bulk
 * join skips on purpose, each with a reason in the reader's counts (no patient reference: a
 * Bundle whose resourceType was changed to Condition is a Condition of no patient). Asked only of
 * a run that read nothing; any other input must give at least one item.
 */
async function mayReadNothing(c: FuzzCase, input: string, dir: string): Promise<boolean> {
  const readAsCsv = c.read.format === 'csv' || (c.kind === 'csv' && (c.read.format ?? 'auto') === 'auto');
  const text = c.files.find((f) => f.name === c.input)?.bytes.toString('utf8') ?? '';
  if (readAsCsv && text.split(/\r?\n/).filter((l) => l.trim().length > 0).length <= 1) return true;
  const stream = readRecords([input], { ...c.read, tempDir: dir });
  for await (const _item of stream) {
    // (only the counts are wanted)
  }
  return stream.stats.itemsRead > 0 && stream.stats.itemsSkipped === stream.stats.itemsRead;
}

const polluted = () => Object.keys(Object.prototype).length > 0 || 'polluted' in {};

// names only at collection time: each case is built again, byte for byte, when it runs
const names = Array.from({ length: CASES }, (_, i) => fuzzCase(SEED, i).description);

describe.skipIf(!HAS_MODEL)(`seeded fuzzer in process (FUZZ_SEED=${SEED}, ${CASES} cases)${MODEL_NOTE}`, () => {
  let model: ClinicalModel;
  let started = 0;
  beforeAll(async () => {
    model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
    started = Date.now();
  });
  afterAll(async () => {
    await model?.release();
  });

  for (const [i, name] of names.entries()) {
    it(`#${i} ${name}`, async (ctx) => {
      if ((Date.now() - started) / 1000 > BUDGET_S) ctx.skip(`the fuzzer's ${BUDGET_S} s budget is spent`);
      const c = fuzzCase(SEED, i);
      const dir = join(tmp, `case-${i}`);
      const input = writeCase(c, dir);
      const reproduce = `FUZZ_SEED=${SEED} case #${i}: ${c.description}`;
      let run: HostileRun;
      try {
        run = await withinSeconds(analyzeInto(model, dir, [input], { read: c.read, batchSize: c.batchSize }), CASE_SECONDS, reproduce);
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new Error(`${reproduce}: runAnalyze threw${code ? ` ${code}` : ''}: ${(error as Error).stack ?? String(error)}`);
      }
      const nothing = run.summary.read === 0 && (await mayReadNothing(c, input, dir));
      expect(runProblems(run, { mayReadNothing: nothing }), reproduce).toEqual([]);
      expect(polluted(), `${reproduce}: Object.prototype polluted`).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe.skipIf(!HAS_MODEL)(`seeded fuzzer through the CLI (FUZZ_SEED=${SEED}, ${CLI_CASES} cases)${MODEL_NOTE}`, () => {
  // indices apart from the in-process cases: other mutations of the same starting points
  for (let k = 0; k < CLI_CASES; k++) {
    const index = 1_000_000 + k;
    it(`#${index} ${fuzzCase(SEED, index).description}`, async () => {
      const c = fuzzCase(SEED, index);
      const dir = join(tmp, `cli-${index}`);
      const input = writeCase(c, dir);
      const out = join(dir, 'out.jsonl');
      const dead = join(dir, 'dead.jsonl');
      const flags = [
        '--unit',
        c.read.unit ?? 'patient',
        ...(c.read.format ? ['--format', c.read.format] : []),
        '--batch-size',
        String(c.batchSize),
      ];
      const r = cli(
        ['analyze', input, '--no-timing', '--model', MODEL_DIR, '--out', out, '--dead-letter', dead, '--log-format', 'json', ...flags],
        {
          timeoutMs: 60_000,
        },
      );
      const reproduce = `FUZZ_SEED=${SEED} case #${index}: ${c.description}\n${r.stderr.slice(-2000)}`;
      expect([0, 3], reproduce).toContain(r.status);
      // no stack trace: errors are one line naming a code, never "    at f (file.js:1:2)"
      expect(r.stderr, reproduce).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      const summaryLine = r.stderr.split('\n').find((l) => l.includes('"event":"summary"'));
      expect(summaryLine, reproduce).toBeDefined();
      const summary = JSON.parse(summaryLine as string) as HostileRun['summary'];
      const run = { summary, lines: fileLines(out), letters: fileLines(dead), spillLeft: [] };
      const nothing = summary.read === 0 && (await mayReadNothing(c, input, dir));
      expect(runProblems(run, { mayReadNothing: nothing }), reproduce).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
