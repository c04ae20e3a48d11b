/**
 * @file The baseline answerer of the QA evaluation: the question's words searched in the record's
 * notes, with NegEx negation and nothing else.
 *
 * Why: a number for the record answerer only means something next to what the simplest reader
 * gets. The baseline is that reader: the question's entity (its name, synonyms and link-only forms
 * from the graph, a drug class's member names and ingredients) or else the question's literal
 * phrase is matched on the notes' tokens, normalised and stemmed exactly as the linker does
 * (src/kg/normalize.ts); each match is a mention, and NegEx triggers (`contextFlags` of
 * src/kg/negation.ts, called without section headings) say whether it is negated. Found and not
 * negated anywhere: `yes`; found, every mention negated: `no`; not found: `unknown`. Never read:
 * coded facts, history, family and hypothetical context, sections, the question's time. The
 * smoking question, which names no entity, searches "smoker", "smoking", "smokes" and "tobacco".
 *
 * Confidence is a flat BASELINE_CONFIDENCE: the baseline is not calibrated. Its evidence items cite
 * every mention that supports the answer (at most MAX_EVIDENCE), with the sentence that holds it.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { contextFlags, type TokenSpan } from '../kg/negation.js';
import { tokenize, type Token } from '../kg/normalize.js';
import type { ClinicalRecord, NoteText } from '../records/types.js';
import type { Answerer } from './qa-types.js';
import type { AnswerResult, Evidence, ParsedQuestion } from './types.js';

export const BASELINE_CONFIDENCE = 0.5;
const MAX_EVIDENCE = 5;
const SMOKING_FORMS = ['smoker', 'smoking', 'smokes', 'tobacco'];

/** The surface forms the baseline searches for a question (not yet normalised), without repeats. */
export function baselineForms(question: ParsedQuestion, graph?: KnowledgeGraph): string[] {
  const forms: string[] = [];
  if (question.entity) {
    const entity = graph?.get(question.entity.id);
    forms.push(question.entity.name, question.entity.text);
    if (entity) forms.push(entity.name, ...entity.synonyms, ...(entity.linkOnly ?? []));
  }
  if (question.drugClass) {
    forms.push(question.drugClass.name, ...question.drugClass.ingredients);
    for (const id of question.drugClass.members) {
      const member = graph?.get(id);
      if (member) forms.push(member.name, ...member.synonyms);
    }
  }
  if (question.phrase) forms.push(question.phrase);
  if (question.intent === 'smoking' && forms.length === 0) forms.push(...SMOKING_FORMS);
  return [...new Set(forms.filter((f) => f.trim() !== ''))];
}

/** Stemmed words of a form, as the linker compares them. */
function formStems(form: string): string[] {
  return tokenize(form)
    .filter((t) => t.kind === 'word')
    .map((t) => t.stem);
}

/** Non-overlapping token spans of any form in `tokens` (longest first at a position); newlines inside a phrase are skipped. */
export function findForms(tokens: readonly Token[], forms: readonly string[]): TokenSpan[] {
  const wanted = forms.map(formStems).filter((s) => s.length > 0);
  const spans: TokenSpan[] = [];
  let i = 0;
  while (i < tokens.length) {
    let best: TokenSpan | undefined;
    if ((tokens[i] as Token).kind === 'word') {
      for (const stems of wanted) {
        let k = i;
        let matched = 0;
        for (; k < tokens.length && matched < stems.length; k++) {
          const t = tokens[k] as Token;
          if (t.norm === '\n' && matched > 0) continue;
          if (t.kind !== 'word' || t.stem !== stems[matched]) break;
          matched++;
        }
        if (matched === stems.length && (!best || k - 1 > best.last)) best = { first: i, last: k - 1 };
      }
    }
    if (best) {
      spans.push(best);
      i = best.last + 1;
    } else {
      i++;
    }
  }
  return spans;
}

/** The sentence around [start, end): from after the previous . ! ? or line break to the next one. */
export function sentenceAround(text: string, start: number, end: number): { sentence: string; sentenceStart: number } {
  let from = start;
  while (from > 0 && !/[\n.!?]/.test(text[from - 1] as string)) from--;
  let to = end;
  while (to < text.length && !/[\n.!?]/.test(text[to] as string)) to++;
  if (to < text.length && text[to] !== '\n') to++;
  while (from < start && /\s/.test(text[from] as string)) from++;
  return { sentence: text.slice(from, to).trimEnd(), sentenceStart: from };
}

interface Mention {
  note: NoteText;
  start: number;
  end: number;
  negated: boolean;
}

/** Tokens of each note, kept while the note lives: a record is asked many questions. */
const TOKENS = new WeakMap<NoteText, Token[]>();

function tokensOf(note: NoteText): Token[] {
  let tokens = TOKENS.get(note);
  if (!tokens) {
    tokens = tokenize(note.text);
    TOKENS.set(note, tokens);
  }
  return tokens;
}

function mentionsIn(note: NoteText, forms: readonly string[]): Mention[] {
  const tokens = tokensOf(note);
  const spans = findForms(tokens, forms);
  if (spans.length === 0) return [];
  const flags = contextFlags(tokens, spans, []);
  return spans.map((span, m) => ({
    note,
    start: (tokens[span.first] as Token).start,
    end: (tokens[span.last] as Token).end,
    negated: flags[m]?.negated ?? false,
  }));
}

function citation(m: Mention, supports: 'yes' | 'no', question: ParsedQuestion): Evidence {
  const { sentence, sentenceStart } = sentenceAround(m.note.text, m.start, m.end);
  const text = m.note.text.slice(m.start, m.end);
  const [resourceType, ...rest] = m.note.resource.split('/');
  return {
    from: 'note',
    resourceType: resourceType as string,
    resourceId: rest.join('/'),
    assertion: m.negated ? 'negated' : 'affirmed',
    supports,
    display: question.entity?.name ?? question.drugClass?.name ?? text,
    ...(question.entity ? { entityId: question.entity.id } : {}),
    ...(m.note.time ? { time: m.note.time } : {}),
    note: { start: m.start, end: m.end, text, sentence, sentenceStart },
  };
}

/** Answer a yes/no question from the record's notes, by words and NegEx alone (see the file comment). */
export function baselineAnswer(record: ClinicalRecord, question: ParsedQuestion, graph?: KnowledgeGraph): AnswerResult {
  const forms = baselineForms(question, graph);
  const mentions = forms.length === 0 ? [] : record.notes.flatMap((note) => mentionsIn(note, forms));
  const affirmed = mentions.filter((m) => !m.negated);
  const chosen = affirmed.length > 0 ? affirmed : mentions;
  if (chosen.length === 0) return { answer: 'unknown', confidence: 0, answeredFrom: 'none', evidence: [] };
  const answer = affirmed.length > 0 ? 'yes' : 'no';
  return {
    answer,
    confidence: BASELINE_CONFIDENCE,
    answeredFrom: 'notes',
    evidence: chosen.slice(0, MAX_EVIDENCE).map((m) => citation(m, answer, question)),
  };
}

/** The baseline as an `Answerer` (it never reads coded facts, whatever the options say). */
export function baselineAnswerer(graph?: KnowledgeGraph): Answerer {
  return (record, question) => baselineAnswer(record, question, graph);
}
