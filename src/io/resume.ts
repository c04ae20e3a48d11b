/**
 * @file `--resume`: continue a run that was killed (kill -9, a lost machine, a full disk) from the
 * output files it left, so that the final files equal an uninterrupted run's byte for byte (with
 * `--no-timing`: timings differ from run to run).
 *
 * Why this works: a run writes one outcome per record item in input order (src/pipeline/batches.ts),
 * each to one file: a prediction line to `--out`, a dead letter to `--dead-letter`. Each file,
 * cut at its last whole line, is therefore a prefix of what the whole run would have written to
 * it. The ledger reads both prefixes (keys only: source position and record id, never content),
 * the run asks it about each item in input order, and an item found in a prefix is counted as
 * written or dead-lettered without being read by the model again; the rest is appended. A key
 * found in a prefix is used up once, earliest first, so a record id that occurs twice is matched
 * to its own line.
 *
 * What it checks: a torn last line (bytes after the last newline) is cut off; a whole line that
 * is not an output of `analyze` in this output format, or was written by another model package,
 * or (a prediction line of schema 1.3 or later, which says) at another precision, refuses the
 * resume (usage error, exit 2) before anything is written: lines that do not say their precision
 * (older lines; FHIR Bundles) are taken as this run's. Keys left over at the end
 * (lines that match no item of these inputs: the inputs changed) are an error (RESUME_MISMATCH,
 * exit 1). Memory: one key per line (a few dozen bytes), never the lines.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import type { ResumedOutcome } from '../pipeline/batches.js';
import type { RecordItem } from '../records/types.js';
import { ClinicalBertError, quote, UsageError } from '../util/errors.js';
import { isJsonObject, type JsonObject } from '../util/json.js';
import { splitLines } from './ndjson.js';
import type { SourcePosition } from './types.js';

/** Longest line of an output file read back (a line with full explanations is well under it). */
const MAX_OUTPUT_LINE_BYTES = 256 * 1024 * 1024;

export type ResumeFormat = 'jsonl' | 'fhir';

export interface ResumeFiles {
  out: string;
  deadLetter?: string;
  outputFormat: ResumeFormat;
  /** sha256 of the model package of this run: lines written by another package refuse the resume. */
  modelSha: string;
  /** Precision of this run (`ClinicalModel.precision`): prediction lines that name another refuse the resume. */
  precision?: string;
  /** Each prediction line found in `out`, in order (jsonl only): the HTML report counts them too. */
  onLine?: (line: JsonObject) => void;
}

/** What the prefixes hold, for the run's counts (and the report's summary) to include. */
export interface ResumedStats {
  written: number;
  deadLettered: number;
  /** Warnings of the lines found (a prediction line's `warnings`; a Bundle's `warning:` notes). */
  warnings: number;
  /** Lines found that abstained for lack of evidence (NO_EVIDENCE). */
  noEvidence: number;
  deadLetterCodes: Record<string, number>;
}

/** What was found in one file. */
export interface ResumedFile {
  path: string;
  /** Whole lines found (the prefix kept). */
  lines: number;
  /** Bytes of a torn last line cut off (0 when the file ended with a newline). */
  tornBytes: number;
}

type Item = Extract<RecordItem, { kind: 'record' | 'failure' }>;

const positionKey = (p: SourcePosition, id: string | undefined) => JSON.stringify([p.file, p.line ?? null, p.entry ?? null, id ?? null]);

/** Multisets of the keys found in the two prefixes; `outcome` uses each key up once. */
export class ResumeLedger {
  private readonly written = new Map<string, number>();
  private readonly dead = new Map<string, number>();
  private left = { written: 0, deadLettered: 0 };
  readonly stats: ResumedStats = { written: 0, deadLettered: 0, warnings: 0, noEvidence: 0, deadLetterCodes: {} };

  constructor(
    private readonly outputFormat: ResumeFormat,
    readonly files: ResumedFile[] = [],
  ) {}

  /** @internal (readResume) */
  addWritten(key: string): void {
    this.written.set(key, (this.written.get(key) ?? 0) + 1);
    this.left.written++;
    this.stats.written++;
  }

