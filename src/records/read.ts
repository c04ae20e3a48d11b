/**
 * @file The public entry point of the assemble layer: inputs in, `RecordItem`s out, with
 * counters that let the caller prove nothing was lost.
 *
 * Bundles (NDJSON lines or files) and CSV rows become records as they are read. Bulk Data lines
 * (resources one per line, from folders, `*.ndjson` files or stdin) are joined by patient across
 * all inputs of the call, within each export (the folder of their file), through a bounded-memory
 * spill (src/records/group-bulk.ts) and come out after the last input is read. Every raw item read is counted as used (it went into a record),
 * failed (it produced, or was part of, a failure item) or skipped (with a reason), so that
 * `itemsRead === itemsUsed + itemsFailed + itemsSkipped` and every `RecordItem` is a record, a
 * failure or a skipped input (a Bundle of reference data only): `recordsYielded + failures +
 * skippedInputs` items in all.
 */
import type { Readable } from 'node:stream';
import { readFhirServer, type FhirSourceOptions } from '../io/fhir-server.js';
import { readSources, type SourceNotice } from '../io/sources.js';
import { INPUT_FORMATS, type InputFormat, type SourceItem } from '../io/types.js';
import { UsageError, parseChoice } from '../util/errors.js';
import { assembleBundle } from './assemble-bundle.js';
import { assemblePatient, UNITS, type AssembleOptions, type RecordUnit } from './assemble-patient.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from './attachments.js';
import { recordFromCsvRow } from './from-csv.js';
import { BulkGrouper } from './group-bulk.js';
import { REFERENCE_DATA_TYPES } from './reference-data.js';
import type { RecordItem } from './types.js';

export { INPUT_FORMATS, UNITS };
export type { InputFormat, RecordUnit };

export interface ReadOptions {
  /** How to read inputs; `auto` detects from content (default). */
  format: InputFormat;
  /** One record per patient (default) or per encounter. */
  unit: RecordUnit;
  /**
   * The user passed `--allow-network`: attachments by http(s) URL are fetched (src/records/fetch-url.ts).
   * Off by default, and then nothing is fetched: such attachments stay remote with a warning.
   */
  allowNetwork: boolean;
  /** With allowNetwork: loopback, link-local and private addresses may be fetched (`--allow-private-network`). */
  allowPrivateNetwork?: boolean;
  /** With allowNetwork: wall-clock budget for all URL fetches of one record (`--fetch-budget-s`, default 30 s). */
  fetchBudgetMs?: number;
  /** Larger attachments are dropped with a warning (default 20 MiB). */
  maxAttachmentBytes: number;
  /** Decoded attachment bytes of one record, each Binary counted once (`--max-record-mb`, default 64 MiB). */
  maxRecordDecodedBytes?: number;
  /** Largest HTML note reduced to text (`--max-html-mb`, default 2 MiB). */
  maxHtmlNoteBytes?: number;
  /** Most pixels of one image, width × height, checked before decoding (`--max-megapixels`, default 64 Mi). */
  maxImagePixels?: number;
  /** Most bytes a deflated DICOM data set may inflate to (`--max-inflate-mb`, default 256 MiB). */
  maxDicomInflatedBytes?: number;
  /** Parent folder for the Bulk Data spill (default: the OS temp folder). */
  tempDir?: string;
  /** Bulk Data grouping: largest spill bucket held in memory (default 64 MiB). */
  maxBucketBytes?: number;
  /**
   * Bulk Data grouping: a patient with more resource JSON than this is read in one streaming pass
   * keeping the newest notes and facts, with a warning (default 32 MiB; src/records/patient-bound.ts).
   */
  maxPatientBytes?: number;
  /**
   * Stops the read (SIGINT/SIGTERM): no item is read after it fires, the records already handed
   * out stand, and the Bulk spill folder is removed on the way out.
   */
  signal?: AbortSignal;
  /** Read this FHIR server instead of the inputs (`--fhir`, src/io/fhir-server.ts). */
  fhir?: FhirSourceOptions;
  /** Stream read for `-` (default process.stdin). */
  stdin?: NodeJS.ReadableStream | Readable;
  /** Longest NDJSON line read; longer ones are dead letters `LINE_TOO_LONG` (default 64 MiB). */
  maxLineBytes?: number;
  /** Called with facts about the inputs worth one info line (files of a Bulk folder not read). */
  onNotice?: (notice: SourceNotice) => void;
  /** Folder for relative attachment paths of records read from stdin (`--base-dir`); none: refused. */
  stdinBaseDir?: string;
}

export const DEFAULT_READ_OPTIONS: ReadOptions = {
  format: 'auto',
  unit: 'patient',
  allowNetwork: false,
  maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
};

