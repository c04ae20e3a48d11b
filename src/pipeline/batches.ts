/**
 * @file The one way records reach the model: read from the sources, featurized, gathered into
 * length-sorted windows, cut into batches, run through the model (with an optional per-batch hook:
 * explanations, faithfulness), and handed back as one event per record in input order.
 *
 * Why one loop: `analyze` (src/pipeline/analyze.ts) writes these events as output lines and
 * `evaluate` (src/explain/evaluate.ts) scores them against labels. Both read, featurize and batch
 * through here, so the metrics are measured on exactly the outputs `analyze` writes.
 *
 * Why windows: sorting a window of `batchSize × WINDOW_BATCHES` records by token count before
 * cutting it into batches wastes less padding than batching in arrival order, and handing the
 * window back in arrival order keeps the output deterministic and aligned with the input. Memory
 * is bounded by one window of records.
 *
 * Every record item read gets exactly one event (`unreadable`, `skipped-input`, `skipped`,
 * `unfeaturizable`, `failed` or `scored`); a consumer that stops iterating stops the reading too.
 *
 * Why timing is the record's own compute: a record waits while the rest of its window is read and
 * featurized and while earlier batches run, so the time from its featurizing to its batch's
 * outputs measures the queue (it grows with the batch size), not the record. A scored event's
 * `ms` is its own featurizing plus its share of its batch's model run and hook: (run + hook) /
 * batch size.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, RecordOutputs } from '../model/runtime.js';
import { readRecords, type ReadOptions } from '../records/read.js';
import type { ClinicalRecord, RecordItem } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';

/** Batches per sorting window. */
export const WINDOW_BATCHES = 4;

/** A record with its features, as a batch hook sees it. */
export interface BatchItem {
  record: ClinicalRecord;
  features: RecordFeatures;
}

export interface RecordRunOptions<E> {
  inputs: readonly string[];
  read: Partial<ReadOptions>;
  batchSize: number;
  /** Records to run; the others get a `skipped` event and are not featurized. */
  select?: (record: ClinicalRecord) => boolean;
  /** Stop reading once this many records were featurized for the model. */
  limit?: number;
  /**
   * Runs after the model on each batch and returns one value per record (explanations,
   * faithfulness). `features` is the very array the model ran (src/model/runtime.ts reuses its
   * embeddings). A hook that throws fails the batch like the model would.
   */
  perBatch?: (batch: readonly BatchItem[], features: readonly RecordFeatures[], outputs: readonly RecordOutputs[]) => Promise<E[]>;
  /**
   * Called for each item taken from the reader, before its event: a consumer that counts these
   * apart from the events it gets can prove no event was lost on the way (src/pipeline/analyze.ts).
   */
  onItem?: () => void;
}

/** What became of one record item, in input order. */
export type RecordEvent<E> =
  | { kind: 'unreadable'; item: Extract<RecordItem, { kind: 'failure' }> }
  /** An input that is no record on purpose (a Bundle of reference data only). */
  | { kind: 'skipped-input'; item: Extract<RecordItem, { kind: 'skipped' }> }
  | { kind: 'skipped'; record: ClinicalRecord }
  | { kind: 'unfeaturizable'; record: ClinicalRecord; message: string }
  | { kind: 'failed'; record: ClinicalRecord; features: RecordFeatures; reason: string }
  | {
      kind: 'scored';
      record: ClinicalRecord;
      features: RecordFeatures;
      outputs: RecordOutputs;
      /** The batch hook's value for this record (undefined without a hook). */
      extra: E | undefined;
      /**
       * The record's own compute in milliseconds: its featurizing plus its batch's model run and
       * hook divided by the batch size (a batch that failed and was retried one by one counts only
       * the record's own retry).
       */
      ms: number;
    }
  /** Every record read so far has had its event (sent after each window). */
  | { kind: 'window' };

interface Pending {
  record: ClinicalRecord;
  features: RecordFeatures;
  order: number;
  /** Nanoseconds spent featurizing this record. */
  featurizeNs: bigint;
}

type Done<E> = Extract<RecordEvent<E>, { kind: 'scored' | 'failed' }>;

/**
 * The outputs of record `k` of a batch of `size`, or an error when the model returned fewer, or
 * scores that are no numbers (NaN or infinite: written, they would be `null` scores, and the
 * labels ranked by them meaningless).
 */
