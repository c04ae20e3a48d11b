/**
 * @file Answers about medications in one record: is the patient on a drug or a drug class (now,
 * ever, before), and which drugs.
 *
 * A medication matches when its codes link to the drug entity or a member of the class, or when
 * its text (or a coding's display) holds an ingredient name as a word ("Warfarin Sodium 5 MG Oral
 * Tablet" holds "warfarin"): classes name ingredients the graph has no entity for.
 * Coded first (MedicationRequest / MedicationStatement facts): `now` is a fact that holds
 * (`factState` current: active, on-hold, no status…), `ever` any fact read, `past` one stopped or
 * completed; a drug stopped answers "no" for now only when the notes do not say otherwise.
 * Notes: a drug mention in a medication list or stated anywhere (affirmed) answers yes; negated
 * no; historical yes for ever / past; for now, a drug no note names while the newest note has a
 * medication list answers no, citing the list (`noteListAbsent`). A note list "No Active Medications." answers a list with
 * no drug, citing it.
 */
import { factState } from '../records/status.js';
import type { CodedFact } from '../records/types.js';
import { addCodedValues, codedEvidence, decideVotes, MAX_NOTE_EVIDENCE, millisOf, result, unknown, type Vote } from './evidence.js';
import { entityMentions, type Found, linkedNotes, newestFirst, noteEvidence, phraseFound } from './note-search.js';
import type { RecordAsk } from './record-context.js';
import type { AnswerResult, AnswerValue, Evidence } from './types.js';

/** Note phrases that state there is no medication. */
export const NO_MEDICATION_PHRASES = ['no active medications', 'no current medications', 'no medications', 'no home medications'];

interface DrugFilter {
  ids: Set<string>;
  ingredients: string[];
}

