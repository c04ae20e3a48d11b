/**
 * @file The queue commands' work: `submit` stores a run's plan and queues its units, `status`
 * tells where each run stands, `collect` merges the finished units into one output in input order
 * (equal to one `analyze` run's with `--no-timing`), and `work` runs units as a BullMQ worker.
 *
 * Retries: a unit that throws is retried up to UNIT_ATTEMPTS times with exponential backoff; a
 * worker that dies mid-unit (kill -9, a lost machine) stops renewing its lock, and after
 * `--lock-seconds` another worker's stalled-job check puts the unit back in the queue (up to
 * MAX_STALLED times). Results are stored whole, once per unit (src/queue/store.ts), so a retried
 * unit replaces, never duplicates. A unit that still fails is a UNIT_FAILED dead letter at collect.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClinicalModel } from '../model/runtime.js';
import type { AnalyzeCounts } from '../pipeline/analyze.js';
import type { Logger } from '../pipeline/logger.js';
import { type DeadLetter, DeadLetterSink } from '../io/dead-letter.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import { ClinicalBertError, UsageError } from '../util/errors.js';
import { checkReachable, type RedisTarget } from './connection.js';
import { mergeByOrdinal, splitStored } from './merge.js';
import { jobId, type RunPlan, type Unit, units } from './plan.js';
import { runUnit, UnitTooLarge } from './run-unit.js';
import {
  hasResult,
  listRuns,
  loadPlan,
  loadResult,
  PREFIX,
  QUEUE_NAME,
  removeRun,
  saveResult,
  savePlan,
  type UnitResult,
} from './store.js';

/** Tries of a unit that throws. */
export const UNIT_ATTEMPTS = 3;
/** Times a unit may be put back after its worker stopped renewing its lock. */
export const MAX_STALLED = 3;

interface JobData {
  run: string;
  unit: number;
}

async function openQueue(target: RedisTarget): Promise<{ queue: Queue<JobData>; client: Redis }> {
  const queue = new Queue<JobData>(QUEUE_NAME, { connection: target.connection, prefix: PREFIX });
  // (an unreachable Redis must not print ioredis's unhandled-error lines; the last one is named)
  let lastError: Error | undefined;
  queue.on('error', (error) => {
    lastError = error;
  });
  try {
    let client: Redis | undefined;
    await checkReachable(
      target,
      async () => {
        client = (await queue.client) as unknown as Redis;
        await client.ping();
      },
      () => lastError,
    );
    return { queue, client: client as Redis };
  } catch (error) {
    // (not close(): it would wait for the reconnects to give up)
    await queue.disconnect().catch(() => {});
    throw error;
  }
}

const withoutTime = ({ submitted: _s, ...rest }: RunPlan) => JSON.stringify(rest);

