import { describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { drugsFor, indicationsOf, withAncestors } from '../../src/kg/treatments.js';
import { SYSTEMS, type Entity } from '../../src/kg/types.js';
import { clinicGraph } from '../support/clinic-graph.js';

describe('drugs for conditions', () => {
  const graph = clinicGraph();
  const all = ['drug:SALB', 'drug:AMOX', 'drug:PARA', 'drug:AMLO', 'drug:PEDI'];

  it('lists what a drug treats or palliates', () => {
    expect(indicationsOf(graph, 'drug:SALB')).toEqual(['condition:J45']);
    expect(indicationsOf(graph, 'drug:PARA')).toEqual(['condition:J17']);
    expect(indicationsOf(graph, 'drug:UNKNOWN')).toEqual([]);
  });

  it('keeps drugs that treat or palliate a condition, in the order given', () => {
    expect(drugsFor(graph, all, ['condition:J17'])).toEqual(['drug:AMOX', 'drug:PARA']);
    expect(drugsFor(graph, ['drug:PARA', 'drug:AMOX'], ['condition:J17'])).toEqual(['drug:PARA', 'drug:AMOX']);
    expect(drugsFor(graph, all, ['condition:J17', 'condition:I10'])).toEqual(['drug:AMOX', 'drug:PARA', 'drug:AMLO']);
    expect(drugsFor(graph, all, [])).toEqual([]);
    expect(drugsFor(graph, all, ['condition:E11.9'])).toEqual([]);
  });

  it('follows is_a upward only: childhood asthma takes asthma drugs, asthma does not take childhood-only ones', () => {
    expect(withAncestors(graph, ['condition:J45.909'])).toEqual(['condition:J45.909', 'condition:J45']);
    expect(drugsFor(graph, all, ['condition:J45.909'])).toEqual(['drug:SALB', 'drug:PEDI']);
    expect(drugsFor(graph, all, ['condition:J45'])).toEqual(['drug:SALB']);
  });

  it('survives an is_a cycle', () => {
    const c = (code: string): Entity => ({
      id: `condition:${code}`,
      type: 'condition',
      name: code,
      codes: [{ system: SYSTEMS.icd10, code }],
      synonyms: [],
    });
    const cyclic = new KnowledgeGraph(
      {
        formatVersion: 1,
        name: 'cycle',
        provenance: { builtBy: 'test', sources: [], notes: [] },
        entities: [c('A01'), c('B01'), { id: 'drug:X', type: 'drug', name: 'x', codes: [], synonyms: [] }],
        edges: [
          { source: 'condition:A01', type: 'is_a', target: 'condition:B01' },
          { source: 'condition:B01', type: 'is_a', target: 'condition:A01' },
          { source: 'drug:X', type: 'treats', target: 'condition:B01' },
        ],
      },
      'cycle',
    );
    expect(withAncestors(cyclic, ['condition:A01'])).toEqual(['condition:A01', 'condition:B01']);
    expect(drugsFor(cyclic, ['drug:X'], ['condition:A01'])).toEqual(['drug:X']);
  });

  it('on the committed graph, a coded J45.909 takes the drugs for asthma (J45)', async () => {
    const committed = await KnowledgeGraph.loadDefault();
    const [coded] = committed.linkCodes([{ system: SYSTEMS.icd10, code: 'J45.909' }]);
    expect(coded).toBe('condition:J45.909');
    const forAsthma = committed.edges
      .filter((e) => e.target === 'condition:J45' && (e.type === 'treats' || e.type === 'palliates'))
      .map((e) => e.source);
    expect(forAsthma.length).toBeGreaterThan(0);
    expect(drugsFor(committed, forAsthma, [coded as string])).toEqual(forAsthma);
    // Verapamil (migraine, hypertension) is not an asthma drug.
    expect(indicationsOf(committed, 'drug:DB00661')).not.toContain('condition:J45');
    expect(drugsFor(committed, ['drug:DB00661'], [coded as string])).toEqual([]);
  });
});
