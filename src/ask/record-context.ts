/**
 * @file What every record answerer is given: the record, the question, the graph and linker, and
 * which sources it may read (`coded: false` hides coded facts, as the evaluation does to measure
 * the notes alone).
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { EntityLinker } from '../kg/link.js';
import type { ClinicalRecord } from '../records/types.js';
import type { NoteMention } from './assertion.js';
import type { Reading, ReaderMode } from './note-reader.js';
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
  /** Which reader states condition mentions (src/ask/note-reader.ts; default `rules`). */
  reader?: ReaderMode;
  /** The learnt reader's readings of this record's candidate mentions (`readRecordMentions`). */
  readings?: ReadonlyMap<NoteMention, Reading>;
}

export interface RecordAsk extends AskContext {
  record: ClinicalRecord;
  question: ParsedQuestion;
  notes: boolean;
  coded: boolean;
  reader: ReaderMode;
  readings?: ReadonlyMap<NoteMention, Reading>;
}
