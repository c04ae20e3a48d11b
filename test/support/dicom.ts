/**
 * @file DICOM files built byte by byte for tests (no committed binaries): a monochrome 8-bit
 * image of any size, its data set deflated or not.
 */
import { deflateRawSync } from 'node:zlib';

/** One explicit VR little endian element. */
function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}
const us = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const ui = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

/** A monochrome 8-bit DICOM of `rows` × `columns`, its data set deflated when `deflated`. */
export function dicom(rows: number, columns: number, deflated: boolean): Uint8Array {
  const syntax = deflated ? '1.2.840.10008.1.2.1.99' : '1.2.840.10008.1.2.1';
  const metaBody = element(0x0002, 0x0010, 'UI', ui(syntax));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([element(0x0002, 0x0000, 'UL', groupLength), metaBody]);
  const pixels = Buffer.alloc(rows * columns, 7);
  const dataSet = Buffer.concat([
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', Buffer.from('MONOCHROME2 ', 'latin1')),
    element(0x0028, 0x0010, 'US', us(rows)),
    element(0x0028, 0x0011, 'US', us(columns)),
    element(0x0028, 0x0100, 'US', us(8)),
    element(0x0028, 0x0101, 'US', us(8)),
    element(0x7fe0, 0x0010, 'OB', pixels),
  ]);
  return new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, deflated ? deflateRawSync(dataSet) : dataSet]));
}
