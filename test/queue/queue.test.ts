/**
 * @file The work queue on a real redis-server (test/support/redis.ts) with real `clinicalbert
 * worker` processes: a run submitted as shards, one worker killed with SIGKILL mid-unit, another
 * worker finishing everything (the killed unit comes back after its lock expires), and `queue
 * collect` writing exactly the lines and dead letters of one `analyze` run over the same inputs.
 * Also: a unit whose input vanished fails after its retries and is a UNIT_FAILED dead letter;
 * status; an unreachable Redis; submitting twice queues nothing twice.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { BIN, cli, cliAsync, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { HAS_REDIS, REDIS_NOTE, type RedisServer, startRedis } from '../support/redis.js';

let tmp = '';
let remove = () => {};
let redis: RedisServer | undefined;
let bundles = '';
const bulk = join(REPO_ROOT, 'samples', 'bulk');

beforeAll(async () => {
  ({ dir: tmp, remove } = tempFolder('cb-queue-'));
  const samples = readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson'), 'utf8')
    .trim()
    .split('\n');
  const lines: string[] = [];
  for (let round = 0; round < 4; round++) {
    samples.forEach((l, i) => {
      lines.push(l);
      if ((i + round) % 6 === 2) lines.push('{"broken": ');
    });
  }
  bundles = join(tmp, 'records.ndjson');
  writeFileSync(bundles, `${lines.join('\n')}\n`);
  if (HAS_REDIS && HAS_MODEL) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  remove();
});

/** A worker process; resolves `started` with the first unit it starts, and `exited` at its end. */
function startWorker(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', (redis as RedisServer).url, '--model', MODEL_DIR, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  let onStart: (unit: string) => void = () => {};
  const started = new Promise<string>((resolve) => {
    onStart = resolve;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /unit (\S+) \(input .*\) started/.exec(stderr);
    if (m) onStart(m[1] as string);
  });
  const exited = new Promise<{ status: number | null; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stderr })),
  );
  return { child, started, exited };
}

describe.skipIf(!HAS_REDIS || !HAS_MODEL)(`the work queue on Redis${REDIS_NOTE}${MODEL_NOTE}`, () => {
  it('a worker killed mid-unit loses nothing: the collected output equals one analyze run, byte for byte', async () => {
    const url = (redis as RedisServer).url;
    const single = { out: join(tmp, 'single.jsonl'), dead: join(tmp, 'single.dead.jsonl') };
    const one = cli([
      'analyze',
      bundles,
      bulk,
      '--model',
      MODEL_DIR,
      '--no-timing',
      '--out',
      single.out,
      '--dead-letter',
      single.dead,
      '-q',
    ]);
    expect(one.status, one.stderr).toBe(3);

    const submitted = cli(['queue', 'submit', bundles, bulk, '--redis', url, '--run', 'killed', '--shards', '3', '--no-timing']);
    expect(submitted.status, submitted.stderr).toBe(0);
    expect(submitted.stdout.trim()).toBe('killed');
    expect(submitted.stderr).toContain('run killed: 6 units (2 inputs × 3 shards) queued');
    // submitting again queues nothing twice
    const again = cli(['queue', 'submit', bundles, bulk, '--redis', url, '--run', 'killed', '--shards', '3', '--no-timing']);
    expect(again.stderr).toContain('were already submitted');

    const doomed = startWorker(['--lock-seconds', '2']);
    const unit = await doomed.started;
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const status = await cliAsync(['queue', 'status', '--redis', url, '--run', 'killed']);
    expect(status.stdout).toMatch(/^killed: 6 units \(2 inputs × 3 shards\): /);

    const survivor = startWorker(['--lock-seconds', '2', '--exit-when-idle']);
    const end = await survivor.exited;
    expect(end.status, end.stderr).toBe(0);
    // the unit the killed worker held was put back and run again here
    expect(end.stderr).toContain(`unit ${unit} (`);

    const out = join(tmp, 'collected.jsonl');
    const dead = join(tmp, 'collected.dead.jsonl');
    const collected = await cliAsync([
      'queue',
      'collect',
      '--redis',
      url,
      '--run',
      'killed',
      '--out',
      out,
      '--dead-letter',
      dead,
      '--wait',
      '60',
    ]);
    expect(collected.status, collected.stderr).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(single.out, 'utf8'));
    expect(readFileSync(dead, 'utf8')).toBe(readFileSync(single.dead, 'utf8'));
    expect(collected.stderr).toMatch(/collect: run killed: read \d+, written \d+, dead-lettered \d+, .*units 6/);

    const done = await cliAsync(['queue', 'status', '--redis', url, '--run', 'killed', '--json']);
    const s = JSON.parse(done.stdout) as { states: Record<string, number>; written: number };
    expect(s.states.done).toBe(6);
    expect(s.written).toBe(readFileSync(single.out, 'utf8').split('\n').length - 1);
  });

  it('a unit whose input is gone fails after its retries and is a UNIT_FAILED dead letter at collect', async () => {
    const url = (redis as RedisServer).url;
    const gone = join(tmp, 'gone.ndjson');
    writeFileSync(gone, readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson')));
    expect(cli(['queue', 'submit', gone, '--redis', url, '--run', 'gone']).status).toBe(0);
    rmSync(gone);
    const worker = startWorker(['--exit-when-idle']);
    const end = await worker.exited;
    expect(end.status, end.stderr).toBe(0);
    expect(end.stderr).toContain('is not on this worker');
    const dead = join(tmp, 'gone.dead.jsonl');
    const collected = await cliAsync([
      'queue',
      'collect',
      '--redis',
      url,
      '--run',
      'gone',
      '--out',
      join(tmp, 'gone.jsonl'),
      '--dead-letter',
      dead,
      '--remove',
    ]);
    expect(collected.status, collected.stderr).toBe(3);
    const letters = readFileSync(dead, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: string; file: string });
    expect(letters).toEqual([expect.objectContaining({ code: 'UNIT_FAILED', file: gone })]);
    // --remove deleted the run
    const status = await cliAsync(['queue', 'status', '--redis', url, '--run', 'gone']);
    expect(status.status).toBe(2);
    expect(status.stderr).toContain('no run "gone" in this Redis');
  });

  it('collect of an unfinished run without --wait names what is missing (exit 1)', async () => {
    const url = (redis as RedisServer).url;
    expect(cli(['queue', 'submit', bundles, '--redis', url, '--run', 'pending']).status).toBe(0);
    const r = await cliAsync(['queue', 'collect', '--redis', url, '--run', 'pending']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('run pending is not finished: 1 waiting of 1 units (--wait to wait for them)');
  });
});

describe('queue commands without a Redis', () => {
  it('an unreachable Redis is one line naming the URL without its password (exit 1)', () => {
    const r = cli(['queue', 'status', '--redis', 'redis://user:hunter2@127.0.0.1:1/0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach Redis at redis://user:***@127.0.0.1:1/0');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('refuses stdin and missing inputs at submit (exit 2)', () => {
    expect(cli(['queue', 'submit', '-', '--redis', 'redis://127.0.0.1:1']).stderr).toContain('not stdin');
    const missing = cli(['queue', 'submit', join(tmp, 'nope.ndjson'), '--redis', 'redis://127.0.0.1:1']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('input not found');
  });
});
