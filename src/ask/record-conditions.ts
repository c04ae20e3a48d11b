/**
 * @file Answers about conditions, findings and history items in one record: is X present (now,
 * ever, before, in the family), and which conditions the record holds.
 *
 * Coded first: Condition facts whose codes link to the entity or one of its more specific forms
 * (src/ask/note-search.ts `specificForms`), read with `factState` (src/records/status.ts): a
 * current fact answers yes for every time; a fact that no longer holds answers yes for ever / past,
 * and for now only "no" when the notes do not say otherwise. Observations linked to the entity
 * with an interpretation (positive, detected, high… / negative, not detected) count too.
 * Then notes: an affirmed mention answers yes for now and ever, and for past only when the
 * condition is chronic (a present-tense mention of an acute finding says nothing of before); a
 * historical one yes for ever / past, and for now only when the condition is chronic (it stays
 * present); a negated one no; a note older than PRESENT_WINDOW_DAYS before the record's date
 * speaks of the past for a condition that does not last (src/ask/persistence.ts `lasts`: yes / no
 * for ever and past, nothing for now); a
 * family one only a family question; a hypothetical one never. A family question is answered
 * from notes alone (the assembler does not read FamilyMemberHistory).
 */
import { isAbnormalInterpretation, factState } from '../records/status.js';
import type { CodedFact } from '../records/types.js';
import { CONFIDENCE } from './confidence.js';
import { readFound } from './note-reader.js';
import { lasts } from './persistence.js';
import {
  addCodedValues,
  codedEvidence,
  decideVotes,
  factDisplay,
  MAX_NOTE_EVIDENCE,
  millisOf,
  result,
  unknown,
  type Vote,
} from './evidence.js';
import { entityMentions, type Found, linkedNotes, newestFirst, noteEvidence, phraseFound, specificForms } from './note-search.js';
import type { RecordAsk } from './record-context.js';
import type { AnswerResult, AnswerValue, Evidence } from './types.js';

const NEGATIVE_INTERPRETATIONS = new Set(['NEG', 'ND', 'N']);

function linked(ask: RecordAsk, fact: CodedFact, ids: ReadonlySet<string>): boolean {
  return ask.graph.linkCodes(fact.codings).some((id) => ids.has(id));
}

function codedCondition(ask: RecordAsk, ids: ReadonlySet<string>): { answer?: AnswerResult; noLonger?: Evidence[] } {
  const { time } = ask.question;
  const facts = ask.record.facts.filter((f) => f.kind === 'condition' && factState(f) !== 'ignored' && linked(ask, f, ids));
  const current = facts.filter((f) => factState(f) === 'current');
  const history = facts.filter((f) => factState(f) === 'history');
  const ev = (fs: CodedFact[], supports: 'yes' | 'no', assertion: 'affirmed' | 'historical') =>
    fs.sort((a, b) => millisOf(b.time) - millisOf(a.time)).map((f) => codedEvidence(ask.graph, f, supports, assertion));
  if (time === 'now' && current.length > 0) return { answer: result('yes', 'coded', 'codedCurrent', ev(current, 'yes', 'affirmed')) };
  if ((time === 'ever' || time === 'past') && facts.length > 0) {
    const cite = [...ev(history, 'yes', 'historical'), ...ev(current, 'yes', 'affirmed')];
    return { answer: result('yes', 'coded', history.length > 0 ? 'codedHistory' : 'codedCurrent', cite) };
  }
  // Results with an interpretation: the latest decides now; any positive one answers ever / past.
  const results = ask.record.facts
    .filter((f) => f.kind === 'observation' && factState(f) !== 'ignored' && f.interpretation && linked(ask, f, ids))
    .sort((a, b) => millisOf(b.time) - millisOf(a.time));
  const positive = results.filter((f) => isAbnormalInterpretation(f.interpretation));
  const latest = results[0];
  if (time === 'now' && latest && facts.length === 0) {
    if (isAbnormalInterpretation(latest.interpretation))
      return { answer: result('yes', 'coded', 'codedCurrent', ev([latest], 'yes', 'affirmed')) };
    if (NEGATIVE_INTERPRETATIONS.has(latest.interpretation as string)) {
      return { answer: result('no', 'coded', 'codedCurrent', [codedEvidence(ask.graph, latest, 'no', 'negated')]) };
    }
  }
  if ((time === 'ever' || time === 'past') && positive.length > 0)
    return { answer: result('yes', 'coded', 'codedCurrent', ev(positive, 'yes', 'affirmed')) };
  if (time === 'now' && history.length > 0) return { noLonger: ev(history, 'no', 'historical') };
  return {};
}

