/**
 * @file Group the resources of Bulk Data files (one resource per line, one file per type) by
 * patient, with bounded memory, so each patient can be assembled like a Bundle.
 *
 * An export holds each resource type in its own file, so one patient's resources are spread over
 * all of them: an external join. Loading everything would not scale to a real export, so:
 *
 * 1. Spill. Each line goes, as its raw text with a small header (sequence number, file, line,
 *    patient key), to one of `buckets` files in a temporary folder, chosen by a hash of the
 *    patient key. Medication and Binary lines, which belong to no patient but are referenced,
 *    go to a shared file; memory keeps only their byte offsets. Other unattributable lines
 *    (Organization, Practitioner, …) are counted and skipped.
 *    A Binary is never a patient's line of its own: its `securityContext` names the resource it
 *    belongs to (`DocumentReference/x` usually, a Patient, or a `urn:uuid:`), kept in a small
 *    index, and at drain time a patient gets the Binaries whose context is the patient or one of
 *    its resources (as loose Binaries: attached unless a resource already references them).
 * 2. Drain. Bucket files are read one at a time; a bucket larger than `maxBucketBytes` is first
 *    split again by a different hash, up to three times. The lines of one bucket are grouped by
 *    patient and handed out patient by patient; the bucket file is then deleted.
 *
 *    A patient whose lines pass `bound.maxPatientBytes` is not held: from there on its lines go
 *    through a streaming reducer (src/records/patient-bound.ts) that keeps the newest notes,
 *    Observations per code and facts, and the record says what was left out.
 *
 * Scope: a Bulk Data id names one resource within one export, not across exports. An export is
 * one folder (the folder of its files: a folder input, or the folder of `*.ndjson` files given
 * one by one; stdin is one), so resources join by patient, and references resolve, within their
 * folder only. The same Patient id in two folders (two systems' exports, or two nights') makes
 * two records, each warning that the id is in the other folder too; two Patient resources of one
 * id in one export (Patient.000 and Patient.001 both holding it) are one patient with a warning
 * naming their positions. Both groups of a shared id land in the same bucket (the bucket hash is
 * of the id alone), so telling them apart costs no memory.
 *
 * Memory bound: one bucket's lines (at most `maxBucketBytes` of text and their parsed form; one
 * patient at most `bound.maxPatientBytes` plus what its reducer keeps), plus one small index
 * entry per Medication or Binary resource (two for a Binary with a securityContext) and per input
 * file, and the shared resources the patient being assembled looked up (each read and parsed once
 * for the patient, up to SHARED_MEMO_BYTES of their text). Disk: one copy of the input, in a private folder (src/util/temp-folder.ts: 0700, files
 * 0600, named with the PID so a later run removes it if this one is killed). `close()` removes it.
 * Output order is deterministic: by bucket, then by the position of the patient's first line.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ResourceItem } from '../io/types.js';
import { makeTempFolder, removeTempFolder } from '../util/temp-folder.js';
import type { PatientGroup } from './assemble-patient.js';
import { asResource, type fhir4, isEntryOf, type ResourceEntry, str } from './fhir.js';
import {
  chainResolvers,
  parseReference,
  patientKeyOfReference,
  patientReferenceOf,
  referenceOf,
  resourceKey,
  ResourceIndex,
  type ReferenceResolver,
} from './fhir-refs.js';
import { DEFAULT_PATIENT_BOUND, type PatientBound, PatientReducer, type SpilledLine } from './patient-bound.js';

/** Prefix of the spill folders in the temp folder (`<prefix><pid>-XXXXXX`). */
export const SPILL_PREFIX = 'clinicalbert-group-';

export interface BulkGrouperOptions {
  /** Parent folder for the spill folder (default: the OS temp folder). */
  tempDir?: string;
  /** Largest bucket loaded at once before it is split again (default 64 MiB). */
  maxBucketBytes?: number;
  /** Number of first-level buckets (default 64). */
  buckets?: number;
  /** The per-patient memory bound (default DEFAULT_PATIENT_BOUND; any field may be given alone). */
  bound?: Partial<PatientBound>;
}

export type AddResult =
  | { kind: 'queued' }
  | { kind: 'shared' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'invalid'; code: string; reason: string };

