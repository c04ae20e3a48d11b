/**
 * @file Renders a generated patient as a clinical note in varied natural phrasing: an H&P, a SOAP
 * note or a short narrative, with present findings in several wordings (names and synonyms),
 * pertinent negatives, history, medications, allergies, social history and vital signs.
 *
 * The note never names the presenting diagnosis (that is the label the model must infer); it
 * states only what a clinician would observe before deciding. Every finding is written with a
 * surface form the graph knows, so the linker can find it again; the variety of templates keeps
 * a model from learning the template instead of the findings.
 */
import type { Entity } from '../kg/types.js';
import { SYSTEMS } from '../kg/types.js';
import type { Random } from '../util/random.js';
import type { SyntheticPatient } from './sample.js';
import type { Measurement } from './vitals.js';

export type NoteStyle = 'hp' | 'soap' | 'narrative';

/** Chooses between the entity's name and its written synonyms (never abbreviations in prose). */
function surface(entity: Entity, rng: Random, allowAbbrev = false): string {
  const options = [entity.name.toLowerCase()];
  for (const s of entity.synonyms) {
    const isAbbrev = s.length <= 4 && !s.includes(' ');
    if (s.length > 2 && (allowAbbrev || !isAbbrev) && !options.includes(s)) options.push(s);
  }
  return rng.chance(0.65) ? (options[0] as string) : rng.pick(options);
}

