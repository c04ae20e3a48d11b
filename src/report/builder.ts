/**
 * @file `ReportBuilder`: takes output lines one at a time (from a live `analyze` run or a saved
 * predictions file), keeps summary counts over all of them and full detail for the first
 * `maxRecords`, then renders the HTML document.
 *
 * Memory stays bounded however long the run: past the cap a line only updates counters. A line
 * that is not a valid output line is counted as skipped with its reason and never throws, so one
 * bad line cannot stop a report (or the analyze run feeding it).
 */
import type { PredictionLine } from '../pipeline/prediction.js';
import { Aggregates } from './aggregate.js';
import { renderDocument, type RenderOptions } from './document.js';
import { checkExplanations } from './explanations.js';
import { checkPredictionLine } from './line.js';
import type { RecordDetail } from './record.js';
import { DEFAULT_MAX_RECORDS } from './limits.js';

export { DEFAULT_MAX_RECORDS };

export interface ReportBuilderOptions {
  /** Records shown in detail (the summary covers all); default 200, 0 for summary only. */
  maxRecords?: number;
}

export type AddResult = { ok: true } | { ok: false; reason: string };

export class ReportBuilder {
  readonly maxRecords: number;
  private readonly agg = new Aggregates();
  private readonly details: RecordDetail[] = [];

  constructor(options: ReportBuilderOptions = {}) {
    const max = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`maxRecords must be a non-negative integer, got ${String(max)}`);
    this.maxRecords = max;
  }

  /** Records added so far (not counting skipped lines). */
  get records(): number {
    return this.agg.records;
  }

  /** Lines skipped as malformed so far. */
  get skipped(): number {
    return this.agg.skipped;
  }

  /** The running totals (read-only use: rendering, tests). */
  get aggregates(): Aggregates {
    return this.agg;
  }

  /**
   * Adds one output line. `position` names it in the skipped-lines table if it is malformed
   * (e.g. `predictions.jsonl:12`); the reason never quotes the line's content.
   */
  add(line: PredictionLine | unknown, position?: string): AddResult {
    const checked = checkPredictionLine(line);
    if (!checked.ok) {
      this.skip(position ?? `record ${this.agg.records + this.agg.skipped + 1}`, checked.reason);
      return checked;
    }
    const clean = checked.line;
    const read = clean.explanations !== undefined ? checkExplanations(clean.explanations) : undefined;
    this.agg.add(clean, read?.explanations, read?.problems.length ?? 0);
    if (this.details.length < this.maxRecords) {
      // The checked copy replaces the raw value, so detail holds only what will be drawn.
      const { explanations: _raw, ...rest } = clean;
      this.details.push({
        ordinal: this.agg.records,
        line: rest,
        ...(read ? { explanations: read.explanations } : {}),
        problems: read?.problems ?? [],
      });
    }
    return { ok: true };
  }

  /** Counts a line that could not even be parsed (bad JSON), with where it was and why. */
  skip(position: string, reason: string): void {
    this.agg.skip(position, reason);
  }

  /** The complete HTML document. Same lines and options give the same string. */
  render(options: RenderOptions = {}): string {
    return renderDocument(this.agg, this.details, this.maxRecords, options);
  }
}
