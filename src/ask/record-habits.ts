/**
 * @file Answers about smoking and alcohol in one record (now, ever, before).
 *
 * Smoking, coded: the tobacco smoking status Observation (LOINC 72166-2), read from its value's
 * text (SMOKING_STATUS): current ("Current every day smoker", "Smokes tobacco daily"), former
 * ("Former smoker", "Ex-smoker") or never ("Never smoker", "Never smoked tobacco"); "Unknown"
 * says nothing. Now: the latest status, current -> yes, former / never -> no. Ever / past: any
 * current or former status -> yes, else the latest never -> no.
 * Smoking, notes: mentions of the graph's smoker and former-smoker items (found by name):
 * "active smoker" affirmed -> current; "never smoked", "nonsmoker" negated -> no (now and ever);
 * "former smoker", "quit smoking", a historical smoker mention -> former (ever yes, now no).
 *
 * Alcohol, coded: a Condition or other fact linked to the graph's alcohol item (alcohol use
 * disorder) -> yes; the AUDIT-C total score (LOINC 75626-2), latest: 0 -> no (does not drink),
 * 1 or more -> yes (drinks; its first item is how often a drink is had). Notes: mentions of the
 * alcohol item and the words of ALCOHOL_PHRASES ("is an alcoholic", "denies alcohol", "social
 * drinker", "EtOH"), with their assertion; historical ones answer ever / past only.
 */
import { factState } from '../records/status.js';
import type { CodedFact } from '../records/types.js';
import { codedEvidence, decideVotes, millisOf, result, unknown, type Vote } from './evidence.js';
import { entityMentions, type Found, phraseFound } from './note-search.js';
import type { RecordAsk } from './record-context.js';
import type { AnswerResult, QuestionTime } from './types.js';

export const SMOKING_STATUS_LOINC = '72166-2';
export const AUDIT_C_LOINC = '75626-2';

type SmokingStatus = 'current' | 'former' | 'never';

/** A smoking status value's text, read (first match wins: "Never smoked" before "smok"). */
const SMOKING_STATUS: readonly [RegExp, SmokingStatus | undefined][] = [
  [/unknown/i, undefined],
  [/never/i, 'never'],
  [/former|ex-smoker|quit/i, 'former'],
  [/current|every day|some day|daily|smoker|smokes/i, 'current'],
];

export function smokingStatusOf(text: string | undefined): SmokingStatus | undefined {
  if (!text) return undefined;
  for (const [re, status] of SMOKING_STATUS) if (re.test(text)) return status;
  return undefined;
}

/** Note phrases about drinking, searched besides the graph's alcohol item. */
export const ALCOHOL_PHRASES = ['alcoholic', 'alcohol', 'etoh', 'drinker', 'drinks alcohol', 'drinking alcohol'];

const existential = (time: QuestionTime): boolean => time === 'ever' || time === 'past';

function hasCode(fact: CodedFact, code: string): boolean {
  return fact.codings.some((c) => c.code === code);
}

function entityIds(ask: RecordAsk, names: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const n of names) {
    const e = ask.graph.findByName(n)[0];
    if (e) ids.add(e.id);
  }
  return ids;
}

function codedSmoking(ask: RecordAsk): AnswerResult | undefined {
  const facts = ask.record.facts
    .filter((f) => f.kind === 'observation' && factState(f) !== 'ignored' && hasCode(f, SMOKING_STATUS_LOINC))
    .map((f) => ({ f, status: smokingStatusOf(f.valueText) }))
    .filter((x): x is { f: CodedFact; status: SmokingStatus } => x.status !== undefined)
    .sort((a, b) => millisOf(b.f.time) - millisOf(a.f.time));
  const latest = facts[0];
  if (!latest) return undefined;
  const ev = (x: { f: CodedFact; status: SmokingStatus }, supports: 'yes' | 'no') =>
    codedEvidence(ask.graph, x.f, supports, x.status === 'never' ? 'negated' : x.status === 'former' ? 'historical' : 'affirmed', {
      value: x.f.valueText as string,
    });
  if (existential(ask.question.time)) {
    const smoked = facts.filter((x) => x.status !== 'never');
    if (smoked.length > 0)
      return result(
        'yes',
        'coded',
        'codedStatus',
        smoked.map((x) => ev(x, 'yes')),
      );
    return result('no', 'coded', 'codedStatus', [ev(latest, 'no')]);
  }
  const yes = latest.status === 'current';
  return result(yes ? 'yes' : 'no', 'coded', 'codedStatus', [ev(latest, yes ? 'yes' : 'no')]);
}

