/**
 * @file A FHIR R4 server as a source (`analyze --fhir <base>`): the same raw items as files, so
 * records from a server are assembled, predicted and dead-lettered exactly as the same Bundles
 * read from disk.
 *
 * Two ways to read:
 *
 * - Search (default). `Patient?_count=N`, following `next` links; for each patient its record by
 *   `Patient/{id}/$everything` when the CapabilityStatement offers it, else by one search per
 *   type the assembler reads (`Condition?patient=Patient/{id}`, …, each paged); either way plus
 *   reads of the Medication and Binary resources they reference and did not return. The patient's resources become one in-memory
 *   `collection` Bundle, a `bundle` item like an NDJSON line. Its position (`source.file` of the
 *   output line) is the patient's URL, `[base]/Patient/{id}`, whichever way it was read.
 * - Bulk Data (`--fhir-export system|patient|group/<id>`). Kick-off with `Prefer: respond-async`
 *   (`_type`, `_since`), status polls honouring Retry-After (bounded by `maxWaitMs`) and reporting
 *   X-Progress, downloads of the output files (`parallel` at a time, each whole or the run
 *   fails: never a silently partial export) into a private temporary folder, read by the Bulk
 *   folder reader (src/io/sources.ts) and joined by patient downstream like any Bulk folder; the
 *   job is deleted on the server and the folder removed at the end. Positions name the output
 *   file's URL and line.
 * - Incremental export (`_since`, from `--since` or `--state`). Its files hold only the resources
 *   that changed, so a patient with one new Condition would become a record without its Patient
 *   and its history. The files are therefore read only for the patients they touch (a Patient's
 *   id; the `subject`/`patient` of any other resource; a Binary's `securityContext` when it names
 *   a Patient), and each of those patients is then read whole by the search-mode code
 *   (`$everything` or per-type searches), so the record predicted is the same as a full read of
 *   that patient. Resources that belong to no patient (Medication, Organization) touch none;
 *   unreadable lines of the files are still dead letters.
 *
 * Failures that stop every request (401, 403, a bad base URL, an export that cannot start or
 * finish) throw a `FhirServerError`; one patient whose record cannot be read becomes an `error`
 * item (a dead letter) and the run goes on. `onComplete` is called only after the last item was
 * handed out, with the export's `transactionTime`: the caller's sign that the read was whole.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTempFolder, removeTempFolder } from '../util/temp-folder.js';
import { FhirHttp, FhirServerError, type FhirHttpOptions, sleep } from './fhir-http.js';
import { readSources } from './sources.js';
import type { JsonObject, SourceItem } from './types.js';

/** `system`, `patient`, or `group/<id>`. */
export type FhirExportLevel = 'system' | 'patient' | `group/${string}`;

export interface FhirSourceOptions extends FhirHttpOptions {
  /** Read by Bulk Data `$export` at this level instead of searching. */
  export?: FhirExportLevel;
  /** Resource types to export (`_type`); all when unset. */
  types?: readonly string[];
  /** Only resources changed after this instant (`_since`). */
  since?: string;
  /** Page size asked for searches (default 50). */
  pageSize?: number;
  /** Longest total wait for an export to be ready (default 1 h). */
  maxWaitMs?: number;
  /** Output files downloaded at once (default 2). */
  parallel?: number;
  /** Largest output file downloaded (default 16 GiB). */
  maxFileBytes?: number;
  /** Parent of the private download folder (default the OS temp folder). */
  tempDir?: string;
  /** Told what the source is doing: export progress, retries (one line each, no patient data). */
  onLog?: (message: string) => void;
  /** Called once every item was handed out, with the export's transactionTime (search: undefined). */
  onComplete?: (done: { transactionTime?: string }) => void;
}

export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_MAX_WAIT_MS = 60 * 60 * 1000;
export const DEFAULT_PARALLEL_DOWNLOADS = 2;
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 ** 3;
/** Prefix of the download folder (src/util/temp-folder.ts): `<TMPDIR>/clinicalbert-fhir-<pid>-XXXXXX`. */
export const FHIR_TEMP_PREFIX = 'clinicalbert-fhir-';

/** The types whose resources the assembler reads (src/records/assemble-patient.ts), searched per patient. */
export const PATIENT_SEARCH_TYPES = [
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Procedure',
  'DocumentReference',
  'DiagnosticReport',
  'Media',
  'Communication',
] as const;

type Json = JsonObject;