/** Counters of one read; see the file comment for the identities they satisfy. */
export class ReadStats {
  /** Raw items from the sources: NDJSON lines, JSON documents, CSV rows, input errors. */
  itemsRead = 0;
  /** Raw items that went into at least one record. */
  itemsUsed = 0;
  /** Raw items that became, or belonged to, a failure. */
  itemsFailed = 0;
  /** Raw items deliberately not used (e.g. an Organization line of a Bulk Data export). */
  itemsSkipped = 0;
  readonly skippedByReason: Record<string, number> = {};
  /** Files opened (inputs, files of folders, stdin). */
  files = 0;
  recordsYielded = 0;
  failures = 0;
  /** `skipped` record items: inputs that are no record on purpose (reference data only). */
  skippedInputs = 0;

  skip(reason: string, n = 1): void {
    this.itemsSkipped += n;
    this.skippedByReason[reason] = (this.skippedByReason[reason] ?? 0) + n;
  }

  /** True when every raw item is accounted for. */
  get balanced(): boolean {
    return this.itemsRead === this.itemsUsed + this.itemsFailed + this.itemsSkipped;
  }
}

/** A stream of record items with its counters (final once iteration has ended). */
export interface RecordStream extends AsyncIterable<RecordItem> {
  readonly stats: ReadStats;
}

/** Check and complete user options, or throw a UsageError naming the bad value. */
export function normalizeReadOptions(options: Partial<ReadOptions> = {}): ReadOptions {
  const merged: ReadOptions = { ...DEFAULT_READ_OPTIONS, ...options };
  parseChoice('--format', merged.format, INPUT_FORMATS);
  parseChoice('--unit', merged.unit, UNITS);
  if (!Number.isSafeInteger(merged.maxAttachmentBytes) || merged.maxAttachmentBytes < 0) {
    throw new UsageError(`maxAttachmentBytes must be a non-negative integer, got ${String(merged.maxAttachmentBytes)}`);
  }
  if (merged.maxPatientBytes !== undefined && (!Number.isSafeInteger(merged.maxPatientBytes) || merged.maxPatientBytes < 1)) {
    throw new UsageError(`maxPatientBytes must be a positive integer, got ${String(merged.maxPatientBytes)}`);
  }
  if (merged.maxLineBytes !== undefined && (!Number.isSafeInteger(merged.maxLineBytes) || merged.maxLineBytes < 1)) {
    throw new UsageError(`maxLineBytes must be a positive integer, got ${String(merged.maxLineBytes)}`);
  }
  for (const [name, min] of [
    ['maxRecordDecodedBytes', 0],
    ['maxHtmlNoteBytes', 0],
    ['maxImagePixels', 1],
    ['maxDicomInflatedBytes', 1],
  ] as const) {
    const value = merged[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      throw new UsageError(`${name} must be an integer of at least ${min}, got ${String(value)}`);
    }
  }
  return merged;
}

/** Read inputs (files, folders, globs, `-`) and assemble them into records. */
export function readRecords(inputs: readonly string[], options: Partial<ReadOptions> = {}): RecordStream {
  const normalized = normalizeReadOptions(options);
  const stats = new ReadStats();
  return {
    stats,
    [Symbol.asyncIterator]: () => generate(inputs, normalized, stats),
  };
}

/** An error's class, never its message (messages of parse errors can quote the record's content). */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown error');

