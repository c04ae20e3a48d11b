/**
 * @file Renders the note of an open-set patient: a routine visit (annual physical, medication
 * check, follow-up of a chronic condition, well-child visit) or a problem outside the 49 labels
 * (outside-conditions.ts), as an H&P, a SOAP note or a short narrative.
 *
 * The note reads as such a visit: its reason, a few history and examination sentences, sometimes
 * an assessment line. It is built from the same phrasing parts as every other note
 * (note-parts.ts): background findings are written with surface forms the graph knows, pertinent
 * negatives as usual (leaving out findings the problem's own wording speaks of, so a note never
 * says "ankle pain" and "denies pain"), history, medications, allergies and vital signs. It never
 * names one of the 49 labels: the outside problems' wording avoids their surface forms, and the
 * routine templates name only chronic conditions.
 */
import type { Entity } from '../kg/types.js';
import type { Random } from '../util/random.js';
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
  type NoteStyle,
} from './note-parts.js';
import type { OutsideProblem } from './outside-conditions.js';
import type { OpenSetVisit, RoutineVisit, SyntheticPatient } from './sample.js';

/** What the note says about why the patient came, in each of its places. */
interface Reason {
  /** Chief complaint, capitalised, with its full stop. */
  chief: string;
  /** HPI opener after "A 54-year-old woman" ("presents for an annual physical examination"). */
  opener: string;
  /** SOAP subjective after "54 yo F" ("here for an annual physical"). */
  short: string;
  /** History sentences. */
  history: string[];
  /** Examination sentence beyond the general appearance. */
  exam: string;
  /** The general appearance. */
  general: string;
  /** Assessment and plan. */
  assessment: string;
}

/** Keeps each sentence with probability `p`, in order, and at least one. */
function some(items: readonly string[], rng: Random, p = 0.6): string[] {
  const kept = items.filter(() => rng.chance(p));
  return kept.length > 0 || items.length === 0 ? kept : [rng.pick(items)];
}

/**
 * Allergic reactions as other notes write them, except that "anaphylaxis" (one of the 49 labels)
 * is written "severe allergic reaction".
 */
const REACTIONS = ['rash', 'hives', 'swelling', 'severe allergic reaction'];

const WELL = ['Alert, in no acute distress.', 'Well-appearing.', 'Alert and oriented.'];

function outsideReason(problem: OutsideProblem, rng: Random): Reason {
  const complaint = rng.pick(problem.complaints);
  const onset = problem.onset === undefined ? duration(rng) : problem.onset.length > 0 ? rng.pick(problem.onset) : '';
  const verb = problem.followUp
    ? rng.pick(['is seen for', 'presents for', 'comes in for'])
    : rng.pick(['presents with', 'comes in with', 'is seen for', 'reports', 'presents to clinic with']);
  const emergency = problem.setting === 'emergency';
  return {
    chief: `${capitalise(complaint)}.`,
    opener: `${verb} ${complaint}${onset ? ` ${onset}` : ''}`,
    short: `${problem.followUp ? 'here for' : 'c/o'} ${complaint}${onset ? ` ${onset}` : ''}`,
    history: some(problem.history, rng),
    exam: rng.pick(problem.exam),
    general: emergency ? rng.pick(['Appears uncomfortable.', 'Alert, in mild distress.', 'Alert.']) : rng.pick(WELL),
    assessment: rng.pick(problem.assessment),
  };
}

