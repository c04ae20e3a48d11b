/**
 * @file Knowledge-graph evidence for the top diagnoses: which of the record's linked entities
 * (mentioned findings, risk factors, coded conditions and drugs, abnormal measurements) the graph
 * connects to each diagnosis, by which edge, with the edge's probability and the attention the
 * fusion head gave the entity.
 *
 * Why "against": a finding the graph expects with a diagnosis that the note explicitly denies
 * ("no fever") is evidence against it; showing it separately keeps the list of support honest.
 * The graph says what is clinically related, the attention says what the model looked at; the
 * two are shown side by side, neither is a faithfulness claim (word occlusion and modality
 * ablation are the measured ones).
 */
import type { LinkedEntity } from '../model/features.js';
import type { KnowledgeGraph } from '../kg/graph.js';
import type { EdgeType } from '../kg/types.js';
import type { HeadSpec } from '../model/manifest.js';
import type { RecordOutputs } from '../model/runtime.js';
import { rankedAnswers } from './target.js';
import type { DiagnosisEvidence, EvidenceFact } from './types.js';

/** Edge types that make an entity evidence for (or against) a condition. */
export const EVIDENCE_EDGES: readonly EdgeType[] = [
  'symptom_of',
  'risk_factor_for',
  'abnormal_in',
  'treats',
  'palliates',
  'predisposes_to',
  'implies',
];

/** Diagnoses explained per record. */
export const EVIDENCE_DIAGNOSES = 3;

interface Link {
  edge: EdgeType;
  p?: number;
}

/** Entity id -> the first evidence edge joining it to `conditionId` (either direction). */
function linksOf(graph: KnowledgeGraph, conditionId: string): Map<string, Link> {
  const links = new Map<string, Link>();
  for (const n of graph.neighbours(conditionId)) {
    if (!EVIDENCE_EDGES.includes(n.edge.type) || links.has(n.entity.id)) continue;
    links.set(n.entity.id, { edge: n.edge.type, ...(n.edge.p !== undefined ? { p: n.edge.p } : {}) });
  }
  return links;
}

/**
 * Evidence for the top diagnoses of one record (the head's "none of these" label is not a
 * diagnosis and is left out; for a record that abstained these are the closest labels, whose
 * weak support is part of "why none of these"). `entities` and `outputs` come from the same run.
 */
export function diagnosisEvidence(
  graph: KnowledgeGraph,
  head: string,
  spec: HeadSpec,
  entities: readonly LinkedEntity[],
  outputs: RecordOutputs,
  count = EVIDENCE_DIAGNOSES,
): DiagnosisEvidence[] {
  const scores = outputs.heads[head];
  if (!scores) return [];
  return rankedAnswers(spec, scores)
    .slice(0, count)
    .map((index) => {
      const label = spec.labels[index];
      const id = label?.id ?? String(index);
      const links = linksOf(graph, id);
      const facts: EvidenceFact[] = [];
      const against: EvidenceFact[] = [];
      entities.forEach((entity, i) => {
        const link = links.get(entity.id);
        if (!link) return;
        const fact: EvidenceFact = {
          entityId: entity.id,
          name: graph.get(entity.id)?.name ?? entity.id,
          flag: entity.flag,
          edge: link.edge,
          ...(link.p !== undefined ? { p: link.p } : {}),
          attention: outputs.entityAttention[i] ?? 0,
          ...(entity.span ? { span: [entity.span[0], entity.span[1]] as [number, number] } : {}),
        };
        (entity.flag === 'negated' ? against : facts).push(fact);
      });
      const byAttention = (a: EvidenceFact, b: EvidenceFact) => b.attention - a.attention || (a.entityId < b.entityId ? -1 : 1);
      return {
        id,
        display: label?.display ?? id,
        score: scores[index] as number,
        facts: facts.sort(byAttention),
        against: against.sort(byAttention),
      };
    });
}
