/**
 * @file `clinicalbert queue submit|status|collect` and `clinicalbert worker`: argument parsing for
 * the work queue on Redis (BullMQ). The work is src/queue/operations.ts, imported only when one of
 * these commands runs, so `analyze` does not load BullMQ.
 *
 * Exit codes: 0 done; 3 (collect) some records dead-lettered or units failed; 2 usage error; 1
 * Redis unreachable (QUEUE_UNREACHABLE), a run not finished (QUEUE_INCOMPLETE, without --wait) or
 * another failure; 130/143 a worker stopped by SIGINT/SIGTERM (after finishing its units in flight).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXPLAIN_LEVELS } from '../explain/types.js';
import { DEVICES } from '../model/devices.js';
import { PRECISION_FLAG, PRECISION_HELP, parsePrecision } from './precision-flag.js';
import { LOG_FORMATS, Logger } from '../pipeline/logger.js';
import { withStopSignals } from '../pipeline/stop-signals.js';
import { MAX_SHARDS } from '../pipeline/shard.js';
import { INPUT_FORMATS } from '../io/types.js';
import { UNITS } from '../records/types.js';
import { parseChoice, parseCount, quote, UsageError } from '../util/errors.js';
import { parseRedisUrl } from '../queue/connection.js';
import { checkRunName, type RunPlan, type UnitOptions } from '../queue/plan.js';
import { DEFAULT_MAX_UNIT_MB } from '../queue/run-unit.js';
import { checkOutputPaths } from './output-paths.js';

const REDIS_HELP = 'Redis URL, e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS; a password in the URL is never logged)';

export function registerQueue(program: Command): void {
  const queue = program
    .command('queue')
    .description(
      'Split analyze runs into units on a Redis work queue (BullMQ) for `clinicalbert worker` processes on one or many machines',
    );

  queue
    .command('submit')
    .description('Queue a run: each input read as --shards units (shard K of N by patient id); prints the run name')
    .argument('<inputs...>', 'files or folders (absolute paths are stored: workers need the same paths)')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option(
      '--run <name>',
      'name of the run (default: run- and a hash of the inputs and options, so submitting again queues nothing twice)',
    )
    .option('--shards <n>', 'units per input: shards by patient id, run in parallel by the workers', '1')
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option('--batch-size <n>', 'records per inference batch', '16')
    .option('--top-k <n>', 'labels reported per head', '5')
    .option('--no-timing', 'leave per-record timings out (the collected output is then byte-identical to one analyze run)')
    .option('--explain <level>', `explanations per record: ${EXPLAIN_LEVELS.join(', ')}`, 'none')
    .action(async (inputs: string[], flags: Record<string, string | boolean | undefined>) => {
      const target = parseRedisUrl(String(flags.redis));
      const shards = parseCount('--shards', String(flags.shards), { min: 1, max: MAX_SHARDS });
      const paths = inputs.map((input) => {
        if (input === '-')
          throw new UsageError("queue submit reads files or folders, not stdin (-): workers cannot read this process's stdin");
        const path = resolve(input);
        if (!existsSync(path)) throw new UsageError(`input not found: ${quote(input)}`);
        return path;
      });
      const options: UnitOptions = {
        format: parseChoice('--format', String(flags.format), INPUT_FORMATS),
        unit: parseChoice('--unit', String(flags.unit), UNITS),
        batchSize: parseCount('--batch-size', String(flags.batchSize), { min: 1, max: 4096 }),
        topK: parseCount('--top-k', String(flags.topK), { min: 1, max: 1000 }),
        timing: flags.timing !== false,
        explain: parseChoice('--explain', String(flags.explain), EXPLAIN_LEVELS),
      };
      const digest = createHash('sha256').update(JSON.stringify({ paths, shards, options })).digest('hex').slice(0, 12);
      const run = checkRunName(typeof flags.run === 'string' ? flags.run : `run-${digest}`);
      const plan: RunPlan = { version: 1, run, inputs: paths, shards, options, submitted: new Date().toISOString() };
      const { submit } = await import('../queue/operations.js');
      const result = await submit(target, plan);
      process.stderr.write(
        `queue: run ${run}: ${result.units} units (${paths.length} inputs × ${shards} shards) ${result.alreadySubmitted ? 'were already submitted' : 'queued'} on ${target.shown}\n`,
      );
      process.stdout.write(`${run}\n`);
    });

  queue
    .command('status')
    .description('Where each run stands: units done, active, waiting, failed; records written by the done units')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--run <name>', 'only this run')
    .option('--json', 'one JSON object per run instead of text')
    .action(async (flags: { redis: string; run?: string; json?: boolean }) => {
      const target = parseRedisUrl(flags.redis);
      if (flags.run !== undefined) checkRunName(flags.run);
      const { status } = await import('../queue/operations.js');
      for (const s of await status(target, flags.run)) {
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(s)}\n`);
          continue;
        }
        const states = Object.entries(s.states)
          .filter(([k, n]) => n > 0 || k === 'done')
          .map(([k, n]) => `${n} ${k}`)
          .join(', ');
        process.stdout.write(
          `${s.run}: ${s.units} units (${s.inputs} inputs × ${s.shards} shards): ${states}; done units read ${s.read}, written ${s.written}, dead-lettered ${s.deadLettered}\n`,
        );
      }
    });

  queue
    .command('collect')
    .description("Write a finished run's predictions in input order (the same lines as one analyze run) and its dead letters")
    .requiredOption('--redis <url>', REDIS_HELP)
    .requiredOption('--run <name>', 'the run (as printed by submit)')
    .option('-o, --out <file>', 'write predictions here instead of stdout')
    .option('--dead-letter <file>', 'write dead letters here (without it they are counted in the summary)')
    .option('--wait [seconds]', 'wait for unfinished units (default 3600 s when given without a value)')
    .option('--remove', 'delete the run from Redis (plan, results, jobs) once written')
    .option('--log-format <format>', `stderr format: ${LOG_FORMATS.join(', ')}`, 'text')
    .option('-q, --quiet', 'no summary on stderr')
    .action(
      async (flags: {
        redis: string;
        run: string;
        out?: string;
        deadLetter?: string;
        wait?: string | boolean;
        remove?: boolean;
        logFormat: string;
        quiet?: boolean;
      }) => {
        const target = parseRedisUrl(flags.redis);
        const run = checkRunName(flags.run);
        const log = new Logger(parseChoice('--log-format', flags.logFormat, LOG_FORMATS), flags.quiet === true);
        const waitSeconds =
          flags.wait === undefined || flags.wait === false
            ? 0
            : flags.wait === true
              ? 3600
              : parseCount('--wait', flags.wait, { min: 1, max: 7 * 24 * 3600 });
        await checkOutputPaths({ '--out': flags.out, '--dead-letter': flags.deadLetter }, []);
        const { collect } = await import('../queue/operations.js');
        const summary = await collect(target, {
          run,
          ...(flags.out ? { out: flags.out } : {}),
          ...(flags.deadLetter ? { deadLetter: flags.deadLetter } : {}),
          waitSeconds,
          remove: flags.remove === true,
        });
        log.info(
          'summary',
          `collect: run ${run}: read ${summary.read}, written ${summary.written}, dead-lettered ${summary.deadLettered}, ${summary.skipped > 0 ? `skipped ${summary.skipped}, ` : ''}warnings ${summary.warnings}, units ${summary.units}${summary.failedUnits ? ` (${summary.failedUnits} failed)` : ''}`,
          { ...summary },
        );
        // 3: some records dead-lettered or units failed, as analyze
        process.exitCode = summary.deadLettered > 0 || summary.failedUnits > 0 ? 3 : 0;
      },
    );
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run queued units (clinicalbert queue submit) from Redis: one model load, --concurrency units at a time')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--model <dir>', 'model package folder (default: the embedded clinicalbert-mini; every worker of a run must use the same)')
    .option('--device <device>', `where to run the model: ${DEVICES.join(', ')}`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph', '1')
    .option(PRECISION_FLAG, `${PRECISION_HELP}; every worker of a run must use the same`)
    .option('--concurrency <n>', 'units run at once by this worker', '1')
    .option(
      '--lock-seconds <n>',
      'a unit whose worker stops renewing its lock (killed, machine lost) is retried after about this long',
      '30',
    )
    .option(
      '--max-unit-mb <n>',
      'largest output of one unit kept in Redis (more: the unit fails; submit with more --shards)',
      String(DEFAULT_MAX_UNIT_MB),
    )
    .option('--exit-when-idle', 'exit once no unit is waiting or running (for batch jobs and benchmarks)')
    .option('--log-format <format>', `stderr format: ${LOG_FORMATS.join(', ')}`, 'text')
    .option('-q, --quiet', 'no per-unit lines on stderr (errors still print)')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const target = parseRedisUrl(String(flags.redis), { reconnect: true });
      const device = parseChoice('--device', String(flags.device), DEVICES);
      const threads = parseCount('--threads', String(flags.threads), { max: 256 });
      const precision = parsePrecision(typeof flags.precision === 'string' ? flags.precision : undefined);
      const concurrency = parseCount('--concurrency', String(flags.concurrency), { min: 1, max: 64 });
      const lockSeconds = parseCount('--lock-seconds', String(flags.lockSeconds), { min: 1, max: 3600 });
      const maxUnitMb = parseCount('--max-unit-mb', String(flags.maxUnitMb), { min: 1, max: 500 });
      const format = parseChoice('--log-format', String(flags.logFormat), LOG_FORMATS);
      const quiet = flags.quiet === true;
      const log = new Logger(format, quiet);
      const [{ ClinicalModel }, { work }] = await Promise.all([import('../model/runtime.js'), import('../queue/operations.js')]);
      const model = await ClinicalModel.load(typeof flags.model === 'string' ? flags.model : undefined, {
        device,
        threads,
        ...(precision ? { precision } : {}),
        onWarning: (message) => log.warn('device_fallback', message),
      });
      process.exitCode = await withStopSignals({ format, quiet }, async (signal) => {
        log.info(
          'worker',
          `worker: model ${model.manifest.name} ${model.manifest.version} (${model.precision}) loaded; waiting for units on ${target.shown}`,
        );
        const r = await work(target, model, {
          concurrency,
          lockMs: lockSeconds * 1000,
          maxUnitBytes: maxUnitMb * 1024 * 1024,
          exitWhenIdle: flags.exitWhenIdle === true,
          log,
          signal,
        });
        await model.release();
        log.info('summary', `worker: ${r.done} units done, ${r.failed} failed attempts`, { ...r });
        return 0;
      });
    });
}
