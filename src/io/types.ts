/**
 * @file The raw items every input source yields, before any record is assembled.
 *
 * Why a contract of its own: sources (NDJSON, Bundle files, Bulk Data folders, CSV, stdin) differ
 * in shape but the assembler must not care which one it reads. Each item carries a stable
 * `SourcePosition` so failures and outputs can point back to a file, line and bundle entry, and
 * bad input is an `error` item in the stream rather than an exception that ends it.
 */
/** Where an item came from in the input: enough for a user to find it again. */
export interface SourcePosition {
  /** Input file path as given by the user, or `-` for stdin, or a server URL. */
  file: string;
  /** 1-based line for line-oriented inputs (NDJSON, CSV rows); absent for whole-file inputs. */
  line?: number;
  /** Entry index inside a Bundle, when the item came from one. */
  entry?: number;
}

/** A parsed JSON object (a FHIR resource or part of one). */
export type JsonObject = { [key: string]: unknown };

export const INPUT_FORMATS = ['auto', 'ndjson', 'bundle', 'bulk', 'csv'] as const;
/**
 * How to read an input. `auto` detects from content; `ndjson` reads one JSON object per line
 * (Bundles or resources); `bundle` reads one JSON document (a Bundle or a single resource);
 * `bulk` reads a folder of Bulk Data `*.ndjson` files (a file is read as one Bulk Data file);
 * `csv` reads rows with the columns of docs/csv-format.md.
 */
export type InputFormat = (typeof INPUT_FORMATS)[number];

interface ItemBase {
  position: SourcePosition;
  /**
   * Folder that relative attachment paths of this item resolve against (the input file's folder,
   * the working directory for stdin). Attachments may never point outside it.
   */
  baseDir: string;
}

/** A whole FHIR Bundle: one NDJSON line, or one Bundle JSON file. */
export interface BundleItem extends ItemBase {
  kind: 'bundle';
  bundle: JsonObject;
}

/**
 * One FHIR resource that is not a Bundle. `standalone` is true for a single-resource JSON file
 * (assembled on its own, like a one-entry Bundle) and false for a line of a Bulk Data file
 * (joined with the other resources of the same patient across files).
 */
export interface ResourceItem extends ItemBase {
  kind: 'resource';
  resource: JsonObject;
  standalone: boolean;
  /** The raw NDJSON line, kept so a grouper can spill it to disk without serializing again. */
  text?: string;
}

/** One CSV data row, keyed by header column. */
export interface CsvRowItem extends ItemBase {
  kind: 'csv-row';
  row: Record<string, string>;
}

/** Input that could not be read or parsed. Reasons name positions, never content. */
export interface SourceError {
  kind: 'error';
  position: SourcePosition;
  reason: string;
  /** Stable machine-readable code, e.g. `INVALID_JSON`, `NOT_A_RESOURCE`, `NOT_FOUND`. */
  code: string;
}

export type SourceItem = BundleItem | ResourceItem | CsvRowItem | SourceError;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
