/**
 * @file Shapes one answer into the published line (`schema/answer.schema.json`, version
 * ANSWER_SCHEMA_VERSION), keys in a fixed order so the same input gives byte-identical output.
 *
 * Why apart from the answerers: they say what the answer is; this says how it is written (the
 * question as understood, the record it is about, rounding), once for record and graph answers.
 * It also refuses what the schema forbids: an answer other than `unknown` without evidence is a
 * bug, never a line (ANSWER_WITHOUT_EVIDENCE).
 */
import { lineSource } from '../pipeline/prediction.js';
import type { ClinicalRecord } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';
import { ANSWER_SCHEMA_VERSION, type AnswerLine, type AnswerResult, type ParsedQuestion } from './types.js';

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** The question as the line repeats it: what was understood, without the internal member lists. */
export function questionOfLine(q: ParsedQuestion): AnswerLine['question'] {
  return {
    text: q.text,
    intent: q.intent,
    kind: q.kind,
    time: q.time,
    ...(q.entity ? { entity: { id: q.entity.id, name: q.entity.name, type: q.entity.type } } : {}),
    ...(q.drugClass ? { drugClass: { id: q.drugClass.id, name: q.drugClass.name } } : {}),
    ...(q.phrase !== undefined ? { phrase: q.phrase } : {}),
    ...(q.firstLine ? { firstLine: true } : {}),
    ...(q.comparison ? { comparison: q.comparison } : {}),
  };
}

/** The line for one record's answer (`record` absent: a graph answer, `ask --kg`). */
export function buildAnswerLine(question: ParsedQuestion, result: AnswerResult, record?: ClinicalRecord): AnswerLine {
  const answered = result.answer !== 'unknown';
  if (answered && result.evidence.length === 0) {
    throw new ClinicalBertError(`an answer to ${JSON.stringify(question.intent)} came without evidence`, {
      code: 'ANSWER_WITHOUT_EVIDENCE',
    });
  }
  return {
    schemaVersion: ANSWER_SCHEMA_VERSION,
    ...(record
      ? {
          id: record.id,
          patient: record.patient,
          ...(record.encounter ? { encounter: record.encounter } : {}),
          source: lineSource(record),
        }
      : {}),
    question: questionOfLine(question),
    answer: result.answer,
    confidence: answered ? round4(result.confidence) : 0,
    answeredFrom: answered ? result.answeredFrom : 'none',
    ...(result.trend ? { trend: result.trend } : {}),
    evidence: result.evidence.map((e) => (e.score !== undefined ? { ...e, score: round4(e.score) } : e)),
    warnings: [...(record?.warnings ?? []), ...(result.warnings ?? [])],
  };
}
