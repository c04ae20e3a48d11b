/**
 * @file A small hand-made knowledge graph for tests of the drug rule: asthma with a more specific
 * childhood asthma (`is_a`), pneumonia, hypertension, and drugs that treat or palliate them.
 * Built through the real `KnowledgeGraph` (validated like kg.json).
 */
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { SYSTEMS, type Edge, type Entity } from '../../src/kg/types.js';

const condition = (code: string, name: string): Entity => ({
  id: `condition:${code}`,
  type: 'condition',
  name,
  codes: [{ system: SYSTEMS.icd10, code }],
  synonyms: [],
});
const drug = (key: string, name: string): Entity => ({ id: `drug:${key}`, type: 'drug', name, codes: [], synonyms: [] });

export function clinicGraph(): KnowledgeGraph {
  const entities: Entity[] = [
    condition('J45', 'Asthma'),
    condition('J45.909', 'Childhood asthma'),
    condition('J17', 'Pneumonia'),
    condition('I10', 'Hypertension'),
    condition('E11.9', 'Type 2 diabetes'),
    drug('SALB', 'Salbutamol'),
    drug('AMOX', 'Amoxicillin'),
    drug('PARA', 'Paracetamol'),
    drug('AMLO', 'Amlodipine'),
    drug('PEDI', 'A drug for childhood asthma only'),
  ];
  const edges: Edge[] = [
    { source: 'condition:J45.909', type: 'is_a', target: 'condition:J45' },
    { source: 'drug:SALB', type: 'treats', target: 'condition:J45' },
    { source: 'drug:AMOX', type: 'treats', target: 'condition:J17' },
    { source: 'drug:PARA', type: 'palliates', target: 'condition:J17' },
    { source: 'drug:AMLO', type: 'treats', target: 'condition:I10' },
    { source: 'drug:PEDI', type: 'treats', target: 'condition:J45.909' },
  ];
  return new KnowledgeGraph(
    { formatVersion: 1, name: 'clinic-test', provenance: { builtBy: 'test', sources: [], notes: [] }, entities, edges },
    'test graph',
  );
}
