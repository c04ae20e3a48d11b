/**
 * @file Answers the graph questions of `ask --kg` from the knowledge graph alone: what treats a
 * condition, which findings point to it, its risk factors, what an antecedent or chronic condition
 * is a risk factor for, and what a drug is used for. Each listed value cites the graph edge it
 * comes from, with the source that edge was taken from.
 *
 * Why a module of its own: graph answers need no record, no linker and no notes; keeping them
 * apart keeps the record answerer about records.
 *
 * Which source gives which edge (EDGE_SOURCES, read from src/kg/build/*.ts):
 * - `symptom_of`, `risk_factor_for`: DDXPlus's per-condition symptom and antecedent lists
 *   (src/kg/build/evidences.ts; `p` set by the rules of src/kg/build/rules.ts);
 * - `treats`, `palliates`: PharmacotherapyDB's DM / SYM indications (src/kg/build/drugs.ts);
 * - `is_a`, `implies`, `predisposes_to`, `abnormal_in`: built by rules or curated tables of the
 *   build (src/kg/build/relations.ts, src/kg/build/measures.ts), named by no source: their
 *   provenance is the build and the note of `provenance.notes` that describes them, written as
 *   `<builtBy>, provenance.notes[i]`.
 * A source named in the table but absent from the graph's `provenance.sources` (a hand-built
 * graph) falls back to the same build note.
 *
 * Confidence: 1 for every graph answer that lists values. The answer reports what the graph holds,
 * and every edge of it comes from a curated source (DDXPlus, PharmacotherapyDB) or from a curated
 * table of the build (the rule-derived `predisposes_to` edges apply the curated `implies` table to
 * DDXPlus's risk factors): there is no uncertain inference to discount. An entity with none of the
 * asked edges is `unknown` with confidence 0 and no evidence ("the graph does not say", not "none").
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { Edge, EdgeType, Entity } from '../kg/types.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import { GRAPH_INTENTS, type AnswerResult, type AnswerValue, type Evidence, type GraphIntent, type ParsedQuestion } from './types.js';

/** The knowledge source (a `provenance.sources[].name` of kg.json) of each edge type; null: built by rules. */
export const EDGE_SOURCES: Readonly<Record<EdgeType, string | null>> = {
  symptom_of: 'DDXPlus',
  risk_factor_for: 'DDXPlus',
  treats: 'PharmacotherapyDB',
  palliates: 'PharmacotherapyDB',
  is_a: null,
  implies: null,
  predisposes_to: null,
  abnormal_in: null,
};

export const DEFAULT_GRAPH_LIMIT = 20;

/** Confidence of a graph answer with values (see the file comment). */
export const GRAPH_CONFIDENCE = 1;

export interface GraphAnswerOptions {
  /** Most values listed (default 20). */
  limit?: number;
}

/** Which edges answer an intent, and from which end the question's entity sits. */
const PLANS: Readonly<Record<GraphIntent, { types: readonly EdgeType[]; entityIs: 'source' | 'target'; byP: boolean }>> = {
  treats: { types: ['treats', 'palliates'], entityIs: 'target', byP: false },
  'findings-of': { types: ['symptom_of'], entityIs: 'target', byP: true },
  'risk-factors-of': { types: ['risk_factor_for', 'predisposes_to'], entityIs: 'target', byP: true },
  'risk-factor-for': { types: ['risk_factor_for', 'predisposes_to'], entityIs: 'source', byP: true },
  'uses-of': { types: ['treats', 'palliates'], entityIs: 'source', byP: false },
};

/** The provenance string of an edge type in this graph (see the file comment). */
export function edgeProvenance(graph: KnowledgeGraph, type: EdgeType): string {
  const { provenance } = graph.file;
  const source = EDGE_SOURCES[type];
  if (source !== null && provenance.sources.some((s) => s.name === source)) return source;
  const pattern = new RegExp(`\\b${type}\\b`);
  const note = provenance.notes.findIndex((n) => pattern.test(n));
  return note === -1 ? provenance.builtBy : `${provenance.builtBy}, provenance.notes[${note}]`;
}

const UNKNOWN: AnswerResult = { answer: 'unknown', confidence: 0, answeredFrom: 'none', evidence: [] };

function isGraphIntent(intent: string): intent is GraphIntent {
  return (GRAPH_INTENTS as readonly string[]).includes(intent);
}

interface Found {
  other: Entity;
  edges: Edge[];
}

/** Answer a graph question; `unknown` when the question names no entity or the graph has no such edge. */
export function answerGraph(question: ParsedQuestion, graph: KnowledgeGraph, options: GraphAnswerOptions = {}): AnswerResult {
  if (!isGraphIntent(question.intent)) {
    throw new ClinicalBertError(
      `not a knowledge-graph question: intent ${quote(question.intent)}; graph intents: ${GRAPH_INTENTS.join(', ')}`,
      {
        code: 'ASK_NOT_GRAPH_INTENT',
      },
    );
  }
  const limit = options.limit ?? DEFAULT_GRAPH_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ClinicalBertError(`graph answer limit must be a positive integer, got ${quote(limit)}`, { code: 'ASK_BAD_LIMIT' });
  }
  if (!question.entity) return { ...UNKNOWN, evidence: [] };
  const plan = PLANS[question.intent];
  const types: readonly EdgeType[] = question.intent === 'treats' && question.firstLine ? ['treats'] : plan.types;

  // One value per entity at the other end, citing every asked edge between the two.
  const found = new Map<string, Found>();
  for (const n of graph.neighbours(question.entity.id)) {
    const wantDirection = plan.entityIs === 'source' ? 'out' : 'in';
    if (n.direction !== wantDirection || !types.includes(n.edge.type)) continue;
    const entry = found.get(n.entity.id);
    if (entry) entry.edges.push(n.edge);
    else found.set(n.entity.id, { other: n.entity, edges: [n.edge] });
  }
  if (found.size === 0) return { ...UNKNOWN, evidence: [] };

  const rankOf = (f: Found): number => Math.min(...f.edges.map((e) => types.indexOf(e.type)));
  const pOf = (f: Found): number => Math.max(...f.edges.map((e) => e.p ?? -1));
  const byName = (a: Found, b: Found): number =>
    a.other.name.localeCompare(b.other.name, 'en') || (a.other.id < b.other.id ? -1 : a.other.id > b.other.id ? 1 : 0);
  const sorted = [...found.values()].sort((a, b) => (plan.byP ? pOf(b) - pOf(a) || byName(a, b) : rankOf(a) - rankOf(b) || byName(a, b)));

  const evidence: Evidence[] = [];
  const values: AnswerValue[] = [];
  for (const f of sorted.slice(0, limit)) {
    const cited: number[] = [];
    const edges = [...f.edges].sort((a, b) => types.indexOf(a.type) - types.indexOf(b.type));
    for (const edge of edges) {
      cited.push(evidence.length);
      evidence.push({
        from: 'graph',
        assertion: 'affirmed',
        supports: 'value',
        display: f.other.name,
        entityId: f.other.id,
        ...(f.other.codes[0] ? { code: f.other.codes[0] } : {}),
        edge: {
          source: edge.source,
          type: edge.type,
          target: edge.target,
          ...(edge.p !== undefined ? { p: edge.p } : {}),
          provenance: edgeProvenance(graph, edge.type),
        },
      });
    }
    values.push({
      display: f.other.name,
      entityId: f.other.id,
      ...(f.other.codes[0] ? { code: f.other.codes[0] } : {}),
      evidence: cited,
    });
  }
  return { answer: values, confidence: GRAPH_CONFIDENCE, answeredFrom: 'graph', evidence };
}
