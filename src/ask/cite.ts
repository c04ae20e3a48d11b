/**
 * @file Where an entity is in a record, as evidence items: the coded facts whose codes link to it
 * and its mentions in the notes (each with its sentence and assertion). Used to cite the
 * explanation's evidence of a "why" answer (src/ask/answer-prediction.ts) at its sources.
 */
import type { ClinicalRecord } from '../records/types.js';
import { codedEvidence, factEntities, MAX_NOTE_EVIDENCE } from './evidence.js';
import { entityMentions, newestFirst, noteEvidence } from './note-search.js';
import type { AskContext } from './record-context.js';
import type { Evidence } from './types.js';

/** The coded facts and (newest first, at most MAX_NOTE_EVIDENCE) note mentions of `entityId`. */
export function citeEntity(record: ClinicalRecord, entityId: string, context: AskContext): Evidence[] {
  const out: Evidence[] = [];
  for (const fact of record.facts) {
    if (factEntities(context.graph, fact).includes(entityId)) out.push(codedEvidence(context.graph, fact, 'yes', 'affirmed'));
  }
  const found = entityMentions(record, context.linker, new Set([entityId]))
    .sort(newestFirst)
    .slice(0, MAX_NOTE_EVIDENCE);
  for (const f of found) {
    out.push(noteEvidence(f, { supports: 'yes', display: context.graph.get(entityId)?.name ?? entityId, entityId }));
  }
  return out;
}
