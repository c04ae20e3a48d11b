/**
 * @file NDJSON reader: one JSON object per line, either a FHIR Bundle (one patient's records per
 * line) or a single resource (a Bulk Data file).
 *
 * Lines are split here from the raw bytes, so memory holds one line, never the file, and never
 * more than `maxLineBytes` of one line: a longer line (a runaway export, a file without newlines)
 * is dropped as it streams past and becomes a `LINE_TOO_LONG` error naming the file and line,
 * without its content. A malformed line, a line that is not an object or an object that is not a
 * FHIR resource becomes an `error` item with its 1-based line number, and reading goes on with the
 * next line.
 */
import type { Readable } from 'node:stream';
import { parseJson } from './json-parse.js';
import { isJsonObject, type SourceItem } from './types.js';

/** Classify one parsed JSON value as a Bundle, a resource or an error. */
export function classifyJson(
  value: unknown,
  position: { file: string; line?: number },
  baseDir: string,
  options: { standalone: boolean; text?: string },
): SourceItem {
  const where = position.line === undefined ? 'the document' : `line ${position.line}`;
  if (!isJsonObject(value)) {
    return { kind: 'error', position, code: 'NOT_AN_OBJECT', reason: `${where} is not a JSON object` };
  }
  const type = value.resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(type)) {
    return { kind: 'error', position, code: 'NOT_A_RESOURCE', reason: `${where} has no valid resourceType; not a FHIR resource` };
  }
  if (type === 'Bundle') return { kind: 'bundle', position, baseDir, bundle: value };
  return {
    kind: 'resource',
    position,
    baseDir,
    resource: value,
    standalone: options.standalone,
    ...(options.text === undefined ? {} : { text: options.text }),
  };
}

/**
 * Longest NDJSON line read (64 MiB). Bulk Data lines are one resource, rarely over a megabyte;
 * but an NDJSON line may also be a whole patient's Bundle with inline attachments, and one
 * attachment at the default `--max-attachment-mb` (20 MiB) is ~27 MiB as base64: the cap leaves
 * room for two of those while keeping a file without newlines from exhausting memory.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface NdjsonOptions {
  /** Longer lines become `LINE_TOO_LONG` errors, never held whole (default 64 MiB). */
  maxLineBytes?: number;
}

export type RawLine = { line: number; text: string } | { line: number; tooLong: number };

function mib(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MiB`;
}

/**
 * Split a byte stream into lines (LF or CRLF), holding at most `maxBytes` of any one line: the
 * rest of a longer line is only counted (`tooLong`: the bytes seen) until its newline.
 */
export async function* splitLines(stream: Readable, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let over = 0;
  let line = 0;
  const finish = (): RawLine => {
    line++;
    const out: RawLine =
      over > 0 ? { line, tooLong: over } : { line, text: Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '') };
    parts = [];
    size = 0;
    over = 0;
    return out;
  };
  for await (const chunk of stream as AsyncIterable<unknown>) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
    let start = 0;
    while (start <= buffer.length) {
      const newline = buffer.indexOf(0x0a, start);
      const piece = buffer.subarray(start, newline < 0 ? buffer.length : newline);
      if (over > 0) over += piece.length;
      else if (size + piece.length > maxBytes) {
        over = size + piece.length;
        parts = [];
        size = 0;
      } else if (piece.length > 0) {
        parts.push(piece);
        size += piece.length;
      }
      if (newline < 0) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (size > 0 || over > 0) yield finish();
}

/** Stream the items of an NDJSON input. Never throws; read errors become a final error item. */
export async function* readNdjson(
  stream: Readable,
  file: string,
  baseDir: string,
  options: NdjsonOptions = {},
): AsyncGenerator<SourceItem> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let streamError: unknown;
  let line = 0;
  try {
    for await (const raw of splitLines(stream, maxLineBytes)) {
      line = raw.line;
      if ('tooLong' in raw) {
        yield {
          kind: 'error',
          position: { file, line },
          code: 'LINE_TOO_LONG',
          reason: `line ${line} is longer than the ${mib(maxLineBytes)} line limit (${mib(raw.tooLong)}); not read`,
        };
        continue;
      }
      const text = line === 1 && raw.text.charCodeAt(0) === 0xfeff ? raw.text.slice(1) : raw.text;
      if (text.trim() === '') continue;
      const parsed = parseJson(text);
      const position = { file, line };
      if (!parsed.ok) {
        yield { kind: 'error', position, code: 'INVALID_JSON', reason: `line ${line}: ${parsed.reason}` };
        continue;
      }
      yield classifyJson(parsed.value, position, baseDir, { standalone: false, text });
    }
  } catch (error) {
    streamError = error;
  } finally {
    // an early stop by the consumer must not leave the file open
    stream.destroy();
  }
  if (streamError !== undefined) {
    yield {
      kind: 'error',
      position: { file, line: line + 1 },
      code: 'READ_ERROR',
      reason: `reading stopped after line ${line}: ${errorCode(streamError)}`,
    };
  }
}

/** A short, content-free description of an I/O error (its code, or its class name). */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.name;
  }
  return 'unknown error';
}
