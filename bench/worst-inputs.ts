/**
 * @file The worst inputs of issue 11 (item 2: peak RSS under a bound on any input), generated
 * byte by byte into a folder: each is one record (or one Bulk patient) that pushes one budget of
 * the README's table to its limit or past it. bench/hostile-rss.sh measures the CLI on each;
 * test/hostile/peak-rss.test.ts runs the small ones (nothing large is committed).
 *
 *   node --import tsx bench/worst-inputs.ts <folder>
 * writes every input under <folder> and prints one line per input, its fields separated by the
 * unit separator (\x1f, not a tab: bash's `read` would merge two tabs around an empty field):
 * name, input path, extra analyze flags (space-separated, may be empty), description.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflateRaw } from 'node:zlib';
import sharp from 'sharp';

export interface WorstInput {
  name: string;
  /** What analyze is given (a file or a Bulk folder). */
  input: string;
  /** Extra analyze flags. */
  flags: string[];
  what: string;
}

const patient = { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1960-01-01' };
const subject = { reference: 'Patient/p1' };
const MiB = 1024 * 1024;

/** One NDJSON line: a collection Bundle of the Patient and `resources`. */
function bundleLine(resources: object[], id = 'b1'): string {
  return `${JSON.stringify({ resourceType: 'Bundle', id, type: 'collection', entry: [patient, ...resources].map((resource) => ({ resource })) })}\n`;
}

function media(id: string, contentType: string, data: Buffer): object {
  return { resourceType: 'Media', id, status: 'completed', subject, content: { contentType, data: data.toString('base64') } };
}

function writeBundle(dir: string, name: string, resources: object[]): string {
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, bundleLine(resources));
  return file;
}

/** An HTML note just under the 2 MiB HTML budget, of unclosed tags, comments and deep nesting. */
export function htmlNote(dir: string, bytes = 2 * MiB - 4096): WorstInput {
  const parts = ['<p>Chest pain and shortness of breath.</p>', '<a', '<!--', '<div>', '<script ', '&amp;', '<td>x'];
  let html = '<html><body>';
  for (let i = 0; html.length < bytes - 64; i++) html += parts[i % parts.length];
  html = `${html.slice(0, bytes - 16)}</body></html>`;
  const note = {
    resourceType: 'DocumentReference',
    id: 'd1',
    status: 'current',
    subject,
    content: [{ attachment: { contentType: 'text/html', data: Buffer.from(html).toString('base64') } }],
  };
  return {
    name: 'html-2mib',
    input: writeBundle(dir, 'html-2mib', [note]),
    flags: [],
    what: `HTML note of ${(html.length / MiB).toFixed(1)} MiB`,
  };
}

/** A 16-bit mono WAV declaring `rate` Hz with `seconds`·rate samples (1 Hz: 6 M samples last 70 days). */
export function wav(rate: number, samples: number): Buffer {
  const data = samples * 2;
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data, 40);
  return Buffer.concat([head, randomBytes(data)]);
}

export function wav1Hz(dir: string, samples = 6 * MiB): WorstInput {
  const bytes = wav(1, samples);
  return {
    name: 'wav-1hz',
    input: writeBundle(dir, 'wav-1hz', [media('m1', 'audio/wav', bytes)]),
    flags: [],
    what: `WAV declaring 1 Hz, ${(bytes.length / MiB).toFixed(0)} MiB of samples`,
  };
}

/** One explicit VR little endian element; `length` overrides the value's own (for a streamed value). */
function element(group: number, elem: number, vr: string, value: Buffer, length = value.length): Buffer {
  const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(length, 8);
  else head.writeUInt16LE(length, 6);
  return Buffer.concat([head, value]);
}
const us = (n: number) => Buffer.from([n & 0xff, n >> 8]);

/**
 * A Deflated Explicit VR Little Endian DICOM of `rows` × `columns` pixels of `bits` bits, its data
 * set deflated as a stream (a 2 GiB data set never sits in this process's memory).
 */
