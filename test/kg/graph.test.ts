import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EVIDENCE_LEXICON } from '../../src/kg/lexicon/evidences.js';
import { SYSTEMS, type KnowledgeGraphFile } from '../../src/kg/types.js';
import { codeClashes, surfaceClashes } from '../../src/kg/validate.js';
import { ClinicalBertError, UsageError } from '../../src/util/errors.js';
import { committedGraph } from './paths.js';

let graph: KnowledgeGraph;
let raw: KnowledgeGraphFile;

beforeAll(async () => {
  raw = JSON.parse(await readFile(committedGraph, 'utf8')) as KnowledgeGraphFile;
  graph = await KnowledgeGraph.loadDefault();
});

describe('committed kg.json invariants', () => {
  it('stays well under 1 MB', async () => {
    const bytes = (await readFile(committedGraph)).byteLength;
    expect(bytes).toBeLessThan(1_000_000);
  });

  it('has every condition with a name and an ICD-10 code first, and 49 acute conditions', () => {
    const conditions = graph.ofType('condition');
    expect(conditions.filter((c) => c.course === 'acute')).toHaveLength(49);
    expect(conditions.filter((c) => c.course === 'chronic').length).toBeGreaterThanOrEqual(12);
    for (const c of conditions) {
      expect(c.name.trim().length, c.id).toBeGreaterThan(0);
      expect(c.codes[0]?.system, c.id).toBe(SYSTEMS.icd10);
      expect(c.id).toBe(`condition:${c.codes[0]?.code}`);
      expect(raw.icd10?.[c.codes[0]?.code ?? ''], `${c.id} has an ICD-10 description`).toBeTruthy();
    }
  });

  it('has priors that sum to 1 per course and are all positive', () => {
    for (const course of ['acute', 'chronic'] as const) {
      const priors = graph
        .ofType('condition')
        .filter((c) => c.course === course)
        .map((c) => c.prior);
      for (const p of priors) expect(p).toBeGreaterThan(0);
      expect(priors.reduce((a: number, b) => a + (b ?? 0), 0)).toBeCloseTo(1, 9);
    }
  });

  it('gives mild common conditions a higher prior than the most severe ones', () => {
    const prior = (id: string): number => graph.get(id)?.prior ?? 0;
    expect(prior('condition:J06.9')).toBeGreaterThan(prior('condition:T78.0') * 10);
  });

  it('has no dangling edge, and every edge probability in (0, 1)', () => {
    for (const edge of graph.edges) {
      expect(graph.get(edge.source), edge.source).toBeDefined();
      expect(graph.get(edge.target), edge.target).toBeDefined();
      if (edge.type === 'symptom_of' || edge.type === 'risk_factor_for' || edge.type === 'abnormal_in') {
        expect(edge.p, `${edge.source} -> ${edge.target}`).toBeGreaterThan(0);
        expect(edge.p, `${edge.source} -> ${edge.target}`).toBeLessThan(1);
      }
    }
  });

  it('types every edge end as its edge type says', () => {
    const typeOf = (id: string) => graph.get(id)?.type;
    const expected: Record<string, [string, string]> = {
      symptom_of: ['finding', 'condition'],
      risk_factor_for: ['antecedent', 'condition'],
      treats: ['drug', 'condition'],
      palliates: ['drug', 'condition'],
      is_a: ['condition', 'condition'],
      predisposes_to: ['condition', 'condition'],
      abnormal_in: ['observation', 'condition'],
      implies: ['condition', 'antecedent'],
    };
    for (const edge of graph.edges) {
      expect([typeOf(edge.source), typeOf(edge.target)], `${edge.source} -${edge.type}-> ${edge.target}`).toEqual(expected[edge.type]);
    }
  });

  it('links every drug to an existing condition, and gives every drug a DrugBank id', () => {
    for (const drug of graph.ofType('drug')) {
      const targets = graph
        .neighbours(drug.id)
        .filter((n) => n.direction === 'out' && (n.edge.type === 'treats' || n.edge.type === 'palliates'));
      expect(targets.length, drug.id).toBeGreaterThan(0);
      for (const t of targets) expect(t.entity.type).toBe('condition');
      expect(drug.codes.some((c) => c.system === SYSTEMS.drugbank && `drug:${c.code}` === drug.id)).toBe(true);
    }
  });

  it('gives the drugs Synthea prescribes their RxNorm codes', () => {
    expect(graph.findByCode('rxnorm', '314076')?.name).toBe('Lisinopril');
    expect(graph.findByCode('rxnorm', '2123111')?.name).toBe('Albuterol');
    expect(graph.findByCode('rxnorm', '904419')?.name).toBe('Alendronate');
  });

  it('has a lexicon entry for every DDXPlus evidence on an entity, and every condition has findings', () => {
    for (const e of graph.entities.filter((x) => x.type === 'finding' || x.type === 'antecedent')) {
      for (const c of e.codes.filter((x) => x.system === SYSTEMS.ddxplus)) {
        const base = c.code.split('.')[0] as string;
        expect(EVIDENCE_LEXICON[base], `${e.id} code ${c.code}`).toBeDefined();
      }
    }
    for (const c of graph.ofType('condition').filter((x) => x.course === 'acute')) {
      expect(
        graph.neighbours(c.id).some((n) => n.edge.type === 'symptom_of'),
        c.id,
      ).toBe(true);
    }
  });

  it('states a base rate for unlinked findings and antecedents', () => {
    expect(raw.background?.findingRate).toBeGreaterThan(0);
    expect(raw.background?.findingRate).toBeLessThan(0.1);
    expect(raw.background?.antecedentRate).toBeGreaterThan(0);
  });

  it('uses one direction per measurement in abnormal_in edges', () => {
    const directions = new Map<string, Set<string>>();
    for (const e of graph.edges.filter((x) => x.type === 'abnormal_in')) {
      expect(e.direction === 'high' || e.direction === 'low').toBe(true);
      directions.set(e.source, (directions.get(e.source) ?? new Set()).add(e.direction as string));
    }
    for (const [obs, set] of directions) expect(set.size, obs).toBe(1);
    expect(graph.neighbours('observation:59408-5').find((n) => n.entity.id === 'condition:J17')?.edge.direction).toBe('low');
  });

  it('has no surface form shared within a type and no code on two entities', () => {
    const typeOf = (id: string) => graph.get(id)?.type;
    for (const clash of surfaceClashes(graph.entities)) {
      expect(new Set(clash.ids.map(typeOf)).size, `${clash.key}: ${clash.ids.join(', ')}`).toBe(clash.ids.length);
    }
    expect(codeClashes(graph.entities)).toEqual([]);
  });

  it('records provenance with a sha256 per input file and the DDXPlus attribution', () => {
    const sources = raw.provenance.sources;
    expect(sources.map((s) => s.name)).toEqual(
      expect.arrayContaining(['DDXPlus', 'PharmacotherapyDB', 'ICD-10-CM', 'Synthea-derived codes']),
    );
    for (const s of sources) for (const f of s.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sources.find((s) => s.name === 'DDXPlus')?.attribution).toMatch(/Fansi Tchango.*NeurIPS 2022/);
    expect(raw.provenance.notes.join('\n')).toMatch(/severity/);
  });
});