async function* generate(inputs: readonly string[], options: ReadOptions, stats: ReadStats): AsyncGenerator<RecordItem> {
  const assemble: AssembleOptions = {
    unit: options.unit,
    allowNetwork: options.allowNetwork,
    maxAttachmentBytes: options.maxAttachmentBytes,
    ...(options.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}),
    ...(options.fetchBudgetMs !== undefined ? { fetchBudgetMs: options.fetchBudgetMs } : {}),
    ...(options.maxRecordDecodedBytes !== undefined ? { maxRecordDecodedBytes: options.maxRecordDecodedBytes } : {}),
    ...(options.maxHtmlNoteBytes !== undefined ? { maxHtmlNoteBytes: options.maxHtmlNoteBytes } : {}),
    ...(options.maxImagePixels !== undefined || options.maxDicomInflatedBytes !== undefined
      ? {
          imageLimits: {
            ...(options.maxImagePixels !== undefined ? { maxPixels: options.maxImagePixels } : {}),
            ...(options.maxDicomInflatedBytes !== undefined ? { maxInflatedBytes: options.maxDicomInflatedBytes } : {}),
          },
        }
      : {}),
  };
  let grouper: BulkGrouper | undefined;
  /** Bulk lines that joined no record, by reason: named in one notice at the end (never silent). */
  const notJoined: Record<string, number> = {};
  const csvIds = new Map<string, Set<string>>();
  const emit = (item: RecordItem): RecordItem => {
    if (item.kind === 'record') stats.recordsYielded++;
    else if (item.kind === 'skipped') stats.skippedInputs++;
    else stats.failures++;
    return item;
  };
  const sources = readSources(inputs, {
    format: options.format,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.stdinBaseDir !== undefined ? { stdinBaseDir: options.stdinBaseDir } : {}),
    onFile: () => {
      stats.files++;
    },
  });
  // --fhir: the server is the input (the file reader above is then never started)
  const items = options.fhir ? readFhirServer(options.fhir) : sources;
  try {
    for await (const item of items as AsyncIterable<SourceItem>) {
      if (options.signal?.aborted) return;
      stats.itemsRead++;
      switch (item.kind) {
        case 'error':
          stats.itemsFailed++;
          yield emit({ kind: 'failure', position: item.position, code: item.code, reason: item.reason });
          break;
        case 'csv-row': {
          let seen = csvIds.get(item.position.file);
          if (!seen) {
            seen = new Set();
            csvIds.set(item.position.file, seen);
          }
          let out: RecordItem;
          try {
            out = await recordFromCsvRow(item, assemble, seen);
          } catch (error) {
            // an unexpected failure on one row costs that row, not the run (nor the rows after it)
            out = {
              kind: 'failure',
              position: item.position,
              code: 'ASSEMBLY_ERROR',
              reason: `assembling the CSV row failed: ${errorName(error)}`,
            };
          }
          if (out.kind === 'record') stats.itemsUsed++;
          else stats.itemsFailed++;
          yield emit(out);
          break;
        }
        case 'bundle':
        case 'resource': {
          if (item.kind === 'resource' && !item.standalone) {
            grouper ??= new BulkGrouper({
              ...(options.tempDir ? { tempDir: options.tempDir } : {}),
              ...(options.maxBucketBytes ? { maxBucketBytes: options.maxBucketBytes } : {}),
              ...(options.maxPatientBytes ? { bound: { maxPatientBytes: options.maxPatientBytes } } : {}),
            });
            let added: Awaited<ReturnType<BulkGrouper['add']>>;
            try {
              added = await grouper.add(item);
            } catch (error) {
              // an unexpected failure on one line costs that line, not the run
              added = { kind: 'invalid', code: 'INTERNAL_ERROR', reason: `could not queue the resource: ${errorName(error)}` };
            }
            if (added.kind === 'skipped') {
              stats.skip(added.reason);
              // (reference data, the provider directory of every export, is expected there: not named)
              if (!REFERENCE_DATA_TYPES.has(String(item.resource.resourceType))) {
                notJoined[added.reason] = (notJoined[added.reason] ?? 0) + 1;
              }
            } else if (added.kind === 'shared') stats.skip(`kept for reference (${String(item.resource.resourceType)})`);
            else if (added.kind === 'invalid') {
              stats.itemsFailed++;
              yield emit({ kind: 'failure', position: item.position, code: added.code, reason: added.reason });
            }
            break;
          }
          let records = 0;
          let skipped: string | undefined;
          try {
            for await (const out of assembleBundle(item, assemble)) {
              if (out.kind === 'record') records++;
              if (out.kind === 'skipped') skipped = out.code;
              yield emit(out);
            }
          } catch (error) {
            // the records of this Bundle not yet handed out are one dead letter; the run goes on
            records = 0;
            skipped = undefined;
            yield emit({
              kind: 'failure',
              position: item.position,
              code: 'ASSEMBLY_ERROR',
              reason: `assembling the ${item.kind} failed: ${errorName(error)}`,
            });
          }
          if (records > 0) stats.itemsUsed++;
          else if (skipped) stats.skip(skipped);
          else stats.itemsFailed++;
          break;
        }
      }
    }
    if (grouper) {
      for await (const { group, lines } of grouper.groups()) {
        if (options.signal?.aborted) return;
        let records = 0;
        try {
          for (const record of await assemblePatient(group, assemble)) {
            records++;
            yield emit({ kind: 'record', record });
          }
        } catch (error) {
          yield emit({
            kind: 'failure',
            position: group.source,
            recordId: group.patientKey.slice(group.patientKey.indexOf('/') + 1),
            code: 'ASSEMBLY_ERROR',
            reason: `assembling ${group.patientKey} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`,
          });
        }
        if (records > 0) stats.itemsUsed += lines;
        else stats.itemsFailed += lines;
      }
    }
    const reasons = Object.entries(notJoined).sort(([a], [b]) => a.localeCompare(b));
    if (reasons.length > 0) {
      const total = reasons.reduce((n, [, k]) => n + k, 0);
      options.onNotice?.({
        code: 'LINES_NOT_READ',
        message: `${total} Bulk Data line(s) joined no record: ${reasons.map(([r, k]) => `${k} ${r}`).join('; ')}`,
        reasons: Object.fromEntries(reasons),
      });
    }
  } finally {
    await grouper?.close();
    await items.return(undefined);
    await sources.return(undefined);
  }
}