function filterOf(ask: RecordAsk): DrugFilter | undefined {
  const { entity, drugClass } = ask.question;
  if (!entity && !drugClass) return undefined;
  const ids = new Set<string>(drugClass?.members ?? []);
  const ingredients = [...(drugClass?.ingredients ?? [])];
  if (entity) {
    ids.add(entity.id);
    ingredients.push(entity.name.toLowerCase());
  }
  return { ids, ingredients: ingredients.filter((i) => i.trim() !== '') };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function holdsIngredient(text: string, ingredients: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return ingredients.some((i) => new RegExp(`(^|[^\\p{L}])${escapeRegExp(i)}($|[^\\p{L}])`, 'u').test(lower));
}

function matches(ask: RecordAsk, fact: CodedFact, filter: DrugFilter | undefined): boolean {
  if (!filter) return true;
  if (ask.graph.linkCodes(fact.codings).some((id) => filter.ids.has(id))) return true;
  const texts = [fact.text ?? '', ...fact.codings.map((c) => c.display ?? '')];
  return texts.some((t) => holdsIngredient(t, filter.ingredients));
}

function codedMedications(ask: RecordAsk, filter: DrugFilter | undefined): { current: CodedFact[]; history: CodedFact[] } {
  const facts = ask.record.facts
    .filter((f) => f.kind === 'medication' && factState(f) !== 'ignored' && matches(ask, f, filter))
    .sort((a, b) => millisOf(b.time) - millisOf(a.time));
  return { current: facts.filter((f) => factState(f) === 'current'), history: facts.filter((f) => factState(f) === 'history') };
}

/** Drug mentions in notes that match the filter (entity ids, then ingredient names no mention covers). */
function noteDrugs(ask: RecordAsk, filter: DrugFilter | undefined): Found[] {
  const found = filter
    ? entityMentions(ask.record, ask.linker, filter.ids)
    : linkedNotes(ask.record, ask.linker).flatMap((linked) =>
        linked.mentions.filter((m) => m.entityId && ask.graph.get(m.entityId)?.type === 'drug').map((mention) => ({ linked, mention })),
      );
  if (filter) {
    for (const ingredient of filter.ingredients) {
      for (const f of phraseFound(ask.record, ask.linker, ingredient)) {
        const overlaps = found.some((g) => g.linked === f.linked && g.mention.start < f.mention.end && f.mention.start < g.mention.end);
        if (!overlaps) found.push(f);
      }
    }
  }
  return found;
}

function displayOf(ask: RecordAsk, f: Found): string {
  return (f.mention.entityId ? ask.graph.get(f.mention.entityId)?.name : undefined) ?? f.mention.text;
}

/** Is the patient on the drug or a drug of the class, at the question's time? */
export function answerMedication(ask: RecordAsk): AnswerResult {
  const filter = filterOf(ask);
  const { time } = ask.question;
  let noLonger: Evidence[] = [];
  if (ask.coded) {
    const { current, history } = codedMedications(ask, filter);
    const ev = (fs: CodedFact[], supports: 'yes' | 'no', assertion: 'affirmed' | 'historical') =>
      fs.map((f) => codedEvidence(ask.graph, f, supports, assertion));
    if (current.length > 0 && time !== 'past') return result('yes', 'coded', 'codedCurrent', ev(current, 'yes', 'affirmed'));
    if (history.length > 0 && time !== 'now') return result('yes', 'coded', 'codedHistory', ev(history, 'yes', 'historical'));
    if (current.length > 0) return result('yes', 'coded', 'codedCurrent', ev(current, 'yes', 'affirmed'));
    noLonger = ev(history, 'no', 'historical');
  }
  if (ask.notes) {
    const votes: Vote[] = [];
    for (const f of noteDrugs(ask, filter)) {
      const claim = { display: displayOf(ask, f), ...(f.mention.entityId ? { entityId: f.mention.entityId } : {}) };
      const a = f.mention.assertion;
      if (a === 'negated') votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
      else if (a === 'affirmed' && time !== 'past') votes.push({ found: f, supports: 'yes', route: 'noteAffirmed', claim });
      else if ((a === 'historical' || a === 'affirmed') && time !== 'now')
        votes.push({ found: f, supports: 'yes', route: 'noteHistorical', claim });
    }
    const decided = decideVotes(votes, time === 'ever' || time === 'past');
    if (decided) return decided;
    if (time === 'now' && filter && noLonger.length === 0) {
      const list = newestMedicationList(ask);
      if (list) {
        const display = `medication list without ${ask.question.drugClass?.name ?? ask.question.entity?.name ?? 'it'}`;
        return result('no', 'notes', 'noteListAbsent', [noteEvidence(list, { supports: 'no', display })]);
      }
    }
  }
  if (noLonger.length > 0) return result('no', 'coded', 'codedNoLonger', noLonger);
  return unknown();
}

/**
 * The first drug of the medication list of the record's newest note, when that note has one (a
 * `medications` section naming a drug): a drug the list does not name, and no note names, is one
 * the patient is not on now, as a clinician reads a current list. Older notes' lists are not the
 * present one.
 */
function newestMedicationList(ask: RecordAsk): Found | undefined {
  const notes = linkedNotes(ask.record, ask.linker);
  let newest: (typeof notes)[number] | undefined;
  for (const n of notes) if (!newest || (n.millis ?? Number.NEGATIVE_INFINITY) > (newest.millis ?? Number.NEGATIVE_INFINITY)) newest = n;
  if (!newest) return undefined;
  const mention = newest.mentions.find((m) => m.section === 'medications' && m.entityId && ask.graph.get(m.entityId)?.type === 'drug');
  return mention ? { linked: newest, mention } : undefined;
}

/** Which drugs (of the class, when one is named), at the question's time. */
export function answerMedications(ask: RecordAsk): AnswerResult {
  const filter = filterOf(ask);
  const { time } = ask.question;
  const evidence: Evidence[] = [];
  const values = new Map<string, AnswerValue>();
  if (ask.coded) {
    const { current, history } = codedMedications(ask, filter);
    const facts = time === 'past' ? history : time === 'ever' ? [...current, ...history] : current;
    addCodedValues(ask.graph, facts, { values, evidence }, (f) => (factState(f) === 'current' ? 'affirmed' : 'historical'));
    if (values.size > 0) return result([...values.values()], 'coded', time === 'past' ? 'codedHistory' : 'codedCurrent', evidence);
  }
  if (!ask.notes) return unknown();
  const wanted = (a: string): boolean =>
    time === 'past' ? a === 'historical' : time === 'ever' ? a === 'affirmed' || a === 'historical' : a === 'affirmed';
  const found = noteDrugs(ask, filter).filter((f) => wanted(f.mention.assertion));
  const none = filter ? [] : NO_MEDICATION_PHRASES.flatMap((p) => phraseFound(ask.record, ask.linker, p));
  const all = [...found, ...none].sort(newestFirst);
  const newest = all[0];
  if (!newest) return unknown();
  // Now: the newest note that lists drugs (or says there are none) is the list; ever / past: every note.
  const scope = time === 'now' ? found.filter((f) => f.linked === newest.linked) : found;
  if (scope.length === 0) {
    return result([], 'notes', 'noteNone', [noteEvidence(newest, { supports: 'no', display: 'no medications' })]);
  }
  const byKey = new Map<string, Found[]>();
  for (const f of scope.sort(newestFirst)) {
    const key = f.mention.entityId ?? f.mention.text.toLowerCase();
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  for (const [key, fs] of [...byKey].sort((a, b) => a[0].localeCompare(b[0]))) {
    const first = fs[0] as Found;
    const display = displayOf(ask, first);
    const entityId = first.mention.entityId;
    const idx = fs
      .slice(0, MAX_NOTE_EVIDENCE)
      .map((f) => evidence.push(noteEvidence(f, { supports: 'value', display, ...(entityId ? { entityId } : {}) })) - 1);
    values.set(key, { display, ...(entityId ? { entityId } : {}), evidence: idx });
  }
  return result([...values.values()], 'notes', 'noteAffirmed', evidence);
}
