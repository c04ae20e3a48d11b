/**
 * @file NDJSON reader: one JSON object per line, either a FHIR Bundle (one patient's records per
 * line) or a single resource (a Bulk Data file).
 *
 * Lines are read one at a time with `readline`, so memory holds one line, never the file. A
 * malformed line, a line that is not an object or an object that is not a FHIR resource becomes an
 * `error` item with its 1-based line number, and reading goes on with the next line.
 */
import { createInterface } from 'node:readline';
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

/** Stream the items of an NDJSON input. Never throws; read errors become a final error item. */
export async function* readNdjson(stream: Readable, file: string, baseDir: string): AsyncGenerator<SourceItem> {
  let streamError: unknown;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  // readline does not always surface input errors through its iterator: catch them here.
  stream.on('error', (error) => {
    streamError = error;
    lines.close();
  });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
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
    streamError ??= error;
  } finally {
    lines.close();
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