function joinList(items: string[], rng: Random, conj = 'and'): string {
  if (items.length <= 1) return items.join('');
  const head = items.slice(0, -1).join(', ');
  const oxford = items.length > 2 && rng.chance(0.4) ? ',' : '';
  return `${head}${oxford} ${conj} ${items[items.length - 1]}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ageSex(p: SyntheticPatient, rng: Random, short: boolean): string {
  if (short) return `${p.ageYears} yo ${p.sex === 'female' ? 'F' : 'M'}`;
  if (p.ageYears < 2) return `${p.ageYears === 0 ? 'An infant' : 'A 1-year-old'} ${p.sex === 'female' ? 'girl' : 'boy'}`;
  if (p.ageYears < 16) return `A ${p.ageYears}-year-old ${p.sex === 'female' ? 'girl' : 'boy'}`;
  const noun = p.sex === 'female' ? rng.pick(['woman', 'female', 'female patient']) : rng.pick(['man', 'male', 'male patient']);
  return `A ${p.ageYears}-year-old ${noun}`;
}

function duration(rng: Random): string {
  const n = rng.intBetween(1, 10);
  return rng.pick([
    `for the past ${n} days`,
    `for ${n} days`,
    'since yesterday',
    'over the past week',
    `x${n}d`,
    'since this morning',
    `for about ${n} days`,
  ]);
}

function vitalsText(measurements: Measurement[], rng: Random): string {
  const get = (code: string) => measurements.find((m) => m.spec.loinc === code);
  const parts: string[] = [];
  const t = get('8310-5');
  if (t) parts.push(rng.chance(0.5) ? `T ${t.value.toFixed(1)} C` : `Temp ${t.value.toFixed(1)}`);
  const hr = get('8867-4');
  if (hr) parts.push(`${rng.chance(0.5) ? 'HR' : 'pulse'} ${hr.value}`);
  const sbp = get('8480-6');
  const dbp = get('8462-4');
  if (sbp && dbp) parts.push(`BP ${sbp.value}/${dbp.value}`);
  const rr = get('9279-1');
  if (rr) parts.push(`RR ${rr.value}`);
  const sat = get('59408-5');
  if (sat) parts.push(`SpO2 ${sat.value}%${rng.chance(0.5) ? ' on room air' : ''}`);
  const bmi = get('39156-5');
  if (bmi && rng.chance(0.6)) parts.push(`BMI ${bmi.value.toFixed(1)}`);
  return parts.join(', ');
}

function labsText(measurements: Measurement[]): string {
  const labs = measurements.filter((m) => m.spec.lab);
  return labs.map((m) => `${m.spec.label} ${m.value} ${m.spec.unit === 'g/dL' ? 'g/dL' : 'mg/dL'}`).join(', ');
}

/** "lisinopril 10 mg daily" from the drug's RxNorm display where it has one. */
function medicationText(drug: Entity, rng: Random): string {
  const display = drug.codes.find((c) => c.system === SYSTEMS.rxnorm)?.display ?? '';
  const dose = /(\d+(?:\.\d+)?)\s*MG(?!\/)/i.exec(display);
  const name = drug.name.toLowerCase();
  const freq = rng.pick(['daily', 'once daily', 'BID', 'as directed', 'every morning']);
  return dose ? `${name} ${dose[1]} mg ${freq}` : `${name} ${freq}`;
}

function allergenText(allergen: Entity): string {
  return allergen.name.replace(/\s*\((substance|organism|finding|disorder)\)\s*$/i, '').toLowerCase();
}

const EXAM_CUES: Partial<Record<string, string[]>> = {
  wheeze: ['Expiratory wheezes heard bilaterally.', 'Diffuse wheezing on auscultation.'],
  crackles: ['Crackles at the bases.', 'Inspiratory crackles on auscultation.'],
  stridor: ['Inspiratory stridor noted.', 'Audible stridor at rest.'],
  irregular_rhythm: ['Heart rhythm irregularly irregular.', 'Irregular rhythm on auscultation.'],
  tachycardia_regular: ['Regular narrow tachycardia on auscultation.'],
  pericardial_rub: ['A friction rub is audible.', 'Pericardial rub heard at the left sternal border.'],
  murmur: ['Soft systolic murmur.', 'Systolic murmur at the apex.'],
  barking_cough: ['Barking cough noted in the room.'],
  whoop_cough: ['Paroxysmal coughing observed with an inspiratory whoop.'],
};

function examText(p: SyntheticPatient, rng: Random): string {
  const general = (p.condition.severity ?? 3) <= 2 ? rng.pick(['Appears uncomfortable.', 'Ill-appearing.', 'In moderate distress.']) : rng.pick(['Alert, in no acute distress.', 'Well-appearing.', 'Alert and oriented.']);
  const cue = p.audio ? EXAM_CUES[p.audio.shown] : undefined;
  if (cue && rng.chance(0.3)) return `${general} ${rng.pick(cue)}`;
  return general;
}

/** Pertinent negatives: absent evidences of the condition first, then other findings. */
function negatives(p: SyntheticPatient, allFindings: readonly Entity[], rng: Random): Entity[] {
  const present = new Set(p.present.map((e) => e.id));
  const linked = rng.shuffle(p.absentLinked.filter((e) => e.type === 'finding'));
  const others = allFindings.filter((e) => !present.has(e.id) && !linked.includes(e));
  const count = rng.intBetween(1, 4);
  const chosen = linked.slice(0, Math.min(count, rng.intBetween(1, 3)));
  while (chosen.length < count && others.length > 0) {
    const i = rng.int(others.length);
    chosen.push(others.splice(i, 1)[0] as Entity);
  }
  return chosen;
}

export function renderNote(
  p: SyntheticPatient,
  allFindings: readonly Entity[],
  rng: Random,
): { text: string; style: NoteStyle } {
  const style: NoteStyle = rng.pick(['hp', 'hp', 'soap', 'narrative']);
  const short = style === 'soap';
  const symptoms = rng.shuffle(p.present.filter((e) => e.type === 'finding'));
  const antecedents = p.present.filter((e) => e.type === 'antecedent');
  const symptomWords = symptoms.map((e) => surface(e, rng, short));
  const lead = symptomWords.slice(0, Math.min(symptomWords.length, rng.intBetween(1, 2)));
  const rest = symptomWords.slice(lead.length);
  const negWords = negatives(p, allFindings, rng).map((e) => surface(e, rng));
  const pmh = p.chronic.map((c) => c.name.toLowerCase());
  const meds = p.medications.map((m) => medicationText(m.drug, rng));
  const allergies = p.allergies.map(allergenText);
  const history = antecedents.map((e) => surface(e, rng));
  const vitals = vitalsText(p.measurements, rng);
  const labs = labsText(p.measurements);

  const verb = rng.pick(['presents with', 'comes in complaining of', 'is seen for', 'reports', 'presents to clinic with']);
  const alsoVerb = rng.pick(['Also reports', 'Additionally endorses', 'She/he also notes', 'Associated symptoms include']).replace(
    'She/he',
    p.sex === 'female' ? 'She' : 'He',
  );
  const negVerb = rng.pick(['Denies', 'No', 'Negative for', 'Patient denies']);
  const negSentence = negWords.length ? `${negVerb} ${joinList(negWords, rng, 'or')}.` : '';
  const alsoSentence = rest.length ? `${alsoVerb} ${joinList(rest, rng)}.` : '';
  const medsText = meds.length ? joinList(meds, rng) : rng.pick(['none', 'no regular medications', 'None.']);
  const allergyText = allergies.length
    ? `${joinList(allergies, rng)} (${rng.pick(['rash', 'hives', 'swelling', 'anaphylaxis'])})`
    : rng.pick(['NKDA', 'No known drug allergies', 'none known']);
  const pmhText = pmh.length ? joinList(pmh, rng) : rng.pick(['unremarkable', 'none', 'no significant past medical history']);
  const historyText = history.length ? `${rng.pick(['History notable for', 'Pertinent history:', 'Risk factors:'])} ${joinList(history, rng)}.` : '';
  const exam = examText(p, rng);

  const lines: string[] = [];
  if (style === 'hp') {
    lines.push(`CHIEF COMPLAINT: ${capitalise(lead[0] ?? 'follow-up')}.`, '');
    lines.push(
      `HISTORY OF PRESENT ILLNESS: ${ageSex(p, rng, false)} ${verb} ${joinList(lead, rng)} ${duration(rng)}. ${alsoSentence} ${negSentence}`
        .replace(/\s+/g, ' ')
        .trim(),
      '',
    );
    lines.push(`PAST MEDICAL HISTORY: ${capitalise(pmhText)}.`.replace('..', '.'));
    if (historyText) lines.push(historyText);
    lines.push(`MEDICATIONS: ${capitalise(medsText)}.`.replace('..', '.'));
    lines.push(`ALLERGIES: ${allergyText}.`, '');
    lines.push(`VITAL SIGNS: ${vitals}.`);
    if (labs) lines.push(`LABS: ${labs}.`);
    lines.push(`PHYSICAL EXAM: ${exam}`);
  } else if (style === 'soap') {
    const s = `S: ${ageSex(p, rng, true)} c/o ${joinList(lead, rng)} ${duration(rng)}. ${alsoSentence} ${negSentence}`;
    lines.push(s.replace(/\s+/g, ' ').trim());
    lines.push(`PMH: ${pmhText}. ${historyText}`.trim());
    lines.push(`Meds: ${medsText}. Allergies: ${allergyText}.`.replace('..', '.'));
    lines.push(`O: ${vitals}.${labs ? ` Labs: ${labs}.` : ''} ${exam}`);
    lines.push(`A/P: ${rng.pick(['Workup in progress.', 'Further evaluation pending.', 'Will follow up on results.'])}`);
  } else {
    const opener = `${ageSex(p, rng, false)} ${verb} ${joinList(lead, rng)} ${duration(rng)}.`;
    const body = [opener, alsoSentence, negSentence, historyText].filter(Boolean).join(' ');
    lines.push(body);
    lines.push(
      `${capitalise(p.sex === 'female' ? 'her' : 'his')} past history is ${pmhText}. Current medications: ${medsText}. Allergies: ${allergyText}.`.replace(
        '..',
        '.',
      ),
    );
    lines.push(`On examination: ${vitals}. ${exam}${labs ? ` Labs: ${labs}.` : ''}`);
  }
  return { text: `${lines.join('\n').replace(/[ \t]+\n/g, '\n').trim()}\n`, style };
}
