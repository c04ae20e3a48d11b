/**
 * @file Puts the shards of one input back into input order. Each unit's worker records, for every
 * line it wrote, the ordinal of its item (its place among all items of the input, which every
 * shard reads whole: src/pipeline/analyze.ts `onWritten`); merging the shards by ordinal gives the
 * order of one run over the input, so `queue collect` writes what `analyze` would have.
 */

/** Lines of one unit's output file with the ordinal of each, ascending. */
export interface OrderedLines {
  lines: string[];
  ordinals: number[];
}

/** Splits a unit's stored text into lines (its trailing newline dropped). */
export function splitStored(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines of all shards of one input in input order (ties cannot occur: an item has one shard). */
export function mergeByOrdinal(parts: readonly OrderedLines[]): string[] {
  for (const part of parts) {
    if (part.lines.length !== part.ordinals.length) {
      throw new Error(`a unit's result has ${part.lines.length} lines but ${part.ordinals.length} ordinals`);
    }
  }
  const at = parts.map(() => 0);
  const merged: string[] = [];
  for (;;) {
    let best = -1;
    for (let p = 0; p < parts.length; p++) {
      const o = (parts[p] as OrderedLines).ordinals[at[p] as number];
      if (o === undefined) continue;
      if (best < 0 || o < ((parts[best] as OrderedLines).ordinals[at[best] as number] as number)) best = p;
    }
    if (best < 0) return merged;
    merged.push((parts[best] as OrderedLines).lines[at[best] as number] as string);
    at[best] = (at[best] as number) + 1;
  }
}
