/**
 * @file The note text with attributed words highlighted: what the model read, and which words
 * moved its prediction.
 *
 * Spans come from `words.words` (already checked: sorted, inside the text, not overlapping). Text
 * between spans is escaped like any other record text; each span gets a background whose opacity
 * is proportional to its weight relative to the note's strongest word, warm when removing the word
 * lowered the score (it supported the prediction) and blue when it raised it. Attention uses its
 * own hue, since attention weights are not measurements of influence.
 */
import type { WordExplanation } from '../explain/types.js';
import { html, type Html } from './escape.js';
import { fmtEffect } from './format.js';
import { ATTENTION_RGB, effectScale, weightFill } from './svg.js';

export function highlightedNote(words: WordExplanation, kind: 'signed' | 'attention'): Html {
  const { text } = words;
  // Attention is a distribution: scale to its peak. Occlusion effects keep an absolute floor.
  const maxAbs =
    kind === 'attention' ? Math.max(0, ...words.words.map((w) => Math.abs(w.weight))) : effectScale(words.words.map((w) => w.weight));
  const parts: Html[] = [];
  let at = 0;
  for (const w of words.words) {
    if (w.start > at) parts.push(html`${text.slice(at, w.start)}`);
    const piece = text.slice(w.start, w.end);
    if (w.weight === 0 || maxAbs === 0) {
      parts.push(html`${piece}`);
    } else {
      const fill = weightFill(w.weight, maxAbs, kind === 'attention' ? ATTENTION_RGB : undefined);
      const title = kind === 'attention' ? `attention ${w.weight.toFixed(3)}` : fmtEffect(w.weight, 'removed');
      parts.push(html`<mark class="${w.weight >= 0 ? 'pos' : 'neg'}" style="background:${fill}" title="${title}">${piece}</mark>`);
    }
    at = w.end;
  }
  if (at < text.length) parts.push(html`${text.slice(at)}`);
  return html`<div class="note ${kind}">${parts}</div>`;
}

/** The strongest attributed words as a short ranked list, for reading without scanning the note. */
export function topWords(words: WordExplanation, n = 8): { text: string; weight: number }[] {
  return words.words
    .filter((w) => w.weight !== 0)
    .map((w) => ({ text: words.text.slice(w.start, w.end), weight: w.weight }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .slice(0, n);
}