/** Stream the raw items of a FHIR server, searched or exported. */
export async function* readFhirServer(options: FhirSourceOptions): AsyncGenerator<SourceItem> {
  const http = new FhirHttp({ ...options, ...(options.onLog ? { onRetry: options.onLog } : {}) });
  // private, named with the PID, removed on SIGINT/SIGTERM and by a later run if this one is killed
  const scratch = await makeTempFolder(FHIR_TEMP_PREFIX, options.tempDir ?? tmpdir());
  // attachments named by relative path resolve against an empty folder: a server's record
  // never reads local files
  const baseDir = join(scratch, 'no-local-files');
  await mkdir(baseDir);
  try {
    if (options.export) {
      const transactionTime = yield* readExport(http, options, scratch, baseDir);
      options.onComplete?.({ transactionTime });
    } else {
      yield* readBySearch(http, options, baseDir);
      options.onComplete?.({});
    }
  } finally {
    await removeTempFolder(scratch);
  }
}

// ---------------------------------------------------------------------------------------------
// search

async function* readBySearch(http: FhirHttp, options: FhirSourceOptions, baseDir: string): AsyncGenerator<SourceItem> {
  const reader = await patientReader(http, options, baseDir);
  const count = options.pageSize ?? DEFAULT_PAGE_SIZE;
  for await (const patient of searchAll(http, `${http.base}/Patient?_count=${count}`)) {
    const id = typeof patient.id === 'string' ? patient.id : undefined;
    if (!id) {
      yield { kind: 'error', position: { file: `${http.base}/Patient` }, code: 'NO_ID', reason: 'a Patient without an id' };
      continue;
    }
    yield await reader(id, patient);
  }
}

/**
 * Reads one patient's whole record (by `$everything` when offered, else per-type searches) as a
 * `bundle` item, or an `error` item when it cannot be read; 401/403 throw. The one way a patient
 * is read from a server, in search mode and after an incremental export alike.
 */
async function patientReader(
  http: FhirHttp,
  options: FhirSourceOptions,
  baseDir: string,
): Promise<(id: string, patient?: Json) => Promise<SourceItem>> {
  const everything = await offersEverything(http);
  options.onLog?.(
    everything
      ? `${http.base}: reading each patient with $everything`
      : `${http.base}: no Patient $everything in the CapabilityStatement; reading each patient by per-type searches`,
  );
  const count = options.pageSize ?? DEFAULT_PAGE_SIZE;
  return async (id, known) => {
    const url = `${http.base}/Patient/${encodeURIComponent(id)}`;
    let patient: Json;
    let resources: Json[];
    try {
      patient = known ?? (await http.json(url)).body;
      resources = everything ? await readEverything(http, url, count) : await readPerType(http, patient, count);
    } catch (error) {
      if (!(error instanceof FhirServerError) || error.code === 'FHIR_UNAUTHORIZED' || error.code === 'FHIR_FORBIDDEN') throw error;
      return { kind: 'error', position: { file: url }, code: error.code, reason: error.message };
    }
    return { kind: 'bundle', position: { file: url }, baseDir, bundle: collection(http.base, patient, resources) };
  };
}

