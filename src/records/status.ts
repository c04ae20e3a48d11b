/**
 * @file FHIR statuses read the way a clinician reads them: what is not read at all, what is
 * history, what holds now (or held at an encounter), and which coded lab results are positive.
 *
 * Why one module: the assembler leaves out what is not read (with a warning naming the resource
 * and its status, src/records/assemble-patient.ts), the featurizer flags facts as current or
 * historical (src/model/features.ts) and the drug rule asks which conditions still hold
 * (src/model/decide.ts through `isActiveFact`). The three must agree, so the rules live here once.
 *
 * Not read (the resource gives no note, fact or result; `unreadStatus`):
 * - any resource whose `status` is `entered-in-error`, and a DocumentReference whose `docStatus` is;
 * - a Condition or AllergyIntolerance whose verificationStatus is `refuted` or `entered-in-error`
 *   (or a Condition whose clinicalStatus says `entered-in-error`);
 * - a `cancelled` DiagnosticReport (its conclusion, presentedForm and results), Observation or
 *   MedicationRequest/MedicationStatement; a `not-taken` MedicationStatement; a `not-done`
 *   Procedure, Communication or Media: what never happened is no evidence; a MedicationRequest
 *   whose intent is `proposal` (a suggestion, such as clinicalbert's own written back).
 * - A `superseded` DocumentReference IS read: it is an earlier version of a document, still what
 *   was written about the patient then (Synthea marks all but the latest note superseded); when
 *   its replacement is in the input too, identical text is kept once (`dedupeNotes`).
 *
 * History (the featurizer's `historical` flag instead of `coded`; `factState`): a Condition
 * resolved, inactive or in remission, an AllergyIntolerance inactive or resolved, a medication
 * stopped or completed. In the record of one encounter (`--unit encounter`) a Condition that held
 * during that encounter is current there whatever its clinicalStatus says now (`heldDuring`).
 */
import type { CodedFact } from './types.js';
import { codingsOf, conceptText, type FhirResource, type fhir4, items, obj, statusOf, str } from './fhir.js';
import { SYSTEMS } from '../util/code-systems.js';

/** Statuses that leave a resource unread, by resource type (`entered-in-error` for every type). */
const UNREAD_STATUS: Readonly<Record<string, readonly string[]>> = {
  DiagnosticReport: ['cancelled'],
  Observation: ['cancelled'],
  MedicationRequest: ['cancelled'],
  MedicationStatement: ['cancelled', 'not-taken'],
  Procedure: ['not-done'],
  Communication: ['not-done'],
  Media: ['not-done'],
};

/** verificationStatus codes that mean the fact was never true. */
const UNREAD_VERIFICATION = new Set(['refuted', 'entered-in-error']);

/**
 * Why a resource is not read at all, as `<field> <code>` (e.g. `status entered-in-error`,
 * `verificationStatus refuted`), or undefined when it is read.
 */
export function unreadStatus(resource: FhirResource): string | undefined {
  const fields = resource as { status?: unknown; docStatus?: unknown };
  const status = str(fields.status);
  if (status === 'entered-in-error' || (status && UNREAD_STATUS[resource.resourceType]?.includes(status))) return `status ${status}`;
  switch (resource.resourceType) {
    case 'MedicationRequest':
      // A proposal is a suggestion, not a drug the patient takes (clinicalbert's own write-back
      // suggestions are proposals: read back, they would feed the model its own output).
      return str((resource as { intent?: unknown }).intent) === 'proposal' ? 'intent proposal' : undefined;
    case 'DocumentReference':
      return str(fields.docStatus) === 'entered-in-error' ? 'docStatus entered-in-error' : undefined;
    case 'Condition':
    case 'AllergyIntolerance': {
      const verification = statusOf(resource.verificationStatus);
      if (verification && UNREAD_VERIFICATION.has(verification)) return `verificationStatus ${verification}`;
      const clinical = statusOf(resource.clinicalStatus);
      return clinical === 'entered-in-error' ? `clinicalStatus ${clinical}` : undefined;
    }
    default:
      return undefined;
  }
}

/** How the featurizer reads a coded fact: current, history, or not at all. */
export type FactState = 'current' | 'history' | 'ignored';

/** Statuses of a fact that make it history (no longer holds, but it did). */
const HISTORY_STATUS: Readonly<Partial<Record<CodedFact['kind'], ReadonlySet<string>>>> = {
  condition: new Set(['resolved', 'inactive', 'remission']),
  allergy: new Set(['inactive', 'resolved']),
  medication: new Set(['stopped', 'completed']),
};

