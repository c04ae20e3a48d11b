/**
 * @file Where the shared corpus is, and a note for suites that must skip without it.
 *
 * The corpus lives beside the repository (`../shared/corpus`), read-only and never copied in.
 * Suites that need it use `describe.skipIf(!HAS_CORPUS)` with `CORPUS_NOTE` in their title, so a
 * run without it says why they were skipped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS = resolve(REPO_ROOT, '../shared/corpus');
export const HAS_CORPUS = existsSync(CORPUS);
export const CORPUS_NOTE = HAS_CORPUS ? '' : ` [SKIPPED: corpus not found at ${CORPUS}]`;
if (!HAS_CORPUS) console.warn(`corpus tests skipped: ${CORPUS} does not exist`);

export const FHIR = join(CORPUS, 'fhir');
export const NOTES_BUNDLES = join(FHIR, 'synthea-bundles-with-notes');
export const SYNTHEA_2019 = join(FHIR, 'synthea-bundles-2019-r4');
export const BULK_10 = join(FHIR, 'bulk-ndjson', 'smart-sample-bulk-10-patients');
export const HL7 = join(FHIR, 'hl7-r4-official-examples');

/** A fresh temporary folder, removed by the returned function. */
export function tempFolder(prefix = 'cb-io-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collect an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
