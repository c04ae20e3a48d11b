/**
 * @file Types for FHIR JSON as tests read it back: a resource is its `resourceType` and `id` plus
 * fields not yet looked at (`unknown`), a Bundle a list of such resources.
 *
 * Tests compute what the reader should find straight from the files, independently of
 * src/records; these shapes say what they rely on, and every other field has to be narrowed (or
 * cast to one of the small shapes below) where it is used, instead of reading through `any`.
 */

/** A parsed FHIR resource. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [field: string]: unknown;
}

/** A parsed Bundle: its entries, each holding one resource. */
export interface FhirBundle {
  resourceType: string;
  type?: string;
  entry: { fullUrl?: string; resource: FhirResource }[];
}

/** An Attachment (DocumentReference.content[].attachment, DiagnosticReport.presentedForm[], Media.content). */
export interface FhirAttachment {
  contentType?: string;
  data?: string;
  url?: string;
}

/** A Reference (subject, patient, encounter). */
export interface FhirReference {
  reference?: string;
}

/** One resource parsed from JSON text (a line of NDJSON, a Binary file). */
export function parseResource(text: string): FhirResource {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    throw new Error('expected a FHIR resource (an object with a resourceType)');
  }
  return value as FhirResource;
}

/** A Bundle parsed from JSON text. */
export function parseBundle(text: string): FhirBundle {
  const bundle = parseResource(text);
  if (!Array.isArray(bundle.entry)) throw new Error(`expected a Bundle with entries, got a ${bundle.resourceType}`);
  return bundle as unknown as FhirBundle;
}
