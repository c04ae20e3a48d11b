/**
 * @file CSV reader (columns documented in docs/csv-format.md), streaming through csv-parse.
 *
 * Rows arrive one at a time with the line they start on. A malformed row (wrong number of
 * columns, an unclosed quote) becomes an `error` item naming its line and reading goes on; a
 * header without the `id` column makes the whole file one error, since no row could be named.
 */
import type { CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { errorCode } from './ndjson.js';
import type { SourceItem } from './types.js';

/** Columns a CSV input must have; the others of docs/csv-format.md are optional. */
export const REQUIRED_CSV_COLUMNS = ['id'] as const;

class HeaderError extends Error {}

function checkHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const missing = REQUIRED_CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new HeaderError(`CSV header lacks the column(s) ${missing.join(', ')}; see docs/csv-format.md`);
  }
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    // named by position only: a header cell may hold anything, a name included
    if (seen.has(name)) {
      throw new HeaderError(`CSV header repeats an earlier column name at column ${index + 1} (of ${names.length})`);
    }
    seen.add(name);
  }
  return names;
}

function newlines(row: Record<string, string>): number {
  let n = 0;
  for (const value of Object.values(row)) for (const ch of value) if (ch === '\n') n++;
  return n;
}

/** Stream the rows of a CSV input. Never throws. */
export async function* readCsv(stream: Readable, file: string, baseDir: string): AsyncGenerator<SourceItem> {
  const skipped: SourceItem[] = [];
  let lastSkippedLine: number | undefined;
  // csv-parse loads with the first CSV input (start-up: most runs read FHIR)
  const { parse } = await import('csv-parse');
  const parser = parse({
    columns: checkHeader,
    bom: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const line: unknown = error?.lines;
      // csv-parse may report one row twice (a quote inside a cell, then again at the next one):
      // one row is one record read, so one error per line.
      if (typeof line === 'number' && line === lastSkippedLine) return undefined;
      if (typeof line === 'number') lastSkippedLine = line;
      skipped.push({
        kind: 'error',
        position: typeof line === 'number' ? { file, line } : { file },
        code: error?.code ?? 'CSV_INVALID_ROW',
        reason: `CSV row skipped: ${error ? contentFree(error.message) : 'invalid row'}`,
      });
      return undefined;
    },
  });
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const line = item.info.lines - newlines(item.record);
      // parsing runs ahead of this loop: emit only the skipped rows that came before this one
      while (skipped.length > 0 && (skipped[0]?.position.line ?? 0) < line) yield skipped.shift() as SourceItem;
      yield { kind: 'csv-row', position: { file, line }, baseDir, row: item.record };
    }
    yield* skipped.splice(0);
  } catch (error) {
    yield* skipped.splice(0);
    const reason = error instanceof HeaderError ? error.message : `CSV reading stopped: ${csvMessage(error)}`;
    yield { kind: 'error', position: { file }, code: error instanceof HeaderError ? 'CSV_HEADER' : 'READ_ERROR', reason };
  } finally {
    stream.destroy();
  }
}

function csvMessage(error: unknown): string {
  const code = errorCode(error);
  return code.startsWith('CSV_') && error instanceof Error ? contentFree(error.message) : code;
}

/**
 * csv-parse's messages describe structure (lengths, quotes, line numbers) but some quote the cell
 * (`…, value is "Patient John "`) or a character of it (`got "b"`): a note or a name must never
 * reach a log or a dead letter, so those parts go.
 */
export function contentFree(message: string): string {
  return message
    .replace(/,\s*value is\s*"[\s\S]*$/, '')
    .replace(/\bgot\s+"[\s\S]*?"(?=\s+at line)/, 'got another character')
    .replace(/\b(on|in) field\s+"(?:[^"\\]|\\.)*"/g, '$1 a field')
    .replace(/\bfield\s+"(?:[^"\\]|\\.)*"/g, 'a field');
}
