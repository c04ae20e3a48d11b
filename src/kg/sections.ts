/**
 * @file Section headings as clinicians write them ("Allergies:", "# Medications", "PAST MEDICAL
 * HISTORY:", "PMH:", "Family History:", "Review of Systems:"), so that a note is read the way it
 * is laid out: a heading is not a finding, and it sets the context of what is under it until
 * the next heading, the end of its line (when text follows it there: "Allergies: NKDA.") or a
 * blank line (when it stands alone: "Family History:\nDiabetes." is the family's diabetes;
 * "# Allergies\nPenicillin" is an allergen, not a drug taken).
 *
 * A heading is a known heading phrase (HEADINGS below, matched on normalised words, longest
 * first) that is either
 * - followed by a colon, anywhere in a line: dictated reports often arrive with their line breaks
 *   lost ("... 6.14.02] CLINICAL HISTORY: Patient status post liver transplant."), so the colon
 *   after a known heading phrase is the signal, not the position; or
 * - a whole line by itself, when it is a markdown heading ("# Allergies", as in Synthea notes) or
 *   a line in capitals followed by another line ("PHYSICAL EXAMINATION\n"); list markers ("-",
 *   "*", "1.") and whitespace may come first. This form needs the text (to see the `#`s and the
 *   case); without it only the colon form is found. A lone lower-case word ("allergies") stays a
 *   word.
 *
 * What a section means for the mentions under it (`SECTION_FLAGS`): past medical / surgical /
 * menstrual / psychiatric history sections, social history and allergy lists are historical (the ConText annotators mark
 * social-history items such as tobacco and alcohol, and allergy lists, as historical); family
 * history makes the family the experiencer; medication lists and the sections about the present
 * (HPI, ROS, exam, assessment, plan, impression, chief complaint, course…) set nothing, but they do
 * end a previous section. "History of present illness" is a present section, not a history one,
 * and so are a bare "History:" and "Clinical history:", which in radiology and pathology reports
 * give the reason for the study (the ConText annotators mark what follows them as recent).
 */
import type { Token } from './normalize.js';
import { tokenize } from './normalize.js';

/**
 * The list a mention came from: `history` (past medical / surgical / menstrual / psychiatric
 * history), `family`, `social`, `allergies`, `medications`, or `current` (HPI, ROS, exam,
 * assessment, plan, impression, chief complaint, course, findings, clinical history / indication).
 */
export type SectionKind = 'history' | 'family' | 'social' | 'allergies' | 'medications' | 'current';

/** What a section sets on the mentions under it (negation still comes from the text). */
export const SECTION_FLAGS: Readonly<Record<SectionKind, { historical: boolean; family: boolean }>> = {
  history: { historical: true, family: false },
  family: { historical: false, family: true },
  social: { historical: true, family: false },
  allergies: { historical: true, family: false },
  medications: { historical: false, family: false },
  current: { historical: false, family: false },
};

const HEADINGS: Readonly<Record<SectionKind, readonly string[]>> = {
  history: [
    'pmh',
    'pmhx',
    'psh',
    'past history',
    'medical history',
    'past medical history',
    'past medical hx',
    'surgical history',
    'past surgical history',
    'past medical and surgical history',
    'past medical/surgical history',
    'medical/surgical history',
    'prior history',
    'previous history',
    'menstrual history',
    'obstetric history',
    'ob history',
    'gynecologic history',
    'ob/gyn history',
    'psychiatric history',
    'past psychiatric history',
    'birth history',
    'developmental history',
    'hospitalizations',
    'past hospitalizations',
    'surgeries',
    'past surgeries',
    'previous surgeries',
    'prior surgeries',
    'operations',
    'past operations',
    'immunization history',
    'immunizations',
  ],
  family: ['family history', 'family hx', 'fam hx', 'fhx', 'fh', 'family medical history'],
  social: ['social history', 'social hx', 'sh', 'shx', 'habits', 'substance use', 'substance abuse history', 'personal history'],
  allergies: [
    'allergies',
    'allergy',
    'drug allergies',
    'medication allergies',
    'known allergies',
    'allergies and adverse reactions',
    'adverse reactions',
    'allergies/adverse reactions',
  ],
  medications: [
    'medications',
    'medication',
    'meds',
    'current medications',
    'current meds',
    'home medications',
    'home meds',
    'outpatient medications',
    'active medications',
    'admission medications',
    'medications on admission',
    'discharge medications',
    'medications at discharge',
    'medications on discharge',
  ],
  current: [
    // In radiology and pathology reports "Clinical history:" / "History:" is the reason for the
    // study, which is the present ("CLINICAL HISTORY: Dizziness and headache").
    'history',
    'hx',
    'clinical history',
    'patient history',
    'clinical information',
    'history of present illness',
    'history of the present illness',
    'present illness',
    'hpi',
    'interval history',
    'chief complaint',
    'cc',
    'reason for visit',
    'reason for admission',
    'reason for consultation',
    'reason for referral',
    'review of systems',
    'ros',
    'physical exam',
    'physical examination',
    'exam',
    'examination',
    'vital signs',
    'vitals',
    'assessment',
    'assessment and plan',
    'assessment/plan',
    'a/p',
    'plan',
    'impression',
    'impression and plan',
    'diagnosis',
    'diagnoses',
    'admission diagnosis',
    'discharge diagnosis',
    'preoperative diagnosis',
    'postoperative diagnosis',
    'pre-op diagnosis',
    'post-op diagnosis',
    'final diagnosis',
    'hospital course',
    'ed course',
    'emergency department course',
    'clinical course',
    'findings',
    'labs',
    'laboratory data',
    'results',
    'subjective',
    'objective',
    'indication',
    'indications',
    'procedure',
    'discharge instructions',
  ],
};

