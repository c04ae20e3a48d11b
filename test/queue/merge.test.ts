/**
 * @file The pieces of the queue that need no Redis: units of a plan, run names, the Redis URL
 * (password never shown) and the merge of shards back into input order by ordinal.
 */
import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../src/queue/connection.js';
import { mergeByOrdinal, splitStored } from '../../src/queue/merge.js';
import { checkRunName, jobId, units } from '../../src/queue/plan.js';

describe('queue plan, names and URLs', () => {
  it('numbers units input by input, shard by shard', () => {
    expect(units({ inputs: ['/a', '/b'], shards: 3 }).map((u) => [u.index, u.input, u.shard])).toEqual([
      [0, 0, 1],
      [1, 0, 2],
      [2, 0, 3],
      [3, 1, 1],
      [4, 1, 2],
      [5, 1, 3],
    ]);
    expect(jobId('nightly', 4)).toBe('nightly--4');
  });

  it('refuses run names that cannot be part of a key, quoting them', () => {
    expect(checkRunName('nightly-2026.11.30_a')).toBe('nightly-2026.11.30_a');
    for (const bad of ['', 'a:b', 'a b', 'x'.repeat(65), 'run/1']) expect(() => checkRunName(bad)).toThrow(/--run must be/);
  });

  it('parses redis URLs, hides the password, and refuses other schemes', () => {
    const t = parseRedisUrl('redis://user:s3cret@10.0.0.5:6380/2');
    expect(t.shown).toBe('redis://user:***@10.0.0.5:6380/2');
    expect(t.connection).toMatchObject({ host: '10.0.0.5', port: 6380, username: 'user', password: 's3cret', db: 2 });
    expect(parseRedisUrl('rediss://h').connection).toMatchObject({ port: 6379, tls: {} });
    expect(() => parseRedisUrl('http://h:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('redis://h/abc')).toThrow(/database must be a number/);
    expect(() => parseRedisUrl('not a url')).toThrow(/--redis must be a URL/);
  });
});

describe('mergeByOrdinal', () => {
  it('interleaves shards by the ordinal of each line', () => {
    const merged = mergeByOrdinal([
      { lines: ['a0', 'a3', 'a4'], ordinals: [0, 3, 4] },
      { lines: ['b1', 'b7'], ordinals: [1, 7] },
      { lines: [], ordinals: [] },
      { lines: ['c2', 'c5'], ordinals: [2, 5] },
    ]);
    expect(merged).toEqual(['a0', 'b1', 'c2', 'a3', 'a4', 'c5', 'b7']);
  });

  it('refuses a part whose lines and ordinals disagree', () => {
    expect(() => mergeByOrdinal([{ lines: ['a'], ordinals: [] }])).toThrow(/1 lines but 0 ordinals/);
  });

  it('splits stored text into lines', () => {
    expect(splitStored('')).toEqual([]);
    expect(splitStored('x\ny\n')).toEqual(['x', 'y']);
  });
});
