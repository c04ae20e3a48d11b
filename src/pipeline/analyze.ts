/**
 * @file The `analyze` pipeline: records stream from the sources, are featurized, gathered into
 * length-bucketed batches, run through the model, and written in input order; records that cannot
 * be processed go to the dead-letter output. Memory is bounded by one window of records.
 *
 * Why windows: sorting a window of `batchSize × WINDOW_BATCHES` records by token count before
 * cutting it into batches wastes less padding than batching in arrival order, and writing the
 * window back in arrival order keeps the output deterministic and aligned with the input.
 *
 * Accounting: every record item read is either written or dead-lettered, so
 * `read = written + deadLettered` holds at the end of every run that was not aborted.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, RecordOutputs } from '../model/runtime.js';
import { DeadLetterSink, type DeadLetter } from '../io/dead-letter.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import { readRecords, type ReadOptions } from '../records/read.js';
import type { ClinicalRecord } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';
import { buildPredictionLine, type ModelRef, type PredictionLine } from './prediction.js';

/** Batches per sorting window. */
const WINDOW_BATCHES = 4;

export interface AnalyzeOptions {
  inputs: string[];
  read: Partial<ReadOptions>;
  out?: string;
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
  /** Called for each output line before it is written (the HTML report collects them). */
  onLine?: (line: PredictionLine) => void;
}

export interface AnalyzeCounts {
  read: number;
  written: number;
  deadLettered: number;
  warnings: number;
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

interface Pending {
  record: ClinicalRecord;
  features: RecordFeatures;
  order: number;
  started: bigint;
}

/** The outputs of record `k` of a batch of `size`, or an error when the model returned fewer. */
function outputAt(outputs: readonly RecordOutputs[], k: number, size: number): RecordOutputs {
  const output = outputs[k];
  if (!output) {
    throw new ClinicalBertError(`the model returned ${outputs.length} outputs for a batch of ${size}`, { code: 'MODEL_NO_OUTPUT' });
  }
  return output;
}

export async function runAnalyze(model: ClinicalModel, options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = process.hrtime.bigint();
  const sink = new JsonLinesSink(options.out);
  const dead = new DeadLetterSink(options.deadLetter);
  const counts: AnalyzeCounts = { read: 0, written: 0, deadLettered: 0, warnings: 0 };
  const manifest = model.manifest;
  const ref: ModelRef = { name: manifest.name, version: manifest.version, sha: model.pkg.sha };
  let aborted = false;

  const deadLetter = async (...args: Parameters<DeadLetterSink['write']>) => {
    const letter = await dead.write(...args);
    options.onDeadLetter?.(letter);
    counts.deadLettered++;
    if (options.maxErrors !== undefined && counts.deadLettered > options.maxErrors) {
      aborted = true;
      throw new TooManyErrors(options.maxErrors);
    }
  };

  const flush = async (window: Pending[]) => {
    if (window.length === 0) return;
    const bySize = window.slice().sort((a, b) => a.features.inputIds.length - b.features.inputIds.length || a.order - b.order);
    const lines = new Map<number, PredictionLine | { failed: string }>();
    for (let i = 0; i < bySize.length; i += options.batchSize) {
      const batch = bySize.slice(i, i + options.batchSize);
      const features = batch.map((p) => p.features);
      try {
        const outputs = await model.run(features);
        const explanations = options.explain ? await options.explain(features, model) : undefined;
        const now = process.hrtime.bigint();
        batch.forEach((p, k) => {
          lines.set(
            p.order,
            buildPredictionLine(p.record, p.features, outputAt(outputs, k, batch.length), manifest.heads, ref, {
              topK: options.topK,
              maxLength: manifest.text.maxLength,
              graph: model.graph,
              ...(options.timing ? { timingMs: Number(now - p.started) / 1e6 } : {}),
              ...(explanations ? { explanations: explanations[k] } : {}),
            }),
          );
        });
      } catch {
        // One bad batch must not lose the others: retry its records one by one.
        for (const p of batch) {
          try {
            const output = outputAt(await model.run([p.features]), 0, 1);
            const explanations = options.explain ? await options.explain([p.features], model) : undefined;
            lines.set(
              p.order,
              buildPredictionLine(p.record, p.features, output, manifest.heads, ref, {
                topK: options.topK,
                maxLength: manifest.text.maxLength,
                graph: model.graph,
                ...(options.timing ? { timingMs: Number(process.hrtime.bigint() - p.started) / 1e6 } : {}),
                ...(explanations ? { explanations: explanations[0] } : {}),
              }),
            );
          } catch (single) {
            const message = single instanceof Error ? single.message.split('\n')[0] : String(single);
            lines.set(p.order, { failed: `inference failed: ${message ?? ''}` });
          }
        }
      }
    }
    for (const p of window) {
      const line = lines.get(p.order);
      if (!line || 'failed' in line) {
        await deadLetter(p.record.source, 'INFERENCE_FAILED', line ? line.failed : 'no output', p.record.id);
        continue;
      }
      for (const warning of line.warnings) {
        counts.warnings++;
        options.onWarning?.(line.id, warning);
      }
      options.onLine?.(line);
      await sink.write(line);
      counts.written++;
      if (sink.closed) return;
    }
    options.onProgress?.({ ...counts });
  };

  const stream = readRecords(options.inputs, options.read);
  let window: Pending[] = [];
  let order = 0;
  try {
    for await (const item of stream) {
      counts.read++;
      if (item.kind === 'failure') {
        await deadLetter(item.position, item.code, item.reason, item.recordId);
        options.onProgress?.({ ...counts });
        continue;
      }
      const began = process.hrtime.bigint();
      let features: RecordFeatures;
      try {
        features = await model.featurizer.featurize(item.record);
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        await deadLetter(item.record.source, 'FEATURIZE_FAILED', `could not prepare the record: ${message ?? ''}`, item.record.id);
        continue;
      }
      window.push({ record: item.record, features, order: order++, started: began });
      if (window.length >= options.batchSize * WINDOW_BATCHES) {
        await flush(window);
        window = [];
        if (sink.closed) break;
      }
    }
    if (!sink.closed) await flush(window);
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
