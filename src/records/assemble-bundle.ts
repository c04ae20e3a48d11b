/**
 * @file Turn one Bundle (or one single-resource JSON file) into records: group its entries by
 * the patient they are about, then assemble each patient.
 *
 * Entries are attributed through their subject / patient / beneficiary reference, resolved inside
 * the Bundle (`fullUrl`, `Type/id`, `urn:uuid:`). A Bundle with no Patient cannot be attributed
 * and fails ("Bundle without a Patient"), except when all its resources name one and the same
 * patient: then that id is used, with a warning that demographics are unknown. Resources about
 * nobody (Organization, Practitioner, Medication, Binary…) stay available to references.
 */
import type { BundleItem, ResourceItem, SourcePosition } from '../io/types.js';
import { assemblePatient, type AssembleOptions, attachmentUrls, type PatientGroup } from './assemble-patient.js';
import { asBundle, asResource, type fhir4, isEntryOf, items, type ResourceEntry, str } from './fhir.js';
import { parseReference, patientKeyOfReference, patientReferenceOf, referenceOf, resourceKey, ResourceIndex } from './fhir-refs.js';
import { countTypes, REFERENCE_DATA_TYPES } from './reference-data.js';
import type { RecordItem } from './types.js';

interface Draft {
  key: string;
  patient?: ResourceEntry<fhir4.Patient>;
  entries: ResourceEntry[];
  /** Binaries about this patient (securityContext): attached only if no resource references them. */
  binaries: ResourceEntry[];
}

