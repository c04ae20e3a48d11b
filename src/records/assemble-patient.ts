/**
 * @file Build the record(s) of one patient from the resources attributed to them: one record per
 * patient, or one per encounter with `unit: 'encounter'`.
 *
 * Both Bundles and Bulk Data groups end here, so the same data gives the same record whichever
 * shape it came in: notes, media and facts are ordered by time, then by resource id, not by input
 * layout. With encounters as the unit, a resource goes to the encounter it references; one without
 * a reference goes to the latest encounter that started at or before its time (the first one when
 * it is older than all); an undated fact without a reference (an allergy, say) is history and goes
 * to every encounter record, an undated note or image to the latest encounter.
 *
 * What is not read because of its status (entered in error, refuted, cancelled…: src/records/status.ts)
 * is left out here, with a warning naming the resource and the status, and so are the results of
 * a DiagnosticReport left out; Binaries they reference are not read as loose ones either. In an
 * encounter's record, a Condition that held during the encounter is marked `heldAtEncounter`.
 *
 * Each record has its own decoded-bytes budget (src/records/record-budget.ts): a resource's
 * attachments count against the record it goes to (its encounter's, placed as above before its
 * attachments are read; an undated one the latest encounter's), while a Binary is still decoded
 * once for the whole group and shared by the records that use it.
 */
import { type AttachmentOptions, withRecordFetcher } from './attachments.js';
import { MAX_RECORD_DECODED_BYTES, RecordBudget } from './record-budget.js';
import type { RecordFetcher } from './fetch-url.js';
import { demographicsOf } from './demographics.js';
import { extractContent, CONTENT_TYPES, dedupeNotes } from './notes.js';
import { extractFacts, FACT_TYPES } from './facts.js';
import {
  type FhirResource,
  type fhir4,
  isEntryOf,
  items,
  laterTime,
  obj,
  type ResourceEntry,
  resourceTime,
  sharedFields,
  str,
  timeValue,
} from './fhir.js';
import { encounterReferenceOf, parseReference, referenceOf, type ReferenceResolver } from './fhir-refs.js';
import { factState, heldDuring, unreadStatus } from './status.js';
import type { SourcePosition } from '../io/types.js';
import type { ClinicalRecord, CodedFact, MediaAttachment, NoteText, RecordUnit } from './types.js';

export { UNITS, type RecordUnit } from './types.js';

export interface AssembleOptions extends AttachmentOptions {
  unit: RecordUnit;
}

export interface PatientGroup {
  /** `Patient/<id>`. */
  patientKey: string;
  /** The Patient resource, when the input has one. */
  patient?: ResourceEntry<fhir4.Patient>;
  /** The other resources attributed to the patient. */
  entries: ResourceEntry[];
  /** Binary resources attributed to this patient only because nothing references them. */
  looseBinaries?: ResourceEntry[];
  resolver: ReferenceResolver;
  source: SourcePosition;
  /** Problems found while grouping (e.g. no Patient resource), put on every record. */
  warnings: string[];
  /** Keys of Binary resources already consumed through references. */
  consumed?: Set<string>;
}

interface Piece {
  notes: NoteText[];
  media: MediaAttachment[];
  facts: CodedFact[];
  warnings: string[];
  encounter?: string;
  time?: string;
  order: number;
}

interface EncounterInfo {
  key: string;
  id: string;
  start?: string;
  end?: string;
  entry: ResourceEntry;
}

/** Attachment URLs of a resource, to tell referenced Binaries from loose ones. */
export function attachmentUrls(resource: FhirResource): string[] {
  // by field name, whatever the type: a DocumentReference's content, a DiagnosticReport's
  // presentedForm, a Communication's payload (and a Media's single content)
  const r = sharedFields(resource);
  const content = Array.isArray(r.content) ? r.content : undefined;
  const attachments: (fhir4.Attachment | undefined)[] = [
    ...items(content).map((c) => c?.attachment),
    ...items(r.presentedForm),
    ...items(r.payload).map((p) => p?.contentAttachment),
  ];
  if (resource.resourceType === 'Media') attachments.push(resource.content);
  return attachments.map((a) => str(obj(a)?.url)).filter((u): u is string => u !== undefined);
}

/**
 * Resources not read because a DiagnosticReport that lists them as results is not read (key of
 * the result -> why, e.g. `result of DiagnosticReport/r1 (status cancelled)`).
 */
async function unreadResults(group: PatientGroup): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of group.entries) {
    if (!isEntryOf(entry, 'DiagnosticReport')) continue;
    const why = unreadStatus(entry.resource);
    if (!why) continue;
    for (const result of items(entry.resource.result)) {
      const ref = referenceOf(result);
      const target = ref ? await group.resolver.resolve(ref) : undefined;
      if (target && !out.has(target.key)) out.set(target.key, `result of ${entry.key} (${why})`);
    }
  }
  return out;
}