/** Statuses of a fact that mean it never held or was withdrawn (as `unreadStatus`, for facts from any source). */
const IGNORED_STATUS: Readonly<Record<CodedFact['kind'], ReadonlySet<string>>> = {
  condition: new Set(['entered-in-error']),
  allergy: new Set(['entered-in-error']),
  medication: new Set(['entered-in-error', 'cancelled', 'not-taken']),
  observation: new Set(['entered-in-error', 'cancelled']),
  procedure: new Set(['entered-in-error', 'not-done']),
};

/**
 * How a coded fact is read: `ignored` when retracted or never true (facts from FHIR never get
 * here: the assembler does not read such resources, but facts from other sources may),
 * `history` when its status says it no longer holds, else `current`. A condition marked
 * `heldAtEncounter` is current in that encounter's record.
 */
export function factState(fact: CodedFact): FactState {
  if (fact.verification && UNREAD_VERIFICATION.has(fact.verification)) return 'ignored';
  if (fact.status && IGNORED_STATUS[fact.kind]?.has(fact.status)) return 'ignored';
  if (fact.heldAtEncounter) return 'current';
  if (fact.status && HISTORY_STATUS[fact.kind]?.has(fact.status)) return 'history';
  return 'current';
}

/**
 * Whether a condition held at some time during an encounter: its onset (the fact's time) at or
 * before the encounter's end (its start when it has no end) and its abatement absent or after the
 * encounter's start. The end, not the start, bounds the onset because a condition diagnosed at
 * the visit is dated within it (Synthea dates COVID-19 at the end of the visit that found it).
 */
export function heldDuring(fact: CodedFact, start: string | undefined, end: string | undefined): boolean {
  const onset = millis(fact.time);
  const from = millis(start) ?? millis(end);
  const to = millis(end) ?? millis(start);
  if (onset === undefined || from === undefined || to === undefined || onset > to) return false;
  const abatement = millis(fact.abatement);
  return abatement === undefined || abatement > from;
}

function millis(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Code systems of observation interpretation flags (v3, and v2 table 0078 which shares its codes). */
const INTERPRETATION_SYSTEMS = new Set([
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  'http://terminology.hl7.org/CodeSystem/v2-0078',
  'http://hl7.org/fhir/v2/0078',
]);

/** SNOMED qualifier values of a coded result, as v3 interpretation codes. */
const SNOMED_RESULT: Readonly<Record<string, string>> = {
  '10828004': 'POS', // Positive
  '260373001': 'DET', // Detected
  '260385009': 'NEG', // Negative
  '260415000': 'ND', // Not detected
};

/** Words of a result or an interpretation's text, as v3 interpretation codes. */
const RESULT_WORDS: Readonly<Record<string, string>> = {
  positive: 'POS',
  detected: 'DET',
  negative: 'NEG',
  'not detected': 'ND',
  abnormal: 'A',
  normal: 'N',
  high: 'H',
  low: 'L',
};

/** Interpretation codes that make a result evidence (positive, detected, abnormal, high, low). */
const ABNORMAL_INTERPRETATIONS = new Set(['POS', 'DET', 'A', 'AA', 'H', 'HH', 'HU', 'L', 'LL', 'LU']);

/** Whether a normalised interpretation (`CodedFact.interpretation`) makes the result evidence. */
export function isAbnormalInterpretation(code: string | undefined): boolean {
  return code !== undefined && ABNORMAL_INTERPRETATIONS.has(code);
}

function fromConcept(concept: fhir4.CodeableConcept | undefined, flags: boolean): string | undefined {
  for (const c of codingsOf(concept)) {
    if (flags && INTERPRETATION_SYSTEMS.has(c.system)) return c.code.toUpperCase();
    if (c.system === SYSTEMS.snomed && SNOMED_RESULT[c.code]) return SNOMED_RESULT[c.code];
  }
  const text = conceptText(concept)
    ?.toLowerCase()
    .replace(/\([^)]*\)/g, '')
    .trim();
  return text ? RESULT_WORDS[text] : undefined;
}

/**
 * The interpretation of an Observation (or of one component) as a v3 ObservationInterpretation
 * code: its `interpretation` flags (v3 / v2-0078 code, SNOMED positive/detected/negative/not
 * detected, or their words), else its coded value read the same way (SNOMED 260373001 Detected is
 * `DET`, a text "Negative" is `NEG`). Undefined when neither says.
 */
export function interpretationOf(
  interpretation: fhir4.CodeableConcept[] | undefined,
  value: fhir4.CodeableConcept | undefined,
): string | undefined {
  for (const concept of items(interpretation)) {
    const code = fromConcept(concept, true);
    if (code) return code;
  }
  return obj(value) ? fromConcept(value, false) : undefined;
}
