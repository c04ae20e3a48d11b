/**
 * @file Answers about a vital sign or lab in one record: the latest value, the values over time
 * with their direction, or whether the latest value is above / below a number.
 *
 * Coded first: Observation facts whose codes link to the observation entity (LOINC, through the
 * graph), each with value, unit and time. Synthea writes blood pressure as a panel (LOINC 85354-9)
 * whose components are systolic (8480-6) and diastolic (8462-4); src/records/facts.ts makes each
 * component a fact of its own, so a systolic or diastolic question reads them directly, and a
 * blood-pressure question without an entity pairs them by resource ("142/90").
 * - latest: the value with the greatest time;
 * - trend: every value, oldest first; the direction compares the last value with the first:
 *   rising when it is more than TREND_THRESHOLD (5 %) of the first above it, falling when as far
 *   below, else stable (first = 0: any rise or fall counts); fewer than two values give no direction;
 * - comparison: the latest value against the number, when the question gives no unit or the same
 *   unit as the value (case ignored); nothing is converted: another unit answers unknown with a warning.
 * Notes, when nothing is coded: a number that follows a mention of the observation in its sentence
 * ("HbA1c 7.2%", "BP 142/90"), affirmed mentions only.
 */
import { factState } from '../records/status.js';
import type { CodedFact } from '../records/types.js';
import { codedEvidence, millisOf, result, unknown } from './evidence.js';
import { entityMentions, type Found, noteEvidence, phraseFound, specificForms } from './note-search.js';
import type { RecordAsk } from './record-context.js';
import type { AnswerResult, AnswerValue, Evidence } from './types.js';

/** Relative change of the last value over the first beyond which a trend is rising or falling. */
export const TREND_THRESHOLD = 0.05;

const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';

/** A value to answer with: where it came from and what it is. */
interface Reading {
  value: number | string;
  /** The number compared and trended (systolic for a blood pressure). */
  number?: number;
  unit?: string;
  time?: string;
  evidence: Evidence;
}

/** Rising, falling or stable: the last value against the first (see the file comment). */
export function trendOf(values: readonly number[]): 'rising' | 'falling' | 'stable' | undefined {
  if (values.length < 2) return undefined;
  const first = values[0] as number;
  const last = values[values.length - 1] as number;
  const change = first === 0 ? last - first : (last - first) / Math.abs(first);
  const threshold = first === 0 ? 0 : TREND_THRESHOLD;
  if (change > threshold) return 'rising';
  if (change < -threshold) return 'falling';
  return 'stable';
}

function codedReadings(ask: RecordAsk, ids: ReadonlySet<string>): Reading[] {
  return ask.record.facts
    .filter((f) => f.kind === 'observation' && factState(f) !== 'ignored' && (f.value !== undefined || f.valueText !== undefined))
    .filter((f) => ask.graph.linkCodes(f.codings).some((id) => ids.has(id)))
    .map((f) => {
      const value = f.value ?? (f.valueText as string);
      return {
        value,
        ...(f.value !== undefined ? { number: f.value } : {}),
        ...(f.unit ? { unit: f.unit } : {}),
        ...(f.time ? { time: f.time } : {}),
        evidence: codedEvidence(ask.graph, f, 'value', 'affirmed', { value, ...(f.unit ? { unit: f.unit } : {}) }),
      };
    });
}

