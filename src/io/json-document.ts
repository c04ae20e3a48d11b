/**
 * @file Reader for one JSON document per input: a FHIR Bundle (any type: transaction, batch,
 * collection, searchset, document) or a single non-Bundle resource, pretty-printed or not.
 *
 * Bundle files from Synthea run to many megabytes. Rather than reading the file into one string
 * and parsing it whole, a small scanner splits the stream as it arrives: each element of the
 * top-level `entry` array is cut out and parsed on its own, and everything else (the "shell":
 * resourceType, type, id, …) is kept as text and parsed at the end. The file's text is therefore
 * never held at once; what remains is the parsed resources, which the assembler needs anyway.
 * A syntax error anywhere makes the whole document an `error` item: a Bundle with a corrupt part
 * cannot be trusted to attribute the rest.
 *
 * Budget: no piece (one entry, or the shell) may hold more than `maxPieceChars` characters (by
 * default the NDJSON line limit, 64 MiB): a longer one (a 600 MB `id` string in a gzipped Bundle)
 * would exceed V8's string limit or the memory bound, so the document is a dead letter
 * (PART_TOO_LONG), never a crash.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { parseJson } from './json-parse.js';
import { classifyJson, DEFAULT_MAX_LINE_BYTES, errorCode } from './ndjson.js';
import { isJsonObject, type SourceItem } from './types.js';

type Target = 'shell' | 'entry';

/**
 * Splits a JSON object document into its top-level `entry` array elements and the rest. Feed it
 * text with `write`; it returns the entry texts completed by that text. The scanner tracks only
 * strings and nesting: syntax is checked by JSON.parse on each piece.
 */
export class EntrySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  private capturingKey = false;
  private key = '';
  private lastKey = '';
  private inEntries = false;
  private started = false;
  private closed = false;
  /** Non-space text after the top-level object closed, or a top level that is not an object. */
  trailing = false;
  notObject = false;
  sawEntries = false;
  private readonly shell: string[] = [];
  private entry: string[] = [];
  /** Characters held in the shell, and in the entry being cut. */
  shellChars = 0;
  entryChars = 0;
  /** The longest entry cut so far, in characters. */
  longestEntryChars = 0;

  write(text: string): string[] {
    const done: string[] = [];
    let target: Target = this.inEntries ? 'entry' : 'shell';
    let segment = 0;
    const flush = (end: number): void => {
      if (end > segment) {
        if (target === 'shell') {
          this.shell.push(text.slice(segment, end));
          this.shellChars += end - segment;
        } else {
          this.entry.push(text.slice(segment, end));
          this.entryChars += end - segment;
        }
      }
      segment = end;
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.lastKey = this.key;
          }
        }
        // only `entry` is ever compared: a long key is not copied character by character
        if (this.capturingKey && this.inString && this.key.length < 8) this.key += text[i];
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.closed) {
        this.trailing = true;
        continue;
      }
      if (!this.started) {
        this.started = true;
        if (c !== 0x7b) this.notObject = true;
      }
      switch (c) {
        case 0x22: // "
          this.inString = true;
          if (this.depth === 1 && this.expectKey) {
            this.capturingKey = true;
            this.key = '';
            this.expectKey = false;
          }
          break;
        case 0x7b: // {
        case 0x5b: // [
          if (c === 0x5b && this.depth === 1 && this.lastKey === 'entry' && !this.inEntries) {
            flush(i + 1);
            this.inEntries = true;
            this.sawEntries = true;
            target = 'entry';
            segment = i + 1;
          }
          this.depth++;
          if (this.depth === 1) this.expectKey = true;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (this.inEntries && this.depth === 2) {
            flush(i);
            const last = this.entry.join('');
            if (last.trim() !== '') done.push(last);
            this.entry = [];
            this.longestEntryChars = Math.max(this.longestEntryChars, this.entryChars);
            this.entryChars = 0;
            this.inEntries = false;
            target = 'shell';
            segment = i;
          }
          this.depth--;
          if (this.depth === 1) this.lastKey = '';
          if (this.depth === 0) this.closed = true;
          break;
        case 0x2c: // ,
          if (this.inEntries && this.depth === 2) {
            flush(i);
            done.push(this.entry.join(''));
            this.entry = [];
            this.longestEntryChars = Math.max(this.longestEntryChars, this.entryChars);
            this.entryChars = 0;
            segment = i + 1;
          } else if (this.depth === 1) {
            this.expectKey = true;
          }
          break;
        default:
          break;
      }
    }
    flush(text.length);
    return done;
  }

  /** True when the document ended cleanly (every bracket and string closed). */
  get complete(): boolean {
    return this.started && this.closed && !this.inString;
  }

  get shellText(): string {
    return this.shell.join('');
  }
}

/** Read one JSON document (Bundle or single resource). Never throws. */
export async function* readJsonDocument(
  stream: Readable,
  file: string,
  baseDir: string,
  options: { maxPieceChars?: number } = {},
): AsyncGenerator<SourceItem> {
  const maxPieceChars = options.maxPieceChars ?? DEFAULT_MAX_LINE_BYTES;
  const position = { file };
  const splitter = new EntrySplitter();
  const decoder = new StringDecoder('utf8');
  const entries: unknown[] = [];
  let first = true;
  let failure: { code: string; reason: string } | undefined;
  const take = (texts: string[]): void => {
    for (const text of texts) {
      const parsed = parseJson(text);
      if (!parsed.ok) {
        failure ??= { code: 'INVALID_JSON', reason: `entry ${entries.length}: ${parsed.reason}` };
        entries.push(undefined);
      } else {
        entries.push(parsed.value);
      }
    }
  };
  try {
    for await (const chunk of stream) {
      let text = decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length > 0) first = false;
      take(splitter.write(text));
      if (splitter.notObject) break;
      if (Math.max(splitter.shellChars, splitter.entryChars, splitter.longestEntryChars) > maxPieceChars) {
        failure = {
          code: 'PART_TOO_LONG',
          reason: `a part of the document (one entry, or the Bundle outside its entries) is longer than the ${maxPieceChars}-character limit; not read`,
        };
        break;
      }
    }
    take(splitter.write(decoder.end()));
  } catch (error) {
    failure ??=
      error instanceof RangeError
        ? { code: 'PART_TOO_LONG', reason: 'a part of the document is too long to hold as one string; not read' }
        : { code: 'READ_ERROR', reason: `reading failed: ${errorCode(error)}` };
  } finally {
    stream.destroy();
  }
  if (!failure) {
    if (splitter.notObject) failure = { code: 'NOT_AN_OBJECT', reason: 'the document is not a JSON object' };
    else if (!splitter.complete) failure = { code: 'INVALID_JSON', reason: 'invalid JSON: unexpected end (truncated?)' };
    else if (splitter.trailing) {
      failure = { code: 'INVALID_JSON', reason: 'invalid JSON: more data after the document (is it NDJSON? pass --format ndjson)' };
    }
  }
  if (failure) {
    yield { kind: 'error', position, ...failure };
    return;
  }
  const shell = parseJson(splitter.shellText);
  if (!shell.ok) {
    yield { kind: 'error', position, code: 'INVALID_JSON', reason: shell.reason };
    return;
  }
  if (isJsonObject(shell.value) && splitter.sawEntries) shell.value.entry = entries;
  yield classifyJson(shell.value, position, baseDir, { standalone: true });
}
