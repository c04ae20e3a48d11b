/**
 * @file Which conditions a drug is for, in the knowledge graph: its `treats` (disease-modifying)
 * and `palliates` (symptomatic) edges, with `is_a` followed upward, so a drug for asthma (J45) is
 * for a coded childhood asthma (J45.909) too.
 *
 * Why: drug suggestions follow the diagnoses made and the record's coded conditions. A drug head
 * that `follows` the diagnosis head (src/model/decide.ts) keeps a drug only when this relation
 * links it to one of them, so a record that gets no diagnosis is never offered drugs for one.
 * Only upward: a drug for the general condition fits the specific one, not the reverse (a drug
 * for childhood asthma is not thereby a drug for every asthma).
 */
import type { KnowledgeGraph } from './graph.js';

/** Edge types that make a drug "for" a condition. */
export const INDICATION_EDGES = ['treats', 'palliates'] as const;

interface Index {
  /** Drug id -> condition ids it treats or palliates. */
  indications: Map<string, Set<string>>;
  /** Condition id -> the conditions it `is_a` (one step up). */
  parents: Map<string, string[]>;
}

const indexes = new WeakMap<KnowledgeGraph, Index>();

function indexOf(graph: KnowledgeGraph): Index {
  let index = indexes.get(graph);
  if (index) return index;
  index = { indications: new Map(), parents: new Map() };
  for (const edge of graph.edges) {
    if ((INDICATION_EDGES as readonly string[]).includes(edge.type)) {
      const set = index.indications.get(edge.source) ?? new Set<string>();
      set.add(edge.target);
      index.indications.set(edge.source, set);
    } else if (edge.type === 'is_a') {
      const list = index.parents.get(edge.source) ?? [];
      list.push(edge.target);
      index.parents.set(edge.source, list);
    }
  }
  indexes.set(graph, index);
  return index;
}

/** The conditions and every condition they are a more specific form of (`is_a` upward), inputs first. */
export function withAncestors(graph: KnowledgeGraph, conditionIds: Iterable<string>): string[] {
  const { parents } = indexOf(graph);
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [...conditionIds];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    queue.push(...(parents.get(id) ?? []));
  }
  return out;
}

/** Conditions the graph has `drugId` treat or palliate (sorted). */
export function indicationsOf(graph: KnowledgeGraph, drugId: string): string[] {
  return [...(indexOf(graph).indications.get(drugId) ?? [])].sort();
}

/**
 * The drugs of `drugIds` that treat or palliate one of `conditionIds` or a condition those are a
 * form of, in the order given.
 */
export function drugsFor(graph: KnowledgeGraph, drugIds: readonly string[], conditionIds: Iterable<string>): string[] {
  const { indications } = indexOf(graph);
  const conditions = withAncestors(graph, conditionIds);
  return drugIds.filter((drug) => {
    const targets = indications.get(drug);
    return targets !== undefined && conditions.some((c) => targets.has(c));
  });
}