function outputAt(outputs: readonly RecordOutputs[], k: number, size: number): RecordOutputs {
  const output = outputs[k];
  if (!output) {
    throw new ClinicalBertError(`the model returned ${outputs.length} outputs for a batch of ${size}`, { code: 'MODEL_NO_OUTPUT' });
  }
  for (const [head, scores] of Object.entries(output.heads)) {
    if (!scores.every(Number.isFinite)) {
      throw new ClinicalBertError(`the model's ${head} scores are not finite numbers (NaN or infinity)`, { code: 'MODEL_NOT_FINITE' });
    }
  }
  return output;
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message.split('\n')[0] : String(error)) ?? '';

/** Runs one window, sorted by length and cut into batches; results by arrival order. */
async function runWindow<E>(model: ClinicalModel, window: readonly Pending[], options: RecordRunOptions<E>): Promise<Map<number, Done<E>>> {
  const bySize = window.slice().sort((a, b) => a.features.inputIds.length - b.features.inputIds.length || a.order - b.order);
  const done = new Map<number, Done<E>>();
  /** `batchNs`: the model run and hook of the record's batch, shared by its `size` records. */
  const scored = (p: Pending, outputs: RecordOutputs, extra: E | undefined, batchNs: bigint, size: number): Done<E> => ({
    kind: 'scored',
    record: p.record,
    features: p.features,
    outputs,
    extra,
    ms: (Number(p.featurizeNs) + Number(batchNs) / size) / 1e6,
  });
  const hook = async (batch: readonly Pending[], features: readonly RecordFeatures[], outputs: readonly RecordOutputs[]) =>
    options.perBatch ? await options.perBatch(batch, features, outputs) : undefined;
  for (let i = 0; i < bySize.length; i += options.batchSize) {
    const batch = bySize.slice(i, i + options.batchSize);
    const features = batch.map((p) => p.features);
    try {
      const started = process.hrtime.bigint();
      const outputs = await model.run(features);
      const extras = await hook(batch, features, outputs);
      const batchNs = process.hrtime.bigint() - started;
      batch.forEach((p, k) => {
        done.set(p.order, scored(p, outputAt(outputs, k, batch.length), extras?.[k], batchNs, batch.length));
      });
    } catch {
      // One bad batch must not lose the others: retry its records one by one.
      for (const p of batch) {
        try {
          const single = [p.features];
          const started = process.hrtime.bigint();
          const outputs = await model.run(single);
          const output = outputAt(outputs, 0, 1);
          const extras = await hook([p], single, outputs);
          done.set(p.order, scored(p, output, extras?.[0], process.hrtime.bigint() - started, 1));
        } catch (error) {
          done.set(p.order, { kind: 'failed', record: p.record, features: p.features, reason: `inference failed: ${firstLine(error)}` });
        }
      }
    }
  }
  return done;
}

/** Every record item of the inputs through the model: one event per item, in input order. */
export async function* runRecords<E = undefined>(model: ClinicalModel, options: RecordRunOptions<E>): AsyncGenerator<RecordEvent<E>> {
  const windowSize = options.batchSize * WINDOW_BATCHES;
  let window: Pending[] = [];
  let order = 0;
  async function* flush(): AsyncGenerator<RecordEvent<E>> {
    if (window.length === 0) return;
    const pending = window;
    window = [];
    const done = await runWindow(model, pending, options);
    for (const p of pending) {
      yield done.get(p.order) ?? { kind: 'failed', record: p.record, features: p.features, reason: 'no output' };
    }
    yield { kind: 'window' };
  }
  const reader = readRecords(options.inputs, options.read)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<RecordItem>;
      try {
        next = await reader.next();
      } catch (error) {
        // the reader failed past its own per-item guards: the records already read still get their
        // events (written or dead-lettered) before the error ends the run
        yield* flush();
        throw error;
      }
      if (next.done) break;
      options.onItem?.();
      const item = next.value;
      if (item.kind === 'failure') {
        yield { kind: 'unreadable', item };
        continue;
      }
      if (item.kind === 'skipped') {
        yield { kind: 'skipped-input', item };
        continue;
      }
      const record = item.record;
      if (options.select && !options.select(record)) {
        yield { kind: 'skipped', record };
        continue;
      }
      if (options.limit !== undefined && order >= options.limit) break;
      const started = process.hrtime.bigint();
      let features: RecordFeatures;
      try {
        features = await model.featurizer.featurize(record);
      } catch (error) {
        yield { kind: 'unfeaturizable', record, message: firstLine(error) };
        continue;
      }
      window.push({ record, features, order: order++, featurizeNs: process.hrtime.bigint() - started });
      if (window.length >= windowSize) yield* flush();
    }
  } finally {
    // a consumer that stops iterating stops the reading too (its files and temporary spill)
    await reader.return?.(undefined);
  }
  yield* flush();
}
