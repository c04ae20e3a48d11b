/**
 * @file The ConText measurement: how well `contextFlags` (src/kg/negation.ts) agrees with the
 * physician-annotated ConText sentences (Chapman, Harkema et al.), for negation, temporality
 * (historical) and experiencer (anyone but the patient). Kept as a pure function over parsed rows
 * so that the script (scripts/context-eval.ts) and the corpus test report the same numbers.
 *
 * As in the ConText evaluation, the target phrase is given: each row's Condition is found in its
 * sentence (case-insensitive, on tokens, so spacing and line breaks do not matter) and becomes the
 * one mention; no knowledge graph is involved. Rows whose Condition cannot be found are counted as
 * skipped, never guessed. The corpus itself is read from where it lies, never copied in.
 */
import { contextFlags } from './negation.js';
import { tokenize, type Token } from './normalize.js';
import { findHeadings } from './sections.js';

/** One annotated sentence (a row of context-annotations-*.tsv). */
export interface ContextRow {
  line: string;
  condition: string;
  sentence: string;
  /** `Negated` or `Affirmed`. */
  negation: string;
  /** `Historical`, `Recent` or `Not particular`. */
  temporality: string;
  /** `Patient`, `Other` or `Family member`. */
  experiencer: string;
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ContextEvaluation {
  rows: number;
  used: number;
  /** Line numbers of rows whose Condition was not found in the sentence. */
  skipped: string[];
  negated: Score;
  historical: Score;
  /** Experiencer other than the patient (the flag is `family`). */
  family: Score;
}

/** GenNegEx's published negation F on the ConText/NegEx sentences (Chapman et al.), for comparison. */
export const GENNEGEX_NEGATION_F = 0.946;

/** Rows of a ConText annotations TSV (header line skipped, short lines ignored). */
export function parseContextTsv(text: string): ContextRow[] {
  const rows: ContextRow[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    if (i === 0 || raw.trim() === '') continue;
    const cells = raw.split('\t');
    if (cells.length < 6) continue;
    const [line, condition, sentence, negation, temporality, experiencer] = cells.map((c) => c.trim()) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    rows.push({ line, condition, sentence, negation, temporality, experiencer });
  }
  return rows;
}

/**
 * Token span of `phrase` in `tokens` (normalised words and punctuation), or undefined. The ConText
 * files write the annotated target in capitals, so when the phrase occurs more than once
 * ("Schizophrenia: … a long history of SCHIZOPHRENIA") the occurrence in capitals wins.
 */
export function findPhrase(tokens: readonly Token[], phrase: string, text?: string): { first: number; last: number } | undefined {
  // Line breaks count as spaces: the phrase may be written across lines.
  const want = tokenize(phrase)
    .map((t) => t.norm)
    .filter((n) => n !== '\n');
  if (want.length === 0) return undefined;
  let found: { first: number; last: number } | undefined;
  for (let i = 0; i < tokens.length; i++) {
    let k = i;
    let matched = 0;
    for (; k < tokens.length && matched < want.length; k++) {
      const norm = (tokens[k] as Token).norm;
      if (norm === '\n' && matched > 0) continue;
      if (norm !== want[matched]) break;
      matched++;
    }
    if (matched < want.length) continue;
    const span = { first: i, last: k - 1 };
    if (text === undefined) return span;
    const raw = text.slice((tokens[span.first] as Token).start, (tokens[span.last] as Token).end);
    if (/\p{Lu}/u.test(raw) && raw === raw.toUpperCase()) return span;
    found ??= span;
  }
  return found;
}

function score(tp: number, fp: number, fn: number): Score {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Counts one binary decision into a tally. */
function count(tally: { tp: number; fp: number; fn: number }, predicted: boolean, gold: boolean): void {
  if (predicted && gold) tally.tp++;
  else if (predicted) tally.fp++;
  else if (gold) tally.fn++;
}

/** Per-row outcome, for reading the errors. */
export interface ContextOutcome {
  row: ContextRow;
  negated: boolean;
  historical: boolean;
  family: boolean;
}

/** Runs `contextFlags` on each row's Condition; rows not found come back as undefined. */
export function contextOutcomes(rows: readonly ContextRow[]): (ContextOutcome | undefined)[] {
  return rows.map((row) => {
    const tokens = tokenize(row.sentence);
    const span = findPhrase(tokens, row.condition, row.sentence);
    if (!span) return undefined;
    const [flags] = contextFlags(tokens, [span], findHeadings(tokens, row.sentence));
    if (!flags) return undefined;
    return { row, negated: flags.negated, historical: flags.historical, family: flags.family };
  });
}

/** Precision, recall and F1 of the negated, historical and non-patient flags over `rows`. */
export function evaluateContext(rows: readonly ContextRow[]): ContextEvaluation {
  const neg = { tp: 0, fp: 0, fn: 0 };
  const hist = { tp: 0, fp: 0, fn: 0 };
  const fam = { tp: 0, fp: 0, fn: 0 };
  const skipped: string[] = [];
  let used = 0;
  for (const [i, outcome] of contextOutcomes(rows).entries()) {
    if (!outcome) {
      skipped.push((rows[i] as ContextRow).line);
      continue;
    }
    used++;
    const { row } = outcome;
    count(neg, outcome.negated, row.negation.toLowerCase() === 'negated');
    count(hist, outcome.historical, row.temporality.toLowerCase() === 'historical');
    count(fam, outcome.family, row.experiencer.toLowerCase() !== 'patient');
  }
  return {
    rows: rows.length,
    used,
    skipped,
    negated: score(neg.tp, neg.fp, neg.fn),
    historical: score(hist.tp, hist.fp, hist.fn),
    family: score(fam.tp, fam.fp, fam.fn),
  };
}