function routineReason(visit: RoutineVisit, p: SyntheticPatient, meds: string[], rng: Random): Reason {
  const chronic = joinList(
    p.chronic.map((c) => c.name.toLowerCase()),
    rng,
  );
  const exam = rng.pick([
    'Heart regular, lungs clear, abdomen soft.',
    'Normal cardiovascular, respiratory and abdominal examination.',
    'Examination unremarkable.',
  ]);
  const general = rng.pick(WELL);
  switch (visit) {
    case 'annual-physical':
      return {
        chief: rng.pick(['Annual physical.', 'Routine health maintenance.', 'Yearly check-up.', 'Wellness visit.']),
        opener: rng.pick([
          'presents for an annual physical examination',
          'is here for a routine health maintenance visit',
          'comes in for a yearly check-up',
          'presents for a routine wellness visit',
        ]),
        short: rng.pick(['here for an annual physical', 'here for a routine check-up']),
        history: some(
          [
            'No new concerns.',
            'Exercises three times a week.',
            'Sleeping well.',
            'Screening tests are up to date.',
            'Diet and exercise reviewed.',
          ],
          rng,
          0.5,
        ),
        exam,
        general,
        assessment: rng.pick([
          'Routine health maintenance. Age-appropriate screening discussed.',
          'Annual examination completed; screening labs ordered.',
          'Health maintenance visit. Continue current lifestyle; return in one year.',
        ]),
      };
    case 'medication-check':
      return {
        chief: rng.pick(['Medication check.', 'Medication review and refills.', 'Prescription renewal.']),
        opener: rng.pick([
          'presents for a medication review',
          'is seen for a medication check and refills',
          'comes in to renew prescriptions',
        ]),
        short: rng.pick(['here for a medication check', 'here for refills']),
        history: some(
          [`Adherent to ${joinList(meds, rng)}.`, 'No side effects reported.', 'Requests refills.', 'Uses a weekly pill organizer.'],
          rng,
        ),
        exam,
        general,
        assessment: rng.pick(['Medications reconciled; refills provided.', 'Medication review completed. Continue current medications.']),
      };
    case 'chronic-follow-up':
      return {
        chief: `${rng.pick(['Follow-up of', 'Routine follow-up for', 'Review of'])} ${chronic}.`,
        opener: `${rng.pick(['is seen for routine follow-up of', 'presents for follow-up of', 'comes in for a scheduled review of'])} ${chronic}`,
        short: `here for follow-up of ${chronic}`,
        history: some(
          ['Doing well on the current plan.', 'Stable since the last visit.', 'Reports good adherence.', 'No interval hospital visits.'],
          rng,
        ),
        exam,
        general,
        assessment: `${capitalise(chronic)}: stable. ${rng.pick(['Continue the current plan', 'No changes today', 'Continue current management'])}; follow up in ${rng.pick(['three', 'six', 'twelve'])} months.`,
      };
    case 'well-child': {
      const parent = rng.pick(['mother', 'father', 'parents', 'grandmother']);
      const teen = p.ageYears >= 12;
      const visitName = teen
        ? rng.pick(['adolescent well visit', 'routine adolescent check-up', 'school sports check-up'])
        : rng.pick(['well-child visit', 'routine well-child check', 'scheduled child health check']);
      const growing =
        p.ageYears < 2
          ? ['Feeding well and gaining weight.', 'Sleeping in long stretches at night.', 'Meeting developmental milestones.']
          : teen
            ? ['Doing well at school.', 'Plays sports twice a week.', 'Sleeping well.']
            : [
                'Growing and developing normally.',
                'Eating a varied diet.',
                'Doing well at school or nursery.',
                'Meeting developmental milestones.',
              ];
      const a = /^[aeiou]/.test(visitName) ? 'an' : 'a';
      return {
        chief: `${capitalise(visitName)}.`,
        opener: `${rng.pick(['is brought in by the', 'comes in with the', 'is seen with the'])} ${parent} for ${a} ${visitName}`,
        short: `here for ${a} ${visitName}`,
        history: some([...growing, 'Immunizations up to date.'], rng),
        exam: rng.pick([
          'Growth along the usual centiles; heart and lungs normal.',
          'Normal examination for age.',
          'Development appropriate for age; examination normal.',
        ]),
        general,
        assessment: rng.pick([
          'Healthy child; growth and development appropriate for age. Anticipatory guidance given.',
          'Well child. Next routine visit as scheduled.',
        ]),
      };
    }
  }
}

/** Lower-case words of four letters or more in a problem's wording (for the negatives filter). */
function problemWords(problem: OutsideProblem): Set<string> {
  const text = [...problem.complaints, ...problem.history, ...problem.exam, ...problem.assessment].join(' ').toLowerCase();
  return new Set(text.match(/[a-z]{4,}/g) ?? []);
}

/** True when none of the finding's written forms shares a word with the problem's wording. */
function unrelatedTo(words: ReadonlySet<string>): (finding: Entity) => boolean {
  return (finding) =>
    ![finding.name, ...finding.synonyms, ...(finding.linkOnly ?? [])].some((form) =>
      (form.toLowerCase().match(/[a-z]{4,}/g) ?? []).some((w) => words.has(w)),
    );
}

