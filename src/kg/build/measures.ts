/**
 * @file Observation (LOINC) and allergen entities, and the `abnormal_in` edges from measurements to
 * the conditions they are typically abnormal in, from the curated tables in
 * src/kg/lexicon/observations.ts, with displays from Synthea's code list.
 */
import { ClinicalBertError } from '../../util/errors.js';
import { ALLERGENS, OBSERVATIONS } from '../lexicon/observations.js';
import { SYSTEMS, type Coding, type Edge, type Entity } from '../types.js';
import { roundP } from './rules.js';
import type { Sources } from './sources.js';

export interface MeasureResult {
  entities: Entity[];
  edges: Edge[];
  notes: string[];
}

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

/** LOINC long names for the codes the table adds although Synthea's list lacks them. */
const STANDARD_LOINC_DISPLAY: Readonly<Record<string, string>> = {
  '8480-6': 'Systolic blood pressure',
  '8462-4': 'Diastolic blood pressure',
};

export function buildMeasures(sources: Sources, conditionIds: Set<string>): MeasureResult {
  const display = new Map(sources.synthea.map((r) => [`${r.system}|${r.code}`, r.display]));
  const entities: Entity[] = [];
  const edges: Edge[] = [];

  for (const obs of OBSERVATIONS) {
    const codes: Coding[] = obs.loinc.map((code) => {
      const shown = display.get(`${SYSTEMS.loinc}|${code}`) ?? (obs.standardCode ? STANDARD_LOINC_DISPLAY[code] : undefined);
      if (shown === undefined) fail(`LOINC ${code} (${obs.name}) is not among Synthea's codes and is not marked as a standard code`);
      return { system: SYSTEMS.loinc, code, display: shown };
    });
    const id = `observation:${obs.loinc[0]}`;
    entities.push({
      id,
      type: 'observation',
      name: obs.name,
      codes,
      synonyms: [...obs.synonyms],
      unit: obs.unit,
      normalRange: [obs.normalRange[0], obs.normalRange[1]],
    });
    for (const [icd, p] of Object.entries(obs.abnormalIn)) {
      const target = `condition:${icd}`;
      if (!conditionIds.has(target)) fail(`${obs.name} is abnormal in ${target}, which the graph does not have`);
      edges.push({ source: id, type: 'abnormal_in', target, p: roundP(p), direction: obs.direction });
    }
  }

  for (const allergen of ALLERGENS) {
    const codes: Coding[] = allergen.codes.map(({ system, code }) => {
      const url = SYSTEMS[system];
      const shown = display.get(`${url}|${code}`);
      if (shown === undefined) fail(`allergen code ${code} (${allergen.name}) is not among Synthea's codes`);
      return { system: url, code, display: shown };
    });
    entities.push({
      id: `allergen:${allergen.codes[0]?.code}`,
      type: 'allergen',
      name: allergen.name,
      codes,
      synonyms: [...allergen.synonyms],
    });
  }

  return {
    entities,
    edges,
    notes: [
      'Observations: LOINC vital signs and labs that Synthea records (plus systolic 8480-6 and diastolic 8462-4, the components of its blood-pressure panel), ' +
        'with adult reference ranges. abnormal_in edges are curated textbook associations (src/kg/lexicon/observations.ts); p = P(abnormal | condition), ' +
        'and each measurement is abnormal in one direction only (e.g. low blood pressure in anaphylaxis is deliberately not encoded).',
      'Allergens: the substances of Synthea\'s AllergyIntolerance codes (substance code first, then the "allergy to" finding code); the generic "Allergy to substance" is left out.',
    ],
  };
}