describe('KnowledgeGraph lookups', () => {
  it('finds conditions by ICD-10 code regardless of case and dot, falling back to the parent', () => {
    expect(graph.findByCode('icd10', 'J45')?.id).toBe('condition:J45');
    expect(graph.findByCode(undefined, 'j45')?.id).toBe('condition:J45');
    expect(graph.findByCode(SYSTEMS.icd10, 'J45.9')?.id).toBe('condition:J45');
    expect(graph.findByCode('icd10', 'J45909')?.id).toBe('condition:J45.909');
    expect(graph.findByCode('icd10', 'J18.9')?.id).toBe('condition:J17');
    expect(graph.findByCode('icd10', 'Z99.9')).toBeUndefined();
  });

  it('finds entities by SNOMED, LOINC, RxNorm and DDXPlus codes', () => {
    expect(graph.findByCode('snomed', '38341003')?.id).toBe('condition:I10');
    expect(graph.findByCode(SYSTEMS.snomed, '49436004')?.id).toBe('condition:I48.91');
    expect(graph.findByCode('loinc', '8867-4')?.id).toBe('observation:8867-4');
    expect(graph.findByCode('loinc', '2708-6')?.id).toBe('observation:59408-5');
    expect(graph.findByCode('ddxplus', 'e_91')?.id).toBe('finding:E_91');
    expect(graph.findByCode('ddxplus', 'E_54')?.id).toBe('finding:E_53');
    expect(graph.findByCode('snomed', '8867-4')).toBeUndefined();
  });

  it('maps coded facts to entity ids in order without repeats', () => {
    const ids = graph.linkCodes([
      { system: SYSTEMS.snomed, code: '59621000' },
      { system: SYSTEMS.icd10, code: 'I10' },
      { system: SYSTEMS.rxnorm, code: '314076' },
      { system: 'http://example.org/unknown', code: '123' },
      { system: SYSTEMS.loinc, code: '718-7' },
    ]);
    expect(ids).toEqual(['condition:I10', 'drug:DB00722', 'observation:718-7']);
  });

  it('finds entities by name and synonym, ignoring case and inflection', () => {
    expect(graph.findByName('Shortness of Breath')[0]?.id).toBe('finding:E_66');
    expect(graph.findByName('SOB')[0]?.id).toBe('finding:E_66');
    expect(graph.findByName('Coughing')[0]?.id).toBe('finding:E_201');
    expect(graph.findByName('no such thing')).toEqual([]);
  });

  it('lists neighbours with edge types and directions', () => {
    const n = graph.neighbours('finding:E_91');
    expect(n.length).toBeGreaterThan(5);
    expect(n.every((x) => x.direction === 'out' && x.edge.type === 'symptom_of' && x.entity.type === 'condition')).toBe(true);
    const pneumonia = graph.neighbours('condition:J17');
    expect(pneumonia.some((x) => x.direction === 'in' && x.entity.id === 'finding:E_91' && x.edge.p === 0.85)).toBe(true);
  });

  it('counts entities and edges in stats()', () => {
    const stats = graph.stats();
    expect(stats.entities.condition).toBe(graph.ofType('condition').length);
    expect(Object.values(stats.edges).reduce((a, b) => a + b, 0)).toBe(graph.edges.length);
    expect(stats.conditionsByCourse.acute).toBe(49);
  });
});

