/**
 * @file The fuzzer's starting points, cut from the committed samples (nothing large is committed
 * for it): one to three Bundles of samples/records.ndjson as NDJSON, one Bundle as a JSON
 * document, one Bulk patient of samples/bulk as resources one per line in one file or as a Bulk
 * folder of one file per type, and one or two rows of samples/records.csv with the image and audio
 * files they name. Each starting point is small (one to three records), so inference stays fast and
 * a few hundred mutations of them run in a couple of minutes.
 *
 * A draft is still structured (JSON values, CSV cells) so that the JSON-aware and CSV mutations
 * (fuzz-json-mutations.ts, fuzz-text-mutations.ts) can change one field; `serialize` turns it into
 * the files written to disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Random } from '../../src/util/random.js';
import { REPO_ROOT } from '../support/cli.js';

export const SEED_KINDS = ['bundle-ndjson', 'bundle-file', 'resource-ndjson', 'bulk-folder', 'csv'] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

/** One input file before it is written: JSON lines, one JSON document, CSV rows, or bytes. */
export type DraftFile =
  | { name: string; form: 'lines'; values: unknown[] }
  | { name: string; form: 'document'; value: unknown; pretty: boolean }
  | { name: string; form: 'csv'; rows: string[][] }
  | { name: string; form: 'bytes'; bytes: Buffer };

export interface Draft {
  kind: SeedKind;
  files: DraftFile[];
  /** What analyze is given: the first file, or the folder that holds them all (a Bulk export). */
  input: 'file' | 'folder';
}

const SAMPLES = join(REPO_ROOT, 'samples');
/** A Bundle line at most this long is "small" (no inline image or audio, or a PNG only). */
const SMALL_LINE = 30_000;

interface Samples {
  small: unknown[];
  withMedia: unknown[];
  /** Bulk resources by type, each with the patient id it belongs to. */
  bulk: Map<string, { patient: string; resource: unknown }[]>;
  patients: string[];
  csv: string[][];
}

let cache: Samples | undefined;

function samples(): Samples {
  if (cache) return cache;
  const lines = readFileSync(join(SAMPLES, 'records.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const bulk = new Map<string, { patient: string; resource: unknown }[]>();
  const patients: string[] = [];
  for (const file of readdirSync(join(SAMPLES, 'bulk')).sort()) {
    const type = file.split('.')[0] as string;
    for (const line of readFileSync(join(SAMPLES, 'bulk', file), 'utf8').split('\n')) {
      if (line.length === 0) continue;
      const resource = JSON.parse(line) as { id: string };
      const patient = type === 'Patient' ? resource.id : (/"Patient\/([^"]+)"/.exec(line)?.[1] ?? '');
      if (type === 'Patient') patients.push(patient);
      bulk.set(type, [...(bulk.get(type) ?? []), { patient, resource }]);
    }
  }
  const csv = parse(readFileSync(join(SAMPLES, 'records.csv')), { relax_column_count: true }) as string[][];
  cache = {
    small: lines.filter((l) => l.length < SMALL_LINE).map((l) => JSON.parse(l) as unknown),
    withMedia: lines.filter((l) => l.length >= SMALL_LINE).map((l) => JSON.parse(l) as unknown),
    bulk,
    patients,
    csv,
  };
  return cache;
}

function bundles(rng: Random, n: number): unknown[] {
  const s = samples();
  return Array.from({ length: n }, () => structuredClone(rng.chance(0.2) ? rng.pick(s.withMedia) : rng.pick(s.small)));
}

/** The resources of `patients` by type, in the samples' type order. */
function bulkOf(patients: readonly string[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const [type, rows] of samples().bulk) {
    const mine = rows.filter((r) => patients.includes(r.patient)).map((r) => structuredClone(r.resource));
    if (mine.length > 0) out.set(type, mine);
  }
  return out;
}

function csvDraft(rng: Random): DraftFile[] {
  const [header, ...rows] = samples().csv;
  if (!header) throw new Error('samples/records.csv has no header');
  const picked = rng.shuffle(rows).slice(0, rng.intBetween(1, 2));
  const media = new Set<string>();
  for (const row of picked) {
    for (const column of ['image_file', 'audio_file']) {
      const value = row[header.indexOf(column)];
      if (value) media.add(value);
    }
  }
  return [
    { name: 'records.csv', form: 'csv', rows: [header.slice(), ...picked.map((r) => r.slice())] },
    ...[...media].map((name): DraftFile => ({ name, form: 'bytes', bytes: readFileSync(join(SAMPLES, name)) })),
  ];
}

/** A fresh starting point of `kind`. */
export function seedDraft(rng: Random, kind: SeedKind): Draft {
  switch (kind) {
    case 'bundle-ndjson':
      return { kind, input: 'file', files: [{ name: 'records.ndjson', form: 'lines', values: bundles(rng, rng.intBetween(1, 3)) }] };
    case 'bundle-file':
      return {
        kind,
        input: 'file',
        files: [{ name: 'bundle.json', form: 'document', value: bundles(rng, 1)[0], pretty: rng.chance(0.5) }],
      };
    case 'resource-ndjson': {
      const values = [...bulkOf([rng.pick(samples().patients)]).values()].flat();
      return { kind, input: 'file', files: [{ name: 'export.ndjson', form: 'lines', values }] };
    }
    case 'bulk-folder': {
      const chosen = rng.shuffle(samples().patients).slice(0, rng.intBetween(1, 2));
      const files = [...bulkOf(chosen)].map(([type, values]): DraftFile => ({ name: `${type}.000.ndjson`, form: 'lines', values }));
      return { kind, input: 'folder', files };
    }
    case 'csv':
      return { kind, input: 'file', files: csvDraft(rng) };
  }
}

/** A CSV field, quoted when it must be. */
const csvField = (field: string): string => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/**
 * Placeholders that `serialize` replaces by raw JSON text no value can produce through
 * JSON.stringify (1e999, nesting deeper than JSON.stringify could recurse).
 */
export type RawTable = Map<string, string>;

/** The bytes of one draft file; `raw` placeholders (quoted strings) become their raw text. */
export function serialize(file: DraftFile, raw: RawTable): Buffer {
  const withRaw = (text: string): string => {
    let out = text;
    for (const [token, value] of raw) out = out.split(JSON.stringify(token)).join(value);
    return out;
  };
  switch (file.form) {
    case 'lines':
      return Buffer.from(withRaw(`${file.values.map((v) => JSON.stringify(v) ?? 'null').join('\n')}\n`));
    case 'document':
      return Buffer.from(withRaw(JSON.stringify(file.value, null, file.pretty ? 2 : undefined) ?? 'null'));
    case 'csv':
      return Buffer.from(`${file.rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`);
    case 'bytes':
      return file.bytes;
  }
}

/** The folders a draft's files need (e.g. records_files/ of a CSV). */
export const foldersOf = (files: readonly { name: string }[]): string[] =>
  [...new Set(files.map((f) => dirname(f.name)))].filter((d) => d !== '.');