export function renderOpenSetNote(
  p: SyntheticPatient,
  openSet: OpenSetVisit,
  allFindings: readonly Entity[],
  rng: Random,
): { text: string; style: NoteStyle } {
  const style: NoteStyle = rng.pick(['hp', 'hp', 'soap', 'narrative']);
  const short = style === 'soap';
  const problem = openSet.kind === 'outside' ? openSet.problem : undefined;
  const own = new Set(problem?.evidences ?? []);
  const symptoms = rng.shuffle(p.present.filter((e) => e.type === 'finding' && !own.has(e.id)));
  const antecedents = p.present.filter((e) => e.type === 'antecedent' && !own.has(e.id));
  const symptomWords = symptoms.map((e) => surface(e, rng, short));
  const negWords = negatives(p, allFindings, rng, problem ? unrelatedTo(problemWords(problem)) : undefined).map((e) => surface(e, rng));
  const pmh = p.chronic.map((c) => c.name.toLowerCase());
  const meds = p.medications.map((m) => medicationText(m.drug, rng));
  const allergies = p.allergies.map(allergenText);
  const history = antecedents.map((e) => surface(e, rng));
  const vitals = vitalsText(p.measurements, rng);
  const labs = labsText(p.measurements);
  const reason = openSet.kind === 'outside' ? outsideReason(openSet.problem, rng) : routineReason(openSet.visit, p, meds, rng);

  const alsoVerb = rng.pick(['Also mentions', 'Incidentally reports', 'Also reports', 'Mentions in passing']);
  const negVerb = rng.pick(['Denies', 'No', 'Negative for', 'Patient denies']);
  const negSentence = negWords.length ? `${negVerb} ${joinList(negWords, rng, 'or')}.` : '';
  const alsoSentence = symptomWords.length
    ? `${alsoVerb} ${joinList(symptomWords, rng)}.`
    : problem
      ? ''
      : rng.pick(['Feels well.', 'Feels well overall.']);
  const medsText = meds.length ? joinList(meds, rng) : rng.pick(['none', 'no regular medications', 'None.']);
  const allergyText = allergies.length
    ? `${joinList(allergies, rng)} (${rng.pick(REACTIONS)})`
    : rng.pick(['NKDA', 'No known drug allergies', 'none known']);
  const pmhText = pmh.length ? joinList(pmh, rng) : rng.pick(['unremarkable', 'none', 'no significant past medical history']);
  const historyText = history.length
    ? `${rng.pick(['History notable for', 'Pertinent history:', 'Risk factors:'])} ${joinList(history, rng)}.`
    : '';
  const exam = `${reason.general} ${reason.exam}`;
  const story = [...reason.history, alsoSentence, negSentence].filter(Boolean).join(' ');
  const assess = rng.chance(0.6);

  const lines: string[] = [];
  if (style === 'hp') {
    lines.push(`CHIEF COMPLAINT: ${reason.chief}`, '');
    lines.push(`HISTORY OF PRESENT ILLNESS: ${ageSex(p, rng, false)} ${reason.opener}. ${story}`.replace(/\s+/g, ' ').trim(), '');
    lines.push(`PAST MEDICAL HISTORY: ${capitalise(pmhText)}.`.replace('..', '.'));
    if (historyText) lines.push(historyText);
    lines.push(`MEDICATIONS: ${capitalise(medsText)}.`.replace('..', '.'));
    lines.push(`ALLERGIES: ${allergyText}.`, '');
    lines.push(`VITAL SIGNS: ${vitals}.`);
    if (labs) lines.push(`LABS: ${labs}.`);
    lines.push(`PHYSICAL EXAM: ${exam}`);
    if (assess) lines.push(`ASSESSMENT AND PLAN: ${reason.assessment}`);
  } else if (style === 'soap') {
    lines.push(`S: ${ageSex(p, rng, true)} ${reason.short}. ${story}`.replace(/\s+/g, ' ').trim());
    lines.push(`PMH: ${pmhText}. ${historyText}`.trim());
    lines.push(`Meds: ${medsText}. Allergies: ${allergyText}.`.replace('..', '.'));
    lines.push(`O: ${vitals}.${labs ? ` Labs: ${labs}.` : ''} ${exam}`);
    lines.push(`A/P: ${assess ? reason.assessment : rng.pick(['Will follow up on results.', 'Routine follow-up.', 'Return as needed.'])}`);
  } else {
    const body = [`${ageSex(p, rng, false)} ${reason.opener}.`, story, historyText].filter(Boolean).join(' ');
    lines.push(body);
    lines.push(
      `${capitalise(p.sex === 'female' ? 'her' : 'his')} past history is ${pmhText}. Current medications: ${medsText}. Allergies: ${allergyText}.`.replace(
        '..',
        '.',
      ),
    );
    lines.push(`On examination: ${vitals}. ${exam}${labs ? ` Labs: ${labs}.` : ''}`);
    if (assess) lines.push(`Assessment: ${reason.assessment}`);
  }
  return { text: noteText(lines), style };
}
