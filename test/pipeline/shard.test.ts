/**
 * @file `--shard K/N` (src/pipeline/shard.ts): the documented hash (FNV-1a 32-bit over UTF-8, test
 * vectors from the FNV reference), the K/N parser, and, through the real CLI, that N shards of a
 * Bundle file (with broken lines and --unit encounter) and of a Bulk folder together write exactly
 * one run's lines and dead letters, with counts that add up to one run's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnv1a32, parseShard, shardOf } from '../../src/pipeline/shard.js';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';

describe('the shard hash and flag', () => {
  it('is FNV-1a 32-bit over UTF-8 bytes', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // UTF-8 bytes (0xc3 0xa9), not the UTF-16 code unit 0xe9 (which would give 0x6c0b6c44)
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
    expect(shardOf('foobar', 4)).toBe((0xbf9cf968 % 4) + 1);
  });

  it('parses K/N and refuses anything else, quoting it', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '2', '2/0', 'a/b', '1/100000', '-1/2']) {
      expect(() => parseShard(bad)).toThrow(new RegExp(`--shard must be K/N .*got "${bad.replace('/', '\\/')}"`));
    }
  });
});

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-shard-'));
});
afterAll(() => remove());

interface Run {
  lines: string[];
  letters: string[];
  read: number;
  written: number;
  dead: number;
  other: number;
}

function run(input: string, name: string, extra: string[]): Run {
  const out = join(tmp, `${name}.jsonl`);
  const dead = join(tmp, `${name}.dead.jsonl`);
  const r = cli(['analyze', input, '--model', MODEL_DIR, '--no-timing', '--out', out, '--dead-letter', dead, ...extra]);
  expect([0, 3], r.stderr).toContain(r.status);
  const m = /analyze: read (\d+), written (\d+), dead-lettered (\d+), (?:left to other shards (\d+))?/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  const [read, written, deadCount, other] = (m as RegExpExecArray).slice(1).map((v) => Number(v ?? 0)) as number[];
  const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return { lines: lines(out), letters: lines(dead), read, written, dead: deadCount, other } as Run;
}

function expectShardsMakeOne(input: string, name: string, n: number, extra: string[] = []): void {
  const whole = run(input, `${name}-whole`, extra);
  const parts = Array.from({ length: n }, (_, k) => run(input, `${name}-${k + 1}of${n}`, [...extra, '--shard', `${k + 1}/${n}`]));
  expect(parts.flatMap((p) => p.lines).sort()).toEqual([...whole.lines].sort());
  expect(parts.flatMap((p) => p.letters).sort()).toEqual([...whole.letters].sort());
  expect(parts.reduce((s, p) => s + p.read, 0)).toBe(whole.read);
  expect(parts.reduce((s, p) => s + p.written, 0)).toBe(whole.written);
  expect(parts.reduce((s, p) => s + p.dead, 0)).toBe(whole.dead);
  // every shard saw the whole input: its own items plus the others'
  for (const p of parts) expect(p.read + p.other).toBe(whole.read);
  // no shard is empty on these inputs (the hash spreads them)
  for (const p of parts) expect(p.written).toBeGreaterThan(0);
}

describe.skipIf(!HAS_MODEL)(`--shard through the CLI${MODEL_NOTE}`, () => {
  it('three shards of a Bundle file with broken lines, one record per encounter: one run', () => {
    const samples = readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson'), 'utf8')
      .trim()
      .split('\n');
    const input = join(tmp, 'mixed.ndjson');
    const lines = samples.flatMap((l, i) => (i % 4 === 0 ? [l, `{"broken": ${i}`] : [l]));
    writeFileSync(input, `${lines.join('\n')}\n`);
    expectShardsMakeOne(input, 'bundles', 3, ['--unit', 'encounter']);
  });

  it('two shards of a Bulk Data folder: one run', () => {
    expectShardsMakeOne(join(REPO_ROOT, 'samples', 'bulk'), 'bulk', 2);
  });

  it('a bad --shard is a usage error (exit 2)', () => {
    const r = cli(['analyze', join(REPO_ROOT, 'samples', 'records.ndjson'), '--shard', '3/2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--shard must be K/N');
  });
});
