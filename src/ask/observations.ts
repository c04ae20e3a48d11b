/**
 * @file Which measurement an observation question names ("HbA1c", "blood pressure", "BMI",
 * "weight"): the graph's observation entities, found by name or synonym, plus the few names a
 * clinician uses that the graph does not hold.
 *
 * Why a module of its own: the graph's observation lexicon (src/kg/lexicon) was written for notes,
 * where "blood pressure" is always a pair and "weight" is rarely a finding; a question uses those
 * words for one value. The aliases below are the only place that decides what they mean.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { phraseKey } from '../kg/normalize.js';
import type { Entity } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';

/**
 * Question words the graph lacks -> the observation entity they mean. "Blood pressure" means the
 * systolic value (the one a clinician compares first: "over 140"); ask for "diastolic blood
 * pressure" for the other.
 */
export const OBSERVATION_ALIASES: Readonly<Record<string, string>> = {
  'blood pressure': 'observation:8480-6',
  bp: 'observation:8480-6',
  'arterial blood pressure': 'observation:8480-6',
  systolic: 'observation:8480-6',
  diastolic: 'observation:8462-4',
  cholesterol: 'observation:2093-3',
  'cholesterol level': 'observation:2093-3',
  'ldl c': 'observation:18262-6',
  'haemoglobin a1c': 'observation:4548-4',
  'hemoglobin a 1 c': 'observation:4548-4',
  'hb a1c': 'observation:4548-4',
  'glycated haemoglobin': 'observation:4548-4',
  'sugar level': 'observation:2339-0',
  'glucose level': 'observation:2339-0',
  'oxygen saturation level': 'observation:59408-5',
  sats: 'observation:59408-5',
  'o2 sats': 'observation:59408-5',
  'oxygen level': 'observation:59408-5',
  'ejection fraction': 'observation:10230-1',
  ef: 'observation:10230-1',
  'heart rate': 'observation:8867-4',
  'pulse rate': 'observation:8867-4',
  'white count': 'observation:6690-2',
  'body temperature': 'observation:8310-5',
  'body mass index': 'observation:39156-5',
  'd dimer': 'observation:48065-7',
  bnp: 'observation:33762-6',
};

/**
 * Vital signs Synthea records that the graph has no entity for (it keeps the measurements that
 * are abnormal in a condition). Their ids follow the graph's scheme (`observation:<LOINC>`), so
 * an answerer matches a record's Observation by the LOINC code after the colon; `graph.get(id)`
 * does not know them, EXTRA_OBSERVATIONS does.
 */
export const EXTRA_OBSERVATIONS: readonly Entity[] = [
  {
    id: 'observation:29463-7',
    type: 'observation',
    name: 'body weight',
    codes: [{ system: SYSTEMS.loinc, code: '29463-7', display: 'Body weight' }],
    synonyms: ['weight', 'body wt', 'wt'],
    unit: 'kg',
  },
  {
    id: 'observation:8302-2',
    type: 'observation',
    name: 'body height',
    codes: [{ system: SYSTEMS.loinc, code: '8302-2', display: 'Body height' }],
    synonyms: ['height', 'stature', 'ht'],
    unit: 'cm',
  },
];

const aliasByKey = new Map<string, string>(Object.entries(OBSERVATION_ALIASES).map(([form, id]) => [phraseKey(form), id]));

const extraByKey = new Map<string, Entity>();
for (const e of EXTRA_OBSERVATIONS) for (const form of [e.name, ...e.synonyms]) extraByKey.set(phraseKey(form), e);

/** An observation entity by id: the graph's, or one of EXTRA_OBSERVATIONS. */
export function observationById(graph: KnowledgeGraph, id: string): Entity | undefined {
  const hit = graph.get(id);
  if (hit) return hit.type === 'observation' ? hit : undefined;
  return EXTRA_OBSERVATIONS.find((e) => e.id === id);
}

/**
 * The observation named by `words` (already lower-cased, articles removed): the graph's own
 * names and synonyms first, then the aliases, then EXTRA_OBSERVATIONS.
 */
export function findObservation(graph: KnowledgeGraph, words: string): Entity | undefined {
  const key = phraseKey(words);
  if (!key) return undefined;
  const own = graph.findByName(words).find((e) => e.type === 'observation');
  if (own) return own;
  const alias = aliasByKey.get(key);
  if (alias) return observationById(graph, alias);
  return extraByKey.get(key);
}
