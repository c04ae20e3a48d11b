/**
 * @file The `ask` pipeline: records come through the same loop as `analyze` (src/pipeline/batches.ts:
 * the same sources, budgets, shards and input order), each is answered, and each answer becomes a
 * line; records that cannot be read go to the dead-letter output, as in `analyze`.
 *
 * Why the shared loop, and when the model runs: a question about the record's facts and notes
 * ("Does the patient smoke?") needs no model, so no record is featurized or batched (the loop's
 * `select` sends each one straight back) and `ask` reads at the speed of the readers; a question
 * about the model's own prediction ("Why pneumonia?") runs every record through the model with
 * its fast explanation, and the answer cites that explanation's evidence.
 *
 * Accounting is analyze's: `read = written + deadLettered + skipped`, asserted at the end
 * (ACCOUNTING_MISMATCH); an exception while answering one record dead-letters it (ASK_FAILED)
 * and the run goes on.
 */
import { DeadLetterSink, type DeadLetter } from '../io/dead-letter.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, RecordOutputs } from '../model/runtime.js';
import { checkAccounting } from '../pipeline/accounting.js';
import { runRecords } from '../pipeline/batches.js';
import { inShard, type Shard } from '../pipeline/shard.js';
import type { ReadOptions } from '../records/read.js';
import type { ClinicalRecord, RecordItem } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';
import { buildAnswerLine } from './line.js';
import type { AnswerLine, AnswerResult, ParsedQuestion } from './types.js';

/** What the model said about a record, for questions about its prediction. */
export interface ModelView {
  features: RecordFeatures;
  outputs: RecordOutputs;
  /** The batch hook's value (the record's fast explanation). */
  extra: unknown;
}

/** Answers one record; `model` is set when the question needs the model. */
export type RecordAnswerer = (record: ClinicalRecord, model?: ModelView) => AnswerResult | Promise<AnswerResult>;

export interface AskOptions {
  inputs: string[];
  read: Partial<ReadOptions>;
  question: ParsedQuestion;
  answer: RecordAnswerer;
  /** Run the model (and `perBatch`) on every record: questions about the model's prediction. */
  needsModel: boolean;
  perBatch?: (features: readonly RecordFeatures[], outputs: readonly RecordOutputs[]) => Promise<unknown[]>;
  batchSize: number;
  out?: string;
  deadLetter?: string;
  maxErrors?: number;
  shard?: Shard;
  workers?: number;
  onLine?: (line: AnswerLine) => void;
  onProgress?: (counts: AskCounts) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
  onSkipped?: (item: Extract<RecordItem, { kind: 'skipped' }>) => void;
}

export interface AskCounts {
  read: number;
  written: number;
  deadLettered: number;
  skipped: number;
  /** Written lines by answer: yes, no, unknown, or values (a list). */
  answers: { yes: number; no: number; unknown: number; values: number };
  otherShards?: number;
}

export interface AskSummary extends AskCounts {
  seconds: number;
  recordsPerSecond: number;
  aborted: boolean;
  stoppedByReader: boolean;
  deadLetterCodes: Record<string, number>;
}

/** `model`: loaded only for questions about the prediction (`needsModel`); absent, no ONNX session exists. */
export async function runAsk(model: ClinicalModel | undefined, options: AskOptions): Promise<AskSummary> {
  const started = process.hrtime.bigint();
  const sink = new JsonLinesSink(options.out);
  const dead = new DeadLetterSink(options.deadLetter);
  const counts: AskCounts = {
    read: 0,
    written: 0,
    deadLettered: 0,
    skipped: 0,
    answers: { yes: 0, no: 0, unknown: 0, values: 0 },
    ...(options.shard ? { otherShards: 0 } : {}),
  };
  let aborted = false;
  const unaccounted: string[] = [];
  const deadLetter = async (...args: Parameters<DeadLetterSink['write']>) => {
    const letter = await dead.write(...args);
    options.onDeadLetter?.(letter);
    counts.deadLettered++;
    if (options.maxErrors !== undefined && counts.deadLettered > options.maxErrors) aborted = true;
  };
  const write = async (record: ClinicalRecord, view?: ModelView) => {
    let line: AnswerLine;
    try {
      line = buildAnswerLine(options.question, await options.answer(record, view), record);
    } catch (error) {
      const name = error instanceof ClinicalBertError ? error.code : error instanceof Error ? error.name : 'unknown error';
      await deadLetter(record.source, 'ASK_FAILED', `could not answer the question for this record (${name})`, record.id);
      return;
    }
    options.onLine?.(line);
    await sink.write(line);
    counts.written++;
    const a = line.answer;
    if (Array.isArray(a)) counts.answers.values++;
    else counts.answers[a]++;
  };

  const events = runRecords(model, {
    inputs: options.inputs,
    read: options.read,
    batchSize: options.batchSize,
    ...(options.needsModel ? {} : { select: () => false }),
    ...(options.shard ? { keep: (item) => inShard(item, options.shard as Shard) } : {}),
    ...(options.workers && options.needsModel ? { workers: options.workers } : {}),
    onItem: () => {
      counts.read++;
    },
    ...(options.perBatch && options.needsModel
      ? { perBatch: (_batch, features, outputs) => (options.perBatch as NonNullable<AskOptions['perBatch']>)(features, outputs) }
      : {}),
  });
  try {
    for await (const event of events) {
      if (event.kind === 'window') {
        options.onProgress?.({ ...counts, answers: { ...counts.answers } });
      } else if (event.kind === 'other-shard') {
        counts.otherShards = (counts.otherShards ?? 0) + 1;
      } else if (event.kind === 'unreadable') {
        const { position, code, reason, recordId } = event.item;
        await deadLetter(position, code, reason, recordId);
      } else if (event.kind === 'skipped-input') {
        counts.skipped++;
        options.onSkipped?.(event.item);
      } else if (event.kind === 'skipped') {
        // not sent to the model: a question about the record alone
        if (options.needsModel) unaccounted.push(event.record.id);
        else await write(event.record);
      } else if (event.kind === 'unfeaturizable') {
        await deadLetter(event.record.source, 'FEATURIZE_FAILED', `could not prepare the record: ${event.message}`, event.record.id);
      } else if (event.kind === 'failed') {
        await deadLetter(event.record.source, 'INFERENCE_FAILED', event.reason, event.record.id);
      } else if (event.kind === 'scored') {
        await write(event.record, { features: event.features, outputs: event.outputs, extra: event.extra });
      } else {
        // (ask does not resume: no `resumed` events)
        unaccounted.push(event.item.kind === 'record' ? event.item.record.id : event.item.position.file);
      }
      if (aborted || sink.closed) break;
    }
  } finally {
    await sink.close();
    await dead.close();
  }
  if (!aborted && !sink.closed && !options.read.signal?.aborted) checkAccounting(counts, unaccounted);
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