describe('KnowledgeGraph.load errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kg-test-'));
  });

  it('rejects a missing file as a usage error', async () => {
    await expect(KnowledgeGraph.load(join(dir, 'absent.json'))).rejects.toBeInstanceOf(UsageError);
  });

  it('rejects an unknown format version with a clear code', async () => {
    const path = join(dir, 'v99.json');
    await writeFile(path, JSON.stringify({ ...raw, formatVersion: 99 }));
    await expect(KnowledgeGraph.load(path)).rejects.toMatchObject({ code: 'KG_FORMAT_VERSION' });
  });

  it('rejects dangling edges, naming them', async () => {
    const path = join(dir, 'dangling.json');
    await writeFile(
      path,
      JSON.stringify({ ...raw, edges: [...raw.edges, { source: 'finding:E_91', type: 'symptom_of', target: 'condition:NOPE', p: 0.5 }] }),
    );
    const error = await KnowledgeGraph.load(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClinicalBertError);
    expect((error as ClinicalBertError).code).toBe('KG_DANGLING_EDGE');
    expect((error as Error).message).toContain('condition:NOPE');
  });

  it('rejects invalid JSON', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"formatVersion": 1,');
    await expect(KnowledgeGraph.load(path)).rejects.toMatchObject({ code: 'KG_PARSE' });
  });
});
