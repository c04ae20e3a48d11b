/**
 * @file One unit of a queued run, on a worker: the input read as its shard by the same pipeline as
 * `analyze` (src/pipeline/analyze.ts), into private temporary files, then handed back whole with
 * the ordinal of every line, for src/queue/store.ts to keep and src/queue/merge.ts to merge.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { explainBatch } from '../explain/explain.js';
import type { ClinicalModel } from '../model/runtime.js';
import { runAnalyze } from '../pipeline/analyze.js';
import { ClinicalBertError } from '../util/errors.js';
import { makeTempFolder } from '../util/temp-folder.js';
import type { RunPlan, Unit } from './plan.js';
import type { UnitResult } from './store.js';

/** Default bound on one unit's output (lines and dead letters), in MiB. */
export const DEFAULT_MAX_UNIT_MB = 256;

/** A unit whose output is over the bound: retrying cannot help (more shards can). */
export class UnitTooLarge extends ClinicalBertError {
  constructor(bytes: number, maxBytes: number) {
    super(
      `the unit's output is ${(bytes / 2 ** 20).toFixed(1)} MiB, over --max-unit-mb ${maxBytes / 2 ** 20}: submit the run with more --shards`,
      { code: 'UNIT_TOO_LARGE' },
    );
  }
}

export async function runUnit(model: ClinicalModel, plan: RunPlan, unit: Unit, maxUnitBytes: number): Promise<UnitResult> {
  const input = plan.inputs[unit.input];
  if (input === undefined) throw new ClinicalBertError(`unit ${unit.index} names no input of the run`, { code: 'UNIT_INVALID' });
  if (!existsSync(input)) {
    throw new ClinicalBertError(`input ${JSON.stringify(input)} is not on this worker (workers need the same paths)`, {
      code: 'INPUT_NOT_FOUND',
    });
  }
  const dir = await makeTempFolder('clinicalbert-unit-');
  try {
    const out = join(dir, 'out.jsonl');
    const dead = join(dir, 'dead.jsonl');
    const outOrder: number[] = [];
    const deadOrder: number[] = [];
    const o = plan.options;
    const level = o.explain;
    const summary = await runAnalyze(model, {
      inputs: [input],
      read: { format: o.format, unit: o.unit },
      out,
      deadLetter: dead,
      batchSize: o.batchSize,
      topK: o.topK,
      timing: o.timing,
      shard: { index: unit.shard, count: plan.shards },
      ...(level !== 'none' ? { explain: (batch, m) => explainBatch(m, batch, level, { timing: o.timing }) } : {}),
      onWritten: (to, ordinal) => (to === 'out' ? outOrder : deadOrder).push(ordinal),
    });
    const bytes = (existsSync(out) ? statSync(out).size : 0) + (existsSync(dead) ? statSync(dead).size : 0);
    if (bytes > maxUnitBytes) throw new UnitTooLarge(bytes, maxUnitBytes);
    const { seconds: _s, recordsPerSecond: _r, aborted: _a, stoppedByReader: _b, deadLetterCodes: _c, ...counts } = summary;
    return {
      out: existsSync(out) ? await readFile(out, 'utf8') : '',
      dead: existsSync(dead) ? await readFile(dead, 'utf8') : '',
      outOrder,
      deadOrder,
      counts,
      modelSha: model.pkg.sha,
      precision: model.precision,
      worker: `${hostname()}:${process.pid}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
