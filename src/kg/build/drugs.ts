/**
 * @file Drug entities and `treats` / `palliates` edges from PharmacotherapyDB, for the diseases
 * that map onto graph conditions, with RxNorm codes where Synthea prescribes the drug.
 *
 * RxNorm matching: a drug gets the RxNorm code of every single-ingredient Synthea
 * MedicationRequest whose display contains one of the drug's names as a whole word
 * (case-insensitive), most prescribed first. Multi-ingredient products ("Acetaminophen 325 MG /
 * oxyCODONE …") are skipped, because their code does not stand for the ingredient alone.
 */
import { ClinicalBertError, quote } from '../../util/errors.js';
import { DISEASE_TO_CONDITIONS, DRUG_NAME_OVERRIDES, DRUG_SYNONYMS } from '../lexicon/drugs.js';
import { SYSTEMS } from '../../util/code-systems.js';
import type { Edge, Entity } from '../types.js';
import type { Sources } from './sources.js';

export interface DrugResult {
  entities: Entity[];
  edges: Edge[];
  notes: string[];
}

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function buildDrugs(sources: Sources, conditionIds: Set<string>): DrugResult {
  for (const [doid, mapping] of Object.entries(DISEASE_TO_CONDITIONS)) {
    const row = sources.indications.find((i) => i.doid === doid);
    if (!row) fail(`PharmacotherapyDB has no indication for ${doid} (${mapping.disease})`);
    if (row.disease !== mapping.disease)
      fail(`${doid} is ${quote(row.disease)} in PharmacotherapyDB, curated as ${quote(mapping.disease)}`);
    for (const icd of mapping.conditions) {
      if (!conditionIds.has(`condition:${icd}`)) fail(`${doid} maps to condition:${icd}, which the graph does not have`);
    }
  }

  const medications = sources.synthea
    .filter((r) => r.resourceType === 'MedicationRequest' && r.system === SYSTEMS.rxnorm && !r.display.includes(' / '))
    .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  const drugs = new Map<string, Entity>();
  const edgeKeys = new Set<string>();
  const edges: Edge[] = [];
  const rows = sources.indications
    .filter((i) => i.category !== 'NOT' && DISEASE_TO_CONDITIONS[i.doid])
    .sort((a, b) => (a.drugbank < b.drugbank ? -1 : a.drugbank > b.drugbank ? 1 : a.doid < b.doid ? -1 : a.doid > b.doid ? 1 : 0));
  for (const row of rows) {
    const id = `drug:${row.drugbank}`;
    if (!drugs.has(id)) {
      const override = DRUG_NAME_OVERRIDES[row.drug];
      const name = override?.name ?? row.drug;
      const synonyms = [...(override?.synonyms ?? []), ...(DRUG_SYNONYMS[row.drug] ?? [])];
      const names = [name, ...synonyms].map((n) => new RegExp(`\\b${escapeRegExp(n.toLowerCase())}\\b`));
      const rxnorm = medications
        .filter((m) => names.some((re) => re.test(m.display.toLowerCase())))
        .map((m) => ({ system: SYSTEMS.rxnorm, code: m.code, display: m.display }));
      drugs.set(id, {
        id,
        type: 'drug',
        name,
        codes: [...rxnorm, { system: SYSTEMS.drugbank, code: row.drugbank, display: row.drug }],
        synonyms,
      });
    }
    const mapping = DISEASE_TO_CONDITIONS[row.doid];
    for (const icd of mapping?.conditions ?? []) {
      const type = row.category === 'DM' ? 'treats' : 'palliates';
      const key = `${id}|${type}|condition:${icd}`;
      if (edgeKeys.has(key)) continue;
      edgeKeys.add(key);
      edges.push({ source: id, type, target: `condition:${icd}` });
    }
  }

  for (const drug of drugs.values()) {
    const types = new Set(edges.filter((e) => e.source === drug.id).map((e) => e.type));
    if (types.size === 1) drug.category = types.has('treats') ? 'DM' : 'SYM';
  }

  const mapped = Object.entries(DISEASE_TO_CONDITIONS)
    .map(([doid, m]) => `${doid} ${m.disease} -> ${m.conditions.join(', ')}`)
    .join('; ');
  return {
    entities: [...drugs.values()],
    edges,
    notes: [
      `Drugs: PharmacotherapyDB indications (DM -> treats, SYM -> palliates, NOT skipped) of the diseases mapped to graph conditions: ${mapped}.`,
      'RxNorm codes: those of single-ingredient Synthea MedicationRequest displays that contain the drug name or a listed synonym as a whole word, most prescribed first; ' +
        "a drug category (DM/SYM) is set when all of the drug's edges in this graph agree.",
      'Anemia has only "NOT" indications in PharmacotherapyDB, so it has no drug; most other acute DDXPlus conditions have no mapped disease and no drug.',
    ],
  };
}
