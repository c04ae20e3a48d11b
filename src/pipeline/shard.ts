/**
 * @file `--shard K/N`: N processes (or machines) split one input with no coordination. Each keeps
 * the records whose patient id hashes to its shard, so every record of a patient (all encounters
 * with `--unit encounter`) lands in one shard, and the union of the N outputs is one run's output.
 *
 * The hash, documented so that other tools can compute it: FNV-1a 32-bit over the UTF-8 bytes of
 * the patient id (the `id` of `Patient/<id>`), and the shard is `hash mod N + 1`. Items that are
 * no record (a dead letter of reading, an input of reference data only) have no patient: they go
 * by the same hash of their position, `file:line:entry` (empty parts for what is absent), so each
 * is counted and written by exactly one shard. Items of other shards are not counted as read:
 * the shards' counts add up to one run's.
 */
import type { SourcePosition } from '../io/types.js';
import type { RecordItem } from '../records/types.js';
import { quote, UsageError } from '../util/errors.js';

export interface Shard {
  /** 1-based: 1 … count. */
  index: number;
  count: number;
}

/** Most shards one input can be split into. */
export const MAX_SHARDS = 65_536;

/** Parses `K/N` (1 ≤ K ≤ N ≤ 65,536), quoting the value when it is not one. */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(`--shard must be K/N with 1 ≤ K ≤ N ≤ ${MAX_SHARDS} (e.g. 1/4, 2/4, 3/4, 4/4), got ${quote(text)}`);
  }
  return { index, count };
}

/** FNV-1a 32-bit over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard (1 … count) of a patient id or position key. */
export function shardOf(key: string, count: number): number {
  return (fnv1a32(key) % count) + 1;
}

const positionKey = (p: SourcePosition) => `${p.file}:${p.line ?? ''}:${p.entry ?? ''}`;

/** What an item is sharded by: its record's patient id, else its position. */
export function shardKey(item: RecordItem): string {
  if (item.kind === 'record') return item.record.patient.replace(/^Patient\//, '');
  return positionKey(item.position);
}

/** True when `item` belongs to `shard`. */
export function inShard(item: RecordItem, shard: Shard): boolean {
  return shard.count === 1 || shardOf(shardKey(item), shard.count) === shard.index;
}