/** A patient's group from the drain, with how many input lines it holds (for accounting). */
export interface BulkGroup {
  group: PatientGroup;
  lines: number;
}

const SHARED_TYPES = new Set(['Medication', 'Binary']);
const SPLIT_WAYS = 16;
const MAX_SPLIT_LEVEL = 3;

/** 32-bit FNV-1a: fast, stable across runs and platforms. */
function fnv1a(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** An unpaired UTF-16 surrogate (ill-formed Unicode, which encodeURIComponent refuses). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

class SpillFile {
  private readonly stream: WriteStream;
  bytes = 0;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  }
  async write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    if (this.stream.closed) return;
    this.stream.end();
    await once(this.stream, 'close');
  }
}

function parseSpilled(raw: string): SpilledLine | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const tab = raw.indexOf('\t', start);
    if (tab < 0) return undefined;
    parts.push(raw.slice(start, tab));
    start = tab + 1;
  }
  const [seq, file, line, key] = parts;
  return { seq: Number(seq), file: Number(file), line: Number(line), key: decodeURIComponent(key ?? ''), text: raw.slice(start) };
}

export class BulkGrouper {
  private dir: string | undefined;
  private readonly buckets: (SpillFile | undefined)[];
  private readonly maxBucketBytes: number;
  private readonly bound: PatientBound;
  private readonly files: { file: string; baseDir: string; scope: number }[] = [];
  private readonly fileIndex = new Map<string, number>();
  /** The folder of each scope (one export: see the file comment), by scope number. */
  private readonly scopes: string[] = [];
  private shared: SpillFile | undefined;
  private sharedHandle: FileHandle | undefined;
  /** Shared (Medication, Binary) lines by scoped key (`<scope>\t<Type/id>`). */
  private readonly sharedIndex = new Map<string, { offset: number; length: number; file: number; line: number }>();
  /** Binary keys by the scoped key of the resource their securityContext names: `Type/id`, or `uuid:<id>` for a `urn:uuid:`. */
  private readonly binariesByContext = new Map<string, string[]>();
  private seq = 0;
  private draining = false;
  private sharedReadCount = 0;

  constructor(private readonly options: BulkGrouperOptions = {}) {
    this.buckets = new Array<SpillFile | undefined>(Math.max(1, options.buckets ?? 64)).fill(undefined);
    this.maxBucketBytes = options.maxBucketBytes ?? 64 * 1024 * 1024;
    this.bound = { ...DEFAULT_PATIENT_BOUND, ...options.bound };
  }

  /** Number of resources held in the shared (Medication/Binary) store. */
  get sharedCount(): number {
    return this.sharedIndex.size;
  }

  private async folder(): Promise<string> {
    this.dir ??= await makeTempFolder(SPILL_PREFIX, this.options.tempDir ?? tmpdir());
    return this.dir;
  }

  private fileId(file: string, baseDir: string): number {
    const k = `${baseDir}\u0000${file}`;
    let id = this.fileIndex.get(k);
    if (id === undefined) {
      id = this.files.length;
      let scope = this.scopes.indexOf(baseDir);
      if (scope < 0) scope = this.scopes.push(baseDir) - 1;
      this.files.push({ file, baseDir, scope });
      this.fileIndex.set(k, id);
    }
    return id;
  }

  private scopeOf(file: number): number {
    return this.files[file]?.scope ?? 0;
  }

  /** How a scope is named in warnings: its folder, or `-` for stdin without --base-dir. */
  private scopeName(scope: number): string {
    return this.scopes[scope] || '-';
  }

