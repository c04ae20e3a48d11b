/**
 * @file The `analyze` pipeline: records go through the shared loop of src/pipeline/batches.ts
 * (read, featurize, length-sorted batches, the model) and come back in input order; each becomes
 * an output line, and records that cannot be processed go to the dead-letter output.
 *
 * Accounting: every record item read is written, dead-lettered or skipped (an input that is no
 * record on purpose: a Bundle of reference data only), so `read = written + deadLettered +
 * skipped` holds at the end of every run that was not aborted; it is asserted, and a mismatch is
 * itself an error (ACCOUNTING_MISMATCH, exit 1) naming the ids left over. `read` counts the items
 * taken from the reader (runRecords' `onItem`), not the events that came back, so a record whose
 * event was lost on the way (a window dropped) is a mismatch too, not a silent loss. An
 * unexpected exception while building one record's output line dead-letters that record
 * (INTERNAL_ERROR) rather than ending the run with the rest of its window unwritten.
 *
 * Resume (`--resume`, src/io/resume.ts): items the interrupted run already wrote or dead-lettered
 * are counted as such (and in `resumed`) without being run again; the files are appended to; lines
 * of the interrupted run that matched no item end the run with RESUME_MISMATCH (exit 1).
 *
 * Write-back (`--fhir-write-back`, src/io/fhir-write-back.ts): the written records' result
 * Bundles, built as transactions, are POSTed after each window (batch sorting window) and at the
 * end, one transaction per record, in order. A record whose write-back fails keeps its output line
 * and gets a dead letter (FHIR_WRITE_BACK) counted in `writeBackFailed`, not in `deadLettered`
 * (it was read and predicted), and the exit code is 3; 401/403 stop the run.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel } from '../model/runtime.js';
import { DeadLetterSink, type DeadLetter } from '../io/dead-letter.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import type { ReadOptions } from '../records/read.js';
import type { Bundle } from 'fhir/r4.js';
import type { SourcePosition } from '../io/types.js';
import type { RecordItem } from '../records/types.js';
import { ResumeMismatch, type ResumeLedger } from '../io/resume.js';
import { inShard, type Shard } from './shard.js';
import { ClinicalBertError } from '../util/errors.js';
import { checkAccounting } from './accounting.js';
import { runRecords } from './batches.js';
import { FIXED_RECORDED, predictionBundle, type OutputFormat } from './fhir-output.js';
import { buildPredictionLine, modelRef, type PredictionLine } from './prediction.js';

export interface AnalyzeOptions {
  inputs: string[];
  read: Partial<ReadOptions>;
  out?: string;
  /** What each written line is: the prediction line (default), or a FHIR R4 Bundle built from it (src/pipeline/fhir-output.ts). */
  outputFormat?: OutputFormat;
  deadLetter?: string;
  batchSize: number;
  topK: number;
  timing: boolean;
  /** Stop (exit 3) once more than this many records were dead-lettered. */
  maxErrors?: number;
  /** Optional per-batch explanation hook (src/explain), returning one value per record. */
  explain?: (batch: readonly RecordFeatures[], model: ClinicalModel) => Promise<unknown[]>;
  onProgress?: (counts: AnalyzeCounts) => void;
  onWarning?: (recordId: string, warning: string) => void;
  /** Called for each dead letter (the CLI prints them when there is no --dead-letter file). */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Called for each input skipped on purpose (reference data only), for the log. */
  onSkipped?: (item: Extract<RecordItem, { kind: 'skipped' }>) => void;
  /** Called for each output line before it is written (the HTML report collects them). */
  onLine?: (line: PredictionLine) => void;
  /**
   * POST each written record's result Bundle (a transaction) back to the FHIR server. A rejection
   * with code FHIR_WRITE_BACK dead-letters that record; any other rejection stops the run.
   */
  writeBack?: { post(bundle: Bundle): Promise<unknown> };
  /** Worker threads featurizing while the model runs (src/pipeline/featurize-pool.ts); 0: on the main thread. */
  workers?: number;
  /** `--shard K/N` (src/pipeline/shard.ts): only the items of this shard are read and counted. */
  shard?: Shard;
  /**
   * Called for each line written to `out` or to `deadLetter`, with the ordinal of its item: its
   * place among all items read (other shards' included), the same in every shard of one input.
   * The queue (src/queue/) merges the shards of an input back into input order by it.
   */
  onWritten?: (to: 'out' | 'dead', ordinal: number) => void;
  /** `--resume`: what the interrupted run wrote (src/io/resume.ts); the output files are appended to. */
  resume?: ResumeLedger;
}

