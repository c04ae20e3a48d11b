/**
 * @file How a note states a mention, as one of ASSERTIONS (affirmed, negated, historical, family,
 * hypothetical), for the answers of `clinicalbert ask`.
 *
 * Why here and not in src/kg/negation.ts: that module feeds the model, and changing it changes the
 * model's inputs. The answers need two things it does not give:
 * - hypothetical mentions ("return if she develops FEVER", "watch for bleeding"): a trigger from
 *   HYPOTHETICAL_TRIGGERS before the mention in its sentence (src/ask/sentences.ts). The list is
 *   kept to triggers that do not lower precision on the ConText dev sentences (temporality "Not
 *   particular"); test/ask/assertion.test.ts measures it when the corpus is there;
 * - habits and allergies read as they stand: the linker makes every mention under a social-history
 *   or allergies heading historical (the ConText annotators mark them so), but "# Social History\n
 *   Patient is an active smoker" is today's habit and "# Allergies\nPenicillin" today's allergy.
 *   `presentFlags` runs the same ConText rules with those two sections adding no flag: what is past
 *   there says so itself ("former smoker", "history of …", "quit smoking").
 *
 * Precedence when several hold: family > hypothetical > negated > historical > affirmed. A family
 * or hypothetical mention that is also negated keeps `negated` in its flags, so that "no family
 * history of diabetes" can answer a family question "no".
 */
import { contextFlags, type TokenSpan } from '../kg/negation.js';
import { tokenize, type Token } from '../kg/normalize.js';
import { findHeadings, type Heading, type SectionKind } from '../kg/sections.js';
import { sentenceAt, sentenceSpans, type SentenceSpan } from './sentences.js';
import type { Assertion } from './types.js';

/**
 * Words before a mention, in its sentence, that make it hypothetical (normalised words, matched as
 * whole words). "if" covers "return if", "call if", "as if"; "call for" is a discharge
 * instruction ("Call also for any … nausea, vomiting"). On the ConText dev sentences (1,181 rows
 * found, 29 "Not particular") these give precision 1.00 (27/27) and recall 0.93; "if" alone
 * recalls 0.62. Left out: "possible" (7 false positives there: it states uncertainty, not a
 * hypothetical), and "should" / "risk of", which add nothing there and would mark plans ("should
 * continue lisinopril") as hypothetical. "in case", "watch for", "monitor for" add nothing there
 * either but cost no precision and are ConText's own triggers.
 */
export const HYPOTHETICAL_TRIGGERS = ['if', 'in case', 'call for', 'call also for', 'watch for', 'monitor for'];

const TRIGGER_WORDS = HYPOTHETICAL_TRIGGERS.map((t) => t.split(' '));

/** Whether a hypothetical trigger comes before `mentionStart` within `sentence`. */
export function isHypothetical(text: string, sentence: SentenceSpan | undefined, mentionStart: number): boolean {
  const from = sentence ? sentence.start : 0;
  if (mentionStart <= from) return false;
  const words = tokenize(text.slice(from, mentionStart))
    .filter((t) => t.kind === 'word')
    .map((t) => t.norm);
  for (let i = 0; i < words.length; i++) {
    for (const trigger of TRIGGER_WORDS) {
      if (trigger.every((w, k) => words[i + k] === w)) return true;
    }
  }
  return false;
}

/** Everything that can hold of a mention at once. */
export interface MentionFlags {
  negated: boolean;
  historical: boolean;
  family: boolean;
  hypothetical: boolean;
}

/** One assertion from the flags: family > hypothetical > negated > historical > affirmed. */
export function assertionOf(flags: MentionFlags): Assertion {
  if (flags.family) return 'family';
  if (flags.hypothetical) return 'hypothetical';
  if (flags.negated) return 'negated';
  if (flags.historical) return 'historical';
  return 'affirmed';
}

/** Sections that the answers read as the present (see the file comment). */
const PRESENT_SECTIONS: ReadonlySet<SectionKind> = new Set(['social', 'allergies']);

/**
 * `contextFlags` with social-history and allergies sections adding no historical flag (their
 * headings still end other sections and are still no triggers). `section` keeps the heading's kind.
 */
export function presentFlags(
  tokens: readonly Token[],
  spans: readonly TokenSpan[],
  headings: readonly Heading[],
): { negated: boolean; historical: boolean; family: boolean; section?: SectionKind }[] {
  const neutral = headings.map((h) => (PRESENT_SECTIONS.has(h.kind) ? { ...h, kind: 'current' as const } : h));
  const flags = contextFlagsOverParentheses(tokens, spans, neutral);
  return flags.map((f, m) => {
    const span = spans[m] as TokenSpan;
    let heading: Heading | undefined;
    for (const h of headings) if (h.first <= span.first) heading = h;
    const section = heading && span.first < heading.end ? heading.kind : undefined;
    return { negated: f.negated, historical: f.historical, family: f.family, ...(section ? { section } : {}) };
  });
}

/** "history of" … or "(has a) history of" as a sentence's list head. */
const HISTORY_HEAD = /\b(?:history of|h\/o|hx of)\b/gi;
/** Words that end a history list within its sentence ("history of asthma, now presents with …"). */
const LIST_END = /\b(?:but|however|presents?|presenting|presented|now|currently|today|complains?|admitted|here)\b/i;

/**
 * Whether a mention sits in a "history of" list of its sentence: after "history of" with nothing
 * between them but the list's items ("Patient has a history of stress (finding), not in labor
 * force (finding), reports of violence (finding), viral sinusitis (disorder)." as Synthea writes
 * it). ConText's own history scope (src/kg/negation.ts) stops at the first trigger inside such a
 * list ("not", "reports"); a list ends here only at a word that turns to the present (LIST_END).
 */
