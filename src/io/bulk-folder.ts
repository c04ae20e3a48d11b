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
 *
 * A symbolic link with such a name is read when it leads to a file inside the folder (real
 * paths compared, as for attachments: src/records/safe-path.ts) that is not read already under
 * another name; otherwise it is not read and listed with the reason (a link out of the folder, to
 * a folder, broken, or the same file twice), never skipped without a word.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { inside } from '../records/safe-path.js';
import { R4_RESOURCE_TYPES } from './resource-types.js';

/** `[<n>.]<Type>[.<n>|-<n>]*.ndjson[.gz]`: group 1 is the resource type. */
export const BULK_FILE_PATTERN = /^(?:\d+\.)?([A-Z][A-Za-z]+)(?:[.-]\d+)*\.ndjson(?:\.gz)?$/;

/** True when a file name (not a path) names a Bulk Data file of a known R4 resource type. */
export function isBulkFileName(name: string): boolean {
  const type = BULK_FILE_PATTERN.exec(name)?.[1];
  return type !== undefined && R4_RESOURCE_TYPES.has(type);
}

export interface BulkFolderListing {
  /** Paths of the resource files (links to files inside the folder included), sorted by name. */
  files: string[];
  /** Names of the other (non-hidden) entries, sorted: not read. */
  ignored: string[];
  /** Links named as resource files that are not read, sorted by name, each with why. */
  links: { name: string; reason: string }[];
}

/** The Bulk Data files directly inside `folder` and the names of everything else in it. */
export async function listBulkFolder(folder: string): Promise<BulkFolderListing> {
  const entries = await readdir(folder, { withFileTypes: true });
  const names: string[] = [];
  const linked: string[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (!isBulkFileName(e.name)) ignored.push(e.name);
    else if (e.isFile()) names.push(e.name);
    else if (e.isSymbolicLink()) linked.push(e.name);
    else ignored.push(e.name);
  }
  const links: { name: string; reason: string }[] = [];
  if (linked.length > 0) {
    const base = await realpath(folder);
    // a link to a file read under its own name (or another link's) would read its lines twice
    const real = new Map<string, string>();
    for (const name of names) real.set(await realpath(join(folder, name)), name);
    for (const name of linked.sort()) {
      const why = await linkProblem(base, join(folder, name), real);
      if (why) links.push({ name, reason: why });
      else names.push(name);
    }
  }
  return { files: names.sort().map((name) => join(folder, name)), ignored: ignored.sort(), links };
}

/** Why the link at `path` is not read, or undefined when it leads to a file in `base` not read yet (then recorded in `real`). */
async function linkProblem(base: string, path: string, real: Map<string, string>): Promise<string | undefined> {
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    return 'a broken link';
  }
  if (!inside(base, target)) return 'a link leading outside the folder';
  if (!(await stat(target)).isFile()) return 'a link to something other than a file';
  const twin = real.get(target);
  if (twin !== undefined) return `a link to ${twin}, read once`;
  real.set(target, basename(path));
  return undefined;
}

/** Paths of the Bulk Data files directly inside `folder`, sorted by name. */
export async function listBulkFiles(folder: string): Promise<string[]> {
  return (await listBulkFolder(folder)).files;
}
