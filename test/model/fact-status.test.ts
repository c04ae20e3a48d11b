/**
 * How the featurizer flags coded facts by status (src/records/status.ts `factState`): current
 * facts `coded`, resolved / stopped ones `historical` (after the rest), retracted ones nothing;
 * a condition that held during the record's encounter `coded`; a coded result interpreted
 * positive, detected, abnormal, high or low `abnormal` like an out-of-range measurement. Built on
 * a small in-memory graph and a tokenizer stub: no model package needed.
 */
import { describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { SYSTEMS, type Entity, type EntityType } from '../../src/kg/types.js';
import { activeConditions } from '../../src/model/decide.js';
import { entityVocabularyOf, Featurizer, type FeatureSpec, isActiveFact } from '../../src/model/features.js';
import type { Tokenizer } from '../../src/model/tokenizer.js';
import type { ClinicalRecord, CodedFact } from '../../src/records/types.js';

const entity = (id: string, type: EntityType, system: string, code: string): Entity => ({
  id,
  type,
  name: id,
  codes: [{ system, code }],
  synonyms: [],
});

const graph = new KnowledgeGraph(
  {
    formatVersion: 1,
    name: 'fact-status-test',
    provenance: { builtBy: 'test', sources: [], notes: [] },
    entities: [
      entity('condition:covid', 'condition', SYSTEMS.snomed, '840539006'),
      entity('condition:asthma', 'condition', SYSTEMS.snomed, '195967001'),
      entity('drug:salbutamol', 'drug', SYSTEMS.rxnorm, '435'),
      entity('drug:amoxicillin', 'drug', SYSTEMS.rxnorm, '723'),
      entity('allergen:penicillin', 'allergen', SYSTEMS.snomed, '91936005'),
      entity('observation:sars-cov-2', 'observation', SYSTEMS.loinc, '94531-1'),
      entity('observation:crp', 'observation', SYSTEMS.loinc, '1988-5'),
    ],
    edges: [],
  },
  'test graph',
);

const tokenizer = { encode: () => ({ ids: [101, 102] }) } as unknown as Tokenizer;
const spec = { maxLength: 8, maxEntities: 32 } as FeatureSpec;
const featurizer = new Featurizer(tokenizer, new EntityLinker(graph), entityVocabularyOf(graph.entities.map((e) => e.id)), spec);

const fact = (kind: CodedFact['kind'], system: string, code: string, more: Partial<CodedFact> = {}): CodedFact => ({
  kind,
  codings: [{ system, code }],
  resource: `${kind}/${code}`,
  ...more,
});
const covid = (more: Partial<CodedFact> = {}) => fact('condition', SYSTEMS.snomed, '840539006', more);
const covidTest = (interpretation: string | undefined) =>
  fact('observation', SYSTEMS.loinc, '94531-1', { valueText: 'x', ...(interpretation ? { interpretation } : {}) });

async function flags(facts: CodedFact[], more: Partial<ClinicalRecord> = {}): Promise<[string, string][]> {
  const record: ClinicalRecord = {
    id: 'p1',
    patient: 'Patient/p1',
    source: { file: 'test' },
    demographics: {},
    notes: [],
    media: [],
    facts,
    warnings: [],
    ...more,
  };
  const features = await featurizer.featurize(record);
  return features.entities.map((e) => [e.id, e.flag]);
}

describe('coded facts flagged by status', () => {
  it('a current condition is coded; a resolved, inactive or in-remission one historical', async () => {
    expect(await flags([covid({ status: 'active' })])).toEqual([['condition:covid', 'coded']]);
    expect(await flags([covid()])).toEqual([['condition:covid', 'coded']]);
    for (const status of ['resolved', 'inactive', 'remission']) {
      expect(await flags([covid({ status })])).toEqual([['condition:covid', 'historical']]);
    }
  });

  it('a refuted or entered-in-error condition gives nothing', async () => {
    expect(await flags([covid({ verification: 'refuted' })])).toEqual([]);
    expect(await flags([covid({ status: 'active', verification: 'entered-in-error' })])).toEqual([]);
    expect(await flags([covid({ status: 'entered-in-error' })])).toEqual([]);
    expect(await flags([covid({ status: 'active', verification: 'provisional' })])).toEqual([['condition:covid', 'coded']]);
  });

  it('a condition resolved since but held during the encounter is coded in that record', async () => {
    const held = covid({ status: 'resolved', heldAtEncounter: true });
    expect(await flags([held], { encounter: 'Encounter/e1' })).toEqual([['condition:covid', 'coded']]);
    expect(isActiveFact(held)).toBe(true);
    expect(isActiveFact(covid({ status: 'resolved' }))).toBe(false);
    // the drug rule reads conditions the same way
    expect(activeConditions(graph, [held, covid({ status: 'resolved' })])).toEqual(['condition:covid']);
    expect(activeConditions(graph, [covid({ status: 'resolved' })])).toEqual([]);
  });

  it('medications: active coded, stopped and completed historical, cancelled and entered-in-error nothing', async () => {
    const salbutamol = (status: string) => fact('medication', SYSTEMS.rxnorm, '435', { status });
    expect(await flags([salbutamol('active')])).toEqual([['drug:salbutamol', 'coded']]);
    expect(await flags([salbutamol('stopped')])).toEqual([['drug:salbutamol', 'historical']]);
    expect(await flags([salbutamol('completed')])).toEqual([['drug:salbutamol', 'historical']]);
    expect(await flags([salbutamol('cancelled')])).toEqual([]);
    expect(await flags([salbutamol('entered-in-error')])).toEqual([]);
  });

  it('allergies: resolved historical, refuted nothing', async () => {
    const penicillin = (more: Partial<CodedFact>) => fact('allergy', SYSTEMS.snomed, '91936005', more);
    expect(await flags([penicillin({ status: 'active' })])).toEqual([['allergen:penicillin', 'coded']]);
    expect(await flags([penicillin({ status: 'resolved' })])).toEqual([['allergen:penicillin', 'historical']]);
    expect(await flags([penicillin({ verification: 'refuted' })])).toEqual([]);
  });

  it('history comes after current facts and abnormal results, whatever their order', async () => {
    const facts = [
      covid({ status: 'resolved', time: '2020-01-01' }),
      fact('medication', SYSTEMS.rxnorm, '723', { status: 'stopped', time: '2020-01-02' }),
      fact('condition', SYSTEMS.snomed, '195967001', { status: 'active', time: '2023-01-01' }),
      covidTest('DET'),
    ];
    expect(await flags(facts)).toEqual([
      ['condition:asthma', 'coded'],
      ['observation:sars-cov-2', 'abnormal'],
      ['condition:covid', 'historical'],
      ['drug:amoxicillin', 'historical'],
    ]);
  });
});

describe('coded results with an interpretation', () => {
  it('positive, detected, abnormal, high and low results are abnormal evidence', async () => {
    for (const code of ['POS', 'DET', 'A', 'AA', 'H', 'HH', 'L', 'LL']) {
      expect(await flags([covidTest(code)]), code).toEqual([['observation:sars-cov-2', 'abnormal']]);
    }
  });

  it('negative, not detected, normal and uninterpreted results are not evidence', async () => {
    for (const code of ['NEG', 'ND', 'N', undefined]) {
      expect(await flags([covidTest(code)]), String(code)).toEqual([]);
    }
  });

  it('a flagged numeric lab without a reference range is abnormal; a cancelled one is not', async () => {
    const crp = (more: Partial<CodedFact>) => fact('observation', SYSTEMS.loinc, '1988-5', { value: 48, unit: 'mg/L', ...more });
    expect(await flags([crp({ interpretation: 'H' })])).toEqual([['observation:crp', 'abnormal']]);
    expect(await flags([crp({})])).toEqual([]);
    expect(await flags([crp({ interpretation: 'H', status: 'cancelled' })])).toEqual([]);
  });
});
