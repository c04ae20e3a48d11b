/**
 * @file The `analyze` pipeline: records go through the shared loop of src/pipeline/batches.ts
 * (read, featurize, length-sorted batches, the model) and come back in input order; each becomes
 * an output line, and records that cannot be processed go to the dead-letter output.
 *
 * Accounting: every record item read is written, dead-lettered or skipped (an input that is no
 * record on purpose: a Bundle of reference data only), so `read = written + deadLettered +
 * skipped` holds at the end of every run that was not aborted.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel } from '../model/runtime.js';
import { DeadLetterSink, type DeadLetter } from '../io/dead-letter.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import type { ReadOptions } from '../records/read.js';
import type { RecordItem } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';
import { runRecords } from './batches.js';
import { FIXED_RECORDED, predictionBundle, type OutputFormat } from './fhir-output.js';
import { buildPredictionLine, type ModelRef, type PredictionLine } from './prediction.js';

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
  const sink = new JsonLinesSink(options.out);
  const dead = new DeadLetterSink(options.deadLetter);
  const counts: AnalyzeCounts = { read: 0, written: 0, deadLettered: 0, skipped: 0, warnings: 0, noEvidence: 0 };
  const manifest = model.manifest;
  const ref: ModelRef = { name: manifest.name, version: manifest.version, sha: model.pkg.sha };
  let aborted = false;
  // One time for the whole run (each Bundle's Provenance.recorded), fixed without timing.
  const recorded = options.timing ? new Date().toISOString() : FIXED_RECORDED;

  const deadLetter = async (...args: Parameters<DeadLetterSink['write']>) => {
    const letter = await dead.write(...args);
    options.onDeadLetter?.(letter);
    counts.deadLettered++;
    if (options.maxErrors !== undefined && counts.deadLettered > options.maxErrors) {
      aborted = true;
      throw new TooManyErrors(options.maxErrors);
    }
  };

  const events = runRecords(model, {
    inputs: options.inputs,
    read: options.read,
    batchSize: options.batchSize,
    ...(options.explain
      ? { perBatch: (_batch, features) => (options.explain as NonNullable<AnalyzeOptions['explain']>)(features, model) }
      : {}),
  });
  try {
    for await (const event of events) {
      if (event.kind === 'window') {
        options.onProgress?.({ ...counts });
        if (sink.closed) break;
        continue;
      }
      counts.read++;
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
      if (event.kind === 'skipped') continue;
      if (event.kind === 'unfeaturizable') {
        await deadLetter(event.record.source, 'FEATURIZE_FAILED', `could not prepare the record: ${event.message}`, event.record.id);
        continue;
      }
      if (event.kind === 'failed') {
        await deadLetter(event.record.source, 'INFERENCE_FAILED', event.reason, event.record.id);
        continue;
      }
      const line = buildPredictionLine(event.record, event.features, event.outputs, manifest.heads, ref, {
        topK: options.topK,
        maxLength: manifest.text.maxLength,
        graph: model.graph,
        ...(options.timing ? { timingMs: event.ms } : {}),
        ...(event.extra !== undefined ? { explanations: event.extra } : {}),
      });
      if (Object.values(line.abstained ?? {}).some((a) => a.reason === 'NO_EVIDENCE')) counts.noEvidence++;
      for (const warning of line.warnings) {
        counts.warnings++;
        options.onWarning?.(line.id, warning);
      }
      options.onLine?.(line);
      await sink.write(
        options.outputFormat === 'fhir' ? predictionBundle(line, { recorded, record: event.record, heads: manifest.heads }) : line,
      );
      counts.written++;
      if (sink.closed) break;
    }
  } catch (error) {
    if (!(error instanceof TooManyErrors)) throw error;
    aborted = true;
  } finally {
    await sink.close();
    await dead.close();
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
