/**
 * @file Small typed accessors for FHIR JSON, which arrives as `unknown` and may be malformed.
 *
 * Every reader in src/records goes through these so that a field of the wrong type is treated as
 * absent instead of throwing: one odd resource must not cost the whole record.
 */
import type { JsonObject } from '../io/types.js';
import { isJsonObject } from '../io/types.js';
import type { SourcePosition } from '../io/types.js';

export { isJsonObject };
export type { JsonObject };

/** One resource with where it came from, as the assembler handles it. */
export interface ResourceEntry {
  resource: JsonObject;
  /** `Type/id`, the key used in messages and in `resource` fields of the record. */
  key: string;
  position: SourcePosition;
  /** Folder that relative attachment paths resolve against. */
  baseDir: string;
  fullUrl?: string;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function obj(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A nested field by path, e.g. `at(r, 'context', 'period', 'start')`. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isJsonObject(current) ? current[key] : undefined;
  }
  return current;
}

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** The codings of a CodeableConcept that have both a system and a code. */
export function codingsOf(concept: unknown): Coding[] {
  const out: Coding[] = [];
  for (const c of arr(obj(concept)?.coding)) {
    const system = str(obj(c)?.system);
    const code = str(obj(c)?.code);
    if (!system || !code) continue;
    const display = str(obj(c)?.display);
    out.push(display ? { system, code, display } : { system, code });
  }
  return out;
}

/** The human-readable name of a CodeableConcept: its text, else the first coding's display. */
export function conceptText(concept: unknown): string | undefined {
  const o = obj(concept);
  if (!o) return undefined;
  const text = str(o.text);
  if (text) return text;
  for (const c of arr(o.coding)) {
    const display = str(obj(c)?.display);
    if (display) return display;
  }
  return undefined;
}

/** The first code of a CodeableConcept in `system`, else of any system. */
export function preferredCode(concept: unknown, system?: string): string | undefined {
  const codings = codingsOf(concept);
  return (codings.find((c) => c.system === system) ?? codings[0])?.code;
}

/** The code of a status CodeableConcept (e.g. clinicalStatus), or a plain status string. */
export function statusOf(value: unknown): string | undefined {
  return str(value) ?? codingsOf(value)[0]?.code ?? str(at(value, 'coding', 0, 'code'));
}

const TIME_FIELDS: (string | string[])[] = [
  'effectiveDateTime',
  ['effectivePeriod', 'start'],
  'effectiveInstant',
  'onsetDateTime',
  ['onsetPeriod', 'start'],
  'performedDateTime',
  ['performedPeriod', 'start'],
  'authoredOn',
  'createdDateTime',
  ['createdPeriod', 'start'],
  'occurrenceDateTime',
  'recordedDate',
  'dateAsserted',
  'issued',
  'date',
  'sent',
  ['context', 'period', 'start'],
  ['period', 'start'],
];

/** The clinically relevant time of a resource (effective, onset, performed, authored, …). */
export function resourceTime(resource: JsonObject): string | undefined {
  for (const field of TIME_FIELDS) {
    const value = typeof field === 'string' ? resource[field] : at(resource, ...field);
    const time = str(value);
    if (time && !Number.isNaN(Date.parse(time))) return time;
  }
  return undefined;
}

/** Milliseconds of an ISO date or date-time, or undefined. */
export function timeValue(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The later of two ISO times (by instant), keeping the original spelling. */
export function laterTime(a: string | undefined, b: string | undefined): string | undefined {
  const ta = timeValue(a);
  const tb = timeValue(b);
  if (ta === undefined) return tb === undefined ? undefined : b;
  if (tb === undefined) return a;
  return tb > ta ? b : a;
}