export function inHistoryList(text: string, sentence: SentenceSpan, mentionStart: number): boolean {
  const before = text.slice(sentence.start, mentionStart);
  let head = -1;
  for (const m of before.matchAll(HISTORY_HEAD)) head = (m.index ?? 0) + m[0].length;
  if (head < 0) return false;
  return !LIST_END.test(before.slice(head)) && !/[;:]/.test(before.slice(head));
}

const isParenthesis = (t: Token): boolean => t.kind === 'punct' && (t.norm === '(' || t.norm === ')');

/**
 * `contextFlags` with parentheses read as spaces: in the linker's run a parenthesis ends a
 * trigger's scope like a full stop, so "a history of stress (finding), viral sinusitis (disorder)"
 * (Synthea's notes qualify every item so) would leave all but the first item in the present. The
 * words inside still count against the scope's window. The linker's own run (src/kg/negation.ts)
 * feeds the model and is left as it is.
 */
function contextFlagsOverParentheses(tokens: readonly Token[], spans: readonly TokenSpan[], headings: readonly Heading[]) {
  if (!tokens.some(isParenthesis)) return contextFlags(tokens, spans, headings);
  const kept: Token[] = [];
  /** Index in `kept` of each token (a parenthesis: of the next token kept). */
  const at = new Int32Array(tokens.length + 1);
  for (const [i, t] of tokens.entries()) {
    at[i] = kept.length;
    if (!isParenthesis(t)) kept.push(t);
  }
  at[tokens.length] = kept.length;
  const map = (i: number): number => at[i] as number;
  return contextFlags(
    kept,
    spans.map((s) => ({ first: map(s.first), last: map(s.last) })),
    headings.map((h) => ({ ...h, first: map(h.first), last: Math.max(map(h.first), map(h.last + 1) - 1), end: map(h.end) })),
  );
}

/** A mention found in a note, with its flags and assertion (entity mentions carry `entityId`). */
export interface NoteMention extends MentionFlags {
  start: number;
  end: number;
  text: string;
  entityId?: string;
  section?: SectionKind;
  assertion: Assertion;
  sentence: SentenceSpan;
  /** The learnt reader's class and probability, when it read this mention (`ask --reader`). */
  reading?: { assertion: Assertion; probability: number };
}

/** Token index of each token start offset. */
function tokenStarts(tokens: readonly Token[]): Map<number, number> {
  const starts = new Map<number, number>();
  for (const [i, t] of tokens.entries()) starts.set(t.start, i);
  return starts;
}

/** Token spans of every occurrence of `phrase` (word tokens, stemmed as the linker stems), not overlapping. */
export function phraseSpans(tokens: readonly Token[], phrase: string): TokenSpan[] {
  const want = tokenize(phrase)
    .filter((t) => t.kind === 'word')
    .map((t) => t.stem);
  const out: TokenSpan[] = [];
  if (want.length === 0) return out;
  for (let i = 0; i < tokens.length; i++) {
    let k = 0;
    while (k < want.length && tokens[i + k]?.kind === 'word' && tokens[i + k]?.stem === want[k]) k++;
    if (k === want.length) {
      out.push({ first: i, last: i + k - 1 });
      i += k - 1;
    }
  }
  return out;
}

/**
 * Mentions of spans (token spans of `tokens`, not overlapping, in order) of one note with their
 * flags: ConText rules as the linker runs them (src/kg/negation.ts) with social and allergies
 * sections read as the present, plus the hypothetical check; `stated` marks spans whose words
 * state the negation themselves ("nonsmoker").
 */
export function mentionsOf(
  text: string,
  tokens: readonly Token[],
  spans: readonly TokenSpan[],
  sentences: readonly SentenceSpan[] = sentenceSpans(text),
  stated: readonly boolean[] = [],
): NoteMention[] {
  const headings = findHeadings(tokens, text);
  const flags = presentFlags(tokens, spans, headings);
  return spans.map((span, m) => {
    const start = (tokens[span.first] as Token).start;
    const end = (tokens[span.last] as Token).end;
    const f = flags[m] as (typeof flags)[number];
    const sentence = sentenceAt(sentences, start) ?? { start: 0, end: text.length };
    const mention: MentionFlags = {
      negated: f.negated || stated[m] === true,
      historical: f.historical || inHistoryList(text, sentence, start),
      family: f.family,
      hypothetical: isHypothetical(text, sentence, start),
    };
    return {
      start,
      end,
      text: text.slice(start, end),
      ...mention,
      ...(f.section ? { section: f.section } : {}),
      assertion: assertionOf(mention),
      sentence,
    };
  });
}

/** Every occurrence of a literal phrase in `text` (normalised, stemmed tokens), with flags and assertion. */
export function phraseMentions(text: string, phrase: string): NoteMention[] {
  const tokens = tokenize(text);
  return mentionsOf(text, tokens, phraseSpans(tokens, phrase));
}

/** Token spans of mentions given as character offsets (each start and end on a token boundary). */
export function tokenSpansOf(tokens: readonly Token[], mentions: readonly { start: number; end: number }[]): TokenSpan[] {
  const starts = tokenStarts(tokens);
  return mentions.map((m) => {
    const first = starts.get(m.start) ?? 0;
    let last = first;
    while (last + 1 < tokens.length && (tokens[last + 1] as Token).end <= m.end) last++;
    return { first, last };
  });
}
