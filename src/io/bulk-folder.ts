/**
 * @file The files of a Bulk Data export folder: those named as a FHIR resource type
 * (`Patient.ndjson`, `Observation.000.ndjson`, `1.Condition.ndjson`, `Encounter-2.ndjson.gz`).
 *
 * Why by name: an export folder holds more than resources. SMART's bulk-data-client writes its
 * event log `log.ndjson` into every export folder, and people leave READMEs and manifests beside
 * the files; read as resources those became dead letters and failed every nightly run. So only a
 * file whose name is a known R4 resource type (src/io/resource-types.ts), optionally with a number
 * before (`1.Patient`, the bulk-data-client download names) or after it (`.000`, `-1`), and
 * ending in `.ndjson` or `.ndjson.gz`, is read; the others are listed so the caller can name them
 * once. The name only selects the file: each line's `resourceType` still decides its type, since
 * some servers put several types in one file. Files are read in name order so runs are
 * repeatable; hidden files (editor and sync leftovers) are neither read nor listed.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { R4_RESOURCE_TYPES } from './resource-types.js';

/** `[<n>.]<Type>[.<n>|-<n>]*.ndjson[.gz]`: group 1 is the resource type. */
export const BULK_FILE_PATTERN = /^(?:\d+\.)?([A-Z][A-Za-z]+)(?:[.-]\d+)*\.ndjson(?:\.gz)?$/;

/** True when a file name (not a path) names a Bulk Data file of a known R4 resource type. */
export function isBulkFileName(name: string): boolean {
  const type = BULK_FILE_PATTERN.exec(name)?.[1];
  return type !== undefined && R4_RESOURCE_TYPES.has(type);
}

export interface BulkFolderListing {
  /** Paths of the resource files, sorted by name. */
  files: string[];
  /** Names of the other (non-hidden) entries, sorted: not read. */
  ignored: string[];
}

/** The Bulk Data files directly inside `folder` and the names of everything else in it. */
export async function listBulkFolder(folder: string): Promise<BulkFolderListing> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && isBulkFileName(e.name)) files.push(e.name);
    else ignored.push(e.name);
  }
  return { files: files.sort().map((name) => join(folder, name)), ignored: ignored.sort() };
}

/** Paths of the Bulk Data files directly inside `folder`, sorted by name. */
export async function listBulkFiles(folder: string): Promise<string[]> {
  return (await listBulkFolder(folder)).files;
}
