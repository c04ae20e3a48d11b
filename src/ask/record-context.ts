/**
 * @file What every record answerer is given: the record, the question, the graph and linker, and
 * which sources it may read (`coded: false` hides coded facts, as the evaluation does to measure
 * the notes alone).
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { EntityLinker } from '../kg/link.js';
import type { ClinicalRecord } from '../records/types.js';
import type { ParsedQuestion } from './types.js';

export interface AskContext {
  graph: KnowledgeGraph;
  linker: EntityLinker;
}

export interface AnswerOptions {
  /** Read the record's notes (default true). */
  notes?: boolean;
  /** Read the record's coded facts (default true). */
  coded?: boolean;
}

export interface RecordAsk extends AskContext {
  record: ClinicalRecord;
  question: ParsedQuestion;
  notes: boolean;
  coded: boolean;
}
