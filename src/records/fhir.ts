/**
 * @file FHIR R4 resources as the records layer reads them: typed by @types/fhir, checked at run time.
 *
 * Why both: the JSON arrives from files nobody vouches for, so any field may hold the wrong type.
 * The R4 types (`fhir4.Condition`, `fhir4.Attachment`, …) say what valid input looks like, so the
 * readers name real fields and the compiler catches a misspelt path; the narrowing helpers here
 * (`str`, `num`, `obj`, `items`) check every value before it is used, so a field of the wrong type
 * is treated as absent instead of throwing: one odd resource must not cost the whole record.
 * Optional chaining on a field that turns out to be a string or a number yields undefined, which
 * the helpers then reject; arrays are only ever walked through `items`.
 *
 * The one check made up front is at the boundary (`asResource`): an object with a string
 * `resourceType`. That discriminant is what lets a `switch (r.resourceType)` pick the R4 type.
 */
import type * as fhir4 from 'fhir/r4.js';
import { isJsonObject, type JsonObject, type SourcePosition } from '../io/types.js';

export type { fhir4 };

/** Any R4 resource, discriminated by `resourceType`. */
export type FhirResource = fhir4.FhirResource;

/** The R4 resource type named `T`, e.g. `ResourceOf<'Patient'>` is `fhir4.Patient`. */
export type ResourceOf<T extends FhirResource['resourceType']> = Extract<FhirResource, { resourceType: T }>;

/** One resource with where it came from, as the assembler handles it. */
export interface ResourceEntry<R extends FhirResource = FhirResource> {
  resource: R;
  /** `Type/id`, the key used in messages and in `resource` fields of the record. */
  key: string;
  position: SourcePosition;
  /** Folder that relative attachment paths resolve against. */
  baseDir: string;
  fullUrl?: string;
}

/**
 * The boundary check: parsed JSON is taken as a resource when it is an object with a string
 * `resourceType`. Nothing else is checked here; every field is checked where it is read.
 */
export function asResource(value: unknown): FhirResource | undefined {
  return isJsonObject(value) && typeof value.resourceType === 'string' ? (value as JsonObject & FhirResource) : undefined;
}

/** A Bundle as the reader classified it (`resourceType` is `Bundle`); its entries are checked when read. */
export function asBundle(value: JsonObject): fhir4.Bundle {
  return value as JsonObject & fhir4.Bundle;
}

/** Narrows an entry by its resource's type. */
export function isEntryOf<T extends FhirResource['resourceType']>(entry: ResourceEntry, type: T): entry is ResourceEntry<ResourceOf<T>> {
  return entry.resource.resourceType === type;
}

/** A non-empty string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** An element (Attachment, Period, Reference, …) when the value really is a JSON object, else undefined. */
export function obj<T extends object>(value: T | null | undefined): T | undefined {
  return isJsonObject(value) ? value : undefined;
}

/**
 * The elements of an array field, index for index (messages name elements by index); an element
 * that is not an object becomes undefined. A field that is not an array has no elements.
 */
export function items<T extends object>(value: readonly T[] | null | undefined): (T | undefined)[] {
  return Array.isArray(value) ? value.map((v: unknown) => (isJsonObject(v) ? (v as T) : undefined)) : [];
}

/** A coding with both a system and a code, as the record keeps it. */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** The codings of a CodeableConcept that have both a system and a code. */
export function codingsOf(concept: fhir4.CodeableConcept | undefined): Coding[] {
  const out: Coding[] = [];
  for (const c of items(obj(concept)?.coding)) {
    const system = str(c?.system);
    const code = str(c?.code);
    if (!system || !code) continue;
    const display = str(c?.display);
    out.push(display ? { system, code, display } : { system, code });
  }
  return out;
}

/** The human-readable name of a CodeableConcept: its text, else the first coding's display. */
export function conceptText(concept: fhir4.CodeableConcept | undefined): string | undefined {
  const o = obj(concept);
  if (!o) return undefined;
  const text = str(o.text);
  if (text) return text;
  for (const c of items(o.coding)) {
    const display = str(c?.display);
    if (display) return display;
  }
  return undefined;
}