  /** Queue one Bulk Data resource line. */
  async add(item: ResourceItem): Promise<AddResult> {
    if (this.draining) throw new Error('BulkGrouper.add after groups() started');
    const r = asResource(item.resource);
    // cannot happen: the reader let only objects with a valid resourceType through
    if (!r) return { kind: 'invalid', code: 'NOT_A_RESOURCE', reason: 'no valid resourceType; not a FHIR resource' };
    const type = r.resourceType;
    let key: string | undefined;
    if (type === 'Patient') {
      const id = str(r.id);
      if (!id) return { kind: 'invalid', code: 'NO_ID', reason: 'Patient resource without an id cannot be joined with its resources' };
      key = `Patient/${id}`;
    } else if (type !== 'Binary') {
      const ref = patientReferenceOf(r);
      if (ref) {
        key = patientKeyOfReference(ref);
        if (!key) return { kind: 'skipped', reason: `subject is not a Patient (${parseReference(ref).type ?? 'unresolved'})` };
      }
    }
    // a lone surrogate cannot be percent-encoded for the spill file (URIError): the line is a dead
    // letter, never the run's end
    if (key !== undefined && LONE_SURROGATE.test(key)) {
      return {
        kind: 'invalid',
        code: 'BAD_ID',
        reason: `${type} id or patient reference holds a lone UTF-16 surrogate; not valid Unicode`,
      };
    }
    const text = item.text ?? JSON.stringify(r);
    const file = this.fileId(item.position.file, item.baseDir);
    const line = item.position.line ?? 0;
    if (!key) {
      if (!SHARED_TYPES.has(type)) return { kind: 'skipped', reason: `no patient reference (${type})` };
      const id = str(r.id);
      const context = type === 'Binary' ? contextKeyOf(referenceOf((r as fhir4.Binary).securityContext)) : undefined;
      // a Binary without an id can still follow its securityContext
      if (!id && !context) return { kind: 'skipped', reason: `${type} without an id cannot be referenced` };
      const rkey = id ? `${type}/${id}` : `${type}/line-${file}-${line}`;
      const scope = this.scopeOf(file);
      if (this.sharedIndex.has(scoped(scope, rkey))) return { kind: 'skipped', reason: `duplicate ${type} id` };
      this.shared ??= new SpillFile(join(await this.folder(), 'shared.ndjson'));
      const offset = this.shared.bytes;
      const body = `${text}\n`;
      await this.shared.write(body);
      this.sharedIndex.set(scoped(scope, rkey), { offset, length: Buffer.byteLength(body) - 1, file, line });
      if (context) {
        const list = this.binariesByContext.get(scoped(scope, context));
        if (list) list.push(rkey);
        else this.binariesByContext.set(scoped(scope, context), [rkey]);
      }
      return { kind: 'shared' };
    }
    const b = fnv1a(key) % this.buckets.length;
    let bucket = this.buckets[b];
    if (!bucket) {
      bucket = new SpillFile(join(await this.folder(), `bucket-${b}.spill`));
      this.buckets[b] = bucket;
    }
    await bucket.write(`${this.seq++}\t${file}\t${line}\t${encodeURIComponent(key)}\t${text}\n`);
    return { kind: 'queued' };
  }

  /** Shared-store lines read from disk and parsed so far (for tests and diagnostics). */
  get sharedReads(): number {
    return this.sharedReadCount;
  }

  /**
   * The shared resources of one scope, for one patient's group. Each is read and parsed once for
   * the group (the 300 Media of one Binary read it once, not 300 times), up to
   * SHARED_MEMO_BYTES of their text held; past that, one is read again at each lookup.
   */
  private sharedResolver(scope: number): ReferenceResolver {
    const memo = new Map<string, ResourceEntry | undefined>();
    let held = 0;
    return {
      resolve: async (reference) => {
        const parsed = parseReference(reference);
        const keys = parsed.key ? [parsed.key] : parsed.uuid ? [...SHARED_TYPES].map((t) => `${t}/${parsed.uuid}`) : [];
        for (const key of keys) {
          const indexKey = scoped(scope, key);
          const at = this.sharedIndex.get(indexKey);
          if (!at || !this.shared) continue;
          if (memo.has(indexKey)) return memo.get(indexKey);
          this.sharedHandle ??= await open(this.shared.path, 'r');
          const buffer = Buffer.alloc(at.length);
          await this.sharedHandle.read(buffer, 0, at.length, at.offset);
          this.sharedReadCount++;
          const resource = asResource(JSON.parse(buffer.toString('utf8')));
          const origin = this.files[at.file];
          const entry: ResourceEntry | undefined = resource && {
            resource,
            key,
            position: { file: origin?.file ?? '?', line: at.line },
            baseDir: origin?.baseDir ?? '.',
          };
          if (held + at.length <= SHARED_MEMO_BYTES) {
            memo.set(indexKey, entry);
            held += at.length;
          }
          return entry;
        }
        return undefined;
      },
    };
  }