export interface AnalyzeCounts {
  read: number;
  written: number;
  deadLettered: number;
  /** Inputs that are no record on purpose (Bundles of reference data only): neither written nor dead-lettered. */
  skipped: number;
  warnings: number;
  /** Written records with nothing to read: no predictions, a NO_EVIDENCE warning (part of `written`). */
  noEvidence: number;
  /** With --shard: items left to the other shards (not part of `read`). */
  otherShards?: number;
  /** With --resume: records found already written or dead-lettered by the interrupted run (part of those counts). */
  resumed?: number;
  /** With write-back: records whose Bundle the server stored (part of `written`). */
  writtenBack?: number;
  /** With write-back: records whose Bundle the server did not store, each a FHIR_WRITE_BACK dead letter (part of `written`). */
  writeBackFailed?: number;
}

export interface AnalyzeSummary extends AnalyzeCounts {
  seconds: number;
  recordsPerSecond: number;
  aborted: boolean;
  /** The reader closed stdout (e.g. `| head`): the run stopped early on purpose. */
  stoppedByReader: boolean;
  deadLetterCodes: Record<string, number>;
}

export class TooManyErrors extends ClinicalBertError {
  constructor(limit: number) {
    super(`more than ${limit} records were dead-lettered (--max-errors ${limit}); run aborted`, { code: 'MAX_ERRORS' });
  }
}