/** The first code of a CodeableConcept in `system`, else of any system. */
export function preferredCode(concept: fhir4.CodeableConcept | undefined, system?: string): string | undefined {
  const codings = codingsOf(concept);
  return (codings.find((c) => c.system === system) ?? codings[0])?.code;
}

/** The code of a status CodeableConcept (e.g. clinicalStatus), or a plain status string. */
export function statusOf(value: fhir4.CodeableConcept | string | undefined): string | undefined {
  const concept = typeof value === 'string' ? undefined : value;
  return str(value) ?? codingsOf(concept)[0]?.code ?? str(items(obj(concept)?.coding)[0]?.code);
}

/**
 * Fields that several R4 resource types declare under one name, with their R4 types. Code that
 * handles every resource type alike (its time, its patient and encounter, its attachments) reads
 * a resource through this view; a field its type lacks reads as undefined, as in the JSON.
 */
export type SharedFields = Partial<
  Pick<fhir4.Observation, 'effectiveDateTime' | 'effectivePeriod' | 'effectiveInstant' | 'issued' | 'subject' | 'encounter'> &
    Pick<fhir4.Condition, 'onsetDateTime' | 'onsetPeriod' | 'recordedDate'> &
    Pick<fhir4.Procedure, 'performedDateTime' | 'performedPeriod'> &
    Pick<fhir4.MedicationRequest, 'authoredOn'> &
    Pick<fhir4.Media, 'createdDateTime' | 'createdPeriod'> &
    Pick<fhir4.Immunization, 'occurrenceDateTime'> &
    Pick<fhir4.MedicationStatement, 'dateAsserted'> &
    Pick<fhir4.Communication, 'sent' | 'payload'> &
    Pick<fhir4.Encounter, 'period'> &
    Pick<fhir4.Composition, 'date'> &
    Pick<fhir4.AllergyIntolerance, 'patient'> &
    Pick<fhir4.Coverage, 'beneficiary'> &
    Pick<fhir4.DiagnosticReport, 'presentedForm'>
> & {
  /** DocumentReference.context (R4), or a Reference to the encounter (MedicationStatement, R3 style). */
  context?: fhir4.DocumentReferenceContext | fhir4.Reference;
  /** DocumentReference.content, or Media.content. */
  content?: fhir4.DocumentReferenceContent[] | fhir4.Attachment;
};

/** A resource seen through its shared fields. */
export function sharedFields(resource: FhirResource): SharedFields {
  return resource as SharedFields;
}

/** Where a resource keeps its clinically relevant time, in order of preference. */
const TIME_FIELDS: ((r: SharedFields) => unknown)[] = [
  (r) => r.effectiveDateTime,
  (r) => obj(r.effectivePeriod)?.start,
  (r) => r.effectiveInstant,
  (r) => r.onsetDateTime,
  (r) => obj(r.onsetPeriod)?.start,
  (r) => r.performedDateTime,
  (r) => obj(r.performedPeriod)?.start,
  (r) => r.authoredOn,
  (r) => r.createdDateTime,
  (r) => obj(r.createdPeriod)?.start,
  (r) => r.occurrenceDateTime,
  (r) => r.recordedDate,
  (r) => r.dateAsserted,
  (r) => r.issued,
  (r) => r.date,
  (r) => r.sent,
  (r) => {
    const context = obj(r.context);
    return context && 'period' in context ? obj(context.period)?.start : undefined;
  },
  (r) => obj(r.period)?.start,
];

/** The clinically relevant time of a resource (effective, onset, performed, authored, …). */
export function resourceTime(resource: FhirResource): string | undefined {
  const shared = sharedFields(resource);
  for (const field of TIME_FIELDS) {
    const time = str(field(shared));
    if (time && !Number.isNaN(Date.parse(time))) return time;
  }
  return undefined;
}

/** Milliseconds of an ISO date or date-time, or undefined. */
export function timeValue(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The later of two ISO times (by instant), keeping the original spelling. */
export function laterTime(a: string | undefined, b: string | undefined): string | undefined {
  const ta = timeValue(a);
  const tb = timeValue(b);
  if (ta === undefined) return tb === undefined ? undefined : b;
  if (tb === undefined) return a;
  return tb > ta ? b : a;
}
