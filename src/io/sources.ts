/**
 * @file Read every input of a command as one stream of raw items, in argument order.
 *
 * This is the only place that opens files: it expands globs, reads stdin once, walks Bulk Data
 * folders, detects each input's format from its content (unless the user forced one) and hands
 * the stream to the matching reader. Nothing here throws for bad input; it all becomes `error`
 * items with the file they came from.
 */
import { createReadStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { NO_BASE_DIR } from '../records/safe-path.js';
import { type BulkFolderListing, listBulkFolder } from './bulk-folder.js';
import { readCsv } from './csv.js';
import { detectFormat, type DetectedFormat } from './detect.js';
import { expandInputs } from './inputs.js';
import { readJsonDocument } from './json-document.js';
import { errorCode, readNdjson } from './ndjson.js';
import { openPeeked, type PeekedStream } from './peek.js';
import type { InputFormat, SourceItem } from './types.js';

export interface SourceOptions {
  format: InputFormat;
  /** The stream read for `-` (process.stdin unless given, e.g. by tests). */
  stdin?: NodeJS.ReadableStream | Readable;
  /** Called with each file as it is opened, so callers can count files or show progress. */
  onFile?: (file: string) => void;
  /** Longest NDJSON line read; longer ones are `LINE_TOO_LONG` errors (default 64 MiB). */
  maxLineBytes?: number;
  /** Things worth one info line that are not errors (e.g. files of a Bulk folder not read). */
  onNotice?: (notice: SourceNotice) => void;
  /**
   * Folder that relative attachment paths of records read from stdin resolve against
   * (`--base-dir`); without it they are refused (src/records/safe-path.ts, NO_BASE_DIR).
   */
  stdinBaseDir?: string;
}

/** A fact about the inputs for the log: names files and counts, never content. */
export type SourceNotice =
  | {
      code: 'FILES_NOT_READ';
      message: string;
      folder: string;
      files: string[];
    }
  /** Bulk lines that joined no record (no patient reference, a duplicate id, …), counted by reason. */
  | { code: 'LINES_NOT_READ'; message: string; reasons: Record<string, number> };

/** Names shown in a notice before it says "and N more". */
const NOTICE_NAMES = 10;

/** Stream the raw items of all inputs. */
export async function* readSources(inputs: readonly string[], options: SourceOptions): AsyncGenerator<SourceItem> {
  for (const target of await expandInputs(inputs)) {
    switch (target.kind) {
      case 'error':
        yield { kind: 'error', position: { file: target.name }, code: target.code, reason: target.reason };
        break;
      case 'stdin':
        yield* readStream(
          options.stdin ?? process.stdin,
          '-',
          options.stdinBaseDir === undefined ? NO_BASE_DIR : resolve(options.stdinBaseDir),
          options,
        );
        break;
      case 'file':
        yield* readStream(createReadStream(target.path), target.path, dirname(resolve(target.path)), options);
        break;
      case 'folder':
        yield* readFolder(target.path, options);
        break;
    }
  }
}

async function* readFolder(folder: string, options: SourceOptions): AsyncGenerator<SourceItem> {
  if (options.format === 'bundle' || options.format === 'csv') {
    yield {
      kind: 'error',
      position: { file: folder },
      code: 'FOLDER_FORMAT',
      reason: `${JSON.stringify(folder)} is a folder, read as a Bulk Data export; --format ${options.format} applies to files (pass a glob such as dir/*.json)`,
    };
    return;
  }
  let files: string[];
  let ignored: string[];
  let links: BulkFolderListing['links'];
  try {
    ({ files, ignored, links } = await listBulkFolder(folder));
  } catch (error) {
    yield { kind: 'error', position: { file: folder }, code: 'READ_ERROR', reason: `cannot list the folder: ${errorCode(error)}` };
    return;
  }
  // links not read are named even when nothing else is read
  if (links.length > 0) {
    const shown = links.slice(0, NOTICE_NAMES).map((l) => `${l.name} (${l.reason})`);
    options.onNotice?.({
      code: 'FILES_NOT_READ',
      message: `${folder}: ${links.length} linked file(s) not read: ${shown.join(', ')}${links.length > NOTICE_NAMES ? `, and ${links.length - NOTICE_NAMES} more` : ''}`,
      folder,
      files: links.map((l) => l.name),
    });
  }
  if (files.length === 0) {
    yield {
      kind: 'error',
      position: { file: folder },
      code: 'EMPTY_FOLDER',
      reason:
        'the folder holds no Bulk Data files named as a resource type (Patient.ndjson, Observation.000.ndjson, …; a folder is read as a Bulk Data export; for Bundle files pass a glob such as dir/*.json)',
    };
    return;
  }
  if (ignored.length > 0) {
    const shown =
      ignored.slice(0, NOTICE_NAMES).join(', ') + (ignored.length > NOTICE_NAMES ? `, and ${ignored.length - NOTICE_NAMES} more` : '');
    options.onNotice?.({
      code: 'FILES_NOT_READ',
      message: `${folder}: ${ignored.length} file(s) not named as a FHIR resource type, not read: ${shown}`,
      folder,
      files: ignored,
    });
  }
  const baseDir = resolve(folder);
  for (const file of files) {
    yield* readStream(createReadStream(file), file, baseDir, { ...options, format: 'ndjson' });
  }
}

async function* readStream(
  input: NodeJS.ReadableStream | Readable,
  file: string,
  baseDir: string,
  options: SourceOptions,
): AsyncGenerator<SourceItem> {
  options.onFile?.(file);
  let peeked: PeekedStream;
  try {
    peeked = await openPeeked(input);
  } catch (error) {
    yield { kind: 'error', position: { file }, code: readErrorCode(error), reason: `cannot read the input: ${errorCode(error)}` };
    return;
  }
  let format: DetectedFormat;
  if (options.format === 'auto') {
    const detected = detectFormat(peeked.head, peeked.complete);
    if ('code' in detected) {
      peeked.stream.destroy();
      yield { kind: 'error', position: { file }, code: detected.code, reason: detected.reason };
      return;
    }
    format = detected.format;
  } else {
    if (peeked.complete && peeked.head.toString('utf8').trim() === '') {
      yield { kind: 'error', position: { file }, code: 'EMPTY_INPUT', reason: 'empty input (no data)' };
      return;
    }
    format = options.format === 'bulk' ? 'ndjson' : options.format;
  }
  switch (format) {
    case 'ndjson':
      yield* readNdjson(peeked.stream, file, baseDir, options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes });
      break;
    case 'bundle':
      yield* readJsonDocument(
        peeked.stream,
        file,
        baseDir,
        options.maxLineBytes === undefined ? {} : { maxPieceChars: options.maxLineBytes },
      );
      break;
    case 'csv':
      yield* readCsv(peeked.stream, file, baseDir);
      break;
  }
}

function readErrorCode(error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') return 'NOT_FOUND';
  if (code === 'EACCES' || code === 'EPERM') return 'UNREADABLE';
  return 'READ_ERROR';
}