/** Assemble the records of a Bundle item or a standalone resource item. */
export async function* assembleBundle(item: BundleItem | ResourceItem, options: AssembleOptions): AsyncGenerator<RecordItem> {
  const position: SourcePosition = item.position;
  const isBundle = item.kind === 'bundle';
  const rawEntries: (fhir4.BundleEntry | undefined)[] = isBundle
    ? items(asBundle(item.bundle).entry)
    : [{ resource: asResource(item.resource) }];
  const bundleWarnings: string[] = [];
  const entries: ResourceEntry[] = [];
  let badEntries = 0;
  for (const [index, raw] of rawEntries.entries()) {
    const resource = asResource(raw?.resource);
    if (!resource) {
      badEntries++;
      continue;
    }
    const fullUrl = str(raw?.fullUrl);
    const entryPosition: SourcePosition = isBundle ? { ...position, entry: index } : { ...position };
    entries.push({
      resource,
      key: resourceKey(resource, fullUrl, isBundle ? `entry-${index}` : 'unknown'),
      position: entryPosition,
      baseDir: item.baseDir,
      ...(fullUrl ? { fullUrl } : {}),
    });
  }
  if (badEntries > 0) bundleWarnings.push(`${badEntries} Bundle entr${badEntries === 1 ? 'y has' : 'ies have'} no resource; skipped`);

  const index = new ResourceIndex(entries);
  const drafts = new Map<string, Draft>();
  for (const e of entries) {
    if (isEntryOf(e, 'Patient') && !drafts.has(e.key)) drafts.set(e.key, { key: e.key, patient: e, entries: [], binaries: [] });
  }
  const patientCount = drafts.size;
  const loose: ResourceEntry[] = [];
  const referenced = new Set<string>();
  /** The draft key each attributed entry went to (Binaries follow their securityContext here). */
  const attributed = new Map<ResourceEntry, string>();
  const binaries: ResourceEntry<fhir4.Binary>[] = [];
  for (const e of entries) {
    if (e.resource.resourceType === 'Patient') {
      attributed.set(e, e.key);
      continue;
    }
    for (const url of attachmentUrls(e.resource)) {
      const target = index.lookup(url);
      if (target) referenced.add(target.key);
    }
    if (isEntryOf(e, 'Binary')) {
      binaries.push(e);
      continue;
    }
    const ref = patientReferenceOf(e.resource);
    let key: string | undefined;
    if (ref) {
      const target = index.lookup(ref);
      key = target?.resource.resourceType === 'Patient' ? target.key : target ? undefined : patientKeyOfReference(ref);
    }
    if (!key) {
      loose.push(e);
      continue;
    }
    let draft = drafts.get(key);
    if (!draft) {
      draft = { key, entries: [], binaries: [] };
      drafts.set(key, draft);
    }
    draft.entries.push(e);
    attributed.set(e, key);
  }
  for (const e of binaries) {
    const draft = drafts.get(binaryPatientKey(e, index, attributed) ?? '');
    if (draft) draft.binaries.push(e);
    else loose.push(e);
  }

  const what = isBundle ? 'Bundle' : `${entries[0]?.key ?? 'resource'}`;
  if (patientCount === 0) {
    const keys = [...drafts.keys()];
    if (keys.length === 0 && entries.length > 0 && entries.every((e) => REFERENCE_DATA_TYPES.has(e.resource.resourceType))) {
      yield {
        kind: 'skipped',
        position,
        code: 'REFERENCE_DATA_ONLY',
        reason: `${isBundle ? 'Bundle' : what} of reference data only (${countTypes(entries.map((e) => e.resource.resourceType))}): no patient, nothing to predict; skipped`,
      };
      return;
    }
    if (keys.length === 0) {
      yield {
        kind: 'failure',
        position,
        code: 'NO_PATIENT',
        reason: isBundle
          ? `Bundle without a Patient: no resource in it references a patient, so none can be attributed (${entries.length} resource(s))`
          : `${what} without a Patient: it references no patient, so it cannot be attributed`,
      };
      return;
    }
    if (keys.length > 1) {
      const shown = keys.slice(0, 3).join(', ') + (keys.length > 3 ? ', …' : '');
      yield {
        kind: 'failure',
        position,
        code: 'NO_PATIENT',
        reason: `${isBundle ? 'Bundle' : what} without a Patient: its resources reference ${keys.length} different patients (${shown})`,
      };
      return;
    }
  }

  const looseBinaries = loose.filter((e) => e.resource.resourceType === 'Binary' && !referenced.has(e.key));
  const single = drafts.size === 1;
  if (!single && looseBinaries.length > 0) {
    bundleWarnings.push(`${looseBinaries.length} Binary resource(s) neither referenced nor attributable to one patient; ignored`);
  }
  for (const draft of drafts.values()) {
    const warnings = [...bundleWarnings];
    if (!draft.patient) {
      warnings.push(
        patientCount === 0
          ? `no Patient resource in the ${isBundle ? 'Bundle' : 'file'}; all resources reference ${draft.key}, used as the record's patient (demographics unknown)`
          : `no Patient resource for ${draft.key} in the Bundle; demographics unknown`,
      );
    }
    const source = draft.patient?.position ?? draft.entries[0]?.position ?? position;
    const group: PatientGroup = {
      patientKey: draft.key,
      entries: draft.entries,
      resolver: index,
      source,
      warnings,
      consumed: new Set<string>(),
      ...(draft.patient ? { patient: draft.patient } : {}),
      looseBinaries: [...draft.binaries, ...(single ? looseBinaries : [])],
    };
    try {
      for (const record of await assemblePatient(group, options)) yield { kind: 'record', record };
    } catch (error) {
      yield {
        kind: 'failure',
        position: source,
        recordId: draft.key.slice(draft.key.indexOf('/') + 1),
        code: 'ASSEMBLY_ERROR',
        reason: `assembling ${draft.key} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`,
      };
    }
  }
}

/**
 * The draft key of the patient a Binary belongs to, through its `securityContext`: the Patient
 * it names, or the patient of the resource it names (a DocumentReference, usually). An
 * unresolved `Patient/x` names x; an unresolved `urn:uuid:` or other resource names nobody.
 */
function binaryPatientKey(
  binary: ResourceEntry<fhir4.Binary>,
  index: ResourceIndex,
  attributed: ReadonlyMap<ResourceEntry, string>,
): string | undefined {
  const ref = referenceOf(binary.resource.securityContext);
  if (!ref) return undefined;
  const target = index.lookup(ref);
  if (target) return attributed.get(target);
  return parseReference(ref).type === 'Patient' ? patientKeyOfReference(ref) : undefined;
}