  /** @internal (readResume) */
  addDead(key: string, code: string): void {
    this.dead.set(key, (this.dead.get(key) ?? 0) + 1);
    this.left.deadLettered++;
    this.stats.deadLettered++;
    this.stats.deadLetterCodes[code] = (this.stats.deadLetterCodes[code] ?? 0) + 1;
  }

  /** What the interrupted run did with this item, if it did (the key is used up). */
  outcome(item: Item): ResumedOutcome | undefined {
    const position = item.kind === 'record' ? item.record.source : item.position;
    const id = item.kind === 'record' ? item.record.id : item.recordId;
    if (item.kind === 'record') {
      // a FHIR Bundle names its record by id only (Bundle.identifier)
      const key = this.outputFormat === 'jsonl' ? positionKey(position, id) : JSON.stringify([id]);
      if (take(this.written, key)) {
        this.left.written--;
        return 'written';
      }
    }
    if (take(this.dead, positionKey(position, id))) {
      this.left.deadLettered--;
      return 'dead-lettered';
    }
    return undefined;
  }

  /** Lines of the prefixes that matched no item (0 and 0 after a resume of the same inputs). */
  leftOver(): { written: number; deadLettered: number } {
    return { ...this.left };
  }
}

function take(keys: Map<string, number>, key: string): boolean {
  const n = keys.get(key);
  if (!n) return false;
  if (n === 1) keys.delete(key);
  else keys.set(key, n - 1);
  return true;
}

/**
 * Reads the prefixes of `out` and `deadLetter` (a missing file is an empty prefix, so `--resume`
 * also starts a first run), cuts a torn last line off each, and returns the ledger.
 */
export async function readResume(files: ResumeFiles): Promise<ResumeLedger> {
  const found: ResumedFile[] = [];
  const ledger = new ResumeLedger(files.outputFormat, found);
  found.push(
    await scan(files.out, (value, where) => {
      const key = outputKey(value, files, where);
      ledger.addWritten(key);
      countNotes(value, files.outputFormat, ledger.stats);
      if (files.outputFormat === 'jsonl') files.onLine?.(value);
    }),
  );
  if (files.deadLetter) {
    found.push(
      await scan(files.deadLetter, (value, where) => {
        const file = value.file;
        const code = value.code;
        if (typeof file !== 'string' || typeof code !== 'string') throw notOurs(where, 'a dead letter of analyze (file, code, reason)');
        const position: SourcePosition = {
          file,
          ...(typeof value.line === 'number' ? { line: value.line } : {}),
          ...(typeof value.entry === 'number' ? { entry: value.entry } : {}),
        };
        // a result not written back (--fhir-write-back) is no outcome of its own: --resume refuses --fhir
        ledger.addDead(positionKey(position, typeof value.recordId === 'string' ? value.recordId : undefined), code);
      }),
    );
  }
  return ledger;
}

/** The key of one output line, after checking it is one of ours, from this model package. */
function outputKey(value: JsonObject, files: ResumeFiles, where: string): string {
  if (files.outputFormat === 'jsonl') {
    const source = value.source;
    const model = value.model;
    if (typeof value.id !== 'string' || !isJsonObject(source) || typeof source.file !== 'string' || !isJsonObject(model)) {
      throw notOurs(where, 'a prediction line (--output-format jsonl)');
    }
    checkModel(model.sha, files.modelSha, where);
    checkPrecision(model.precision, files.precision, where);
    const position: SourcePosition = {
      file: source.file,
      ...(typeof source.line === 'number' ? { line: source.line } : {}),
      ...(typeof source.entry === 'number' ? { entry: source.entry } : {}),
    };
    return positionKey(position, value.id);
  }
  const identifier = value.identifier;
  if (value.resourceType !== 'Bundle' || !isJsonObject(identifier) || typeof identifier.value !== 'string') {
    throw notOurs(where, 'a result Bundle (--output-format fhir)');
  }
  const entries = Array.isArray(value.entry) ? value.entry : [];
  const device = entries.map((e) => (isJsonObject(e) ? e.resource : undefined)).find((r) => isJsonObject(r) && r.resourceType === 'Device');
  const ids = isJsonObject(device) && Array.isArray(device.identifier) ? device.identifier : [];
  checkModel(isJsonObject(ids[0]) ? ids[0].value : undefined, files.modelSha, where);
  return JSON.stringify([identifier.value]);
}

