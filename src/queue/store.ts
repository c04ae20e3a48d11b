/**
 * @file Where a queued run lives in Redis, beside BullMQ's own keys (all under the `clinicalbert`
 * prefix): the run's plan, the set of runs, and one hash per finished unit holding its output
 * lines, its dead letters, the ordinal of each line (src/queue/merge.ts) and its counts.
 *
 * Why results in Redis: workers on other machines then need only the Redis URL and the inputs,
 * no shared output folder. A unit's result is written with one HSET once the unit is whole, so a
 * worker killed mid-unit leaves nothing, and the unit's retry overwrites rather than adds: results
 * are deduplicated by construction. Bounded: a unit's output is at most `--max-unit-mb` (workers
 * refuse more: split the input into more `--shards`); `queue collect --remove` deletes a run.
 */
import type { Redis } from 'ioredis';
import type { AnalyzeCounts } from '../pipeline/analyze.js';
import type { RunPlan } from './plan.js';

/** BullMQ prefix and the root of our own keys. */
export const PREFIX = 'clinicalbert';
/** The BullMQ queue all runs share (jobs carry their run name). */
export const QUEUE_NAME = 'units';

const runKey = (run: string) => `${PREFIX}:run:${run}`;
const unitKey = (run: string, unit: number) => `${PREFIX}:run:${run}:unit:${unit}`;
const RUNS = `${PREFIX}:runs`;

/** What a worker stores for one finished unit. */
export interface UnitResult {
  out: string;
  dead: string;
  outOrder: number[];
  deadOrder: number[];
  counts: AnalyzeCounts;
  /** sha256 of the model package the unit ran on: every unit of a run must agree. */
  modelSha: string;
  /** The precision of the graphs it ran (`worker --precision`): every unit of a run must agree too. */
  precision: string;
  /** Host and PID of the worker, for `queue status`. */
  worker: string;
}

export async function savePlan(client: Redis, plan: RunPlan): Promise<void> {
  await client.multi().set(runKey(plan.run), JSON.stringify(plan)).sadd(RUNS, plan.run).exec();
}

export async function loadPlan(client: Redis, run: string): Promise<RunPlan | undefined> {
  const text = await client.get(runKey(run));
  return text ? (JSON.parse(text) as RunPlan) : undefined;
}

export async function listRuns(client: Redis): Promise<string[]> {
  return (await client.smembers(RUNS)).sort();
}

export async function saveResult(client: Redis, run: string, unit: number, result: UnitResult): Promise<void> {
  await client.hset(unitKey(run, unit), {
    out: result.out,
    dead: result.dead,
    outOrder: JSON.stringify(result.outOrder),
    deadOrder: JSON.stringify(result.deadOrder),
    counts: JSON.stringify(result.counts),
    modelSha: result.modelSha,
    precision: result.precision,
    worker: result.worker,
  });
}

export async function hasResult(client: Redis, run: string, unit: number): Promise<boolean> {
  return (await client.exists(unitKey(run, unit))) === 1;
}

export async function loadResult(client: Redis, run: string, unit: number): Promise<UnitResult | undefined> {
  const h = await client.hgetall(unitKey(run, unit));
  if (h.out === undefined || h.counts === undefined) return undefined;
  return {
    out: h.out,
    dead: h.dead ?? '',
    outOrder: JSON.parse(h.outOrder ?? '[]') as number[],
    deadOrder: JSON.parse(h.deadOrder ?? '[]') as number[],
    counts: JSON.parse(h.counts) as AnalyzeCounts,
    modelSha: h.modelSha ?? '',
    precision: h.precision ?? '',
    worker: h.worker ?? '',
  };
}

/** Deletes a run's plan and results (its jobs are removed by the caller through BullMQ). */
export async function removeRun(client: Redis, run: string, unitCount: number): Promise<void> {
  const keys = [runKey(run), ...Array.from({ length: unitCount }, (_, u) => unitKey(run, u))];
  await client
    .multi()
    .del(...keys)
    .srem(RUNS, run)
    .exec();
}
