/**
 * @file Featurizing (note selection, tokenizing, entity linking, image and audio decoding) in a
 * pool of worker threads, so that it overlaps with inference: `session.run` blocks the main thread
 * for most of a run, and while it does, the workers prepare the next window's records
 * (src/pipeline/batches.ts reads one window ahead). `--workers N`; 0 featurizes on the main thread.
 *
 * Same bytes out: each worker runs the very Featurizer the main thread would (built from the same
 * package by src/model/runtime.ts `packageFeaturizer`), records go round-robin and come back by id,
 * and the loop puts them back in input order, so the output does not depend on the pool size.
 * Bounded: the loop never has more than two windows of records in flight.
 *
 * A worker that dies fails only its records in flight (they become FEATURIZE_FAILED dead letters
 * naming the exit) and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalRecord } from '../records/types.js';

/** Default pool size: the cores left once inference has one, at most 4 (1 on a 2-core machine). */
export function defaultWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** A record's features and the nanoseconds its worker spent on them. */
export interface Featurized {
  features: RecordFeatures;
  ns: number;
}

interface Pending {
  resolve: (f: Featurized) => void;
  reject: (e: Error) => void;
}

/**
 * The worker beside this module: the built JavaScript, or (tests, a checkout without a build) the
 * TypeScript source, loaded through tsx's loader registered inside the thread.
 */
const TSX_API = 'tsx/esm/api';

function startWorker(packageDir: string): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./featurize-worker.js', self), { workerData: { packageDir } });
  const source = new URL('./featurize-worker.ts', self).href;
  // (tsx is a development dependency: only a run from the TypeScript sources gets here)
  const boot = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(boot, { eval: true, workerData: { packageDir } });
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;

  constructor(packageDir: string, onExit: (w: PoolWorker) => void) {
    this.worker = startWorker(packageDir);
    this.worker.on('message', (m: { id: number; features?: RecordFeatures; ns?: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.features) p.resolve({ features: m.features, ns: m.ns ?? 0 });
      else p.reject(new Error(m.error ?? 'featurizing failed'));
    });
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
      onExit(this);
    };
    this.worker.on('error', (error) => fail(`the featurizing worker failed: ${error.message}`));
    this.worker.on('exit', (code) => fail(`the featurizing worker exited (code ${code})`));
  }

  featurize(id: number, record: ClinicalRecord): Promise<Featurized> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, record });
    });
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }
}

export class FeaturizePool {
  private workers: PoolWorker[] = [];
  private next = 0;
  private ids = 0;
  private closed = false;

  constructor(
    private readonly packageDir: string,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const worker: PoolWorker = new PoolWorker(this.packageDir, (dead) => {
      if (this.closed) return;
      const at = this.workers.indexOf(dead);
      if (at >= 0) this.workers[at] = this.spawn();
    });
    return worker;
  }

  featurize(record: ClinicalRecord): Promise<Featurized> {
    const worker = this.workers[this.next++ % this.workers.length] as PoolWorker;
    return worker.featurize(this.ids++, record);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
