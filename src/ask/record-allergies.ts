/**
 * @file Answers about allergies in one record: is the patient allergic to X, and which allergies.
 *
 * Coded first (AllergyIntolerance facts, read with `factState`): one that links to the entity, or
 * whose text holds the entity's name, answers yes (an inactive or resolved one answers "no" for
 * now only when the notes do not say otherwise). Notes: a mention of the entity under an
 * allergies heading, of an allergen entity, or in a sentence that speaks of allergy ("allergic to
 * penicillin") answers yes, negated no; a statement that there is none ("No Known Allergies",
 * "NKDA") answers no, and a list of allergies with none, citing it. The newest note decides.
 */
import { factState } from '../records/status.js';
import type { CodedFact } from '../records/types.js';
import { addCodedValues, codedEvidence, decideVotes, MAX_NOTE_EVIDENCE, millisOf, result, unknown, type Vote } from './evidence.js';
import { type Found, linkedNotes, newestFirst, noteEvidence, phraseFound, specificForms } from './note-search.js';
import type { RecordAsk } from './record-context.js';
import type { AnswerResult, AnswerValue, Evidence } from './types.js';

/** Note phrases that state there is no allergy. */
export const NO_ALLERGY_PHRASES = ['no known allergies', 'no known drug allergies', 'nkda', 'nka', 'no allergies'];

function noneStatements(ask: RecordAsk): Found[] {
  const found: Found[] = [];
  for (const p of NO_ALLERGY_PHRASES) {
    for (const f of phraseFound(ask.record, ask.linker, p)) {
      // "No allergies" inside "no known allergies" is the same statement.
      if (!found.some((g) => g.linked === f.linked && g.mention.start < f.mention.end && f.mention.start < g.mention.end)) found.push(f);
    }
  }
  return found;
}

/** Whether a note mention states an allergy (see the file comment). */
function isAllergyMention(ask: RecordAsk, f: Found): boolean {
  const entity = f.mention.entityId ? ask.graph.get(f.mention.entityId) : undefined;
  if (f.mention.section === 'allergies' || entity?.type === 'allergen') return true;
  const sentence = f.linked.note.text.slice(f.mention.sentence.start, f.mention.sentence.end);
  return /allerg/i.test(sentence);
}

function codedAllergies(ask: RecordAsk, ids: ReadonlySet<string> | undefined, name: string | undefined): CodedFact[] {
  return ask.record.facts
    .filter((f) => f.kind === 'allergy' && factState(f) !== 'ignored')
    .filter((f) => {
      if (!ids) return true;
      if (ask.graph.linkCodes(f.codings).some((id) => ids.has(id))) return true;
      const n = name?.toLowerCase();
      return n !== undefined && [f.text ?? '', ...f.codings.map((c) => c.display ?? '')].some((t) => t.toLowerCase().includes(n));
    })
    .sort((a, b) => millisOf(b.time) - millisOf(a.time));
}

/** Is the patient allergic to the entity? */
export function answerAllergy(ask: RecordAsk): AnswerResult {
  const { entity, time } = ask.question;
  if (!entity) return unknown();
  const ids = specificForms(ask.graph, entity.id);
  let noLonger: Evidence[] = [];
  if (ask.coded) {
    const facts = codedAllergies(ask, ids, entity.name);
    const current = facts.filter((f) => factState(f) === 'current');
    const history = facts.filter((f) => factState(f) === 'history');
    if (current.length > 0)
      return result(
        'yes',
        'coded',
        'codedCurrent',
        current.map((f) => codedEvidence(ask.graph, f, 'yes', 'affirmed')),
      );
    if (history.length > 0 && time !== 'now') {
      return result(
        'yes',
        'coded',
        'codedHistory',
        history.map((f) => codedEvidence(ask.graph, f, 'yes', 'historical')),
      );
    }
    noLonger = history.map((f) => codedEvidence(ask.graph, f, 'no', 'historical'));
  }
  if (ask.notes) {
    const votes: Vote[] = [];
    for (const linked of linkedNotes(ask.record, ask.linker)) {
      for (const mention of linked.mentions) {
        const f = { linked, mention };
        if (!mention.entityId || !ids.has(mention.entityId) || !isAllergyMention(ask, f)) continue;
        const claim = { display: entity.name, entityId: mention.entityId };
        if (mention.assertion === 'negated') votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
        else if (mention.assertion === 'affirmed' || mention.assertion === 'historical') {
          votes.push({ found: f, supports: 'yes', route: 'noteAffirmed', claim });
        }
      }
    }
    for (const f of noneStatements(ask))
      votes.push({ found: f, supports: 'no', route: 'noteNone', claim: { display: 'no known allergies' } });
    const decided = decideVotes(votes, false);
    if (decided) return decided;
  }
  if (noLonger.length > 0) return result('no', 'coded', 'codedNoLonger', noLonger);
  return unknown();
}

/** Which allergies: coded ones that hold, else the newest note's allergy list (or its "No Known Allergies"). */
export function answerAllergies(ask: RecordAsk): AnswerResult {
  const evidence: Evidence[] = [];
  const values = new Map<string, AnswerValue>();
  if (ask.coded) {
    addCodedValues(
      ask.graph,
      codedAllergies(ask, undefined, undefined).filter((x) => factState(x) === 'current'),
      { values, evidence },
      () => 'affirmed',
    );
    if (values.size > 0) return result([...values.values()], 'coded', 'codedCurrent', evidence);
  }
  if (!ask.notes) return unknown();
  const found: Found[] = [];
  for (const linked of linkedNotes(ask.record, ask.linker)) {
    for (const mention of linked.mentions) {
      const f = { linked, mention };
      if (mention.entityId && (mention.assertion === 'affirmed' || mention.assertion === 'historical') && isAllergyMention(ask, f)) {
        const type = ask.graph.get(mention.entityId)?.type;
        if (type === 'allergen' || type === 'drug' || mention.section === 'allergies') found.push(f);
      }
    }
  }
  const none = noneStatements(ask);
  const newest = [...found, ...none].sort(newestFirst)[0];
  if (!newest) return unknown();
  const scope = found.filter((f) => f.linked === newest.linked).sort(newestFirst);
  if (scope.length === 0) return result([], 'notes', 'noteNone', [noteEvidence(newest, { supports: 'no', display: 'no known allergies' })]);
  const byEntity = new Map<string, Found[]>();
  for (const f of scope) byEntity.set(f.mention.entityId as string, [...(byEntity.get(f.mention.entityId as string) ?? []), f]);
  for (const [id, fs] of [...byEntity].sort((a, b) => a[0].localeCompare(b[0]))) {
    const display = ask.graph.get(id)?.name ?? id;
    const idx = fs.slice(0, MAX_NOTE_EVIDENCE).map((f) => evidence.push(noteEvidence(f, { supports: 'value', display, entityId: id })) - 1);
    values.set(id, { display, entityId: id, evidence: idx });
  }
  return result([...values.values()], 'notes', 'noteAffirmed', evidence);
}
