/**
 * @file Number and label formatting for the report, in one place so every section shows a score,
 * a signed contribution or a count the same way (and deterministically: no locale, no clock).
 */

/** A probability as 3 decimals: 0.873. */
export function fmtScore(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '–';
}

/** A signed difference with a true minus sign: +0.120, −0.045. */
export function fmtSigned(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return x > 0 ? `+${text}` : `\u2212${text}`;
}

/**
 * What an occlusion weight means in words. Weights are drops in the explained score when the
 * piece is removed, so +0.12 reads "score −0.120 when removed" (the piece supported it).
 */
export function fmtEffect(weight: number, removed: string): string {
  if (Math.abs(weight) < 0.0005) return `score unchanged (under 0.001) when ${removed}`;
  return `score ${fmtSigned(-weight)} when ${removed}`;
}

/** A count with thin-space thousands grouping, independent of the machine's locale. */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** A share as a percentage with one decimal: 12.5 %. */
export function fmtPercent(part: number, whole: number): string {
  if (whole <= 0 || !Number.isFinite(part) || !Number.isFinite(whole)) return '–';
  return `${((100 * part) / whole).toFixed(1)}\u202f%`;
}

/** A metric value of unknown scale: integers as counts, other numbers to 4 significant digits. */
export function fmtMetric(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return fmtCount(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return x.toFixed(1);
  if (abs >= 1e-4) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}

/** "1 record", "3 records". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${fmtCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/** Where a record came from: `file:line` or `file#entry`. */
export function fmtSource(source: { file: string; line?: number; entry?: number }): string {
  let text = source.file;
  if (source.line !== undefined) text += `:${source.line}`;
  if (source.entry !== undefined) text += ` entry ${source.entry}`;
  return text;
}

/** A source date as its calendar day (`2024-03-01T09:30:00Z` → `2024-03-01`); anything else as written. */
export function fmtDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;
}

/** Seconds for the audio axis: `3 s`, `2.5 s`. */
export function fmtSeconds(s: number): string {
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`;
}

/** Head names as section titles: `diagnoses` → `Diagnoses`. */
export function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/[_-]+/g, ' ');
}
