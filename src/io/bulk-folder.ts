/**
 * @file The files of a Bulk Data export folder: every `*.ndjson` (or `*.ndjson.gz`) in it.
 *
 * Servers name files `<Type>.ndjson`, `<Type>.000.ndjson`, `<Type>-1.ndjson` or anything else,
 * and some put several types in one file, so the name is not trusted for the type: each line's
 * `resourceType` decides. Files are read in name order so runs are repeatable; hidden files (editor
 * and sync leftovers) are not read.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const BULK_FILE_PATTERN = /\.ndjson(\.gz)?$/i;

/** Paths of the Bulk Data files directly inside `folder`, sorted by name. */
export async function listBulkFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && BULK_FILE_PATTERN.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => join(folder, name));
}
