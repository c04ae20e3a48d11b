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
 * Without a model (`ask` about the records alone: no ONNX session is created), `select` must
 * send every record back (`skipped`): the loop then only reads, orders and counts.
 *
 * Every record item read gets exactly one event (`unreadable`, `skipped-input`, `skipped`,
 * `other-shard`, `resumed`, `unfeaturizable`, `failed` or `scored`), in input order: an item that needs no model
 * (unreadable, skipped, …) waits behind the records of the window read before it, so the
 * dead-letter output's order does not depend on the batch size and a resumed run (`--resume`,
 * src/io/resume.ts) appends exactly what an uninterrupted run would have written after the
 * prefix it finds. A consumer that stops iterating stops the reading too.
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
import { type Featurized, FeaturizePool } from './featurize-pool.js';

/** Batches per sorting window. */
export const WINDOW_BATCHES = 4;

/**
 * Items that need no model (dead letters, skips) held behind a window's records, at most this
 * many windows' worth: a long run of bad lines after one record flushes the window early (its
 * outputs do not depend on their batch-mates) instead of holding every bad line in memory.
 */
const HELD_PER_WINDOW = 4;

/** What an earlier, interrupted run already did with an item (`--resume`): written or dead-lettered. */
export type ResumedOutcome = 'written' | 'dead-lettered';

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
   * `--resume`: asked, in input order, for each record and each unreadable item; an item an
   * earlier run already wrote or dead-lettered gets a `resumed` event and is neither featurized
   * nor run again.
   */
  resumed?: (item: Extract<RecordItem, { kind: 'record' | 'failure' }>) => ResumedOutcome | undefined;
  /**
   * `--shard K/N` (src/pipeline/shard.ts): items of other shards get an `other-shard` event and
   * nothing else (not resumed, not featurized).
   */
  keep?: (item: RecordItem) => boolean;
  /**
   * Worker threads that featurize while the model runs (src/pipeline/featurize-pool.ts); 0 or
   * absent: on this thread. The events are the same either way.
   */
  workers?: number;
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
  /** An item of another shard (`keep` option): neither read into a record nor counted. */
  | { kind: 'other-shard' }
  /** Already written or dead-lettered by the interrupted run being resumed (`resumed` option). */
  | { kind: 'resumed'; outcome: ResumedOutcome; item: Extract<RecordItem, { kind: 'record' | 'failure' }> }
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

/** A record read and sent to be featurized: its features arrive later (a worker) or at once (in process). */
interface Reading {
  record: ClinicalRecord;
  order: number;
  featurized: Promise<Featurized>;
}

/** Items read since the last flush, in input order: records being featurized and events that need no model. */
interface Window<E> {
  records: Reading[];
  held: (Reading | RecordEvent<E>)[];
}

const emptyWindow = <E>(): Window<E> => ({ records: [], held: [] });

/** Every record item of the inputs through the model: one event per item, in input order. */
export async function* runRecords<E = undefined>(
  model: ClinicalModel | undefined,
  options: RecordRunOptions<E>,
): AsyncGenerator<RecordEvent<E>> {
  const windowSize = options.batchSize * WINDOW_BATCHES;
  // The window being read, and the one read before it, whose records featurize (in the pool's
  // threads) while the reading goes on; it runs through the model when the next one is full.
  let current: Window<E> = emptyWindow();
  let previous: Window<E> | undefined;
  let order = 0;
  let pool: FeaturizePool | undefined;
  const workers = options.workers ?? 0;

  /** The model, for a record `select` sent to it: a run without one must select none (`ask` about records). */
  const needModel = (): ClinicalModel => {
    if (!model) throw new ClinicalBertError('a record was selected for the model, but the run loaded none', { code: 'NO_MODEL' });
    return model;
  };
  const featurize = async (record: ClinicalRecord): Promise<Featurized> => {
    if (pool) return pool.featurize(record);
    const started = process.hrtime.bigint();
    const features = await needModel().featurizer.featurize(record);
    return { features, ns: Number(process.hrtime.bigint() - started) };
  };

  async function* flush(window: Window<E> | undefined): AsyncGenerator<RecordEvent<E>> {
    if (!window || window.held.length === 0) return;
    // features in input order; a record whose featurizing failed is an event of its own
    const pending: Pending[] = [];
    const failed = new Map<number, string>();
    for (const r of window.records) {
      try {
        const { features, ns } = await r.featurized;
        pending.push({ record: r.record, features, order: r.order, featurizeNs: BigInt(ns) });
      } catch (error) {
        failed.set(r.order, firstLine(error));
      }
    }
    const done = pending.length > 0 ? await runWindow(needModel(), pending, options) : new Map<number, Done<E>>();
    const byOrder = new Map(pending.map((p) => [p.order, p]));
    for (const item of window.held) {
      if (!('order' in item)) {
        yield item;
        continue;
      }
      const why = failed.get(item.order);
      if (why !== undefined) {
        yield { kind: 'unfeaturizable', record: item.record, message: why };
        continue;
      }
      const p = byOrder.get(item.order) as Pending;
      yield done.get(item.order) ?? { kind: 'failed', record: p.record, features: p.features, reason: 'no output' };
    }
    yield { kind: 'window' };
  }
  /** The current window is full: run the one before it, and keep reading into a new one. */
  async function* rotate(): AsyncGenerator<RecordEvent<E>> {
    yield* flush(previous);
    previous = current;
    current = emptyWindow();
    // the pool starts once a run has more than one window: a few records are not worth the threads
    if (!pool && workers > 0 && model) pool = new FeaturizePool(model.pkg.dir, workers);
  }
  async function* drain(): AsyncGenerator<RecordEvent<E>> {
    yield* flush(previous);
    previous = undefined;
    const last = current;
    current = emptyWindow();
    yield* flush(last);
  }
  /** An event that needs no model: at once when no record waits before it, else behind them. */
  async function* emit(event: RecordEvent<E>): AsyncGenerator<RecordEvent<E>> {
    if (!previous && current.held.length === 0) {
      yield event;
      return;
    }
    current.held.push(event);
    if (current.held.length >= windowSize * HELD_PER_WINDOW) yield* rotate();
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
        yield* drain();
        throw error;
      }
      if (next.done) break;
      const item = next.value;
      if (options.keep && !options.keep(item)) {
        yield* emit({ kind: 'other-shard' });
        continue;
      }
      // (an item of another shard is not this run's: not counted)
      options.onItem?.();
      if (item.kind === 'skipped') {
        yield* emit({ kind: 'skipped-input', item });
        continue;
      }
      const resumed = options.resumed?.(item);
      if (resumed) {
        yield* emit({ kind: 'resumed', outcome: resumed, item });
        continue;
      }
      if (item.kind === 'failure') {
        yield* emit({ kind: 'unreadable', item });
        continue;
      }
      const record = item.record;
      if (options.select && !options.select(record)) {
        yield* emit({ kind: 'skipped', record });
        continue;
      }
      needModel();
      if (options.limit !== undefined && order >= options.limit) break;
      const featurized = featurize(record);
      // (in process, featurizing runs here, one record after the other, as it always did)
      if (!pool) await featurized.catch(() => {});
      const reading: Reading = { record, order: order++, featurized };
      current.records.push(reading);
      current.held.push(reading);
      if (current.records.length >= windowSize) yield* rotate();
    }
    yield* drain();
  } finally {
    // a consumer that stops iterating stops the reading too (its files and temporary spill)
    await reader.return?.(undefined);
    await pool?.close();
  }
}
