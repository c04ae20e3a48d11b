/**
 * Synthea's COVID-19 module on real bundles of the shared corpus: the episode is resolved by the
 * time of export, and must still reach the features — historical for the patient, coded (and the
 * positive SARS-CoV-2 test abnormal) in the record of the encounter where it was found. The
 * committed graph has no COVID-19 entity, so the graph here is the committed one plus the
 * COVID-19 condition and its test; the episode's pneumonia, fever and cough are in it already.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { type KnowledgeGraphFile, SYSTEMS } from '../../src/kg/types.js';
import { entityVocabularyOf, Featurizer, type FeatureSpec, type LinkedEntity } from '../../src/model/features.js';
import type { Tokenizer } from '../../src/model/tokenizer.js';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord } from '../../src/records/types.js';
import { BULK_10, CORPUS_NOTE, collect, HAS_CORPUS, NOTES_BUNDLES } from '../io/corpus.js';

const MILTON = join(NOTES_BUNDLES, 'Milton509_Ortiz186_d66b5418-06cb-fc8a-8c13-85685b6ac939.json');
const COVID = '840539006';

async function featurizer(): Promise<Featurizer> {
  const file = JSON.parse(readFileSync(KnowledgeGraph.defaultPath(), 'utf8')) as KnowledgeGraphFile;
  file.entities.push(
    { id: 'condition:covid-19', type: 'condition', name: 'COVID-19', codes: [{ system: SYSTEMS.snomed, code: COVID }], synonyms: [] },
    {
      id: 'observation:sars-cov-2-rna',
      type: 'observation',
      name: 'SARS-CoV-2 RNA',
      codes: [{ system: SYSTEMS.loinc, code: '94531-1' }],
      synonyms: [],
    },
  );
  const graph = new KnowledgeGraph(file, 'committed graph + COVID-19');
  const tokenizer = { encode: () => ({ ids: [] }) } as unknown as Tokenizer;
  return new Featurizer(tokenizer, new EntityLinker(graph), entityVocabularyOf(graph.entities.map((e) => e.id)), {
    maxLength: 8,
    maxEntities: 256,
  } as FeatureSpec);
}

const records = async (file: string, unit: 'patient' | 'encounter'): Promise<ClinicalRecord[]> =>
  (await collect(readRecords([file], { unit }))).flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const hasCovid = (r: ClinicalRecord) => r.facts.some((f) => f.codings.some((c) => c.code === COVID));
const flagOf = (entities: LinkedEntity[], id: string) => entities.filter((e) => e.id === id).map((e) => e.flag);

describe.skipIf(!HAS_CORPUS)(`COVID-19 episodes of Synthea bundles reach the features${CORPUS_NOTE}`, () => {
  it('as history for the patient', async () => {
    const [record] = await records(MILTON, 'patient');
    const f = await (await featurizer()).featurize(record as ClinicalRecord);
    expect(flagOf(f.entities, 'condition:covid-19')).toEqual(['historical']);
    expect(flagOf(f.entities, 'condition:J17')).toContain('historical');
    // the positive test is evidence whatever the unit
    expect(flagOf(f.entities, 'observation:sars-cov-2-rna')).toEqual(['abnormal']);
  });

  it('as coded in the record of the encounter where it was found, with its positive test', async () => {
    const all = await records(MILTON, 'encounter');
    const visits = all.filter(hasCovid);
    expect(visits.map((r) => r.id)).toEqual(['b10741e6-583b-136a-2993-a0797506d6dd']);
    const visit = visits[0] as ClinicalRecord;
    expect(visit.facts.find((f) => f.codings.some((c) => c.code === COVID))).toMatchObject({ status: 'resolved', heldAtEncounter: true });
    const f = await (await featurizer()).featurize(visit);
    expect(flagOf(f.entities, 'condition:covid-19')).toEqual(['coded']);
    expect(flagOf(f.entities, 'finding:E_91')).toEqual(['coded']); // fever, resolved with the episode
    expect(flagOf(f.entities, 'observation:sars-cov-2-rna')).toEqual(['abnormal']);
    // the admission that followed holds the pneumonia, also resolved since, also current there
    const admission = all.find((r) => r.facts.some((f) => f.codings.some((c) => c.code === '233604007')));
    const g = await (await featurizer()).featurize(admission as ClinicalRecord);
    expect(flagOf(g.entities, 'condition:J17')).toEqual(['coded']);
  });

  it('in a Bulk Data export too', async () => {
    const held = (await records(BULK_10, 'encounter')).flatMap((r) => r.facts.filter((f) => f.codings.some((c) => c.code === COVID)));
    expect(held.length).toBe(2);
    for (const fact of held) expect(fact).toMatchObject({ status: 'resolved', verification: 'confirmed', heldAtEncounter: true });
  });
});