interface TrieNode {
  next: Map<string, TrieNode>;
  kind?: SectionKind;
}

const TRIE: TrieNode = (() => {
  const root: TrieNode = { next: new Map() };
  for (const [kind, phrases] of Object.entries(HEADINGS) as [SectionKind, readonly string[]][]) {
    for (const phrase of phrases) {
      let node = root;
      for (const t of tokenize(phrase)) {
        if (t.kind !== 'word') continue;
        let child = node.next.get(t.norm);
        if (!child) {
          child = { next: new Map() };
          node.next.set(t.norm, child);
        }
        node = child;
      }
      node.kind ??= kind;
    }
  }
  return root;
})();

/**
 * A heading found in a token list: its tokens (inclusive, the colon included), its section, and
 * the token where the section ends (exclusive; the next heading ends it sooner).
 */
export interface Heading {
  first: number;
  last: number;
  kind: SectionKind;
  end: number;
}

/**
 * Where the section of a heading ending at token `last` ends: a heading with text after it on its
 * own line ("Allergies: NKDA.") rules to the end of that line; a heading on a line by itself
 * ("# Allergies", "PAST MEDICAL HISTORY:" then a list) rules to the first blank line. A report
 * whose line breaks were lost is one line, so there the next heading ends the section.
 */
function sectionEnd(tokens: readonly Token[], last: number): number {
  const inline = tokens[last + 1] !== undefined && tokens[last + 1]?.norm !== '\n';
  for (let k = last + 1; k < tokens.length; k++) {
    if (tokens[k]?.norm !== '\n') continue;
    if (inline) return k;
    if (tokens[k + 1]?.norm === '\n') return k;
  }
  return tokens.length;
}

/** Whether token `i` starts a line: first token, after a newline, or after a numbered list marker ("1."). */
function atLineStart(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (!prev || prev.norm === '\n') return true;
  const marker = tokens[i - 2];
  return prev.norm === '.' && marker !== undefined && /^\d+$/.test(marker.norm) && atLineStart(tokens, i - 2);
}

/** Whether the bare-line heading at tokens `first..last` is marked as one: `#` before it, or capitals and a next line. */
function markedLine(tokens: readonly Token[], first: number, last: number, text: string): boolean {
  const start = (tokens[first] as Token).start;
  const end = (tokens[last] as Token).end;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (/^\s*#+\s*$/.test(before)) return true;
  const words = text.slice(start, end);
  return tokens[last + 1]?.norm === '\n' && /\p{Lu}/u.test(words) && words === words.toUpperCase();
}

/**
 * The headings in `tokens`, in order (see the file comment for what counts as one). `text` is the
 * string the tokens came from; without it only headings ending in a colon are found.
 */
export function findHeadings(tokens: readonly Token[], text?: string): Heading[] {
  const headings: Heading[] = [];
  for (let i = 0; i < tokens.length; ) {
    let node: TrieNode | undefined = TRIE;
    let best: { last: number; kind: SectionKind } | undefined;
    for (let j = i; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.kind !== 'word') break;
      node = node.next.get(t.norm);
      if (!node) break;
      if (node.kind) best = { last: j, kind: node.kind };
    }
    if (best) {
      const after = tokens[best.last + 1];
      if (after?.norm === ':') {
        headings.push({ first: i, last: best.last + 1, kind: best.kind, end: sectionEnd(tokens, best.last + 1) });
        i = best.last + 2;
        continue;
      }
      if (
        text !== undefined &&
        (after === undefined || after.norm === '\n') &&
        atLineStart(tokens, i) &&
        markedLine(tokens, i, best.last, text)
      ) {
        headings.push({ first: i, last: best.last, kind: best.kind, end: sectionEnd(tokens, best.last) });
        i = best.last + 1;
        continue;
      }
    }
    i++;
  }
  return headings;
}