/** Blood pressure panels: systolic and diastolic components of one resource and time, paired. */
function bloodPressureReadings(ask: RecordAsk): Reading[] {
  const byKey = new Map<string, { sys?: CodedFact; dia?: CodedFact }>();
  for (const f of ask.record.facts) {
    if (f.kind !== 'observation' || f.value === undefined || factState(f) === 'ignored') continue;
    const code = f.codings.find((c) => c.code === SYSTOLIC || c.code === DIASTOLIC)?.code;
    if (!code) continue;
    const key = `${f.resource ?? ''}|${f.time ?? ''}`;
    const pair = byKey.get(key) ?? {};
    if (code === SYSTOLIC) pair.sys = f;
    else pair.dia = f;
    byKey.set(key, pair);
  }
  const out: Reading[] = [];
  for (const { sys, dia } of byKey.values()) {
    if (!sys || !dia) continue;
    const value = `${sys.value}/${dia.value}`;
    const unit = sys.unit;
    out.push({
      value,
      number: sys.value as number,
      ...(unit ? { unit } : {}),
      ...(sys.time ? { time: sys.time } : {}),
      evidence: codedEvidence(ask.graph, sys, 'value', 'affirmed', {
        display: 'Blood pressure',
        value,
        ...(unit ? { unit } : {}),
        code: { system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' },
      }),
    });
  }
  return out;
}

const NUMBER_AFTER =
  /^[\s:=]*(?:(?:is|was|of|at|now)\s+)?(-?\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?(?:\s*(%|mm\s?hg|mmhg|mg\/dl|kg\/m2|bpm|\/min|[a-z]+\/[a-z]+))?/i;

function noteReadings(found: readonly Found[], display: string): Reading[] {
  const out: Reading[] = [];
  for (const f of found) {
    if (f.mention.assertion !== 'affirmed') continue;
    const text = f.linked.note.text;
    const m = NUMBER_AFTER.exec(text.slice(f.mention.end, f.mention.sentence.end));
    if (!m) continue;
    const number = Number(m[1]);
    const value = m[2] !== undefined ? `${m[1]}/${m[2]}` : number;
    const unit = m[3];
    const end = f.mention.end + m[0].length;
    out.push({
      value,
      number,
      ...(unit ? { unit } : {}),
      ...(f.linked.note.time ? { time: f.linked.note.time } : {}),
      evidence: noteEvidence(f, {
        supports: 'value',
        display,
        ...(f.mention.entityId ? { entityId: f.mention.entityId } : {}),
        value,
        ...(unit ? { unit } : {}),
        end,
      }),
    });
  }
  return out;
}

function isBloodPressureQuestion(ask: RecordAsk): boolean {
  return !ask.question.entity && /\b(blood pressure|bp)\b/i.test(ask.question.phrase ?? ask.question.text);
}

function answerFrom(ask: RecordAsk, readings: Reading[], from: 'coded' | 'notes'): AnswerResult | undefined {
  if (readings.length === 0) return undefined;
  const sorted = [...readings].sort((a, b) => millisOf(a.time) - millisOf(b.time));
  const latest = sorted[sorted.length - 1] as Reading;
  const route = from === 'coded' ? 'codedValue' : 'noteValue';
  const asValue = (r: Reading, i: number): AnswerValue => ({
    display: r.evidence.display,
    ...(r.evidence.entityId ? { entityId: r.evidence.entityId } : {}),
    ...(r.evidence.code ? { code: r.evidence.code } : {}),
    value: r.value,
    ...(r.unit ? { unit: r.unit } : {}),
    ...(r.time ? { time: r.time } : {}),
    evidence: [i],
  });
  const { comparison, time } = ask.question;
  if (comparison) {
    if (latest.number === undefined) return unknown([`the latest value is not a number: ${JSON.stringify(latest.value)}`]);
    if (comparison.unit && latest.unit && comparison.unit.toLowerCase() !== latest.unit.toLowerCase()) {
      return unknown([
        `the question's unit ${JSON.stringify(comparison.unit)} is not the value's unit ${JSON.stringify(latest.unit)}; nothing is converted`,
      ]);
    }
    const yes = comparison.op === 'above' ? latest.number > comparison.value : latest.number < comparison.value;
    return result(yes ? 'yes' : 'no', from, route, [{ ...latest.evidence, supports: yes ? 'yes' : 'no' }]);
  }
  if (time === 'trend') {
    const evidence = sorted.map((r) => r.evidence);
    const numbers = sorted.flatMap((r) => (r.number === undefined ? [] : [r.number]));
    const trend = trendOf(numbers);
    return result(
      sorted.map((r, i) => asValue(r, i)),
      from,
      route,
      evidence,
      false,
      trend ? { trend } : {},
    );
  }
  return result([asValue(latest, 0)], from, route, [latest.evidence]);
}

/** Latest value, values over time, or a comparison of the latest value. */
export function answerObservation(ask: RecordAsk): AnswerResult {
  const { entity } = ask.question;
  const bp = isBloodPressureQuestion(ask);
  if (!entity && !bp) return unknown();
  const ids = entity ? specificForms(ask.graph, entity.id) : new Set<string>();
  if (ask.coded) {
    const answered = answerFrom(ask, bp ? bloodPressureReadings(ask) : codedReadings(ask, ids), 'coded');
    if (answered) return answered;
  }
  if (ask.notes) {
    const found = bp
      ? [...phraseFound(ask.record, ask.linker, 'blood pressure'), ...phraseFound(ask.record, ask.linker, 'bp')]
      : entityMentions(ask.record, ask.linker, ids);
    const answered = answerFrom(ask, noteReadings(found, entity?.name ?? 'blood pressure'), 'notes');
    if (answered) return answered;
  }
  return unknown();
}