export async function runAnalyze(model: ClinicalModel, options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = process.hrtime.bigint();
  const resume = options.resume;
  const sink = new JsonLinesSink(options.out, { append: resume !== undefined });
  const dead = new DeadLetterSink(options.deadLetter, resume ? { append: true, byCode: resume.stats.deadLetterCodes } : {});
  const counts: AnalyzeCounts = {
    read: 0,
    written: 0,
    deadLettered: 0,
    skipped: 0,
    // the interrupted run's warnings are in the lines it wrote
    warnings: resume?.stats.warnings ?? 0,
    noEvidence: resume?.stats.noEvidence ?? 0,
    ...(resume ? { resumed: 0 } : {}),
    ...(options.shard ? { otherShards: 0 } : {}),
    ...(options.writeBack ? { writtenBack: 0, writeBackFailed: 0 } : {}),
  };
  const manifest = model.manifest;
  const ref = modelRef(model);
  let aborted = false;
  /** Ids of records read but neither written, dead-lettered nor skipped (none, unless a bug). */
  const unaccounted: string[] = [];
  // One time for the whole run (each Bundle's Provenance.recorded), fixed without timing.
  const recorded = options.timing ? new Date().toISOString() : FIXED_RECORDED;

  const checkMaxErrors = () => {
    if (options.maxErrors !== undefined && counts.deadLettered > options.maxErrors) {
      aborted = true;
      throw new TooManyErrors(options.maxErrors);
    }
  };
  /** The current item's place among all items read (see `onWritten`). */
  let ordinal = -1;
  const deadLetter = async (...args: Parameters<DeadLetterSink['write']>) => {
    const letter = await dead.write(...args);
    options.onWritten?.('dead', ordinal);
    options.onDeadLetter?.(letter);
    counts.deadLettered++;
    checkMaxErrors();
  };

  // --fhir-write-back: the window's transactions, posted when the window is done
  const toWrite: { bundle: Bundle; source: SourcePosition; id: string }[] = [];
  const writeFailed = async (w: (typeof toWrite)[number], code: string, reason: string) => {
    counts.writeBackFailed = (counts.writeBackFailed ?? 0) + 1;
    // (not inside `onDeadLetter?.(…)`: without a listener its argument would never be evaluated)
    const letter = await dead.write(w.source, code, reason, w.id);
    options.onDeadLetter?.(letter);
  };
  const flushWrites = async () => {
    const writer = options.writeBack;
    if (!writer) return;
    for (const w of toWrite.splice(0)) {
      try {
        await writer.post(w.bundle);
        counts.writtenBack = (counts.writtenBack ?? 0) + 1;
      } catch (error) {
        if ((error as { code?: string }).code !== 'FHIR_WRITE_BACK') throw error;
        await writeFailed(w, 'FHIR_WRITE_BACK', (error as Error).message);
        if (options.maxErrors !== undefined && counts.deadLettered + (counts.writeBackFailed ?? 0) > options.maxErrors) {
          aborted = true;
          throw new TooManyErrors(options.maxErrors);
        }
      }
    }
  };

  const events = runRecords(model, {
    inputs: options.inputs,
    read: options.read,
    batchSize: options.batchSize,
    ...(resume ? { resumed: (item) => resume.outcome(item) } : {}),
    ...(options.shard ? { keep: (item) => inShard(item, options.shard as Shard) } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
    onItem: () => {
      counts.read++;
    },
    ...(options.explain
      ? { perBatch: (_batch, features) => (options.explain as NonNullable<AnalyzeOptions['explain']>)(features, model) }
      : {}),
  });
  try {
    for await (const event of events) {
      if (event.kind === 'window') {
        await flushWrites();
        options.onProgress?.({ ...counts });
        if (sink.closed) break;
        continue;
      }
      ordinal++;
      if (event.kind === 'other-shard') {
        counts.otherShards = (counts.otherShards ?? 0) + 1;
        continue;
      }
      if (event.kind === 'resumed') {
        counts.resumed = (counts.resumed ?? 0) + 1;
        if (event.outcome === 'written') counts.written++;
        else {
          counts.deadLettered++;
          checkMaxErrors();
        }
        continue;
      }
      if (event.kind === 'unreadable') {
        const { position, code, reason, recordId } = event.item;
        await deadLetter(position, code, reason, recordId);
        options.onProgress?.({ ...counts });
        continue;
      }
      if (event.kind === 'skipped-input') {
        counts.skipped++;
        options.onSkipped?.(event.item);
        continue;
      }
      if (event.kind === 'skipped') {
        // (analyze selects every record: reaching this is an accounting error, named at the end)
        unaccounted.push(event.record.id);
        continue;
      }
      if (event.kind === 'unfeaturizable') {
        await deadLetter(event.record.source, 'FEATURIZE_FAILED', `could not prepare the record: ${event.message}`, event.record.id);
        continue;
      }
      if (event.kind === 'failed') {
        await deadLetter(event.record.source, 'INFERENCE_FAILED', event.reason, event.record.id);
        continue;
      }
      let line: PredictionLine;
      let output: unknown;
      try {
        line = buildPredictionLine(event.record, event.features, event.outputs, manifest.heads, ref, {
          topK: options.topK,
          maxLength: manifest.text.maxLength,
          graph: model.graph,
          ...(options.timing ? { timingMs: event.ms } : {}),
          ...(event.extra !== undefined ? { explanations: event.extra } : {}),
        });
        output = options.outputFormat === 'fhir' ? predictionBundle(line, { recorded, record: event.record, heads: manifest.heads }) : line;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'unknown error';
        await deadLetter(event.record.source, 'INTERNAL_ERROR', `could not build the output line (${name})`, event.record.id);
        continue;
      }
      if (Object.values(line.abstained ?? {}).some((a) => a.reason === 'NO_EVIDENCE')) counts.noEvidence++;
      for (const warning of line.warnings) {
        counts.warnings++;
        options.onWarning?.(line.id, warning);
      }
      options.onLine?.(line);
      await sink.write(output);
      options.onWritten?.('out', ordinal);
      counts.written++;
      if (options.writeBack) {
        const bundle = predictionBundle(line, { recorded, record: event.record, heads: manifest.heads, bundleType: 'transaction' });
        toWrite.push({ bundle, source: event.record.source, id: event.record.id });
      }
      if (sink.closed) break;
    }
    await flushWrites();
  } catch (error) {
    if (!(error instanceof TooManyErrors)) throw error;
    aborted = true;
    // records predicted but not posted: named, never silently dropped
    for (const w of toWrite.splice(0)) await writeFailed(w, 'FHIR_WRITE_BACK', 'not written back: the run was aborted (--max-errors)');
  } finally {
    await sink.close();
    await dead.close();
  }
  if (!aborted && !sink.closed) checkAccounting(counts, unaccounted);
  const left = resume?.leftOver();
  if (left && !aborted && !sink.closed && !options.read.signal?.aborted && (left.written > 0 || left.deadLettered > 0)) {
    throw new ResumeMismatch(left);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    ...counts,
    seconds,
    recordsPerSecond: seconds > 0 ? counts.written / seconds : 0,
    aborted,
    stoppedByReader: sink.closed,
    deadLetterCodes: dead.byCode,
  };
}
