/**
 * @file Renders a generated patient as a clinical note in varied natural phrasing: an H&P, a SOAP
 * note or a short narrative, with present findings in several wordings (names and synonyms),
 * pertinent negatives, history, medications, allergies, social history and vital signs.
 *
 * The note never names the presenting diagnosis (that is the label the model must infer); it
 * states only what a clinician would observe before deciding. Every finding is written with a
 * surface form the graph knows, so the linker can find it again; the variety of templates keeps
 * a model from learning the template instead of the findings.
 *
 * Open-set patients (a routine visit, or a problem outside the 49 labels) are written by
 * note-open-set.ts with the same phrasing parts (note-parts.ts).
 */
import type { Entity } from '../kg/types.js';
import type { Random } from '../util/random.js';
import { renderOpenSetNote } from './note-open-set.js';
import {
  ageSex,
  allergenText,
  capitalise,
  duration,
  joinList,
  labsText,
  medicationText,
  negatives,
  noteText,
  surface,
  vitalsText,
} from './note-parts.js';
import type { NoteStyle } from './note-parts.js';
import type { SyntheticPatient } from './sample.js';

export type { NoteStyle } from './note-parts.js';

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
  const general =
    (p.condition?.severity ?? 3) <= 2
      ? rng.pick(['Appears uncomfortable.', 'Ill-appearing.', 'In moderate distress.'])
      : rng.pick(['Alert, in no acute distress.', 'Well-appearing.', 'Alert and oriented.']);
  const cue = p.audio ? EXAM_CUES[p.audio.shown] : undefined;
  if (cue && rng.chance(0.3)) return `${general} ${rng.pick(cue)}`;
  return general;
}

export function renderNote(p: SyntheticPatient, allFindings: readonly Entity[], rng: Random): { text: string; style: NoteStyle } {
  // Open-set visits have their own templates; the draws below are those of every other patient.
  if (p.openSet) return renderOpenSetNote(p, p.openSet, allFindings, rng);
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
  const alsoVerb = rng
    .pick(['Also reports', 'Additionally endorses', 'She/he also notes', 'Associated symptoms include'])
    .replace('She/he', p.sex === 'female' ? 'She' : 'He');
  const negVerb = rng.pick(['Denies', 'No', 'Negative for', 'Patient denies']);
  const negSentence = negWords.length ? `${negVerb} ${joinList(negWords, rng, 'or')}.` : '';
  const alsoSentence = rest.length ? `${alsoVerb} ${joinList(rest, rng)}.` : '';
  const medsText = meds.length ? joinList(meds, rng) : rng.pick(['none', 'no regular medications', 'None.']);
  const allergyText = allergies.length
    ? `${joinList(allergies, rng)} (${rng.pick(['rash', 'hives', 'swelling', 'anaphylaxis'])})`
    : rng.pick(['NKDA', 'No known drug allergies', 'none known']);
  const pmhText = pmh.length ? joinList(pmh, rng) : rng.pick(['unremarkable', 'none', 'no significant past medical history']);
  const historyText = history.length
    ? `${rng.pick(['History notable for', 'Pertinent history:', 'Risk factors:'])} ${joinList(history, rng)}.`
    : '';
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
  return { text: noteText(lines), style };
}
