/**
 * @file Shared pieces of the record-based QA sets (src/ask/qa-synthea.ts, qa-generated.ts): the
 * seeded sample of "no" entities, the related-entity exclusion, and the yes/no questions they ask.
 *
 * Why apart: both sets draw negatives the same way, and a reader checking one set's truths must
 * find the rule once.
 *
 * Negatives: an entity the patient never had is drawn, without repeats, from the candidates
 * (sorted by id) with `Random.derive(QA_SAMPLE_SEED, set, recordId, kind)`, so the same corpus
 * gives the same questions on every run and machine. A candidate related by an `is_a` edge to
 * something the patient has (asthma when the record codes childhood asthma) is left out: its truth
 * would be arguable.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { Entity } from '../kg/types.js';
import { Random } from '../util/random.js';
import type { ParsedQuestion, QuestionTime } from './types.js';

/** The seed of every QA sample (unused by the training recipe; see src/ask/qa-generated.ts). */
export const QA_SAMPLE_SEED = 4004;

/** Ids of the entities joined to `ids` by an `is_a` edge either way, and `ids` themselves. */
export function withRelated(graph: KnowledgeGraph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    out.add(id);
    for (const n of graph.neighbours(id)) if (n.edge.type === 'is_a') out.add(n.entity.id);
  }
  return out;
}

/** Up to `n` candidates not in `exclude`, drawn deterministically (see the file comment). */
export function sampleNegatives(candidates: readonly Entity[], exclude: ReadonlySet<string>, n: number, ...labels: string[]): Entity[] {
  const pool = candidates.filter((e) => !exclude.has(e.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rng = Random.derive(QA_SAMPLE_SEED, ...labels);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pool[i], pool[j]] = [pool[j] as Entity, pool[i] as Entity];
  }
  return pool.slice(0, Math.max(0, n));
}

const questionEntity = (e: Entity) => ({ id: e.id, name: e.name, type: e.type, text: e.name });

/** "Does the patient have X?" about a graph entity. */
export function hasQuestion(entity: Entity, time: QuestionTime = 'now'): ParsedQuestion {
  return { text: `Does the patient have ${entity.name}?`, intent: 'condition', kind: 'yes-no', time, entity: questionEntity(entity) };
}

/** "Is the patient on X?" about a graph drug. */
export function onDrugQuestion(drug: Entity): ParsedQuestion {
  return { text: `Is the patient on ${drug.name}?`, intent: 'medication', kind: 'yes-no', time: 'now', entity: questionEntity(drug) };
}

/** "Does the patient smoke?", naming the graph's smoker antecedent when it has one. */
export function smokingQuestion(graph: KnowledgeGraph): ParsedQuestion {
  const smoker = graph.get('antecedent:E_79');
  return {
    text: 'Does the patient smoke?',
    intent: 'smoking',
    kind: 'yes-no',
    time: 'now',
    ...(smoker ? { entity: questionEntity(smoker) } : {}),
  };
}
