/**
 * @file Draws one synthetic patient from the knowledge graph, the way DDXPlus built its patients:
 * a presenting condition by prior, its evidences by their probabilities (plus a small background
 * rate of unrelated ones), antecedents, age and sex; then comorbid chronic conditions with their
 * treatments, allergies, vital signs, and which image and audio patterns the record carries.
 *
 * The result is plain data with no rendering: the note, the FHIR resources and the labels are all
 * made from it, so they can never disagree. Each patient has its own random stream
 * (`Random.derive(seed, 'patient', index)`), so patient 12 is the same whether 20 or 1,000 are
 * generated.
 *
 * The helpers after `samplePatient` (ids, dates, background evidences, comorbidities, allergies,
 * media) each draw from their own stream; open-set.ts draws patients with no acute condition, or
 * with a problem outside the labels, from the same helpers.
 */
import type { Entity } from '../kg/types.js';
import { Random } from '../util/random.js';
import type { AudioPattern } from './audio.js';
import type { ImagePattern } from './chest-image.js';
import { GeneratorGraphView } from './graph-view.js';
import type { OutsideProblem } from './outside-conditions.js';
import { CHRONIC_IMAGE_PATTERNS, INCIDENTAL_AUDIO_RATE, INCIDENTAL_IMAGE_RATE, PRESENTATIONS, type Presentation } from './presentation.js';
import { drawMeasurements, type Measurement } from './vitals.js';
import { SYSTEMS } from '../util/code-systems.js';

/** Evidences only a female patient of childbearing age can have (DDXPlus ids). */
const FEMALE_ONLY_EVIDENCES: ReadonlySet<string> = new Set(['finding:E_145', 'finding:E_163', 'antecedent:E_11', 'antecedent:E_167']);

export function plausibleFor(evidence: Entity, sex: 'female' | 'male', ageYears: number): boolean {
  return !FEMALE_ONLY_EVIDENCES.has(evidence.id) || (sex === 'female' && ageYears >= 13 && ageYears <= 55);
}

/** Visits fall in the year before this date; fixed so output never depends on the clock. */
export const REFERENCE_DATE = Date.UTC(2026, 0, 1);

/** How many chronic conditions a patient carries, by probability. */
const COMORBIDITY_COUNTS = [0.45, 0.3, 0.17, 0.08];
/** Probability that a diagnosed chronic condition is being treated with a drug. */
const TREATED_RATE = 0.75;
const ALLERGY_RATE = 0.22;

/** A routine visit with no acute problem. */
export type RoutineVisit = 'annual-physical' | 'medication-check' | 'chronic-follow-up' | 'well-child';

/** What brought an open-set patient in: nothing acute, or a problem outside the 49 labels. */
export type OpenSetVisit = { kind: 'no-acute'; visit: RoutineVisit } | { kind: 'outside'; problem: OutsideProblem };

export interface SyntheticPatient {
  index: number;
  patientId: string;
  encounterId: string;
  sex: 'female' | 'male';
  ageYears: number;
  birthDate: string;
  /** ISO date-time of the visit. */
  visitTime: string;
  /** The presenting acute condition (the diagnosis label); null for an open-set patient. */
  condition: Entity | null;
  /** Why an open-set patient came (no acute condition, or a problem outside the labels); else null. */
  openSet: OpenSetVisit | null;
  /** Evidences drawn as present (findings and antecedents), sorted by id. */
  present: Entity[];
  /** Evidences of the presenting condition drawn as absent, sorted by id. */
  absentLinked: Entity[];
  chronic: Entity[];
  /** Drugs the patient currently takes, with the condition each treats. */
  medications: { drug: Entity; forCondition: Entity }[];
  /** Drugs indicated for the patient's conditions: the drug-recommendation ground truth. */
  recommended: Entity[];
  allergies: Entity[];
  measurements: Measurement[];
  image?: { pattern: ImagePattern; shown: ImagePattern };
  audio?: { pattern: AudioPattern; shown: AudioPattern };
}

