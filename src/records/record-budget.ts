/**
 * @file The decoded-bytes budget of one record (issue 11, item 2): how many bytes of attachment
 * data (inline, `data:` URLs, files, fetched URLs and Binaries) one record may hold decoded.
 *
 * Why per record and apart from decoding: a Binary is decoded once per group of resources (a
 * Bundle, or one Bulk patient; src/records/attachments.ts) and shared by every attachment that
 * references it, but with `--unit encounter` one group makes several records, and each record
 * must get the whole budget, counting each Binary it uses once, however many of its attachments
 * point to it (or how many other records use it too). The budget also remembers what became of
 * each Binary for its record, so a Binary referenced ten times is counted, or refused with a
 * warning, once.
 */

/** Most decoded attachment bytes of one record (64 MiB; `--max-record-mb`). */
export const MAX_RECORD_DECODED_BYTES = 64 * 1024 * 1024;

/** Bytes an attachment resolved to, and what was learnt on the way. */
export interface LoadedBytes {
  bytes?: Uint8Array;
  /** Content type found on the way (a Binary's, a data: URL's), when the attachment has none. */
  contentType?: string;
  /** Kept when the data stays remote. */
  url?: string;
}

export class RecordBudget {
  /** Decoded bytes counted so far. */
  used = 0;
  /** What each Binary (by key) gave this record: its bytes, or undefined when refused (warned once). */
  readonly binaries = new Map<string, LoadedBytes | undefined>();

  constructor(readonly limit: number = MAX_RECORD_DECODED_BYTES) {}

  /** True when `bytes` more still fit. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  /** Count `bytes` against the budget (after `fits`). */
  take(bytes: number): void {
    this.used += bytes;
  }
}