/** The id of the patient a resource of an export belongs to, if it names one. */
export function touchedPatient(resource: Json): string | undefined {
  if (resource.resourceType === 'Patient') return typeof resource.id === 'string' ? resource.id : undefined;
  const fields = resource.resourceType === 'Binary' ? ['securityContext'] : ['subject', 'patient'];
  for (const field of fields) {
    const ref = (resource[field] as Json | undefined)?.reference;
    const m = typeof ref === 'string' ? /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** True when the CapabilityStatement names a Patient (or server-wide) `everything` operation. */
async function offersEverything(http: FhirHttp): Promise<boolean> {
  let statement: Json;
  try {
    statement = (await http.json(`${http.base}/metadata`)).body;
  } catch (error) {
    if (error instanceof FhirServerError && (error.code === 'FHIR_NOT_FOUND' || error.code === 'FHIR_HTTP_ERROR')) return false;
    throw error;
  }
  const named = (ops: unknown) => Array.isArray(ops) && ops.some((o) => (o as Json)?.name === 'everything');
  for (const rest of (statement.rest as Json[] | undefined) ?? []) {
    if (named(rest.operation)) return true;
    for (const r of (rest.resource as Json[] | undefined) ?? []) {
      if (r.type === 'Patient' && named(r.operation)) return true;
    }
  }
  return false;
}

/** Every resource of a search, page by page along `next` links (each on the server's origin). */
async function* searchAll(http: FhirHttp, first: string): AsyncGenerator<Json> {
  let url: string | undefined = first;
  const seen = new Set<string>();
  while (url) {
    if (seen.has(url)) throw new FhirServerError(`the FHIR server's paging links loop at ${url}`, { code: 'FHIR_PAGING_LOOP', url });
    seen.add(url);
    const page: Json = (await http.json(url)).body;
    if (page.resourceType !== 'Bundle') {
      throw new FhirServerError(`the FHIR server answered ${url} with a ${String(page.resourceType)}, not a Bundle`, {
        code: 'FHIR_NOT_A_BUNDLE',
        url,
      });
    }
    for (const entry of (page.entry as Json[] | undefined) ?? []) {
      const resource = entry.resource as Json | undefined;
      const mode = (entry.search as Json | undefined)?.mode;
      if (resource && typeof resource === 'object' && mode !== 'outcome') yield resource;
    }
    const next: unknown = ((page.link as Json[] | undefined) ?? []).find((l) => l.relation === 'next')?.url;
    url = typeof next === 'string' ? http.sameOrigin(next, 'a next link', url) : undefined;
  }
}

async function collect(it: AsyncIterable<Json>): Promise<Json[]> {
  const out: Json[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/**
 * `$everything`, plus the Medications and Binaries it references but left out: the operation
 * returns the patient compartment and, by the specification, what it references, but servers
 * differ on the second part (a Medication or a note's Binary is in no patient's compartment).
 */
async function readEverything(http: FhirHttp, patientUrl: string, count: number): Promise<Json[]> {
  const out = await collect(searchAll(http, `${patientUrl}/$everything?_count=${count}`));
  return readReferenced(http, out);
}

async function readPerType(http: FhirHttp, patient: Json, count: number): Promise<Json[]> {
  const ref = encodeURIComponent(`Patient/${String(patient.id)}`);
  const out: Json[] = [patient];
  for (const type of PATIENT_SEARCH_TYPES) {
    out.push(...(await collect(searchAll(http, `${http.base}/${type}?patient=${ref}&_count=${count}`))));
  }
  return readReferenced(http, out);
}

/**
 * Medications and Binaries belong to no patient: `out` with the ones its resources reference
 * (relatively or by a URL on the base) added, each read once; one not found is left out (the
 * assembler then warns as for a file).
 */
async function readReferenced(http: FhirHttp, out: Json[]): Promise<Json[]> {
  const have = new Set(out.map((r) => `${String(r.resourceType)}/${String(r.id)}`));
  const wanted = new Set<string>();
  const walk = (value: unknown, key?: string) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
    else if ((key === 'reference' || key === 'url') && typeof value === 'string') {
      const m = /^(?:.*\/)?(Medication|Binary)\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
      if (m && (!value.includes('://') || value.startsWith(`${http.base}/`)) && !have.has(`${m[1]}/${m[2]}`)) {
        wanted.add(`${m[1]}/${m[2]}`);
      }
    }
  };
  walk(out);
  for (const key of [...wanted].sort()) {
    try {
      out.push((await http.json(`${http.base}/${key}`)).body);
    } catch (error) {
      if (!(error instanceof FhirServerError) || error.code !== 'FHIR_NOT_FOUND') throw error;
    }
  }
  return out;
}

/** The patient's resources as a collection Bundle, the Patient first, each once. */
function collection(base: string, patient: Json, resources: readonly Json[]): Json {
  const seen = new Set<string>();
  const entry: Json[] = [];
  for (const resource of [patient, ...resources]) {
    const key = `${String(resource.resourceType)}/${String(resource.id)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entry.push({ fullUrl: `${base}/${key}`, resource });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

// ---------------------------------------------------------------------------------------------
// Bulk Data $export

interface Manifest {
  transactionTime?: string;
  requiresAccessToken?: boolean;
  output?: { type?: string; url?: string }[];
  error?: { type?: string; url?: string }[];
}

async function* readExport(
  http: FhirHttp,
  options: FhirSourceOptions,
  scratch: string,
  baseDir: string,
): AsyncGenerator<SourceItem, string | undefined> {
  const level = options.export as FhirExportLevel;
  const path =
    level === 'system' ? '$export' : level === 'patient' ? 'Patient/$export' : `Group/${encodeURIComponent(level.slice(6))}/$export`;
  const params = new URLSearchParams({ _outputFormat: 'application/fhir+ndjson' });
  if (options.types?.length) params.set('_type', options.types.join(','));
  if (options.since) params.set('_since', options.since);
  const kickoffUrl = `${http.base}/${path}?${params.toString().replace(/%24/g, '$')}`;
  const kickoff = await http.json(kickoffUrl, { headers: { accept: 'application/fhir+json', prefer: 'respond-async' } });
  const location = kickoff.headers.get('content-location');
  if (kickoff.status !== 202 || !location) {
    throw new FhirServerError(
      `the FHIR server answered the $export kick-off ${kickoffUrl} with ${kickoff.status}${location ? '' : ' and no Content-Location'}; expected 202 with a status URL`,
      { code: 'FHIR_EXPORT_FAILED', url: kickoffUrl, status: kickoff.status },
    );
  }
  const statusUrl = http.sameOrigin(location, 'an export status URL', kickoffUrl);
  options.onLog?.(`export started: ${statusUrl}`);
  const files = join(scratch, 'files');
  await mkdir(files);
  const names = new Map<string, string>();
  let manifest: Manifest;
  try {
    manifest = await poll(http, statusUrl, options);
    const outputs = (manifest.output ?? []).map((o, i) => {
      if (typeof o.url !== 'string') {
        throw new FhirServerError('the export manifest has an output without a url', { code: 'FHIR_EXPORT_FAILED', url: statusUrl });
      }
      const url = http.sameOrigin(o.url, 'an output file URL', statusUrl);
      const type = typeof o.type === 'string' && /^[A-Za-z]{1,64}$/.test(o.type) ? o.type : 'Resource';
      const file = join(files, `${String(i).padStart(6, '0')}.${type}.ndjson`);
      names.set(file, url);
      return { url, file };
    });
    if ((manifest.error ?? []).length > 0) options.onLog?.(`the export manifest lists ${manifest.error?.length} error file(s) (not read)`);
    options.onLog?.(`export ready: ${outputs.length} file(s), transactionTime ${String(manifest.transactionTime)}`);
    const bearer = manifest.requiresAccessToken === true;
    const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    let next = 0;
    const worker = async () => {
      while (next < outputs.length) {
        const o = outputs[next++] as { url: string; file: string };
        await http.download(o.url, o.file, { bearer, maxBytes });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? DEFAULT_PARALLEL_DOWNLOADS) }, worker));
  } finally {
    // the server may free the job's files now: everything needed is on disk (or the run failed)
    await http.json(statusUrl, { method: 'DELETE' }).catch((error: unknown) => {
      options.onLog?.(`could not delete the export job ${statusUrl}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  if (options.since) {
    // incremental: the files name the patients that changed; each is read whole
    const touched = new Set<string>();
    for (const [file, url] of names) {
      for await (const item of readSources([file], { format: 'bulk' })) {
        if (item.kind === 'resource') {
          const id = touchedPatient(item.resource);
          if (id !== undefined) touched.add(id);
        } else if (item.kind === 'error') {
          yield { ...item, position: { ...item.position, file: url } };
        }
      }
    }
    options.onLog?.(`incremental export: ${touched.size} patient(s) changed since ${options.since}; reading each whole`);
    const reader = await patientReader(http, options, baseDir);
    for (const id of touched) yield await reader(id);
    return manifest.transactionTime;
  }
  // one file at a time, in manifest order, each read as a Bulk Data file (whatever its name)
  for (const [file, url] of names) {
    for await (const item of readSources([file], { format: 'bulk' })) {
      yield { ...item, position: { ...item.position, file: url }, ...('baseDir' in item ? { baseDir } : {}) };
    }
  }
  return manifest.transactionTime;
}

/** Poll the status URL until the manifest (200), honouring Retry-After, within `maxWaitMs`. */
async function poll(http: FhirHttp, statusUrl: string, options: FhirSourceOptions): Promise<Manifest> {
  const deadline = Date.now() + (options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  let backoff = 1000;
  for (;;) {
    const answer = await http.json(statusUrl, { headers: { accept: 'application/json' } });
    if (answer.status === 200) return answer.body as Manifest;
    if (answer.status !== 202) {
      throw new FhirServerError(`the export status ${statusUrl} answered ${answer.status}; expected 202 or 200`, {
        code: 'FHIR_EXPORT_FAILED',
        url: statusUrl,
        status: answer.status,
      });
    }
    const progress = answer.headers.get('x-progress');
    if (progress) options.onLog?.(`export in progress: ${progress.slice(0, 100)}`);
    const after = answer.headers.get('retry-after');
    const seconds = after && /^\d+$/.test(after.trim()) ? Number(after) * 1000 : undefined;
    const dated = after && seconds === undefined ? Date.parse(after) - Date.now() : undefined;
    let wait = seconds ?? (dated !== undefined && !Number.isNaN(dated) ? dated : backoff);
    if (seconds === undefined && dated === undefined) backoff = Math.min(backoff * 2, 60_000);
    wait = Math.max(100, Math.min(wait, 120_000));
    if (Date.now() + wait > deadline) {
      throw new FhirServerError(
        `the export at ${statusUrl} was not ready within ${Math.round((options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS) / 1000)} s (--fhir-max-wait)`,
        { code: 'FHIR_EXPORT_TIMEOUT', url: statusUrl },
      );
    }
    await sleep(wait);
  }
}
