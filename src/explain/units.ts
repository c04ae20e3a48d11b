/**
 * @file The units that text explanations attribute to and remove: words of the featurized note,
 * with each linked multi-word mention ("chest pain at rest") as one unit.
 *
 * Why mentions are one unit: the model reads a note twice, as tokens and as linked graph entities.
 * Removing half of "shortness of breath" would leave a broken phrase the linker no longer finds,
 * so the attribution of "of" would really be the attribution of the whole finding. Word
 * occlusion, attention rollout and the ERASER metrics all use these units, so their numbers are
 * comparable.
 *
 * Why a cap: word occlusion costs one text-encoder row per unit. Past MAX_UNITS, linked mentions
 * are kept first (most of the text evidence reaches the model through them), then words in
 * reading order (the note text is most recent first); the remaining words are not scored and do
 * not appear in the output.
 */
import type { LinkedEntity } from '../model/features.js';

/** Most units scored per record (one text-encoder row each in word occlusion). */
export const MAX_UNITS = 128;

export interface TextUnit {
  start: number;
  end: number;
  /** The unit is (or contains) a linked entity mention. */
  mention: boolean;
}

/** Letters and digits, with inner apostrophes ("patient's") and decimals ("38.5") kept in the word. */
const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}]+)*(?:[.,]\p{N}+)*/gu;

/** Units of `text` in reading order: mentions of `entities` merged with the words they cover. */
export function textUnits(text: string, entities: readonly LinkedEntity[], maxUnits = MAX_UNITS): TextUnit[] {
  const mentions: TextUnit[] = [];
  for (const e of entities) {
    if (!e.span) continue;
    const [start, end] = e.span;
    if (end <= start || mentions.some((m) => m.start === start && m.end === end)) continue;
    mentions.push({ start, end, mention: true });
  }
  mentions.sort((a, b) => a.start - b.start);
  const words: TextUnit[] = [];
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    const end = start + match[0].length;
    const covering = mentions.find((m) => start < m.end && end > m.start);
    if (covering) {
      // The linker's token boundaries can differ from ours at the edges ("s/p"): widen the mention.
      covering.start = Math.min(covering.start, start);
      covering.end = Math.max(covering.end, end);
    } else {
      words.push({ start, end, mention: false });
    }
  }
  // Widening can make two mentions touch the same word: merge them so units never overlap.
  const merged: TextUnit[] = [];
  for (const m of mentions.sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && m.start < last.end) last.end = Math.max(last.end, m.end);
    else merged.push(m);
  }
  const kept = [...merged.slice(0, maxUnits), ...words.slice(0, Math.max(0, maxUnits - merged.length))];
  return kept.sort((a, b) => a.start - b.start);
}

/** `text` with the chosen units cut out (separators stay, so clause boundaries survive). */
export function removeUnits(text: string, units: readonly TextUnit[], remove: (index: number) => boolean): string {
  let out = '';
  let at = 0;
  units.forEach((unit, i) => {
    if (!remove(i)) return;
    out += text.slice(at, unit.start);
    at = unit.end;
  });
  return out + text.slice(at);
}
