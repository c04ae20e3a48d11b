/**
 * @file The fuzzer's mutations below JSON: of a file's bytes (bit flips, truncation, junk and
 * invalid UTF-8 inserted, lines duplicated, deleted or swapped, a BOM, CRLF, a whole file replaced
 * by almost nothing), of CSV cells and headers, and of the files of a Bulk folder (a file renamed
 * to another type, a `.gz` name on plain text, a gzip cut short, an empty file, a stray log).
 *
 * Each returns a short description for the case's name.
 */
import { gzipSync } from 'node:zlib';
import type { Random } from '../../src/util/random.js';

/** One file as written to disk. */
export interface CaseFile {
  name: string;
  bytes: Buffer;
}

const JUNK = [
  Buffer.from([0]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc3]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('\r'),
  Buffer.from('\n'),
  Buffer.from('"'),
  Buffer.from(','),
  Buffer.from('}{'),
  Buffer.from('\u001b[2J'),
];
const WHOLE = ['', ' \n\t\n', 'null', '[]', '{', '{}', '"x"', '\ufeff', '0', '[{"resourceType":"Bundle"}]', 'id\n'];

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, start)) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}
const joinLines = (lines: Buffer[]): Buffer => Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));

/** One mutation of a file's bytes. */
export function mutateBytes(rng: Random, file: CaseFile): string {
  const bytes = file.bytes;
  const which = rng.pick([
    'flip',
    'flip',
    'truncate',
    'truncate',
    'insert',
    'insert',
    'lines',
    'lines',
    'lines',
    'bom',
    'crlf',
    'splice',
    'whole',
  ]);
  switch (which) {
    case 'flip': {
      const out = Buffer.from(bytes);
      const n = rng.intBetween(1, 8);
      for (let i = 0; i < n && out.length > 0; i++) {
        const at = rng.int(out.length);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      file.bytes = out;
      return `${file.name}: ${n} bit flip(s)`;
    }
    case 'truncate': {
      const at = rng.int(bytes.length + 1);
      file.bytes = bytes.subarray(0, at);
      return `${file.name}: cut at ${at} of ${bytes.length}`;
    }
    case 'insert': {
      const at = rng.int(bytes.length + 1);
      const junk = rng.pick(JUNK);
      file.bytes = Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
      return `${file.name}: ${JSON.stringify(junk.toString('latin1'))} inserted at ${at}`;
    }
    case 'lines': {
      const lines = splitLines(bytes);
      if (lines.length === 0) return `${file.name}: no lines`;
      const i = rng.int(lines.length);
      const j = lines.length > 1 ? (i + rng.intBetween(1, lines.length - 1)) % lines.length : i;
      const op = rng.pick(['duplicate', 'delete', 'swap', 'blank']);
      if (op === 'duplicate') lines.splice(j, 0, lines[i] as Buffer);
      if (op === 'delete') lines.splice(i, 1);
      if (op === 'swap') [lines[i], lines[j]] = [lines[j] as Buffer, lines[i] as Buffer];
      if (op === 'blank') lines.splice(i, 0, Buffer.from(rng.pick(['', '   ', '\r', '\t'])));
      file.bytes = joinLines(lines);
      return `${file.name}: line ${op} (${i + 1}, ${j + 1})`;
    }
    case 'bom':
      file.bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      return `${file.name}: BOM`;
    case 'crlf':
      file.bytes = Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
      return `${file.name}: CRLF`;
    case 'splice': {
      const from = rng.int(bytes.length + 1);
      const piece = bytes.subarray(from, from + rng.intBetween(1, 4096));
      const at = rng.int(bytes.length + 1);
      file.bytes = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
      return `${file.name}: ${piece.length} bytes from ${from} copied to ${at}`;
    }
    default: {
      const text = rng.pick(WHOLE);
      file.bytes = Buffer.from(text);
      return `${file.name}: whole file = ${JSON.stringify(text)}`;
    }
  }
}

const CELLS = [
  '',
  ' ',
  '../../../../etc/passwd',
  '/etc/passwd',
  'records_files',
  'records_files/../../x.png',
  'records_files/missing.wav',
  'data:text/plain,%E0%A4%A',
  'data:image/png;base64,!!!',
  '\u0000',
  '\u001b[2J',
  '9999-99-99',
  'abc',
  '-1',
  'snomed:;;;:',
  'icd10:',
  ':x',
  '=;=;8867-4=NaN;8867-4=1e999;8867-4=-;8310-5=Infinity',
  'x'.repeat(100_000),
  '\ud800',
  '"',
  'female;male',
  '2025-02-30T25:61:61Z',
];

/** One mutation of CSV rows (the first row is the header). */
export function mutateCsv(rng: Random, rows: string[][]): string {
  const header = rows[0] ?? [];
  const which = rng.pick(['cell', 'cell', 'cell', 'header', 'width']);
  if (which === 'cell' && rows.length > 1) {
    const r = rng.intBetween(1, rows.length - 1);
    const row = rows[r] as string[];
    const c = rng.int(Math.max(1, row.length));
    const value = rng.pick(CELLS);
    row[c] = value;
    return `csv row ${r} ${header[c] ?? `column ${c + 1}`} = ${JSON.stringify(value.slice(0, 30))}${value.length > 30 ? '…' : ''}`;
  }
  if (which === 'header') {
    const c = rng.int(Math.max(1, header.length));
    const op = rng.pick(['drop', 'repeat', 'rename', 'swap']);
    if (op === 'drop') for (const row of rows) row.splice(c, 1);
    if (op === 'repeat') header.push(header[c] ?? 'id');
    if (op === 'rename') header[c] = rng.pick(['', 'ID', 'note', '\u0000', '__proto__']);
    if (op === 'swap') {
      const d = rng.int(Math.max(1, header.length));
      [header[c], header[d]] = [header[d] as string, header[c] as string];
    }
    return `csv header ${op} ${c + 1}`;
  }
  const r = rng.int(rows.length);
  const row = rows[r] as string[];
  if (rng.chance(0.5)) row.push('extra', '"');
  else row.splice(rng.int(Math.max(1, row.length)));
  return `csv row ${r} width changed`;
}

const TYPES = ['Patient', 'Observation', 'Condition', 'Binary', 'Bundle', 'Organization', 'log'];

/** One mutation of the files of a Bulk folder. */
export function mutateFolder(rng: Random, files: CaseFile[]): string {
  const file = rng.pick(files);
  const which = rng.pick(['rename', 'gz-name', 'gz-cut', 'empty', 'stray']);
  switch (which) {
    case 'rename': {
      const to = `${rng.pick(TYPES)}.${rng.int(3)}${rng.int(10)}${rng.int(10)}.ndjson`;
      const was = file.name;
      file.name = files.some((f) => f.name === to) ? `${to}.ndjson` : to;
      return `${was} renamed ${file.name}`;
    }
    case 'gz-name':
      file.name = `${file.name}.gz`;
      return `${file.name}: plain text named .gz`;
    case 'gz-cut': {
      const gz = gzipSync(file.bytes);
      file.name = `${file.name}.gz`;
      file.bytes = gz.subarray(0, rng.int(gz.length));
      return `${file.name}: gzip cut at ${file.bytes.length} of ${gz.length}`;
    }
    case 'empty':
      file.bytes = Buffer.alloc(0);
      return `${file.name}: empty`;
    default:
      files.push({ name: 'log.ndjson', bytes: Buffer.from('{"level":"info"}\nnot json\n') });
      return 'log.ndjson added';
  }
}