/** Stores the plan and queues its units (job ids are fixed: submitting again queues nothing twice). */
export async function submit(target: RedisTarget, plan: RunPlan): Promise<{ units: number; alreadySubmitted: boolean }> {
  const { queue, client } = await openQueue(target);
  try {
    const existing = await loadPlan(client, plan.run);
    if (existing && withoutTime(existing) !== withoutTime(plan)) {
      throw new UsageError(`run ${plan.run} was submitted with other inputs or options on ${existing.submitted}: choose another --run`);
    }
    if (!existing) await savePlan(client, plan);
    const list = units(plan);
    await queue.addBulk(
      list.map((u) => ({
        name: 'unit',
        data: { run: plan.run, unit: u.index },
        opts: {
          jobId: jobId(plan.run, u.index),
          attempts: UNIT_ATTEMPTS,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    return { units: list.length, alreadySubmitted: existing !== undefined };
  } finally {
    await queue.close();
  }
}

export type UnitState = 'done' | 'failed' | 'active' | 'waiting' | 'delayed' | 'missing';

export interface RunStatus {
  run: string;
  inputs: number;
  shards: number;
  units: number;
  states: Record<UnitState, number>;
  /** Counts of the done units, summed. */
  read: number;
  written: number;
  deadLettered: number;
}

async function unitStates(
  queue: Queue<JobData>,
  client: Redis,
  plan: RunPlan,
): Promise<{ unit: Unit; state: UnitState; reason?: string }[]> {
  const out: { unit: Unit; state: UnitState; reason?: string }[] = [];
  for (const unit of units(plan)) {
    if (await hasResult(client, plan.run, unit.index)) {
      out.push({ unit, state: 'done' });
      continue;
    }
    const job = await queue.getJob(jobId(plan.run, unit.index));
    const state = job ? await job.getState() : 'unknown';
    if (state === 'failed') out.push({ unit, state: 'failed', reason: job?.failedReason ?? 'unknown reason' });
    else if (state === 'active') out.push({ unit, state: 'active' });
    else if (state === 'delayed') out.push({ unit, state: 'delayed' });
    else if (state === 'unknown') out.push({ unit, state: 'missing' });
    // waiting, prioritized, waiting-children; completed without a result cannot happen (the result is stored first)
    else out.push({ unit, state: 'waiting' });
  }
  return out;
}

export async function status(target: RedisTarget, run?: string): Promise<RunStatus[]> {
  const { queue, client } = await openQueue(target);
  try {
    const names = run ? [run] : await listRuns(client);
    const result: RunStatus[] = [];
    for (const name of names) {
      const plan = await loadPlan(client, name);
      if (!plan) throw unknownRun(name, await listRuns(client));
      const states = await unitStates(queue, client, plan);
      const s: RunStatus = {
        run: name,
        inputs: plan.inputs.length,
        shards: plan.shards,
        units: states.length,
        states: { done: 0, failed: 0, active: 0, waiting: 0, delayed: 0, missing: 0 },
        read: 0,
        written: 0,
        deadLettered: 0,
      };
      for (const u of states) {
        s.states[u.state]++;
        if (u.state !== 'done') continue;
        const r = await loadResult(client, name, u.unit.index);
        s.read += r?.counts.read ?? 0;
        s.written += r?.counts.written ?? 0;
        s.deadLettered += r?.counts.deadLettered ?? 0;
      }
      result.push(s);
    }
    return result;
  } finally {
    await queue.close();
  }
}

function unknownRun(run: string, known: string[]): UsageError {
  return new UsageError(`no run ${JSON.stringify(run)} in this Redis; runs: ${known.length ? known.join(', ') : '(none)'}`);
}

export interface CollectOptions {
  run: string;
  out?: string;
  deadLetter?: string;
  /** Wait for unfinished units, polling, at most this many seconds (0: do not wait). */
  waitSeconds: number;
  /** Delete the run's plan, results and jobs once written. */
  remove: boolean;
  onWaiting?: (s: Record<UnitState, number>) => void;
}

export interface CollectSummary extends AnalyzeCounts {
  units: number;
  failedUnits: number;
}

/** Writes the run's output in input order; throws QUEUE_INCOMPLETE when units are unfinished. */
export async function collect(target: RedisTarget, options: CollectOptions): Promise<CollectSummary> {
  const { queue, client } = await openQueue(target);
  try {
    const plan = await loadPlan(client, options.run);
    if (!plan) throw unknownRun(options.run, await listRuns(client));
    const deadline = Date.now() + options.waitSeconds * 1000;
    let states = await unitStates(queue, client, plan);
    for (;;) {
      const open = states.filter((u) => u.state !== 'done' && u.state !== 'failed');
      if (open.length === 0) break;
      if (Date.now() >= deadline) {
        const tally = count(states);
        throw new ClinicalBertError(
          `run ${plan.run} is not finished: ${Object.entries(tally)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(
              ', ',
            )} of ${states.length} units${options.waitSeconds ? ` after ${options.waitSeconds} s` : ' (--wait to wait for them)'}`,
          { code: 'QUEUE_INCOMPLETE' },
        );
      }
      options.onWaiting?.(count(states));
      await new Promise((r) => setTimeout(r, 500));
      states = await unitStates(queue, client, plan);
    }
    const sink = new JsonLinesSink(options.out);
    const dead = new DeadLetterSink(options.deadLetter);
    const summary: CollectSummary = {
      read: 0,
      written: 0,
      deadLettered: 0,
      skipped: 0,
      warnings: 0,
      noEvidence: 0,
      units: states.length,
      failedUnits: 0,
    };
    let sha: string | undefined;
    try {
      for (let input = 0; input < plan.inputs.length; input++) {
        const mine = states.filter((u) => u.unit.input === input);
        const results: UnitResult[] = [];
        for (const u of mine) {
          if (u.state !== 'done') continue;
          const r = await loadResult(client, plan.run, u.unit.index);
          if (!r) throw new ClinicalBertError(`unit ${u.unit.index} of run ${plan.run} lost its result`, { code: 'QUEUE_INCOMPLETE' });
          const model = `${r.modelSha} at ${r.precision}`;
          if (sha !== undefined && model !== sha) {
            throw new ClinicalBertError(
              `run ${plan.run}: units were analyzed by different models (${sha}; ${model}): give every worker the same --model and --precision`,
              { code: 'QUEUE_MODEL_MISMATCH' },
            );
          }
          sha = model;
          results.push(r);
          for (const k of ['read', 'written', 'deadLettered', 'skipped', 'warnings', 'noEvidence'] as const) summary[k] += r.counts[k];
        }
        for (const line of mergeByOrdinal(results.map((r) => ({ lines: splitStored(r.out), ordinals: r.outOrder }))))
          await sink.writeLine(line);
        for (const line of mergeByOrdinal(results.map((r) => ({ lines: splitStored(r.dead), ordinals: r.deadOrder })))) {
          await dead.copy(JSON.parse(line) as DeadLetter);
        }
        for (const u of mine.filter((m) => m.state === 'failed')) {
          summary.failedUnits++;
          summary.deadLettered++;
          await dead.write(
            { file: plan.inputs[input] as string },
            'UNIT_FAILED',
            `shard ${u.unit.shard}/${plan.shards} failed: ${u.reason ?? ''}`,
          );
        }
      }
    } finally {
      await sink.close();
      await dead.close();
    }
    if (options.remove) {
      for (const u of units(plan)) await (await queue.getJob(jobId(plan.run, u.index)))?.remove();
      await removeRun(client, plan.run, states.length);
    }
    return summary;
  } finally {
    await queue.close();
  }
}

function count(states: { state: UnitState }[]): Record<UnitState, number> {
  const c: Record<UnitState, number> = { done: 0, failed: 0, active: 0, waiting: 0, delayed: 0, missing: 0 };
  for (const s of states) c[s.state]++;
  return c;
}

export interface WorkOptions {
  concurrency: number;
  /** How long a unit's lock lasts without renewal: a dead worker's unit is retried after about this. */
  lockMs: number;
  maxUnitBytes: number;
  /** Exit once no unit is waiting, delayed or active. */
  exitWhenIdle: boolean;
  log: Logger;
  signal: AbortSignal;
}

/** Runs units until stopped (a signal) or, with `exitWhenIdle`, until the queue is empty. Returns the units done. */
export async function work(target: RedisTarget, model: ClinicalModel, options: WorkOptions): Promise<{ done: number; failed: number }> {
  const { queue, client } = await openQueue(target);
  const log = options.log;
  let done = 0;
  let failed = 0;
  const plans = new Map<string, RunPlan>();
  const processor = async (job: Job<JobData>) => {
    const { run, unit: index } = job.data;
    let plan = plans.get(run);
    if (!plan) {
      plan = await loadPlan(client, run);
      if (!plan) throw new UnrecoverableError(`run ${run} has no plan in Redis (removed?)`);
      plans.set(run, plan);
    }
    const unit = units(plan)[index];
    if (!unit) throw new UnrecoverableError(`run ${run} has no unit ${index}`);
    const where = `unit ${job.id} (input ${unit.input + 1} of ${plan.inputs.length}, shard ${unit.shard}/${plan.shards})`;
    log.info('unit_started', `worker: ${where} started (attempt ${job.attemptsMade + 1})`, { run, unit: index });
    const began = Date.now();
    try {
      const result = await runUnit(model, plan, unit, options.maxUnitBytes);
      await saveResult(client, run, index, result);
      log.info(
        'unit_done',
        `worker: ${where} done: read ${result.counts.read}, written ${result.counts.written}, dead-lettered ${result.counts.deadLettered} (${((Date.now() - began) / 1000).toFixed(1)} s)`,
        { run, unit: index, ...result.counts },
      );
      return result.counts;
    } catch (error) {
      if (error instanceof UnitTooLarge) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
  const worker = new Worker<JobData>(QUEUE_NAME, processor, {
    connection: target.connection,
    prefix: PREFIX,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)),
    maxStalledCount: MAX_STALLED,
  });
  worker.on('completed', () => done++);
  worker.on('failed', (job, error) => {
    failed++;
    log.warn('unit_failed', `worker: unit ${job?.id ?? '?'} failed: ${error.message}`, { unit: job?.id });
  });
  worker.on('error', (error) => log.warn('worker_error', `worker: ${error.message}`));
  try {
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      options.signal.addEventListener('abort', stop, { once: true });
      if (!options.exitWhenIdle) return;
      const poll = setInterval(async () => {
        try {
          const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
          if (Object.values(c).every((n) => n === 0)) {
            clearInterval(poll);
            resolve();
          }
        } catch {
          // Redis gone: the worker's own error events say so; keep polling until it is back or stopped
        }
      }, 1000);
      options.signal.addEventListener('abort', () => clearInterval(poll), { once: true });
    });
  } finally {
    // finishes the units in flight (a second signal exits at once: src/pipeline/stop-signals.ts)
    await worker.close();
    await queue.close();
  }
  return { done, failed };
}