/** The Encounters of a group, in input order. */
function encountersOf(group: PatientGroup): EncounterInfo[] {
  const encounters: EncounterInfo[] = [];
  for (const entry of group.entries) {
    if (!isEntryOf(entry, 'Encounter')) continue;
    const period = obj(entry.resource.period);
    const start = str(period?.start) ?? str(period?.end);
    const end = str(period?.end);
    encounters.push({
      key: entry.key,
      id: entry.key.slice('Encounter/'.length),
      entry,
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    });
  }
  return encounters;
}

/** Encounters by start (undated last), ties in input order. */
function byStart(encounters: readonly EncounterInfo[]): EncounterInfo[] {
  return encounters
    .map((e, index) => ({ e, index, t: timeValue(e.start) }))
    .sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity) || a.index - b.index)
    .map((x) => x.e);
}

/**
 * The encounter a piece goes to by its reference, else by its time (the latest encounter that
 * started at or before it; the first when it is older than all); undefined when it has neither.
 */
function encounterOf(
  piece: Pick<Piece, 'encounter' | 'time'>,
  ordered: readonly EncounterInfo[],
  byKey: ReadonlyMap<string, EncounterInfo>,
): EncounterInfo | undefined {
  const referenced = piece.encounter ? byKey.get(piece.encounter) : undefined;
  if (referenced) return referenced;
  const t = timeValue(piece.time);
  if (t === undefined) return undefined;
  let target = ordered[0];
  for (const e of ordered) {
    const s = timeValue(e.start);
    if (s !== undefined && s <= t) target = e;
  }
  return target;
}

async function piecesOf(
  group: PatientGroup,
  shared: AssembleOptions,
  ordered: readonly EncounterInfo[],
  byKey: ReadonlyMap<string, EncounterInfo>,
): Promise<Piece[]> {
  // one fetch budget per group; its URL fetches start together (bounded) and are awaited in order
  const options = withRecordFetcher(shared);
  if (options.fetcher) await prefetch(group, options.fetcher);
  // one decoded-bytes budget per record: the patient's, or each encounter's
  const limit = options.maxRecordDecodedBytes ?? MAX_RECORD_DECODED_BYTES;
  const budgets = new Map<string, RecordBudget>();
  const budgetOf = (piece: Pick<Piece, 'encounter' | 'time'>): RecordBudget => {
    const key = options.unit === 'encounter' ? (encounterOf(piece, ordered, byKey) ?? ordered[ordered.length - 1])?.key : undefined;
    let budget = budgets.get(key ?? '');
    if (!budget) {
      budget = new RecordBudget(limit);
      budgets.set(key ?? '', budget);
    }
    return budget;
  };
  const pieces: Piece[] = [];
  const consumed = group.consumed ?? new Set<string>();
  const resultsUnread = await unreadResults(group);
  const handle = async (entry: ResourceEntry, order: number): Promise<void> => {
    const type = entry.resource.resourceType;
    if (typeof type !== 'string' || (!CONTENT_TYPES.has(type) && !FACT_TYPES.has(type))) return;
    const warnings: string[] = [];
    const warn = (m: string): void => {
      warnings.push(m);
    };
    // where the piece goes decides which record's budget its attachments count against
    const place: Pick<Piece, 'encounter' | 'time'> = {};
    const ref = encounterReferenceOf(entry.resource);
    if (ref) {
      const target = await group.resolver.resolve(ref);
      place.encounter = target?.resource.resourceType === 'Encounter' ? target.key : (parseReference(ref).key ?? ref);
    }
    const time = resourceTime(entry.resource);
    if (time) place.time = time;
    const unread = unreadStatus(entry.resource) ?? resultsUnread.get(entry.key);
    let piece: Piece;
    if (unread) {
      warnings.push(`${entry.key}: ${unread}; not read`);
      // what it points to is not read either, not even as a Binary nobody references
      for (const url of attachmentUrls(entry.resource)) {
        const target = await group.resolver.resolve(url);
        if (target) consumed.add(target.key);
      }
      piece = { notes: [], media: [], facts: [], warnings, order, ...place };
    } else {
      const ctx = { entry, resolver: group.resolver, options, warn, consumed, budget: budgetOf(place) };
      const content = CONTENT_TYPES.has(type) ? await extractContent(ctx) : { notes: [], media: [] };
      const facts = FACT_TYPES.has(type) ? await extractFacts(entry, group.resolver, warn) : [];
      piece = { ...content, facts, warnings, order, ...place };
    }
    pieces.push(piece);
  };
  for (const [i, entry] of group.entries.entries()) await handle(entry, i);
  for (const [i, binary] of (group.looseBinaries ?? []).entries()) {
    if (!consumed.has(binary.key)) await handle(binary, group.entries.length + i);
  }
  return pieces;
}