export function presentationOf(condition: Entity): Presentation {
  const code = GeneratorGraphView.icd10(condition);
  return (code && PRESENTATIONS[code]) || {};
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The drug a clinician would reach for first for a condition: disease-modifying, coded, by id. */
export function firstLineDrug(view: GeneratorGraphView, conditionId: string): Entity | undefined {
  const options = view.drugsFor(conditionId);
  const coded = options.find((o) => GeneratorGraphView.code(o.drug, SYSTEMS.rxnorm));
  return (coded ?? options[0])?.drug;
}

/** A patient drawn with an acute condition (the diagnosis label). */
export type LabelledPatient = SyntheticPatient & { condition: Entity; openSet: null };

export function samplePatient(view: GeneratorGraphView, seed: number, index: number): LabelledPatient {
  const rng = Random.derive(seed, 'patient', index);
  const condition = view.acute[rng.weightedIndex(view.acute.map((c) => c.prior ?? 1))] as Entity;
  const presentation = presentationOf(condition);

  const [minAge, maxAge] = presentation.ages ?? [18, 85];
  const ageYears = rng.intBetween(minAge, maxAge);
  const sex = rng.chance(presentation.female ?? 0.5) ? 'female' : 'male';
  const visit = drawVisitDates(rng, ageYears);

  // Evidences: linked ones by their probability, every other one at the background rate.
  const linked = view.evidencesFor(condition.id);
  const linkedIds = new Set(linked.map((l) => l.entity.id));
  const present: Entity[] = [];
  const absentLinked: Entity[] = [];
  for (const { entity, p } of linked) {
    // Draw first so an implausible evidence does not shift the stream for the others.
    const drawn = rng.chance(p);
    if (!plausibleFor(entity, sex, ageYears)) continue;
    (drawn ? present : absentLinked).push(entity);
  }
  const symptoms = linked.filter((l) => l.entity.type === 'finding');
  if (!present.some((e) => e.type === 'finding') && symptoms.length > 0) {
    // DDXPlus patients always have at least one symptom: keep the most likely one.
    const best = symptoms.reduce((a, b) => (b.p > a.p ? b : a));
    present.push(best.entity);
    absentLinked.splice(absentLinked.indexOf(best.entity), 1);
  }
  present.push(...drawBackgroundEvidences(view, seed, index, sex, ageYears, linkedIds));
  present.sort(byId);

  const { chronic, medications } = drawChronic(view, seed, index, ageYears, { exclude: condition.id });
  return {
    index,
    ...drawIds(seed, index),
    sex,
    ageYears,
    ...visit,
    condition,
    openSet: null,
    present,
    absentLinked,
    chronic,
    medications,
    recommended: recommendedDrugs(view, [condition, ...chronic]),
    allergies: drawAllergies(view, seed, index),
    measurements: drawMeasurements(Random.derive(seed, 'vitals', index), abnormalLoinc(view, [condition, ...chronic]), ageYears, sex),
    ...drawMedia(seed, index, presentation, chronic),
  };
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : 1);

/**
 * The parts of a patient every kind of visit draws the same way, each from its own stream:
 * the helpers below are shared with the open-set patients (open-set.ts).
 */

/** Patient and encounter ids (`ids` stream). */
export function drawIds(seed: number, index: number): { patientId: string; encounterId: string } {
  const ids = Random.derive(seed, 'ids', index);
  return { patientId: ids.uuid(), encounterId: ids.uuid() };
}

/** Visit time in the year before REFERENCE_DATE and a birth date that gives `ageYears` then. */
export function drawVisitDates(rng: Random, ageYears: number): { visitTime: string; birthDate: string } {
  const visitMs = REFERENCE_DATE - rng.int(365) * 86_400_000 - rng.int(10 * 3600) * 1000 - 7 * 3600_000;
  const birthMs = visitMs - ageYears * 365.25 * 86_400_000 - rng.int(360) * 86_400_000;
  return { visitTime: new Date(visitMs).toISOString().replace('.000Z', 'Z'), birthDate: isoDate(birthMs) };
}

/** Every evidence not in `exclude`, each at the graph's background rate (`background` stream). */
export function drawBackgroundEvidences(
  view: GeneratorGraphView,
  seed: number,
  index: number,
  sex: 'female' | 'male',
  ageYears: number,
  exclude: ReadonlySet<string>,
): Entity[] {
  const background = Random.derive(seed, 'background', index);
  const out: Entity[] = [];
  for (const evidence of view.evidences) {
    const drawn = background.chance(view.backgroundRate(evidence));
    if (drawn && !exclude.has(evidence.id) && plausibleFor(evidence, sex, ageYears)) out.push(evidence);
  }
  return out;
}

/**
 * Comorbid chronic conditions and the drugs treating them (`chronic` stream). `include` is a
 * chronic condition the visit is about (an outside problem such as a knee osteoarthritis flare):
 * it joins the drawn ones before treatment is drawn.
 */
export function drawChronic(
  view: GeneratorGraphView,
  seed: number,
  index: number,
  ageYears: number,
  options: { exclude?: string; include?: Entity } = {},
): { chronic: Entity[]; medications: { drug: Entity; forCondition: Entity }[] } {
  const chronicRng = Random.derive(seed, 'chronic', index);
  const nChronic = ageYears < 18 ? Math.min(1, chronicRng.weightedIndex(COMORBIDITY_COUNTS)) : chronicRng.weightedIndex(COMORBIDITY_COUNTS);
  const chronic: Entity[] = [];
  const pool = view.chronic.filter((c) => c.id !== options.exclude);
  for (let k = 0; k < nChronic && pool.length > 0; k++) {
    const i = chronicRng.weightedIndex(pool.map((c) => c.prior ?? 1));
    chronic.push(pool.splice(i, 1)[0] as Entity);
  }
  if (options.include && !chronic.some((c) => c.id === options.include?.id)) chronic.push(options.include);
  chronic.sort(byId);
  const medications: { drug: Entity; forCondition: Entity }[] = [];
  for (const c of chronic) {
    const drug = firstLineDrug(view, c.id);
    if (drug && chronicRng.chance(TREATED_RATE) && !medications.some((m) => m.drug.id === drug.id)) {
      medications.push({ drug, forCondition: c });
    }
  }
  return { chronic, medications };
}

/** The first-line drug of each condition, by id: the drug-recommendation ground truth. */
export function recommendedDrugs(view: GeneratorGraphView, conditions: readonly Entity[]): Entity[] {
  const recommended = new Map<string, Entity>();
  for (const c of conditions) {
    const drug = firstLineDrug(view, c.id);
    if (drug) recommended.set(drug.id, drug);
  }
  return [...recommended.values()].sort(byId);
}

/** At most one allergy (`allergy` stream). */
export function drawAllergies(view: GeneratorGraphView, seed: number, index: number): Entity[] {
  const allergyRng = Random.derive(seed, 'allergy', index);
  const allergies: Entity[] = [];
  if (view.allergens.length > 0 && allergyRng.chance(ALLERGY_RATE)) allergies.push(allergyRng.pick(view.allergens));
  return allergies;
}

/** LOINC codes the graph says are abnormal in any of these conditions. */
export function abnormalLoinc(view: GeneratorGraphView, conditions: readonly Entity[]): Set<string> {
  const abnormal = new Set<string>();
  for (const c of conditions) {
    for (const obsId of view.abnormalObservations(c.id)) {
      const obs = view.get(obsId);
      for (const code of obs?.codes ?? []) if (code.system === SYSTEMS.loinc) abnormal.add(code.code);
    }
  }
  return abnormal;
}

/**
 * Which image and audio the record carries (`media` stream): the condition's own pattern when its
 * presentation has one, else an incidental normal study (or a chronic condition's own trace).
 */
export function drawMedia(
  seed: number,
  index: number,
  presentation: Presentation,
  chronic: readonly Entity[],
): Pick<SyntheticPatient, 'image' | 'audio'> {
  const media = Random.derive(seed, 'media', index);
  let image: SyntheticPatient['image'];
  const chronicImage = chronic
    .map((c) => CHRONIC_IMAGE_PATTERNS[GeneratorGraphView.code(c, SYSTEMS.snomed)?.code ?? ''])
    .find((p) => p !== undefined);
  const imageProfile = presentation.image;
  const uImage = media.float();
  const uImageShown = media.float();
  if (imageProfile && uImage < imageProfile.attach) {
    image = { pattern: imageProfile.pattern, shown: uImageShown < imageProfile.visible ? imageProfile.pattern : 'normal' };
  } else if (uImage > 1 - INCIDENTAL_IMAGE_RATE) {
    const p = chronicImage ?? 'normal';
    image = { pattern: p, shown: p };
  }
  let audio: SyntheticPatient['audio'];
  const audioProfile = presentation.audio;
  const uAudio = media.float();
  const uAudioShown = media.float();
  const incidentalAudio: AudioPattern = media.chance(0.5) ? 'normal_breath' : 'normal_heart';
  if (audioProfile && uAudio < audioProfile.attach) {
    const normal: AudioPattern = isCardiac(audioProfile.pattern) ? 'normal_heart' : 'normal_breath';
    audio = { pattern: audioProfile.pattern, shown: uAudioShown < audioProfile.visible ? audioProfile.pattern : normal };
  } else if (uAudio > 1 - INCIDENTAL_AUDIO_RATE) {
    audio = { pattern: incidentalAudio, shown: incidentalAudio };
  }
  return { ...(image ? { image } : {}), ...(audio ? { audio } : {}) };
}

const CARDIAC_PATTERNS: ReadonlySet<string> = new Set([
  'normal_heart',
  'tachycardia_regular',
  'irregular_rhythm',
  'pericardial_rub',
  'murmur',
]);

/** Seen in the emergency department: a severe acute condition, or an outside problem seen there. */
export function isEmergencyVisit(p: SyntheticPatient): boolean {
  if (p.openSet) return p.openSet.kind === 'outside' && p.openSet.problem.setting === 'emergency';
  return (p.condition?.severity ?? 3) <= 2;
}

export function isCardiac(pattern: AudioPattern): boolean {
  return CARDIAC_PATTERNS.has(pattern);
}