function smokingVotes(ask: RecordAsk): Vote[] {
  const smoker = entityIds(ask, ['smoker']);
  const former = entityIds(ask, ['former smoker']);
  const time = ask.question.time;
  const votes: Vote[] = [];
  for (const f of entityMentions(ask.record, ask.linker, new Set([...smoker, ...former]))) {
    const a = f.mention.assertion;
    if (a === 'family' || a === 'hypothetical') continue;
    const isFormer = former.has(f.mention.entityId as string);
    const claim = { display: isFormer ? 'former smoker' : 'smoker', entityId: f.mention.entityId as string };
    if (a === 'negated') {
      if (!isFormer) votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
    } else if (isFormer || a === 'historical') {
      votes.push({ found: f, supports: existential(time) ? 'yes' : 'no', route: 'noteHistorical', claim });
    } else {
      votes.push({ found: f, supports: 'yes', route: 'noteAffirmed', claim });
    }
  }
  return votes;
}

/** Does the patient smoke (now), or did they ever? */
export function answerSmoking(ask: RecordAsk): AnswerResult {
  if (ask.coded) {
    const coded = codedSmoking(ask);
    if (coded) return coded;
  }
  if (ask.notes) {
    const decided = decideVotes(smokingVotes(ask), existential(ask.question.time));
    if (decided) return decided;
  }
  return unknown();
}

function codedAlcohol(ask: RecordAsk, ids: ReadonlySet<string>): AnswerResult | undefined {
  const time = ask.question.time;
  const linked = ask.record.facts.filter(
    (f) => f.kind !== 'observation' && factState(f) !== 'ignored' && ask.graph.linkCodes(f.codings).some((id) => ids.has(id)),
  );
  const current = linked.filter((f) => factState(f) === 'current');
  if (current.length > 0 || (existential(time) && linked.length > 0)) {
    const cite = (current.length > 0 ? current : linked).map((f) =>
      codedEvidence(ask.graph, f, 'yes', factState(f) === 'current' ? 'affirmed' : 'historical'),
    );
    return result('yes', 'coded', current.length > 0 ? 'codedCurrent' : 'codedHistory', cite);
  }
  const scores = ask.record.facts
    .filter((f) => f.kind === 'observation' && factState(f) !== 'ignored' && hasCode(f, AUDIT_C_LOINC) && f.value !== undefined)
    .sort((a, b) => millisOf(b.time) - millisOf(a.time));
  const latest = scores[0];
  if (!latest) return undefined;
  if (existential(time)) {
    const drank = scores.filter((f) => (f.value as number) > 0);
    if (drank.length > 0)
      return result(
        'yes',
        'coded',
        'codedStatus',
        drank.map((f) => codedEvidence(ask.graph, f, 'yes', 'affirmed', { value: f.value as number })),
      );
  }
  const yes = (latest.value as number) > 0;
  return result(yes ? 'yes' : 'no', 'coded', 'codedStatus', [
    codedEvidence(ask.graph, latest, yes ? 'yes' : 'no', yes ? 'affirmed' : 'negated', { value: latest.value as number }),
  ]);
}

/** Does the patient drink alcohol (now), or did they ever? */
export function answerAlcohol(ask: RecordAsk): AnswerResult {
  const ids = entityIds(ask, ['alcoholism']);
  if (ask.question.entity) ids.add(ask.question.entity.id);
  if (ask.coded) {
    const coded = codedAlcohol(ask, ids);
    if (coded) return coded;
  }
  if (!ask.notes) return unknown();
  const found: Found[] = entityMentions(ask.record, ask.linker, ids);
  for (const p of ALCOHOL_PHRASES) {
    for (const f of phraseFound(ask.record, ask.linker, p)) {
      if (!found.some((g) => g.linked === f.linked && g.mention.start < f.mention.end && f.mention.start < g.mention.end)) found.push(f);
    }
  }
  const time = ask.question.time;
  const votes: Vote[] = [];
  for (const f of found) {
    const a = f.mention.assertion;
    const claim = { display: 'alcohol use', ...(f.mention.entityId ? { entityId: f.mention.entityId } : {}) };
    if (a === 'negated') votes.push({ found: f, supports: 'no', route: 'noteNegated', claim });
    else if (a === 'affirmed') votes.push({ found: f, supports: 'yes', route: 'noteAffirmed', claim });
    else if (a === 'historical' && existential(time)) votes.push({ found: f, supports: 'yes', route: 'noteHistorical', claim });
  }
  return decideVotes(votes, existential(time)) ?? unknown();
}
