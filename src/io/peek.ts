/**
 * @file Look at the first bytes of a stream without consuming them, and undo gzip.
 *
 * Format detection needs the first non-space byte and the first line, but stdin cannot be
 * rewound and opening a file twice would not work for pipes. Peeking buffers only the head
 * (64 KiB by default) and hands back a stream that replays it before the rest.
 */
import { Readable, PassThrough, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface PeekedStream {
  /** The first bytes (up to the requested size, fewer when the stream is shorter). */
  head: Buffer;
  /** True when the head is the whole stream. */
  complete: boolean;
  /** The whole stream, head included. */
  stream: Readable;
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
}

/** Read up to `bytes` from the start of `input` and return them with a replaying stream. */
export async function peekStream(input: NodeJS.ReadableStream | Readable, bytes = 64 * 1024): Promise<PeekedStream> {
  const iterator = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (complete) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield toBuffer(next.value);
      }
    } finally {
      // a reader that stops early must release the file, not leave it to the garbage collector
      await iterator.return?.();
    }
  }
  return { head: head.subarray(0, bytes), complete, stream: Readable.from(replay(), { objectMode: false }) };
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Peek at a stream, transparently gunzipping it when it is gzip (Bulk Data servers often serve
 * `*.ndjson.gz`). A corrupt gzip stream surfaces as a stream error to the reader.
 */
export async function openPeeked(input: NodeJS.ReadableStream | Readable, bytes = 64 * 1024): Promise<PeekedStream> {
  const peeked = await peekStream(input, bytes);
  if (!isGzip(peeked.head)) return peeked;
  const out = new PassThrough();
  pipeline(peeked.stream, createGunzip(), out, () => {
    // errors reach the reader through `out`, which pipeline destroys with the error
  });
  return peekStream(out, bytes);
}
