/**
 * @file QA set 1, real text: the physician-annotated ConText dev sentences
 * (`text/negex-context/context-annotations-dev.tsv` of the corpus), each a one-note record, asked
 * two questions about its annotated condition.
 *
 * Why: the sentences are real clinical text with gold negation, temporality and experiencer, so
 * they measure what a note-reading answerer makes of "denies fever", "history of gout" or "call if
 * any BLEEDING" with no coded data to lean on.
 *
 * The question names the row's condition: its graph entity when the phrase is a graph surface form
 * (`findByName`), else the phrase itself. Rows whose condition is not found in the sentence (as
 * src/kg/context-eval.ts finds it) are skipped and counted, never guessed. Truths (`not-yes`:
 * `yes` is wrong, `no` right, `unknown` abstains; src/ask/qa-types.ts):
 *
 * "Does the patient have X?" (time `now`):
 * - negated, patient (recent or historical: "no EDEMA", "no history of CHF"): `no`;
 * - affirmed, recent, patient: `yes`;
 * - affirmed, historical, patient: NOT ASKED. ConText's "historical" covers past-history lists
 *   ("PMH: HYPERTENSION"), which mostly still hold, as well as things long over ("old RIB
 *   FRACTURE"): the annotation does not say whether it holds now, so there is no truth to score;
 * - affirmed, not particular (hypothetical: "call if any BLEEDING"), patient: `not-yes`;
 * - another experiencer (family member, other): `not-yes` (the sentence says nothing of the patient).
 *
 * "Did the patient have X before?" (time `past`):
 * - affirmed, historical, patient: `yes`;
 * - negated, historical, patient ("denies ALCOHOL" in the social history, "no history of"): `no`;
 * - recent (affirmed or negated), not particular, or another experiencer: `not-yes` (the sentence
 *   states nothing about the patient's past, so a `yes` is unsupported).
 */
import { readFile } from 'node:fs/promises';
import type { KnowledgeGraph } from '../kg/graph.js';
import { findPhrase, parseContextTsv, type ContextRow } from '../kg/context-eval.js';
import { tokenize } from '../kg/normalize.js';
import type { ClinicalRecord } from '../records/types.js';
import type { QaCase, QaItem, YesNoTruth } from './qa-types.js';
import type { ParsedQuestion, QuestionTime } from './types.js';

export const CONTEXT_SET = 'context';
/** Relative to the corpus folder. */
export const CONTEXT_DEV_FILE = 'text/negex-context/context-annotations-dev.tsv';

/** Truths of the two questions for one row (see the file comment); undefined: not asked. */
export function contextTruths(row: ContextRow): { now?: YesNoTruth; past: YesNoTruth } {
  const negated = row.negation.toLowerCase() === 'negated';
  const temporality = row.temporality.toLowerCase();
  const patient = row.experiencer.toLowerCase() === 'patient';
  if (!patient) return { now: 'not-yes', past: 'not-yes' };
  if (negated) return { now: 'no', past: temporality === 'historical' ? 'no' : 'not-yes' };
  if (temporality === 'recent') return { now: 'yes', past: 'not-yes' };
  if (temporality === 'historical') return { past: 'yes' };
  return { now: 'not-yes', past: 'not-yes' };
}

/** The condition question about a phrase: its graph entity when the phrase is a surface form. */
export function conditionQuestion(phrase: string, time: 'now' | 'past', graph?: KnowledgeGraph): ParsedQuestion {
  const words = phrase.replace(/\s+/g, ' ').trim();
  const written = words === words.toUpperCase() ? words.toLowerCase() : words;
  const text = time === 'now' ? `Does the patient have ${written}?` : `Did the patient have ${written} before?`;
  const entity = graph?.findByName(words)[0];
  const base = { text, intent: 'condition' as const, kind: 'yes-no' as const, time: time as QuestionTime };
  return entity ? { ...base, entity: { id: entity.id, name: entity.name, type: entity.type, text: words } } : { ...base, phrase: words };
}

/** A one-note record holding a row's sentence. */
export function contextRecord(row: ContextRow, file: string): ClinicalRecord {
  const id = `context-${row.line}`;
  return {
    id,
    patient: `Patient/${id}`,
    source: { file },
    demographics: {},
    notes: [{ text: row.sentence, resource: `DocumentReference/${id}`, contentType: 'text/plain' }],
    media: [],
    facts: [],
    warnings: [],
  };
}

export interface ContextSetStats {
  rows: number;
  /** Lines of rows whose condition is not in the sentence. */
  skipped: string[];
}

/** The set's cases, one per row found, in file order; `stats` is filled as it goes. */
export function* contextCases(
  rows: readonly ContextRow[],
  options: { file: string; graph?: KnowledgeGraph; stats?: ContextSetStats },
): Generator<QaCase> {
  const stats = options.stats ?? { rows: 0, skipped: [] };
  for (const row of rows) {
    stats.rows++;
    if (!findPhrase(tokenize(row.sentence), row.condition, row.sentence)) {
      stats.skipped.push(row.line);
      continue;
    }
    const record = contextRecord(row, options.file);
    const truths = contextTruths(row);
    const items: QaItem[] = [];
    const item = (kind: 'now' | 'past', truth: YesNoTruth): QaItem => ({
      set: CONTEXT_SET,
      kind,
      recordId: record.id,
      question: conditionQuestion(row.condition, kind, options.graph),
      truth,
      coded: false,
    });
    if (truths.now) items.push(item('now', truths.now));
    items.push(item('past', truths.past));
    yield { record, items };
  }
}

/** Read the dev file and parse its rows. */
export async function readContextRows(path: string): Promise<ContextRow[]> {
  return parseContextTsv(await readFile(path, 'utf8'));
}