/** Adds a found line's warnings and NO_EVIDENCE abstention to the stats. */
function countNotes(value: JsonObject, format: ResumeFormat, stats: ResumedStats): void {
  if (format === 'jsonl') {
    stats.warnings += Array.isArray(value.warnings) ? value.warnings.length : 0;
    const abstained = isJsonObject(value.abstained) ? Object.values(value.abstained) : [];
    if (abstained.some((a) => isJsonObject(a) && a.reason === 'NO_EVIDENCE')) stats.noEvidence++;
    return;
  }
  // src/pipeline/fhir-output.ts: the RiskAssessment's notes `warning: …` and `abstained (REASON): …`
  const entries = Array.isArray(value.entry) ? value.entry : [];
  for (const e of entries) {
    const r = isJsonObject(e) ? e.resource : undefined;
    if (!isJsonObject(r) || r.resourceType !== 'RiskAssessment' || !Array.isArray(r.note)) continue;
    const texts = r.note.map((n) => (isJsonObject(n) && typeof n.text === 'string' ? n.text : ''));
    stats.warnings += texts.filter((t) => t.startsWith('warning: ')).length;
    if (texts.some((t) => t.startsWith('abstained (NO_EVIDENCE)'))) stats.noEvidence++;
  }
}

function checkModel(sha: unknown, expected: string, where: string): void {
  if (sha !== expected) {
    throw new UsageError(
      `--resume: ${where} was written by model package ${quote(String(sha))}, this run uses ${quote(expected)}: ` +
        'resume with the same --model, or start a new run without --resume',
      { code: 'RESUME_MISMATCH' },
    );
  }
}

/** A line that names its precision (schema 1.3) must name this run's; one that does not is accepted. */
function checkPrecision(precision: unknown, expected: string | undefined, where: string): void {
  if (precision === undefined || expected === undefined || precision === expected) return;
  throw new UsageError(
    `--resume: ${where} was written at precision ${quote(String(precision))}, this run uses ${quote(expected)}: ` +
      "resume with the interrupted run's --precision, or start a new run without --resume",
    { code: 'RESUME_MISMATCH' },
  );
}

function notOurs(where: string, what: string): UsageError {
  return new UsageError(
    `--resume: ${where} is not ${what}: resume with the same --out, --dead-letter and --output-format as the interrupted run`,
    { code: 'RESUME_MISMATCH' },
  );
}

/** Cuts a torn last line off `path`, then hands each whole line, parsed, to `each`. */
async function scan(path: string, each: (value: JsonObject, where: string) => void): Promise<ResumedFile> {
  if (!existsSync(path)) return { path, lines: 0, tornBytes: 0 };
  const stat = statSync(path);
  if (!stat.isFile()) throw new UsageError(`--resume: ${quote(path)} is not a file`);
  const keep = await endOfLastLine(path, stat.size);
  if (keep < stat.size) await truncate(path, keep);
  let lines = 0;
  if (keep === 0) return { path, lines, tornBytes: stat.size };
  for await (const raw of splitLines(createReadStream(path, { end: keep - 1 }), MAX_OUTPUT_LINE_BYTES)) {
    const where = `${path} line ${raw.line}`;
    if ('tooLong' in raw) throw notOurs(where, 'a line of analyze output (it is too long)');
    if (raw.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw.text);
    } catch {
      throw notOurs(where, 'JSON');
    }
    if (!isJsonObject(value)) throw notOurs(where, 'a JSON object');
    each(value, where);
    lines++;
  }
  return { path, lines, tornBytes: stat.size - keep };
}

/** The length of `path` up to and including its last newline (0 when it has none). */
async function endOfLastLine(path: string, size: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) return start + at + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/** A resume whose files hold lines no item of the inputs matched. */
export class ResumeMismatch extends ClinicalBertError {
  constructor(left: { written: number; deadLettered: number }) {
    super(
      `--resume: ${left.written} output line(s) and ${left.deadLettered} dead letter(s) of the interrupted run match no record of these inputs: ` +
        'the inputs or options changed since; start a new run without --resume',
      { code: 'RESUME_MISMATCH' },
    );
  }
}
