/**
 * @file Coded facts of one resource: Condition, MedicationRequest / MedicationStatement,
 * AllergyIntolerance, Observation (each component a fact of its own, as in blood pressure) and
 * Procedure, with all their codings as the source wrote them, their statuses (clinical and
 * verification), a Condition's abatement and an Observation's interpretation (how these are read:
 * src/records/status.ts).
 *
 * A medication given by reference is looked up among the resource's contained resources and then
 * in the Bundle or export; one that cannot be found is a warning, kept as text when it has a display.
 */
import { codingsOf, conceptText, type fhir4, items, num, obj, type ResourceEntry, sharedFields, statusOf, str } from './fhir.js';
import { containedResource, referenceOf, type ReferenceResolver } from './fhir-refs.js';
import { interpretationOf } from './status.js';
import type { CodedFact } from './types.js';

type Kind = CodedFact['kind'];

/** The first of the candidate times that is a non-empty string (the candidates in order of preference). */
function firstTime(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const v = str(c);
    if (v) return v;
  }
  return undefined;
}

function fact(
  kind: Kind,
  concept: fhir4.CodeableConcept | undefined,
  resource: string,
  more: Partial<CodedFact> = {},
): CodedFact | undefined {
  const codings = codingsOf(concept);
  const text = conceptText(concept);
  if (codings.length === 0 && !text) return undefined;
  const f: CodedFact = { kind, codings, resource };
  if (text) f.text = text;
  for (const [k, v] of Object.entries(more)) if (v !== undefined) (f as unknown as Record<string, unknown>)[k] = v;
  return f;
}

/** Numeric or textual value of an Observation or of one of its components. */
function observationValue(o: fhir4.Observation | fhir4.ObservationComponent): Pick<CodedFact, 'value' | 'unit' | 'valueText'> {
  const q = obj(o.valueQuantity);
  const value = num(q?.value);
  if (value !== undefined) return { value, unit: str(q?.unit) ?? str(q?.code) };
  const integer = num(o.valueInteger);
  if (integer !== undefined) return { value: integer };
  const concept = conceptText(o.valueCodeableConcept);
  if (concept) return { valueText: concept };
  const s = str(o.valueString);
  if (s) return { valueText: s };
  if (typeof o.valueBoolean === 'boolean') return { valueText: String(o.valueBoolean) };
  return {};
}

async function medicationConcept(
  r: fhir4.MedicationRequest | fhir4.MedicationStatement,
  key: string,
  resolver: ReferenceResolver,
  warn: (m: string) => void,
): Promise<fhir4.CodeableConcept | undefined> {
  if (r.medicationCodeableConcept !== undefined) return r.medicationCodeableConcept;
  const ref = referenceOf(r.medicationReference);
  if (!ref) return undefined;
  const medication = ref.startsWith('#') ? containedResource(r, ref) : (await resolver.resolve(ref))?.resource;
  if (medication?.resourceType === 'Medication' && medication.code !== undefined) return medication.code;
  const display = str(obj(r.medicationReference)?.display);
  const problem = !medication
    ? `medication ${ref.startsWith('#') ? 'contained ' : ''}reference not found in the input`
    : medication.resourceType === 'Medication'
      ? 'the referenced Medication has no code'
      : `the medication reference points to a ${String(medication.resourceType)}`;
  warn(`${key}: ${problem}${display ? '; kept its display text' : ''}`);
  return display ? { text: display } : undefined;
}

/** The coded facts of one resource (none for types that carry no facts). */
export async function extractFacts(entry: ResourceEntry, resolver: ReferenceResolver, warn: (m: string) => void): Promise<CodedFact[]> {
  const r = entry.resource;
  const key = entry.key;
  const out: CodedFact[] = [];
  const push = (f: CodedFact | undefined): void => {
    if (f) out.push(f);
  };
  switch (r.resourceType) {
    case 'Condition':
      push(
        fact('condition', r.code, key, {
          status: statusOf(r.clinicalStatus),
          verification: statusOf(r.verificationStatus),
          time: firstTime(r.onsetDateTime, obj(r.onsetPeriod)?.start, r.recordedDate),
          abatement: firstTime(r.abatementDateTime, obj(r.abatementPeriod)?.start),
        }),
      );
      break;
    case 'MedicationRequest':
    case 'MedicationStatement': {
      const concept = await medicationConcept(r, key, resolver, warn);
      // either type's time fields, whichever the resource has (authoredOn is a request's, the rest a statement's)
      const when = sharedFields(r);
      push(
        fact('medication', concept, key, {
          status: str(r.status),
          time: firstTime(when.authoredOn, when.effectiveDateTime, obj(when.effectivePeriod)?.start, when.dateAsserted),
        }),
      );
      break;
    }
    case 'AllergyIntolerance':
      push(
        fact('allergy', r.code, key, {
          status: statusOf(r.clinicalStatus),
          verification: statusOf(r.verificationStatus),
          time: firstTime(r.onsetDateTime, r.recordedDate),
        }),
      );
      break;
    case 'Observation': {
      const common = {
        status: str(r.status),
        time: firstTime(r.effectiveDateTime, obj(r.effectivePeriod)?.start, r.effectiveInstant, r.issued),
      };
      const own = observationValue(r);
      const components = items(r.component).filter((c) => c !== undefined);
      if (Object.keys(own).length > 0 || components.length === 0) {
        push(
          fact('observation', r.code, key, {
            ...common,
            ...own,
            interpretation: interpretationOf(r.interpretation, r.valueCodeableConcept),
          }),
        );
      }
      for (const c of components) {
        const interpretation = interpretationOf(c.interpretation, c.valueCodeableConcept);
        push(fact('observation', c.code, key, { ...common, ...observationValue(c), interpretation }));
      }
      break;
    }
    case 'Procedure':
      push(
        fact('procedure', r.code, key, {
          status: str(r.status),
          time: firstTime(r.performedDateTime, obj(r.performedPeriod)?.start),
        }),
      );
      break;
    default:
      break;
  }
  return out;
}

export const FACT_TYPES = new Set([
  'Condition',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Observation',
  'Procedure',
]);