/** Whether the entity is itself a family-history item ("family history of asthma", "mother with asthma"). */
function isFamilyItem(name: string): boolean {
  return /^(family history|mother|father|maternal|paternal|parent|sibling)\b/i.test(name);
}

/**
 * Days before the record's date within which a note speaks of "now" for a condition that does not
 * last: a note of two years ago "presenting with viral sinusitis" says the patient had it then.
 */
export const PRESENT_WINDOW_DAYS = 30;

/** Whether a mention's note is older than the window before the record's date (undated: not stale). */
function staleFor(ask: RecordAsk, f: Found): boolean {
  const recordMs = millisOf(ask.record.time);
  const noteMs = f.linked.millis;
  return noteMs !== undefined && Number.isFinite(recordMs) && recordMs - noteMs > PRESENT_WINDOW_DAYS * 86_400_000;
}

function noteVotes(ask: RecordAsk, found: readonly Found[], displayOf: (f: Found) => string): Vote[] {
  const { time } = ask.question;
  const votes: Vote[] = [];
  for (const f of found) {
    const entity = f.mention.entityId ? ask.graph.get(f.mention.entityId) : undefined;
    const lasting = lasts(entity);
    // an old note's present tense is the past for a condition that comes and goes
    if (!lasting && time !== 'family' && staleFor(ask, f)) {
      const claim = { display: displayOf(f), ...(entity ? { entityId: entity.id } : {}) };
      const a = f.mention.assertion;
      if ((time === 'past' || time === 'ever') && (a === 'affirmed' || a === 'historical') && f.mention.section !== 'allergies') {
        votes.push({ found: f, supports: 'yes', route: 'noteHistorical', claim });
      } else if ((time === 'past' || time === 'ever') && a === 'negated') {
        votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
      }
      continue;
    }
    const claim = { display: displayOf(f), ...(entity ? { entityId: entity.id } : {}) };
    const a = f.mention.assertion;
    if (time === 'family') {
      const familyItem = entity !== undefined && isFamilyItem(entity.name);
      if (a === 'family' || (familyItem && (a === 'affirmed' || a === 'historical' || a === 'negated'))) {
        votes.push({ found: f, supports: f.mention.negated ? 'no' : 'yes', route: 'noteFamily', claim });
      }
      continue;
    }
    if (a === 'family' || a === 'hypothetical') continue;
    // a finding in an allergy list is a reaction ("tree pollen (swelling)"), not the patient's state
    if (f.mention.section === 'allergies') continue;
    if (a === 'negated') votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
    else if (a === 'affirmed') {
      // "Did the patient have X before?": a mention in the present says the patient has it now,
      // not that they had it before, unless the condition is chronic (it began before it was noted).
      if (time !== 'past' || entity?.course === 'chronic') votes.push({ found: f, supports: 'yes', route: 'noteAffirmed', claim });
    } else if (time !== 'now' || lasting) votes.push({ found: f, supports: 'yes', route: 'noteHistorical', claim });
  }
  return votes;
}

