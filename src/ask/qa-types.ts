/**
 * @file The shapes of the question-answering evaluation (`clinicalbert evaluate --qa`): an item
 * (a question about one record with its true answer), the answerer under test, and the report.
 *
 * Why a file of its own: the three set builders (src/ask/qa-context.ts, qa-synthea.ts,
 * qa-generated.ts), the scoring (src/ask/qa-score.ts) and the runner (src/ask/evaluate.ts) meet
 * here only, so none of them imports another's internals.
 *
 * Truths of a yes/no item:
 * - `yes` / `no`: the answer must be that;
 * - `not-yes`: the source says the patient does not have it in the asked sense, or says nothing
 *   that would make it so (a hypothetical mention, someone else's condition): `yes` is wrong,
 *   `no` is right, `unknown` abstains. See src/ask/qa-context.ts for where it is used.
 * A values item's truth is the list of expected values (displays), scored as SQuAD scores answers.
 */
import type { ClinicalRecord } from '../records/types.js';
import type { AnswerResult, ParsedQuestion } from './types.js';

export type YesNoTruth = 'yes' | 'no' | 'not-yes';
export type Truth = YesNoTruth | string[];

export interface QaItem {
  /** The set it belongs to (`context`, `synthea`, `generated-notes`, `generated-full`). */
  set: string;
  /** A finer grouping scored apart (`now`, `past`, `condition`, `medication`, `smoking`, …). */
  kind: string;
  recordId: string;
  question: ParsedQuestion;
  truth: Truth;
  /** Whether the answerer may read the record's coded facts (false: notes only). */
  coded: boolean;
}

/** How the answerer is called: with `coded: false` it must answer from the notes alone. */
export interface AnswerOptions {
  coded: boolean;
}

/** The answerer under test (the record answerer, or the baseline). */
export type Answerer = (record: ClinicalRecord, question: ParsedQuestion, options: AnswerOptions) => AnswerResult | Promise<AnswerResult>;

/** One record and the questions asked about it. */
export interface QaCase {
  record: ClinicalRecord;
  items: QaItem[];
}

/** Scores of the yes/no items of one group. */
export interface YesNoScore {
  total: number;
  /** Items answered other than `unknown`. */
  answered: number;
  correct: number;
  /** correct / answered (null when none answered), with its Wilson 95 % interval. */
  precision: number | null;
  precisionInterval: [number, number] | null;
  /** answered / total. */
  coverage: number | null;
  /** correct / total: `unknown` counts wrong. */
  accuracy: number | null;
  truths: { yes: number; no: number; notYes: number };
}

/** Scores of the values items of one group (SQuAD-style, averaged over items). */
export interface ValuesScore {
  total: number;
  exactMatch: number | null;
  f1: number | null;
}

export interface GroupScore {
  /** `all`, or the item kind. */
  group: string;
  yesNo: YesNoScore;
  values: ValuesScore;
}

export interface SetReport {
  set: string;
  /** What the set is, for the table's heading. */
  description: string;
  records: number;
  /** Records read but not asked about, with why (e.g. `no notes`), counted. */
  skipped: Record<string, number>;
  items: number;
  /** `all` first, then each kind in name order. */
  groups: GroupScore[];
}

export interface QaReport {
  sets: SetReport[];
}