/** Start every http(s) fetch of the group that the input does not hold; results are kept by the fetcher. */
async function prefetch(group: PatientGroup, fetcher: RecordFetcher): Promise<void> {
  for (const entry of [...group.entries, ...(group.looseBinaries ?? [])]) {
    if (unreadStatus(entry.resource)) continue;
    for (const url of attachmentUrls(entry.resource)) {
      if (!/^https?:\/\//i.test(url) || (await group.resolver.resolve(url))) continue;
      void fetcher.fetch(url);
    }
  }
}

function sortByTime<T extends { time?: string; resource?: string }>(items: T[]): T[] {
  return items
    .map((item, index) => ({ item, index, t: timeValue(item.time) }))
    .sort((a, b) => {
      const dt = (a.t ?? Infinity) - (b.t ?? Infinity);
      if (dt !== 0 && !Number.isNaN(dt)) return dt;
      const ra = a.item.resource ?? '';
      const rb = b.item.resource ?? '';
      return ra < rb ? -1 : ra > rb ? 1 : a.index - b.index;
    })
    .map((x) => x.item);
}

function mediaTime(pieces: Piece[]): Map<MediaAttachment, string | undefined> {
  const m = new Map<MediaAttachment, string | undefined>();
  for (const p of pieces) for (const media of p.media) m.set(media, p.time);
  return m;
}

/**
 * The facts of an encounter's record: a Condition that is history now (resolved, inactive, in
 * remission) but held during the encounter is marked `heldAtEncounter` (a copy: the same fact may
 * be in other records).
 */
function factsAtEncounter(facts: CodedFact[], encounter: EncounterInfo): CodedFact[] {
  return facts.map((f) =>
    f.kind === 'condition' && factState(f) === 'history' && heldDuring(f, encounter.start, encounter.end)
      ? { ...f, heldAtEncounter: true }
      : f,
  );
}

function buildRecord(
  group: PatientGroup,
  pieces: Piece[],
  base: { id: string; encounter?: EncounterInfo; time?: string },
  extraWarnings: string[],
): ClinicalRecord {
  let time = base.time;
  if (!time) for (const p of pieces) time = laterTime(time, p.time);
  const times = mediaTime(pieces);
  const media = sortByTime(pieces.flatMap((p) => p.media).map((m) => ({ m, time: times.get(m), resource: m.resource }))).map((x) => x.m);
  const warnings = [...new Set([...group.warnings, ...extraWarnings, ...pieces.flatMap((p) => p.warnings)])];
  const record: ClinicalRecord = {
    id: base.id,
    patient: group.patientKey,
    source: group.source,
    demographics: demographicsOf(group.patient?.resource, time),
    notes: dedupeNotes(sortByTime(pieces.flatMap((p) => p.notes))),
    media,
    facts: sortByTime(pieces.flatMap((p) => p.facts)),
    warnings,
  };
  if (base.encounter) {
    record.encounter = base.encounter.key;
    record.facts = factsAtEncounter(record.facts, base.encounter);
  }
  if (time) record.time = time;
  return record;
}

/** The record(s) of one patient. */
export async function assemblePatient(group: PatientGroup, options: AssembleOptions): Promise<ClinicalRecord[]> {
  const encounters = encountersOf(group);
  const ordered = byStart(encounters);
  const byKey = new Map(ordered.map((e) => [e.key, e]));
  const pieces = await piecesOf(group, options, ordered, byKey);
  const patientId = group.patientKey.slice(group.patientKey.indexOf('/') + 1);
  let latestStart: string | undefined;
  for (const e of encounters) latestStart = laterTime(latestStart, e.start);

  if (options.unit === 'patient') {
    return [buildRecord(group, pieces, { id: patientId, ...(latestStart ? { time: latestStart } : {}) }, [])];
  }
  if (encounters.length === 0) {
    return [buildRecord(group, pieces, { id: patientId }, [`${group.patientKey}: no Encounter resources; one record for the patient`])];
  }
  const assigned = new Map<string, Piece[]>(ordered.map((e) => [e.key, []]));
  const latest = ordered[ordered.length - 1] as EncounterInfo;
  let unknownRefs = 0;
  for (const piece of pieces) {
    if (piece.encounter && !byKey.has(piece.encounter)) unknownRefs++;
    const target = encounterOf(piece, ordered, byKey);
    if (target) {
      assigned.get(target.key)?.push(piece);
    } else if (piece.notes.length === 0 && piece.media.length === 0) {
      for (const list of assigned.values()) list.push(piece);
    } else {
      assigned.get(latest.key)?.push(piece);
    }
  }
  const extra =
    unknownRefs > 0 ? [`${group.patientKey}: ${unknownRefs} resource(s) reference an encounter not in the input; placed by time`] : [];
  return ordered.map((e) =>
    buildRecord(group, assigned.get(e.key) ?? [], { id: e.id, encounter: e, ...(e.start ? { time: e.start } : {}) }, extra),
  );
}
