/**
 * @file NegEx/ConText-style context for linked mentions: is a finding negated ("denies fever"),
 * historical ("history of asthma") or about a family member ("mother has asthma")?
 *
 * How it works, in the order of the classic algorithm (Chapman et al. 2001; Harkema et al. 2009):
 * 1. Triggers are found on the tokens that are not part of a mention, longest phrase first.
 *    Pseudo-triggers ("no change", "gram negative", "history of present illness") are matched
 *    only to stop their words from acting as triggers.
 * 2. A pre-trigger's scope runs forward, a post-trigger's ("… resolved", "… was ruled out")
 *    backward, over mentions, commas and list words ("and", "or", "nor") for free, and over at
 *    most WINDOW other tokens. So "denies fever, chills or cough" negates all three, however long
 *    the list, while "denies fever for the last three weeks at home with cough" stops in time.
 * 3. A scope ends at a sentence or clause boundary (. ; : ! ? newline), at a termination word
 *    ("but", "however", "except", "reports", "presents"…), or at another pre-trigger of its kind.
 *    A history trigger's scope runs over a list item by item ("a past history of diabetes,
 *    dementia, hypertension, anemia and depression"): its window counts the words of one item
 *    and starts again after each comma or list word.
 * 4. Section headings ("PMH:", "Family History:", "# Allergies", "Social history:"; see
 *    src/kg/sections.ts) are not triggers: a heading sets the section of every mention after it
 *    until the section ends (the next heading, the end of the heading's line when text follows it
 *    there, else a blank line), and the section adds its flags (history, social history and allergy
 *    lists: historical; family history: family) to those the triggers give. "History of present
 *    illness:" and other present-tense headings end a section and add nothing.
 *
 * Deterministic, synchronous and allocation-light: a trigger trie over normalised (unstemmed)
 * tokens, one forward pass to find triggers, one short walk per trigger.
 */
import { tokenize, type Token } from './normalize.js';
import { findHeadings, type Heading, SECTION_FLAGS, type SectionKind } from './sections.js';

export type TriggerKind = 'negation' | 'history' | 'family' | 'pseudo' | 'terminate';

interface TriggerRule {
  kind: TriggerKind;
  /**
   * `pre` scopes forward, `post` backward, `both` forward and, if that reaches no mention,
   * backward ("denied fever" / "fever denied"); pseudo and terminate triggers have no scope.
   */
  direction: 'pre' | 'post' | 'both' | 'none';
  /** Counted (non-mention, non-list) tokens the scope may cross. */
  window: number;
  /** The scope ends after the first mention ("non-smoker" says nothing about what follows). */
  single?: boolean;
  /** The window counts one list item: it starts again after a comma or list word. */
  list?: boolean;
}

/** Non-mention tokens a scope may cross before it gives up. */
export const WINDOW = 6;