/** Is the condition (entity or phrase) present, at the question's time? */
export function answerCondition(ask: RecordAsk): AnswerResult {
  const { question } = ask;
  const ids = question.entity ? specificForms(ask.graph, question.entity.id) : new Set<string>();
  const coded = ask.coded && question.entity && question.time !== 'family' ? codedCondition(ask, ids) : {};
  if (coded.answer) return coded.answer;
  if (ask.notes) {
    const found = question.entity
      ? readFound(entityMentions(ask.record, ask.linker, ids), ask.reader, ask.readings)
      : question.phrase
        ? phraseFound(ask.record, ask.linker, question.phrase)
        : [];
    const name = question.entity?.name ?? question.phrase ?? '';
    const decided = decideVotes(
      noteVotes(ask, found, (f) => (f.mention.entityId ? (ask.graph.get(f.mention.entityId)?.name ?? name) : name)),
      question.time === 'ever' || question.time === 'past',
    );
    if (decided) return decided;
  }
  if (coded.noLonger && coded.noLonger.length > 0) return result('no', 'coded', 'codedNoLonger', coded.noLonger);
  return unknown();
}

/** Which conditions: coded ones for the question's time, then those the notes affirm and no code holds. */
export function answerConditions(ask: RecordAsk): AnswerResult {
  const { time } = ask.question;
  const evidence: Evidence[] = [];
  const values = new Map<string, AnswerValue>();
  const want = (state: 'current' | 'history'): boolean =>
    time === 'past' ? state === 'history' : time === 'ever' ? true : state === 'current';
  if (ask.coded) {
    const facts = ask.record.facts
      .filter((f) => f.kind === 'condition')
      .filter((f) => {
        const s = factState(f);
        return s !== 'ignored' && want(s);
      })
      .sort((a, b) => millisOf(b.time) - millisOf(a.time));
    addCodedValues(
      ask.graph,
      facts,
      { values, evidence },
      (f) => (factState(f) === 'current' ? 'affirmed' : 'historical'),
      (f) => `${f.codings[0]?.system}|${f.codings[0]?.code}|${factDisplay(f)}`,
    );
  }
  const fromCoded = values.size > 0;
  if (ask.notes) {
    const found: Found[] = [];
    for (const linkedNote of linkedNotes(ask.record, ask.linker)) {
      for (const mention of linkedNote.mentions) {
        const entity = mention.entityId ? ask.graph.get(mention.entityId) : undefined;
        if (entity?.type !== 'condition' || values.has(entity.id)) continue;
        const a = mention.assertion;
        const lasting = lasts(entity);
        const ok =
          time === 'past'
            ? a === 'historical'
            : time === 'ever'
              ? a === 'affirmed' || a === 'historical'
              : a === 'affirmed' || (lasting && a === 'historical');
        if (ok) found.push({ linked: linkedNote, mention });
      }
    }
    found.sort(newestFirst);
    const byEntity = new Map<string, Found[]>();
    for (const f of found) {
      const id = f.mention.entityId as string;
      byEntity.set(id, [...(byEntity.get(id) ?? []), f]);
    }
    for (const [id, fs] of [...byEntity].sort((a, b) => a[0].localeCompare(b[0]))) {
      const entity = ask.graph.get(id);
      const name = entity?.name ?? id;
      const idx = fs
        .slice(0, MAX_NOTE_EVIDENCE)
        .map((f) => evidence.push(noteEvidence(f, { supports: 'value', display: name, entityId: id })) - 1);
      values.set(id, { display: name, entityId: id, evidence: idx });
    }
  }
  if (values.size === 0) return unknown();
  const route = fromCoded ? 'codedCurrent' : 'noteAffirmed';
  const answered = result([...values.values()], fromCoded ? 'coded' : 'notes', route, evidence);
  // A list that mixes coded and note values is as sure as its weakest source.
  if (fromCoded && values.size > 0 && evidence.some((e) => e.from === 'note')) answered.confidence = CONFIDENCE.noteAffirmed;
  return answered;
}
