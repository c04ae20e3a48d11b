/**
 * @file One in-process `analyze` run into a private folder, and the checks every run on hostile
 * input must pass (issue 11, item 1): the counts add up (read = written + dead-lettered +
 * skipped), the output file holds one line per written record, each valid against
 * schema/prediction.schema.json, the dead-letter file one line per dead-lettered record, each
 * naming its file, code and reason, and the Bulk spill folder is gone.
 *
 * Why apart: the fuzzer (fuzz.test.ts) and the fault tests (faults.test.ts) check the same
 * promises; a violation comes back as a list of sentences, so a failing case says all that is
 * wrong with it at once.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ClinicalModel } from '../../src/model/runtime.js';
import { runAnalyze, type AnalyzeOptions, type AnalyzeSummary } from '../../src/pipeline/analyze.js';
import { REPO_ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
type Validator = ((d: unknown) => boolean) & { errors?: unknown };
const Ajv = require('ajv') as new (o: object) => { compile(s: object): Validator };

/** schema/prediction.schema.json, compiled once. */
export const validatePrediction: Validator = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(join(REPO_ROOT, 'schema/prediction.schema.json'), 'utf8')) as object,
);

export interface HostileRun {
  summary: AnalyzeSummary;
  /** The output file's lines (raw text, so a line that is not JSON is caught too). */
  lines: string[];
  /** The dead-letter file's lines. */
  letters: string[];
  /** Entries left in the spill folder (the Bulk join's temporary files) after the run. */
  spillLeft: string[];
}

export type RunOverrides = Partial<Omit<AnalyzeOptions, 'inputs' | 'out' | 'deadLetter'>>;

/** The non-empty lines of a file (none when it does not exist). */
export const fileLines = (path: string): string[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];

/** `runAnalyze` on `inputs`, writing `out.jsonl` and `dead.jsonl` into `dir` (which must exist) and spilling into `dir/spill`. */
export async function analyzeInto(model: ClinicalModel, dir: string, inputs: string[], overrides: RunOverrides = {}): Promise<HostileRun> {
  const spill = join(dir, 'spill');
  mkdirSync(spill, { recursive: true });
  const out = join(dir, 'out.jsonl');
  const deadLetter = join(dir, 'dead.jsonl');
  const { read, ...rest } = overrides;
  const summary = await runAnalyze(model, {
    inputs,
    out,
    deadLetter,
    batchSize: 4,
    topK: 3,
    timing: false,
    ...rest,
    read: { tempDir: spill, ...read },
  });
  return { summary, lines: fileLines(out), letters: fileLines(deadLetter), spillLeft: readdirSync(spill) };
}

/**
 * Every promise of the run that does not hold, in words (empty when all hold). `mayReadNothing`:
 * the input may hold no record at all without being an error (a CSV of a header only).
 */
export function runProblems(run: HostileRun, { mayReadNothing = false } = {}): string[] {
  const problems: string[] = [];
  const { read, written, deadLettered, skipped, aborted } = run.summary;
  if (read !== written + deadLettered + skipped) {
    problems.push(`read ${read} ≠ written ${written} + dead-lettered ${deadLettered} + skipped ${skipped}`);
  }
  if (aborted) problems.push('the run was aborted');
  if (read < 1 && !mayReadNothing) problems.push('nothing was read: the input vanished without a dead letter');
  if (run.lines.length !== written) problems.push(`${run.lines.length} output lines for ${written} written`);
  if (run.letters.length !== deadLettered) problems.push(`${run.letters.length} dead letters for ${deadLettered} dead-lettered`);
  for (const [i, text] of run.lines.entries()) {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      problems.push(`output line ${i + 1} is not JSON`);
      continue;
    }
    if (!validatePrediction(line)) {
      problems.push(`output line ${i + 1} is not schema-valid: ${JSON.stringify(validatePrediction.errors).slice(0, 600)}`);
    }
  }
  for (const [i, text] of run.letters.entries()) {
    let letter: Record<string, unknown>;
    try {
      letter = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problems.push(`dead letter ${i + 1} is not JSON`);
      continue;
    }
    const { file, code, reason } = letter;
    if (typeof file !== 'string' || file.length === 0) problems.push(`dead letter ${i + 1} names no file`);
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(code)) problems.push(`dead letter ${i + 1} has no code: ${String(code)}`);
    if (typeof reason !== 'string' || reason.trim().length === 0) problems.push(`dead letter ${i + 1} (${String(code)}) gives no reason`);
  }
  if (run.spillLeft.length > 0) problems.push(`the spill folder still holds ${run.spillLeft.join(', ')}`);
  return problems;
}

/**
 * `promise`, or a rejection once `seconds` have passed: a guard against a stall (a promise that
 * never settles), not a speed assertion. A synchronous busy loop blocks this timer too; the CLI
 * cases of the fuzzer (a child process with a kill timeout) cover that.
 */
export async function withinSeconds<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${seconds} s (a hang)`)), seconds * 1000);
  });
  try {
    return await Promise.race([promise, stall]);
  } finally {
    clearTimeout(timer);
  }
}
