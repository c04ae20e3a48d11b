/**
 * @file Finding what a question asks about in a record's notes: mentions of a graph entity (or of
 * its more specific forms) or of a literal phrase, each with its assertion, its sentence and the
 * resource it came from, ready to cite as evidence.
 *
 * Each note of a record is linked once (`linkedNotes` keeps the result per record and linker), so
 * that a question that searches several entities (a drug class, smoking and former smoking) does
 * not link the notes again. Mentions carry the flags of src/ask/assertion.ts (social-history and
 * allergies sections read as the present, hypothetical triggers), not the linker's raw flags.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { EntityLinker } from '../kg/link.js';
import { tokenize, type Token } from '../kg/normalize.js';
import type { ClinicalRecord, NoteText } from '../records/types.js';
import { mentionsOf, type NoteMention, phraseSpans, tokenSpansOf } from './assertion.js';
import { sentenceSpans, type SentenceSpan } from './sentences.js';
import type { Evidence } from './types.js';

/** One note of a record, linked. */
export interface LinkedNote {
  note: NoteText;
  /** Position of the note in the record (ties of time keep this order). */
  order: number;
  /** The note's time in milliseconds, when it has a valid one. */
  millis?: number;
  tokens: Token[];
  sentences: SentenceSpan[];
  /** Entity mentions (the linker's), with the answers' flags. */
  mentions: NoteMention[];
}

/** A mention found in one note. */
export interface Found {
  linked: LinkedNote;
  mention: NoteMention;
}

const cache = new WeakMap<ClinicalRecord, { linker: EntityLinker; notes: LinkedNote[] }>();

function link(note: NoteText, order: number, linker: EntityLinker): LinkedNote {
  const tokens = tokenize(note.text);
  const sentences = sentenceSpans(note.text);
  const raw = linker.link(note.text);
  const spans = tokenSpansOf(tokens, raw);
  const mentions = mentionsOf(
    note.text,
    tokens,
    spans,
    sentences,
    raw.map((m) => m.negated),
  ).map((m, i) => ({ ...m, entityId: raw[i]?.entityId as string }));
  const millis = note.time ? Date.parse(note.time) : Number.NaN;
  return { note, order, ...(Number.isNaN(millis) ? {} : { millis }), tokens, sentences, mentions };
}

/** The record's notes, each linked once per record and linker. */
export function linkedNotes(record: ClinicalRecord, linker: EntityLinker): LinkedNote[] {
  const hit = cache.get(record);
  if (hit && hit.linker === linker) return hit.notes;
  const notes = record.notes.map((n, i) => link(n, i, linker));
  cache.set(record, { linker, notes });
  return notes;
}

/**
 * The entity and its more specific forms: conditions with an `is_a` edge into it (transitively;
 * not across courses: a chronic condition is no form of an acute one),
 * and, for a history item (antecedent), the conditions that `implies` it ("hypertension" implies
 * "high blood pressure").
 */
export function specificForms(graph: KnowledgeGraph, id: string): Set<string> {
  const ids = new Set([id]);
  const queue = [id];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const n of graph.neighbours(at)) {
      if (n.direction !== 'in' || ids.has(n.entity.id)) continue;
      const parent = graph.get(at);
      // an is_a between courses ("childhood asthma" is_a "acute asthma exacerbation") is not a
      // more specific form of the same state: a chronic condition does not say the acute one is present
      const acrossCourses = n.entity.course !== undefined && parent?.course !== undefined && n.entity.course !== parent.course;
      if ((n.edge.type === 'is_a' && !acrossCourses) || (n.edge.type === 'implies' && parent?.type === 'antecedent')) {
        ids.add(n.entity.id);
        queue.push(n.entity.id);
      }
    }
  }
  return ids;
}

/** Mentions of any of `ids` in the record's notes, notes in record order, mentions in text order. */
export function entityMentions(record: ClinicalRecord, linker: EntityLinker, ids: ReadonlySet<string>): Found[] {
  const out: Found[] = [];
  for (const linked of linkedNotes(record, linker)) {
    for (const mention of linked.mentions) if (mention.entityId && ids.has(mention.entityId)) out.push({ linked, mention });
  }
  return out;
}

/**
 * Occurrences of a literal phrase in the record's notes (normalised, stemmed words, as the linker
 * matches), with the answers' flags. Only the phrase's occurrences are mentions in that ConText
 * run (as in the ConText evaluation, src/kg/context-eval.ts).
 */
export function phraseFound(record: ClinicalRecord, linker: EntityLinker, phrase: string): Found[] {
  const out: Found[] = [];
  for (const linked of linkedNotes(record, linker)) {
    const spans = phraseSpans(linked.tokens, phrase);
    if (spans.length === 0) continue;
    for (const mention of mentionsOf(linked.note.text, linked.tokens, spans, linked.sentences)) out.push({ linked, mention });
  }
  return out;
}

/** Known parts of a note's resource (src/records/notes.ts): `DiagnosticReport/9.conclusion`. */
const PART = /^(.*?)\.((?:content|presentedForm|conclusion|payload|section|text)\b.*)$/;

/** `DiagnosticReport/9.conclusion` -> type, id and part. */
export function noteResource(resource: string): { resourceType: string; resourceId: string; part?: string } {
  const slash = resource.indexOf('/');
  const resourceType = slash === -1 ? resource : resource.slice(0, slash);
  const rest = slash === -1 ? '' : resource.slice(slash + 1);
  const m = PART.exec(rest);
  return m ? { resourceType, resourceId: m[1] as string, part: m[2] as string } : { resourceType, resourceId: rest };
}

/** What a note evidence item says, beyond where it is. */
export interface NoteClaim {
  supports: Evidence['supports'];
  display: string;
  entityId?: string;
  value?: number | string;
  unit?: string;
  /** Cite up to here instead of the mention's end (a value written after the mention). */
  end?: number;
}

/** A note mention as an evidence item, citing its characters and its sentence. */
export function noteEvidence(found: Found, claim: NoteClaim): Evidence {
  const { linked, mention } = found;
  const text = linked.note.text;
  const end = Math.max(claim.end ?? mention.end, mention.end);
  const sentence = {
    start: mention.sentence.start,
    end: Math.max(mention.sentence.end, end),
  };
  return {
    from: 'note',
    ...noteResource(linked.note.resource),
    assertion: mention.assertion,
    supports: claim.supports,
    display: claim.display,
    ...(claim.entityId ? { entityId: claim.entityId } : {}),
    ...(linked.note.time ? { time: linked.note.time } : {}),
    ...(claim.value !== undefined ? { value: claim.value } : {}),
    ...(claim.unit ? { unit: claim.unit } : {}),
    ...(mention.reading
      ? { reader: { assertion: mention.reading.assertion, probability: Math.round(mention.reading.probability * 1e4) / 1e4 } }
      : {}),
    note: {
      start: mention.start,
      end,
      text: text.slice(mention.start, end),
      sentence: text.slice(sentence.start, sentence.end),
      sentenceStart: sentence.start,
      ...(mention.section ? { section: mention.section } : {}),
    },
  };
}

/** Notes newest first (undated last), then later in the record first: the order answers prefer. */
export function newestFirst(a: Found, b: Found): number {
  const ta = a.linked.millis ?? Number.NEGATIVE_INFINITY;
  const tb = b.linked.millis ?? Number.NEGATIVE_INFINITY;
  if (ta !== tb) return tb - ta;
  if (a.linked.order !== b.linked.order) return b.linked.order - a.linked.order;
  return b.mention.start - a.mention.start;
}