  /** Hand out the patients' groups, one bucket in memory at a time. Call once, after all adds. */
  async *groups(): AsyncGenerator<BulkGroup> {
    this.draining = true;
    await this.shared?.close();
    for (const bucket of this.buckets) await bucket?.close();
    for (const bucket of this.buckets) {
      if (bucket) yield* this.drain(bucket.path, 0);
    }
  }

  private async *drain(path: string, level: number): AsyncGenerator<BulkGroup> {
    const size = (await stat(path)).size;
    if (size > this.maxBucketBytes && level < MAX_SPLIT_LEVEL) {
      const parts = await this.split(path, level);
      await unlink(path);
      for (const part of parts) {
        // a part that got everything holds one patient (or colliding keys): splitting cannot help
        if (part.bytes === size) yield* this.load(part.path);
        else yield* this.drain(part.path, level + 1);
      }
      return;
    }
    yield* this.load(path);
  }

  private async split(path: string, level: number): Promise<SpillFile[]> {
    const parts = new Map<number, SpillFile>();
    for await (const raw of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      const spilled = parseSpilled(raw);
      if (!spilled) continue;
      const n = fnv1a(spilled.key, level + 1) % SPLIT_WAYS;
      let part = parts.get(n);
      if (!part) {
        part = new SpillFile(`${path}.${n}`);
        parts.set(n, part);
      }
      await part.write(`${raw}\n`);
    }
    for (const part of parts.values()) await part.close();
    return [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  }

  private async *load(path: string): AsyncGenerator<BulkGroup> {
    interface Held {
      patientKey: string;
      scope: number;
      first: number;
      source: { file: number; line: number };
      lines: SpilledLine[];
      count: number;
      chars: number;
      reducer?: PatientReducer;
    }
    const byKey = new Map<string, Held>();
    for await (const raw of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      const spilled = parseSpilled(raw);
      if (!spilled) continue;
      const scope = this.scopeOf(spilled.file);
      const groupKey = scoped(scope, spilled.key);
      let g = byKey.get(groupKey);
      if (!g) {
        g = {
          patientKey: spilled.key,
          scope,
          first: spilled.seq,
          source: { file: spilled.file, line: spilled.line },
          lines: [],
          count: 0,
          chars: 0,
        };
        byKey.set(groupKey, g);
      }
      g.count++;
      if (g.reducer) {
        g.reducer.add(spilled);
        continue;
      }
      g.lines.push(spilled);
      g.chars += spilled.text.length;
      if (g.chars > this.bound.maxPatientBytes) {
        // past the bound: from here on the patient's lines are reduced on the way, not held
        g.reducer = new PatientReducer(this.bound);
        for (const l of g.lines) g.reducer.add(l);
        g.lines = [];
      }
    }
    await unlink(path);
    const ordered = [...byKey.values()].sort((a, b) => a.first - b.first);
    byKey.clear();
    // the scopes of each patient id, for the ids in more than one
    const scopesOf = new Map<string, number[]>();
    for (const g of ordered) scopesOf.set(g.patientKey, [...(scopesOf.get(g.patientKey) ?? []), g.scope]);
    for (const g of ordered) {
      const { patientKey } = g;
      const lines = g.reducer ? g.reducer.kept() : g.lines;
      const group = await this.toGroup(patientKey, lines, this.sharedResolver(g.scope), g.source, g.scope);
      const scopes = scopesOf.get(patientKey) ?? [];
      if (scopes.length > 1) {
        const folders = scopes.map((s) => this.scopeName(s)).sort();
        group.warnings.push(
          `${patientKey} is in ${scopes.length} exports (${folders.join(', ')}): a Bulk Data id names a patient within one export ` +
            'only, so each export makes a record of its own',
        );
      }
      if (g.reducer) group.warnings.push(g.reducer.warning(patientKey));
      yield { group, lines: g.count };
      g.lines = [];
      g.reducer = undefined;
    }
  }

  private async toGroup(
    patientKey: string,
    lines: SpilledLine[],
    shared: ReferenceResolver,
    firstSeen: { file: number; line: number },
    scope: number,
  ): Promise<PatientGroup> {
    let patient: ResourceEntry<fhir4.Patient> | undefined;
    const morePatients: ResourceEntry[] = [];
    const entries: ResourceEntry[] = [];
    const binaries: ResourceEntry[] = [];
    for (const l of lines) {
      let resource: fhir4.FhirResource | undefined;
      try {
        resource = asResource(JSON.parse(l.text));
      } catch {
        continue; // cannot happen: the reader parsed this line before it was spilled
      }
      if (!resource) continue;
      const origin = this.files[l.file];
      const entry: ResourceEntry = {
        resource,
        key: resourceKey(resource, undefined, `line-${l.line}`),
        position: { file: origin?.file ?? '?', line: l.line },
        baseDir: origin?.baseDir ?? '.',
      };
      if (isEntryOf(entry, 'Patient')) {
        if (patient) morePatients.push(entry);
        else patient = entry;
      } else if (resource.resourceType === 'Binary') binaries.push(entry);
      else entries.push(entry);
    }
    await this.addContextBinaries(patientKey, entries, binaries, shared, scope);
    const local = new ResourceIndex(patient ? [patient, ...entries, ...binaries] : [...entries, ...binaries]);
    const warnings = patient ? [] : [`no Patient resource for ${patientKey} in the input; demographics unknown`];
    if (patient && morePatients.length > 0) {
      const at = (e: ResourceEntry) => `${e.position.file} line ${e.position.line}`;
      const shown = [patient, ...morePatients].slice(0, 3).map(at).join(', ');
      warnings.push(
        `${patientKey}: ${morePatients.length + 1} Patient resources in one export (${shown}${morePatients.length > 2 ? ', …' : ''}); ` +
          'read as one patient, demographics from the first',
      );
    }
    const firstOrigin = this.files[firstSeen.file];
    return {
      patientKey,
      entries,
      looseBinaries: binaries,
      resolver: chainResolvers(local, shared),
      source: patient?.position ?? { file: firstOrigin?.file ?? '?', line: firstSeen.line },
      warnings,
      consumed: new Set<string>(),
      ...(patient ? { patient } : {}),
    };
  }

  /** Adds to `binaries` the shared Binaries whose securityContext is the patient or one of `entries`. */
  private async addContextBinaries(
    patientKey: string,
    entries: readonly ResourceEntry[],
    binaries: ResourceEntry[],
    shared: ReferenceResolver,
    scope: number,
  ): Promise<void> {
    if (this.binariesByContext.size === 0) return;
    const seen = new Set(binaries.map((b) => b.key));
    for (const key of [patientKey, ...entries.map((e) => e.key)]) {
      const id = key.slice(key.indexOf('/') + 1).toLowerCase();
      const byContext = [
        ...(this.binariesByContext.get(scoped(scope, key)) ?? []),
        ...(this.binariesByContext.get(scoped(scope, `uuid:${id}`)) ?? []),
      ];
      for (const binaryKey of byContext) {
        if (seen.has(binaryKey)) continue;
        seen.add(binaryKey);
        const found = await shared.resolve(binaryKey);
        if (found) binaries.push({ ...found, key: binaryKey });
      }
    }
  }

  /** Remove the spill folder (also after an early stop). */
  async close(): Promise<void> {
    await this.sharedHandle?.close().catch(() => undefined);
    this.sharedHandle = undefined;
    await this.shared?.close().catch(() => undefined);
    for (const bucket of this.buckets) await bucket?.close().catch(() => undefined);
    if (this.dir) await removeTempFolder(this.dir);
    this.dir = undefined;
  }

  /** The spill folder, while it exists (for tests and diagnostics). */
  get spillFolder(): string | undefined {
    return this.dir;
  }
}

/** Bytes of text of the shared resources (Medication, Binary) one patient's group keeps parsed: 64 MiB. */
const SHARED_MEMO_BYTES = 64 * 1024 * 1024;

/** A key within one scope: `<scope>\t<key>`. */
function scoped(scope: number, key: string): string {
  return `${scope}\t${key}`;
}

/**
 * The index key of the resource a Binary's securityContext names: `Type/id`, or `uuid:<uuid>` for a
 * `urn:uuid:` reference (in Bulk Data a uuid is the target's id, whatever its type).
 */
function contextKeyOf(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  const parsed = parseReference(reference);
  if (parsed.key) return parsed.key;
  if (parsed.uuid) return `uuid:${parsed.uuid}`;
  return undefined;
}