export async function deflatedDicom(rows: number, columns: number, bits: 8 | 16 | 32): Promise<Buffer> {
  const syntax = Buffer.from('1.2.840.10008.1.2.1.99\0', 'latin1');
  const metaBody = element(0x0002, 0x0010, 'UI', syntax);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([element(0x0002, 0x0000, 'UL', groupLength), metaBody]);
  const pixelBytes = rows * columns * (bits / 8);
  const deflate = createDeflateRaw({ level: 1 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  deflate.write(
    Buffer.concat([
      element(0x0008, 0x0060, 'CS', Buffer.from('DX', 'latin1')),
      element(0x0028, 0x0002, 'US', us(1)),
      element(0x0028, 0x0004, 'CS', Buffer.from('MONOCHROME2 ', 'latin1')),
      element(0x0028, 0x0010, 'US', us(rows)),
      element(0x0028, 0x0011, 'US', us(columns)),
      element(0x0028, 0x0100, 'US', us(bits)),
      element(0x0028, 0x0101, 'US', us(bits)),
      element(0x7fe0, 0x0010, 'OB', Buffer.alloc(0), pixelBytes),
    ]),
  );
  const zeros = Buffer.alloc(4 * MiB, 0x11);
  for (let left = pixelBytes; left > 0; left -= zeros.length) {
    if (!deflate.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, ...chunks]);
}

/** A DICOM bomb: a few MB that would inflate to `inflatedMiB` (past the 256 MiB cap). */
export async function dicomBomb(dir: string, inflatedMiB = 2048): Promise<WorstInput> {
  const columns = 65_535;
  const rows = Math.floor((inflatedMiB * MiB) / columns);
  const bytes = await deflatedDicom(rows, columns, 8);
  return {
    name: 'dicom-bomb',
    input: writeBundle(dir, 'dicom-bomb', [media('m1', 'application/dicom', bytes)]),
    flags: [],
    what: `deflated DICOM of ${(bytes.length / MiB).toFixed(1)} MiB inflating to ${inflatedMiB} MiB`,
  };
}

/** The largest DICOM decoded: 32-bit, 8192 × 7936 (the pixel budget), inflating to 248 MiB, just under the cap. */
export async function dicomUnderCap(dir: string): Promise<WorstInput> {
  const bytes = await deflatedDicom(7936, 8192, 32);
  return {
    name: 'dicom-under-cap',
    input: writeBundle(dir, 'dicom-under-cap', [media('m1', 'application/dicom', bytes)]),
    flags: [],
    what: 'deflated 32-bit DICOM 8192 x 7936, inflating to 248 MiB (just under the cap)',
  };
}

/** One Binary of `mib` MiB (an uncompressed PNG of noise) referenced by `count` Media. */
export async function sharedBinary(dir: string, count = 300, mib = 10): Promise<WorstInput> {
  const side = Math.floor(Math.sqrt((mib * MiB) / 3));
  const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const binary = { resourceType: 'Binary', id: 'x1', contentType: 'image/png', data: png.toString('base64') };
  const many = Array.from({ length: count }, (_, i) => ({
    resourceType: 'Media',
    id: `m${i}`,
    status: 'completed',
    subject,
    content: { contentType: 'image/png', url: 'Binary/x1' },
  }));
  return {
    name: 'binary-x300',
    input: writeBundle(dir, 'binary-x300', [binary, ...many]),
    flags: [],
    what: `one ${(png.length / MiB).toFixed(0)} MiB Binary referenced by ${count} Media`,
  };
}

/** A Bundle whose id is `mib` MiB long (under the 64 MiB line limit, so it is read). */
export function hugeId(dir: string, mib = 48): WorstInput {
  const file = join(dir, 'huge-id.ndjson');
  writeFileSync(file, bundleLine([{ resourceType: 'Condition', id: 'c1', subject, code: { text: 'Asthma' } }], 'i'.repeat(mib * MiB)));
  return { name: 'huge-id', input: file, flags: [], what: `Bundle id of ${mib} MiB` };
}

/** One NDJSON line of `mib` MiB, over the default --max-line-mb (64). */
export function longLine(dir: string, mib = 80): WorstInput {
  const file = join(dir, 'long-line.ndjson');
  const fd = openSync(file, 'w');
  writeSync(fd, '{"resourceType":"Bundle","type":"collection","id":"');
  const chunk = 'L'.repeat(MiB);
  for (let i = 0; i < mib; i++) writeSync(fd, chunk);
  writeSync(fd, '"}\n');
  closeSync(fd);
  return { name: 'long-line', input: file, flags: [], what: `one NDJSON line of ${mib} MiB (over --max-line-mb 64)` };
}

/** A PNG at the pixel budget (8192 × 8192, RGB), decoded and resized. */
export async function bigPng(dir: string, side = 8192): Promise<WorstInput> {
  const png = await sharp({ create: { width: side, height: side, channels: 3, background: { r: 120, g: 130, b: 140 } } })
    .png()
    .toBuffer();
  return {
    name: 'png-8192',
    input: writeBundle(dir, 'png-8192', [media('m1', 'image/png', png)]),
    flags: [],
    what: `PNG of ${side} x ${side} RGB (the 64-megapixel budget)`,
  };
}

/** A Bulk folder where one patient holds `mb` MB of Observations (as bench/bulk-join.sh). */
export function bulkPatient(dir: string, mb = 110): WorstInput {
  const folder = join(dir, 'bulk-patient');
  mkdirSync(folder);
  writeFileSync(join(folder, 'Patient.ndjson'), `${JSON.stringify(patient)}\n`);
  const codes = ['8867-4', '8480-6', '8462-4', '2339-0', '2160-0', '718-7', '6690-2', '777-3', '2951-2', '2823-3'];
  const fd = openSync(join(folder, 'Observation.ndjson'), 'w');
  let chunk = '';
  for (let i = 0, bytes = 0; bytes < mb * 1e6; i++) {
    const code = codes[i % codes.length];
    const line = `${JSON.stringify({
      resourceType: 'Observation',
      id: `o${i}`,
      status: 'final',
      subject,
      effectiveDateTime: new Date(Date.UTC(2000, 0, 1) + (i % 9000) * 86_400_000).toISOString(),
      code: { coding: [{ system: 'http://loinc.org', code }] },
      valueQuantity: { value: 50 + (i % 100), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    })}\n`;
    bytes += line.length;
    chunk += line;
    if (chunk.length > MiB) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return { name: 'bulk-110mb', input: folder, flags: [], what: `one Bulk patient holding ${mb} MB of Observations` };
}

/** Every worst input, in the order the bench prints them. */
export async function worstInputs(dir: string): Promise<WorstInput[]> {
  return [
    htmlNote(dir),
    wav1Hz(dir),
    await dicomBomb(dir),
    await dicomUnderCap(dir),
    await sharedBinary(dir),
    hugeId(dir),
    longLine(dir),
    await bigPng(dir),
    bulkPatient(dir),
  ];
}

if (process.argv[1]?.endsWith('worst-inputs.ts')) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: worst-inputs.ts <folder>\n');
    process.exit(2);
  }
  for (const w of await worstInputs(dir)) process.stdout.write(`${[w.name, w.input, w.flags.join(' '), w.what].join('\x1f')}\n`);
}
