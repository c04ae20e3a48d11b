/**
 * @file What one queued run is: its inputs, the analyze options every unit runs with, and its
 * work units. A unit is one input read as shard K of N (src/pipeline/shard.ts), so a large file or
 * Bulk export is split across workers by patient with no coordination, and every unit's output
 * can be merged back into the input's order (src/queue/merge.ts).
 *
 * Units are numbered input by input, shard by shard: unit `i × N + (K − 1)` is input `i`, shard
 * K/N. Job ids are `<run>--<unit>`, so submitting the same run twice queues nothing twice.
 */
import { quote, UsageError } from '../util/errors.js';
import type { InputFormat, RecordUnit } from '../records/read.js';
import type { ExplainLevel } from '../explain/types.js';

/** Options every unit of a run is analyzed with (the rest are analyze's defaults). */
export interface UnitOptions {
  format: InputFormat;
  unit: RecordUnit;
  batchSize: number;
  topK: number;
  timing: boolean;
  explain: ExplainLevel;
}

/** A queued run, as stored in Redis at submit. */
export interface RunPlan {
  /** Schema of this object. */
  version: 1;
  run: string;
  /** Absolute paths (workers must see the same paths: a shared folder, or the same files). */
  inputs: string[];
  /** Shards per input. */
  shards: number;
  options: UnitOptions;
  /** ISO time of the submit. */
  submitted: string;
}

/** One unit of work: input `input`, shard `shard`/`shards`. */
export interface Unit {
  index: number;
  input: number;
  shard: number;
}

/** Run names: letters, digits, `.`, `_` and `-`, 1 to 64 of them (they are part of Redis keys and job ids). */
export function checkRunName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new UsageError(`--run must be 1-64 letters, digits, '.', '_' or '-', got ${quote(name)}`);
  }
  return name;
}

export function units(plan: Pick<RunPlan, 'inputs' | 'shards'>): Unit[] {
  return plan.inputs.flatMap((_, input) =>
    Array.from({ length: plan.shards }, (_, k) => ({ index: input * plan.shards + k, input, shard: k + 1 })),
  );
}

export const jobId = (run: string, unit: number) => `${run}--${unit}`;