const NEGATION_PRE = [
  'no',
  'not',
  'denies',
  'deny',
  'denying',
  'without',
  'w/o',
  'negative for',
  'neg for',
  'no evidence of',
  'no sign of',
  'no signs of',
  'no symptoms of',
  'no complaints of',
  'no c/o',
  'absence of',
  'free of',
  'rules out',
  'ruled out for',
  'never',
  'never had',
  'none',
  'nor',
  'neither',
  'cannot',
  'did not have',
  'does not have',
  'do not have',
  'not have',
  'has not had',
  "doesn't",
  "didn't",
  "don't",
  "hasn't",
  "haven't",
  'no longer',
  'resolution of',
];
const NEGATION_POST = [
  'is absent',
  'are absent',
  'was absent',
  'were absent',
  'resolved',
  'has resolved',
  'have resolved',
  'had resolved',
  'now resolved',
  'ruled out',
  'was ruled out',
  'were ruled out',
  'is ruled out',
  'has been ruled out',
  'is negative',
  'was negative',
  'were negative',
  'unlikely',
  'not present',
  'is not present',
  'was not present',
  'not seen',
  'free',
  'gone',
];
/** Triggers written either before or after what they negate ("negative D-dimer", "D-dimer negative"). */
const NEGATION_BOTH = ['denied', 'negative', 'absent'];
const HISTORY_PRE = [
  'history of',
  'hx of',
  'h/o',
  'past history of',
  'past medical history',
  'past medical history of',
  'pmh',
  'pmhx',
  'medical history',
  'previous history of',
  'remote history of',
  'status post',
  's/p',
  'long history of',
  'extensive history of',
];
/** "Her past medical history is significant for …": the whole phrase is one trigger, so "positive for" does not end it. */
const HISTORY_STATED = [
  'history',
  'medical history',
  'past medical history',
  'past history',
  'surgical history',
  'past surgical history',
  'pmh',
].flatMap((lead) =>
  ['significant for', 'positive for', 'notable for', 'remarkable for', 'includes', 'including'].flatMap((tail) => [
    `${lead} ${tail}`,
    `${lead} is ${tail}`,
  ]),
);
/** Words that date only the next phrase ("previous MI", "old rib fracture", "former smoker"). */
const HISTORY_ADJACENT = ['previous', 'previously', 'prior', 'old', 'former', 'formerly'];
/** "history" alone: "history of" written loosely ("history: asthma") or after the finding ("CAD history"). */
const HISTORY_BOTH = ['history'];
const HISTORY_POST = ['in the past', 'years ago', 'months ago', 'as a child', 'in childhood', 'the last time', 'last time'];
const FAMILY_PRE = [
  'family history of',
  'family history',
  'family hx',
  'fam hx',
  'fhx',
  'fh',
  'mother',
  'father',
  'mom',
  'dad',
  'mum',
  'parent',
  'parents',
  'sister',
  'brother',
  'sibling',
  'siblings',
  'grandmother',
  'grandfather',
  'grandparent',
  'grandparents',
  'aunt',
  'uncle',
  'cousin',
  'son',
  'daughter',
  'maternal',
  'paternal',
  'family member',
  'family members',
  'relative',
  'relatives',
  'twin',
];
const FAMILY_POST = ['in the family', 'runs in the family', 'in his family', 'in her family', 'in their family'];
const PSEUDO = [
  // Ages ("a 60-year-old woman with …") and durations of the present illness ("a two-day history
  // of fever") are not history.
  ...['year', 'years', 'month', 'months', 'week', 'weeks', 'day', 'days'].map((unit) => `${unit} old`),
  ...['hour', 'hours', 'day', 'days', 'week', 'weeks', 'month', 'months'].map((unit) => `${unit} history of`),
  'no increase',
  'no change',
  'no significant change',
  'not only',
  'not necessarily',
  'not certain',
  'not sure',
  'gram negative',
  'no further',
  'without difficulty',
  'not ruled out',
  'cannot be ruled out',
  'cannot rule out',
  'not excluded',
  'cannot be excluded',
  'not been ruled out',
  'history of present illness',
  'history of the present illness',
  'hpi',
  'prior to',
  'mother of',
  'father of',
  'social history',
];
const TERMINATE = [
  'but',
  'however',
  'although',
  'though',
  'yet',
  'except',
  'aside from',
  'apart from',
  'other than',
  'which',
  'who',
  'whom',
  'because',
  'secondary to',
  'presents',
  'presenting',
  'presented',
  'reports',
  'reported',
  'reporting',
  'complains',
  'complaining',
  'complained',
  'c/o',
  'states',
  'stated',
  'endorses',
  'endorsed',
  'endorsing',
  'admits',
  'admits to',
  'notes',
  'describes',
  'positive for',
  'still',
  'and has',
  'and have',
  'and had',
  'and is',
  'and was',
  'and does',
  'now',
  'currently',
  'presently',
  'today',
  'this morning',
  'after',
  'following',
];

/**
 * Single words that state a negated finding ("afebrile" = no fever). The linker links them to the
 * entity of the phrase on the right, already negated.
 */
export const NEGATED_WORDS: Readonly<Record<string, string>> = {
  afebrile: 'fever',
  apyrexial: 'fever',
  nonsmoker: 'smoker',
  nondiaphoretic: 'sweating',
};

/** Words that join list items: a scope crosses them without counting them. */
const LIST_WORDS = new Set(['and', 'or', 'nor', 'as', 'well', 'and/or', 'also', 'any']);

interface TrieNode {
  next: Map<string, TrieNode>;
  rule?: TriggerRule;
}

function buildTrie(): TrieNode {
  const root: TrieNode = { next: new Map() };
  const add = (phrases: string[], rule: TriggerRule): void => {
    for (const phrase of phrases) {
      const words = tokenize(phrase)
        .filter((t) => t.kind === 'word')
        .map((t) => t.norm);
      let node = root;
      for (const w of words) {
        let child = node.next.get(w);
        if (!child) {
          child = { next: new Map() };
          node.next.set(w, child);
        }
        node = child;
      }
      // A phrase listed twice keeps its first (more specific list) meaning.
      node.rule ??= rule;
    }
  };
  add(PSEUDO, { kind: 'pseudo', direction: 'none', window: 0 });
  add(TERMINATE, { kind: 'terminate', direction: 'none', window: 0 });
  add(['non'], { kind: 'negation', direction: 'pre', window: 0, single: true });
  add(NEGATION_PRE, { kind: 'negation', direction: 'pre', window: WINDOW });
  add(NEGATION_POST, { kind: 'negation', direction: 'post', window: WINDOW });
  add(NEGATION_BOTH, { kind: 'negation', direction: 'both', window: WINDOW });
  add(HISTORY_STATED, { kind: 'history', direction: 'pre', window: WINDOW, list: true });
  add(HISTORY_PRE, { kind: 'history', direction: 'pre', window: WINDOW, list: true });
  add(HISTORY_ADJACENT, { kind: 'history', direction: 'pre', window: 1 });
  add(HISTORY_BOTH, { kind: 'history', direction: 'both', window: WINDOW, list: true });
  add(HISTORY_POST, { kind: 'history', direction: 'post', window: WINDOW });
  add(FAMILY_PRE, { kind: 'family', direction: 'pre', window: WINDOW });
  add(FAMILY_POST, { kind: 'family', direction: 'post', window: WINDOW });
  return root;
}

