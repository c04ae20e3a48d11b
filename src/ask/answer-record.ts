/**
 * @file Answering a parsed question from one ClinicalRecord: coded facts first, then the notes,
 * "unknown" when neither answers, and never an answer without evidence.
 *
 * Each record intent has its own module (conditions, medications, allergies, observations,
 * habits); this one sends the question to it. `prediction` is answered elsewhere (it needs the
 * model), and graph intents from the knowledge graph alone (`ask --kg`).
 */
import type { ClinicalRecord } from '../records/types.js';
import { ClinicalBertError, UsageError, quote } from '../util/errors.js';
import { answerAllergies, answerAllergy } from './record-allergies.js';
import { answerCondition, answerConditions } from './record-conditions.js';
import type { AnswerOptions, AskContext, RecordAsk } from './record-context.js';
import { answerAlcohol, answerSmoking } from './record-habits.js';
import { answerMedication, answerMedications } from './record-medications.js';
import { answerObservation } from './record-observations.js';
import type { AnswerResult, ParsedQuestion, RecordIntent } from './types.js';

export type { AnswerOptions, AskContext };

const ANSWERERS: Readonly<Record<Exclude<RecordIntent, 'prediction'>, (ask: RecordAsk) => AnswerResult>> = {
  condition: answerCondition,
  conditions: answerConditions,
  medication: answerMedication,
  medications: answerMedications,
  allergy: answerAllergy,
  allergies: answerAllergies,
  observation: answerObservation,
  smoking: answerSmoking,
  alcohol: answerAlcohol,
};

/** The record intents this module answers. */
export const RECORD_ANSWER_INTENTS = Object.keys(ANSWERERS) as (keyof typeof ANSWERERS)[];

/**
 * The answer to `question` from `record`. `options.coded: false` hides the coded facts and
 * `options.notes: false` the notes (both read by default).
 */
export function answerRecord(
  record: ClinicalRecord,
  question: ParsedQuestion,
  context: AskContext,
  options: AnswerOptions = {},
): AnswerResult {
  const answerer = (ANSWERERS as Record<string, ((ask: RecordAsk) => AnswerResult) | undefined>)[question.intent];
  if (!answerer) {
    throw new UsageError(
      `a record cannot answer the intent ${quote(question.intent)}; record intents: ${RECORD_ANSWER_INTENTS.join(', ')}`,
      {
        code: 'ASK_NOT_RECORD_INTENT',
      },
    );
  }
  const answer = answerer({
    ...context,
    record,
    question,
    notes: options.notes !== false,
    coded: options.coded !== false,
    reader: options.reader ?? 'rules',
    ...(options.readings ? { readings: options.readings } : {}),
  });
  if (answer.answer !== 'unknown' && answer.evidence.length === 0) {
    throw new ClinicalBertError(`an answer to a ${question.intent} question without evidence`, { code: 'ASK_NO_EVIDENCE' });
  }
  return answer;
}
