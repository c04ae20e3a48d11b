/**
 * @file FHIR references: parsing them, finding a resource's patient and encounter, and resolving
 * them inside a Bundle (or a patient's group of Bulk Data resources).
 *
 * References come in several spellings for the same target: `Patient/123`, `urn:uuid:…` (matched
 * against an entry's `fullUrl`), absolute URLs ending in `Patient/123` (optionally with
 * `/_history/n`), and `#id` for contained resources. Resolution tries the exact `fullUrl` first
 * and then the `Type/id` key, as the FHIR Bundle rules describe.
 */
import { asResource, items, obj, sharedFields, str, type FhirResource, type fhir4, type ResourceEntry } from './fhir.js';

export interface ParsedReference {
  /** `Type/id` when the reference names its type. */
  key?: string;
  type?: string;
  id?: string;
  /** The uuid of a `urn:uuid:` reference. */
  uuid?: string;
  /** A `#id` reference to a contained resource. */
  contained?: string;
}

const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export function parseReference(reference: string): ParsedReference {
  if (reference.startsWith('#')) return { contained: reference.slice(1) };
  const uuid = /^urn:uuid:([0-9a-fA-F-]+)$/.exec(reference);
  if (uuid?.[1]) return { uuid: uuid[1].toLowerCase() };
  const match = TYPE_ID.exec(reference);
  if (match?.[1] && match[2]) return { key: `${match[1]}/${match[2]}`, type: match[1], id: match[2] };
  return {};
}

/** The `reference` string of a Reference. */
export function referenceOf(value: fhir4.Reference | undefined): string | undefined {
  return str(obj(value)?.reference);
}

/** The reference to the patient a resource is about (subject, patient or beneficiary). */
export function patientReferenceOf(resource: FhirResource): string | undefined {
  const r = sharedFields(resource);
  return referenceOf(r.subject) ?? referenceOf(r.patient) ?? referenceOf(r.beneficiary);
}

/** The reference to the encounter a resource belongs to, in the field its type uses. */
export function encounterReferenceOf(resource: FhirResource): string | undefined {
  const r = sharedFields(resource);
  const context = obj(r.context);
  return (
    referenceOf(r.encounter) ??
    referenceOf(context && 'encounter' in context ? items(context.encounter)[0] : undefined) ?? // DocumentReference (R4)
    referenceOf(context && 'reference' in context ? context : undefined) // MedicationStatement, R3-style
  );
}

/** The `Type/id` key of a resource, from its id or else from its Bundle entry's fullUrl. */
export function resourceKey(resource: FhirResource, fullUrl: string | undefined, fallback: string): string {
  const type = str(resource.resourceType) ?? 'Resource';
  const id = str(resource.id);
  if (id) return `${type}/${id}`;
  if (fullUrl) {
    const parsed = parseReference(fullUrl);
    if (parsed.uuid) return `${type}/${parsed.uuid}`;
    if (parsed.id && parsed.type === type) return `${type}/${parsed.id}`;
  }
  return `${type}/${fallback}`;
}

/** Finds the resource a reference points to. Async because a Bulk Data store reads from disk. */
export interface ReferenceResolver {
  resolve(reference: string): Promise<ResourceEntry | undefined>;
}

/** The contained resource a `#id` reference names. */
export function containedResource(container: fhir4.DomainResource, reference: string): FhirResource | undefined {
  const id = parseReference(reference).contained;
  if (id === undefined) return undefined;
  for (const c of items(container.contained)) {
    if (c?.id === id) return asResource(c);
  }
  return undefined;
}

/** An in-memory index of resources by fullUrl, `Type/id` and bare id (for `urn:uuid:` ids). */
export class ResourceIndex implements ReferenceResolver {
  private readonly byUrl = new Map<string, ResourceEntry>();
  private readonly byKey = new Map<string, ResourceEntry>();
  private readonly byId = new Map<string, ResourceEntry | null>();

  constructor(entries: Iterable<ResourceEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: ResourceEntry): void {
    if (entry.fullUrl && !this.byUrl.has(entry.fullUrl)) this.byUrl.set(entry.fullUrl, entry);
    if (!this.byKey.has(entry.key)) this.byKey.set(entry.key, entry);
    const id = entry.key.slice(entry.key.indexOf('/') + 1).toLowerCase();
    // an id shared by two resources cannot be resolved by id alone
    this.byId.set(id, this.byId.has(id) ? null : entry);
  }

  lookup(reference: string): ResourceEntry | undefined {
    const exact = this.byUrl.get(reference);
    if (exact) return exact;
    const parsed = parseReference(reference);
    if (parsed.key) return this.byKey.get(parsed.key);
    if (parsed.uuid) return this.byId.get(parsed.uuid) ?? undefined;
    return undefined;
  }

  resolve(reference: string): Promise<ResourceEntry | undefined> {
    return Promise.resolve(this.lookup(reference));
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** Tries resolvers in order (a patient's own resources, then resources shared by all). */
export function chainResolvers(...resolvers: ReferenceResolver[]): ReferenceResolver {
  return {
    async resolve(reference) {
      for (const r of resolvers) {
        const found = await r.resolve(reference);
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * The grouping key of the patient a reference names: `Patient/<id>`. A `urn:uuid:` reference
 * that no entry resolves becomes `Patient/<uuid>` (Synthea and most servers use the uuid as id).
 * Returns undefined for references that do not name a patient.
 */
export function patientKeyOfReference(reference: string): string | undefined {
  const parsed = parseReference(reference);
  if (parsed.type === 'Patient' && parsed.key) return parsed.key;
  if (parsed.uuid) return `Patient/${parsed.uuid}`;
  return undefined;
}
