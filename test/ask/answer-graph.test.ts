/**
 * @file Graph answers (`ask --kg`): which edges answer each intent, their order, the cited edge and
 * its source, first-line drugs, limits and `unknown`, on the embedded graph and on a hand-built one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { answerGraph, EDGE_SOURCES, edgeProvenance } from '../../src/ask/answer-graph.js';
import type { AnswerValue, GraphIntent, ParsedQuestion } from '../../src/ask/types.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import type { Entity, EntityType } from '../../src/kg/types.js';
import { SYSTEMS } from '../../src/util/code-systems.js';

function ask(
  intent: GraphIntent,
  entity: { id: string; name: string; type: EntityType } | undefined,
  more: Partial<ParsedQuestion> = {},
): ParsedQuestion {
  return {
    text: `${intent}?`,
    intent,
    kind: 'values',
    time: 'any',
    ...(entity ? { entity: { ...entity, text: entity.name } } : {}),
    ...more,
  };
}

const values = (answer: unknown): AnswerValue[] => {
  expect(Array.isArray(answer)).toBe(true);
  return answer as AnswerValue[];
};

describe('answerGraph on the embedded graph', () => {
  let graph: KnowledgeGraph;
  beforeAll(async () => {
    graph = await KnowledgeGraph.loadDefault();
  });
  const entity = (id: string) => {
    const e = graph.get(id) as Entity;
    expect(e).toBeDefined();
    return { id: e.id, name: e.name, type: e.type };
  };

  it('lists drugs that treat or palliate a condition, disease-modifying first, citing PharmacotherapyDB', () => {
    const result = answerGraph(ask('treats', entity('condition:I20.0')), graph, { limit: 100 });
    expect(result).toMatchObject({ confidence: 1, answeredFrom: 'graph' });
    const list = values(result.answer);
    expect(list.length).toBe(38);
    const types = list.map((v) => result.evidence[v.evidence[0] as number]?.edge?.type);
    expect(types.indexOf('palliates')).toBeGreaterThan(types.lastIndexOf('treats'));
    for (const v of list) {
      for (const i of v.evidence) {
        const ev = result.evidence[i];
        expect(ev).toMatchObject({ from: 'graph', assertion: 'affirmed', supports: 'value', entityId: v.entityId });
        expect(ev?.edge).toMatchObject({ source: v.entityId, target: 'condition:I20.0', provenance: 'PharmacotherapyDB' });
      }
    }
  });

  it('first-line asks for treats edges only', () => {
    const result = answerGraph(ask('treats', entity('condition:I20.0'), { firstLine: true }), graph, { limit: 100 });
    const list = values(result.answer);
    expect(list.length).toBe(28);
    expect(result.evidence.every((e) => e.edge?.type === 'treats')).toBe(true);
  });

  it('limits to 20 values by default, deterministically', () => {
    const a = answerGraph(ask('treats', entity('condition:I10')), graph);
    const b = answerGraph(ask('treats', entity('condition:I10')), graph);
    expect(values(a.answer)).toHaveLength(20);
    expect(a).toEqual(b);
    expect(values(answerGraph(ask('treats', entity('condition:I10')), graph, { limit: 3 }).answer)).toHaveLength(3);
  });

  it('lists findings by P(finding | condition), citing DDXPlus', () => {
    const result = answerGraph(ask('findings-of', entity('condition:I20.0')), graph);
    const list = values(result.answer);
    expect(list).toHaveLength(8);
    const ps = list.map((v) => result.evidence[v.evidence[0] as number]?.edge?.p as number);
    expect([...ps].sort((x, y) => y - x)).toEqual(ps);
    expect(result.evidence.every((e) => e.edge?.type === 'symptom_of' && e.edge.provenance === 'DDXPlus')).toBe(true);
  });

  it('lists risk factors from DDXPlus and the rule-derived predisposing conditions, naming the build note', () => {
    const result = answerGraph(ask('risk-factors-of', entity('condition:I20.0')), graph);
    const list = values(result.answer);
    expect(list).toHaveLength(15);
    const byType = new Map(result.evidence.map((e) => [e.edge?.type, e.edge?.provenance]));
    expect(byType.get('risk_factor_for')).toBe('DDXPlus');
    expect(byType.get('predisposes_to')).toMatch(/^clinicalbert kg build \(src\/kg\/build\), provenance\.notes\[\d+\]$/);
    const note = Number(/\[(\d+)\]/.exec(byType.get('predisposes_to') as string)?.[1]);
    expect(graph.file.provenance.notes[note]).toContain('predisposes_to');
    // Edges without p (predisposes_to) come after those with one.
    const last = result.evidence[(list.at(-1) as AnswerValue).evidence[0] as number];
    expect(last?.edge?.p).toBeUndefined();
  });

  it('answers what a chronic condition is a risk factor for, and what a drug is used for', () => {
    const forward = answerGraph(ask('risk-factor-for', entity('condition:I10')), graph);
    expect(values(forward.answer)).toHaveLength(6);
    expect(forward.evidence.every((e) => e.edge?.source === 'condition:I10' && e.edge.type === 'predisposes_to')).toBe(true);

    const drugId = graph.edges.find((e) => e.type === 'treats' && e.target === 'condition:I10')?.source as string;
    const uses = answerGraph(ask('uses-of', entity(drugId)), graph, { limit: 100 });
    const list = values(uses.answer);
    expect(list.map((v) => v.entityId)).toContain('condition:I10');
    expect(uses.evidence.every((e) => e.edge?.source === drugId)).toBe(true);
  });

  it('says unknown, with no evidence, for a condition without such edges or a question without an entity', () => {
    const none = { answer: 'unknown', confidence: 0, answeredFrom: 'none', evidence: [] };
    expect(answerGraph(ask('treats', entity('condition:G89.29')), graph)).toEqual(none);
    expect(answerGraph(ask('findings-of', undefined), graph)).toEqual(none);
  });

  it('refuses a record intent and a bad limit', () => {
    expect(() => answerGraph({ text: 'x', intent: 'condition', kind: 'yes-no', time: 'now' }, graph)).toThrow(
      /not a knowledge-graph question.*treats/,
    );
    expect(() => answerGraph(ask('treats', entity('condition:I10')), graph, { limit: 0 })).toThrow(/positive integer, got "0"/);
  });

  it('maps every curated edge type to a source of the graph provenance', () => {
    const names = graph.file.provenance.sources.map((s) => s.name);
    for (const source of Object.values(EDGE_SOURCES)) if (source !== null) expect(names).toContain(source);
    expect(edgeProvenance(graph, 'abnormal_in')).toMatch(/provenance\.notes\[\d+\]/);
  });
});

describe('answerGraph on a hand-built graph', () => {
  const e = (id: string, type: EntityType, name: string): Entity => ({
    id,
    type,
    name,
    codes: [{ system: SYSTEMS.icd10, code: id.split(':')[1] as string }],
    synonyms: [],
  });
  const graph = new KnowledgeGraph(
    {
      formatVersion: 1,
      name: 'tiny',
      provenance: { builtBy: 'hand', sources: [], notes: [] },
      entities: [
        e('condition:X1', 'condition', 'Xitis'),
        e('drug:B', 'drug', 'Betadrug'),
        e('drug:A', 'drug', 'Alphadrug'),
        e('drug:C', 'drug', 'Cetadrug'),
        e('finding:F1', 'finding', 'zeta sign'),
        e('finding:F2', 'finding', 'alpha sign'),
        e('finding:F3', 'finding', 'beta sign'),
      ],
      edges: [
        { source: 'drug:C', type: 'palliates', target: 'condition:X1' },
        { source: 'drug:B', type: 'treats', target: 'condition:X1' },
        { source: 'drug:A', type: 'treats', target: 'condition:X1' },
        { source: 'drug:A', type: 'palliates', target: 'condition:X1' },
        { source: 'finding:F1', type: 'symptom_of', target: 'condition:X1', p: 0.5 },
        { source: 'finding:F2', type: 'symptom_of', target: 'condition:X1', p: 0.5 },
        { source: 'finding:F3', type: 'symptom_of', target: 'condition:X1', p: 0.9 },
      ],
    },
    'tiny graph',
  );
  const xitis = { id: 'condition:X1', name: 'Xitis', type: 'condition' as const };

  it('gives one value per drug citing each of its edges, treats first, then by name', () => {
    const result = answerGraph(ask('treats', xitis), graph);
    const list = values(result.answer);
    expect(list.map((v) => v.display)).toEqual(['Alphadrug', 'Betadrug', 'Cetadrug']);
    expect(list[0]?.evidence).toEqual([0, 1]);
    expect(result.evidence.map((x) => x.edge?.type)).toEqual(['treats', 'palliates', 'treats', 'palliates']);
    // No sources and no notes: the build itself is named.
    expect(result.evidence[0]?.edge?.provenance).toBe('hand');
    expect(list[0]?.code).toEqual({ system: SYSTEMS.icd10, code: 'A' });
  });

  it('first-line drops palliating drugs and palliating edges', () => {
    const result = answerGraph(ask('treats', xitis, { firstLine: true }), graph);
    expect(values(result.answer).map((v) => v.display)).toEqual(['Alphadrug', 'Betadrug']);
    expect(result.evidence).toHaveLength(2);
  });

  it('sorts findings by p, ties by name', () => {
    const result = answerGraph(ask('findings-of', xitis), graph);
    expect(values(result.answer).map((v) => v.display)).toEqual(['beta sign', 'alpha sign', 'zeta sign']);
    expect(result.evidence.map((x) => x.edge?.p)).toEqual([0.9, 0.5, 0.5]);
  });
});
