/**
 * @file Typed errors shared by every layer.
 *
 * The CLI maps them to exit codes: a `UsageError` (the user asked for something invalid) exits
 * with 2, anything else with 1. Messages name files, positions and record ids, never record
 * content (notes and names are patient data).
 */

export class ClinicalBertError extends Error {
  /** A stable machine-readable code, e.g. `KG_MISSING_SOURCE`. */
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** The user asked for something invalid: a bad flag value, a missing file, an unknown option. */
export class UsageError extends ClinicalBertError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'USAGE', cause: options.cause });
  }
}

/** Quote a user-supplied value in an error message, short enough to read. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = text === undefined ? String(value) : text;
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}

/** Parse a non-negative integer flag, or throw a UsageError that quotes the bad value. */
export function parseCount(flag: string, value: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer between ${min} and ${max}, got ${quote(value)}`);
  }
  return n;
}

/** Check a value against a list of choices, or throw a UsageError listing them. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got ${quote(value)}`);
}
