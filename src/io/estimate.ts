/**
 * @file Count how many records the inputs hold, cheaply, so progress on a terminal can show a
 * percentage and an ETA.
 *
 * Why only sometimes: the count costs one extra read of the input, and only some formats can be
 * counted without parsing. NDJSON files of Bundles hold one record per non-empty line; a Bulk
 * Data folder holds one per line of its Patient files (with `--unit patient`); a Bundle JSON file
 * counts as one (a collection about several patients gives more: the count is an estimate, and
 * progress never shows more than 99% before the end). Stdin, CSV (a quoted note may span lines), lone resource
 * files and `--unit encounter` have no cheap count: the estimate is then undefined and progress
 * shows a rate without an ETA. Gzipped files count after decompression. Never throws: anything
 * unreadable makes the estimate undefined and the reader reports the problem later.
 *
 * Lines are counted as newline bytes in the raw chunks, never assembled (no `readline`): a line
 * of any length, one over `--max-line-mb` included, costs one chunk of memory. Such a line is
 * one record here, as it is one LINE_TOO_LONG dead letter (read, not written) to `analyze`.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { BULK_FILE_PATTERN, listBulkFiles } from './bulk-folder.js';
import { expandInputs } from './inputs.js';
import { isGzip } from './peek.js';

const NEWLINE = 0x0a;

async function headOf(path: string, bytes = 4096): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Non-empty lines of a (possibly gzipped) file. */
async function countLines(path: string): Promise<number> {
  const gzip = isGzip(await headOf(path, 2));
  let stream: Readable = createReadStream(path);
  if (gzip) stream = stream.pipe(createGunzip());
  let lines = 0;
  let pending = false; // bytes seen since the last newline that are not whitespace
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (byte === NEWLINE) {
        if (pending) lines++;
        pending = false;
      } else if (byte > 0x20) pending = true;
    }
  }
  return pending ? lines + 1 : lines;
}

/** What one file holds, judged from its first bytes: Bundles per line, one Bundle, or unknown. */
async function fileShape(path: string): Promise<'bundle-lines' | 'one-bundle' | undefined> {
  const head = await headOf(path);
  if (isGzip(head)) return /\.ndjson(\.gz)?$/i.test(path) ? 'bundle-lines' : undefined;
  const text = head.toString('utf8').trimStart();
  if (!text.startsWith('{')) return undefined;
  if (!/"resourceType"\s*:\s*"Bundle"/.test(text)) return undefined;
  // A pretty-printed document spans short lines; NDJSON keeps each Bundle on one (often long)
  // line, which may not even end within the head.
  const newline = text.indexOf('\n');
  const prettyPrinted = newline !== -1 && !text.slice(0, newline).trimEnd().endsWith('}');
  return prettyPrinted ? 'one-bundle' : 'bundle-lines';
}

/** Records the inputs will give, or undefined when there is no cheap, reliable count. */
export async function estimateRecordCount(
  inputs: readonly string[],
  options: { unit: string; format: string },
): Promise<number | undefined> {
  if (options.unit !== 'patient' || options.format === 'csv') return undefined;
  try {
    let total = 0;
    for (const target of await expandInputs(inputs)) {
      if (target.kind === 'stdin' || target.kind === 'error') return undefined;
      if (target.kind === 'folder') {
        const patients = (await listBulkFiles(target.path)).filter((f) => BULK_FILE_PATTERN.exec(basename(f))?.[1] === 'Patient');
        if (patients.length === 0) return undefined;
        for (const f of patients) total += await countLines(f);
        continue;
      }
      const shape = await fileShape(target.path);
      if (shape === 'one-bundle') total += 1;
      else if (shape === 'bundle-lines') total += await countLines(target.path);
      else return undefined;
    }
    return total;
  } catch {
    return undefined;
  }
}
