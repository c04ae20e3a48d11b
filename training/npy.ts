/**
 * @file Streams rows into a NumPy `.npy` file (format 1.0) without knowing the row count up front:
 * a fixed-size header is written first and rewritten with the final shape on close.
 *
 * Why: the featurizer writes arrays of thousands of audio waveforms; holding them all in memory
 * to learn the count would cost gigabytes for nothing.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const HEADER_BYTES = 128;
const DESCR = { float32: '<f4', int64: '<i8' } as const;
export type NpyDType = keyof typeof DESCR;

export class NpyWriter {
  private readonly fd: number;
  private rows = 0;
  private offset = HEADER_BYTES;

  constructor(
    readonly path: string,
    readonly dtype: NpyDType,
    /** Shape of one row (empty for a vector of scalars). */
    readonly rowShape: number[],
  ) {
    this.fd = openSync(path, 'w');
    this.writeHeader();
  }

  private writeHeader(): void {
    const shape = [this.rows, ...this.rowShape];
    const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
    let dict = `{'descr': '${DESCR[this.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
    const room = HEADER_BYTES - 10 - 1;
    if (dict.length > room) throw new Error(`npy header too long for ${this.path}`);
    dict = dict.padEnd(room, ' ') + '\n';
    const header = Buffer.alloc(HEADER_BYTES);
    header.write('\x93NUMPY', 0, 'latin1');
    header[6] = 1;
    header[7] = 0;
    header.writeUInt16LE(HEADER_BYTES - 10, 8);
    header.write(dict, 10, 'latin1');
    writeSync(this.fd, header, 0, HEADER_BYTES, 0);
  }

  /** Append one row; `values` must hold exactly the row's element count. */
  append(values: ArrayLike<number>): void {
    const count = this.rowShape.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new Error(`${this.path}: row has ${values.length} values, expected ${count}`);
    let buffer: Buffer;
    if (this.dtype === 'float32') {
      const data = values instanceof Float32Array ? values : Float32Array.from(values);
      buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    } else {
      const data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
      buffer = Buffer.from(data.buffer);
    }
    writeSync(this.fd, buffer, 0, buffer.length, this.offset);
    this.offset += buffer.length;
    this.rows++;
  }

  close(): number {
    this.writeHeader();
    closeSync(this.fd);
    return this.rows;
  }
}