const TRIGGERS = buildTrie();

/** A mention's position in token indices (inclusive), as the linker found it. */
export interface TokenSpan {
  first: number;
  last: number;
}

export interface ContextFlags {
  negated: boolean;
  historical: boolean;
  family: boolean;
  /** The section the mention is in (the last heading before it), if any. */
  section?: SectionKind;
}

interface FoundTrigger {
  rule: TriggerRule;
  first: number;
  last: number;
}

/**
 * Context flags for each mention (same order as `spans`). `tokens` are the tokens of the text the
 * mentions were found in; `spans` must not overlap. `headings` are the section headings of the
 * text (`findHeadings(tokens, text)`; by default those the tokens alone show, the ones ending in a
 * colon). A mention that starts at or after a heading is in its section.
 */
export function contextFlags(
  tokens: readonly Token[],
  spans: readonly TokenSpan[],
  headings: readonly Heading[] = findHeadings(tokens),
): ContextFlags[] {
  const flags: ContextFlags[] = spans.map(() => ({ negated: false, historical: false, family: false }));
  const owner = new Int32Array(tokens.length).fill(-1);
  for (const [m, s] of spans.entries()) owner.fill(m, s.first, s.last + 1);
  const inHeading = new Uint8Array(tokens.length);
  for (const h of headings) inHeading.fill(1, h.first, h.last + 1);

  // 1. Triggers, longest match, on word tokens outside mentions.
  const triggers: FoundTrigger[] = [];
  const triggerAt = new Int32Array(tokens.length).fill(-1);
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as Token;
    if (t.kind !== 'word' || owner[i] !== -1 || inHeading[i]) {
      i++;
      continue;
    }
    let node: TrieNode | undefined = TRIGGERS;
    let best: { last: number; rule: TriggerRule } | undefined;
    for (let j = i; j < tokens.length; j++) {
      const tj = tokens[j] as Token;
      if (tj.kind !== 'word' || owner[j] !== -1 || inHeading[j]) break;
      node = node.next.get(tj.norm);
      if (!node) break;
      if (node.rule) best = { last: j, rule: node.rule };
    }
    if (!best) {
      i++;
      continue;
    }
    triggers.push({ rule: best.rule, first: i, last: best.last });
    triggerAt.fill(triggers.length - 1, i, best.last + 1);
    i = best.last + 1;
  }

  const mark = (m: number, kind: TriggerKind): void => {
    const f = flags[m] as ContextFlags;
    if (kind === 'negation') f.negated = true;
    else if (kind === 'history') f.historical = true;
    else if (kind === 'family') f.family = true;
  };

  // 2–3. Scopes. Returns whether the walk reached any mention.
  const walk = (trigger: FoundTrigger, step: 1 | -1): boolean => {
    const { rule } = trigger;
    let reached = false;
    let k = step === 1 ? trigger.last + 1 : trigger.first - 1;
    let counted = 0;
    while (k >= 0 && k < tokens.length) {
      const tok = tokens[k] as Token;
      if (inHeading[k]) break;
      if (tok.kind === 'punct') {
        if (tok.norm !== ',') break;
        if (rule.list) counted = 0;
        k += step;
        continue;
      }
      const m = owner[k] as number;
      if (m !== -1) {
        mark(m, rule.kind);
        reached = true;
        if (rule.single) break;
        const span = spans[m] as TokenSpan;
        k = step === 1 ? span.last + 1 : span.first - 1;
        continue;
      }
      const ti = triggerAt[k] as number;
      if (ti !== -1) {
        const other = triggers[ti] as FoundTrigger;
        if (other.rule.kind === 'terminate') break;
        if (other.rule.kind === rule.kind && other.rule.direction !== 'none') break;
        // A list ends where another kind of statement starts ("history of deafness and denies nausea").
        if (rule.list && other.rule.kind !== 'pseudo') break;
        counted += 1;
        k = step === 1 ? other.last + 1 : other.first - 1;
      } else {
        // A bare number in a list ("1) esophagitis s/p biopsy 2) hiatal hernia") starts a new item.
        if (rule.list && /^\d+$/.test(tok.norm)) break;
        if (!LIST_WORDS.has(tok.norm)) counted += 1;
        else if (rule.list) counted = 0;
        k += step;
      }
      if (counted > rule.window) break;
    }
    return reached;
  };
  for (const trigger of triggers) {
    const { direction } = trigger.rule;
    if (direction === 'pre') walk(trigger, 1);
    else if (direction === 'post') walk(trigger, -1);
    else if (direction === 'both' && !walk(trigger, 1)) walk(trigger, -1);
  }

  // 4. Sections: the last heading that starts at or before the mention, while its section lasts.
  for (const [m, span] of spans.entries()) {
    let heading: Heading | undefined;
    for (const h of headings) if (h.first <= span.first) heading = h;
    if (!heading || span.first >= heading.end) continue;
    const f = flags[m] as ContextFlags;
    f.section = heading.kind;
    if (SECTION_FLAGS[heading.kind].historical) f.historical = true;
    if (SECTION_FLAGS[heading.kind].family) f.family = true;
  }
  return flags;
}
