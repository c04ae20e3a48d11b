/**
 * @file Running totals over every record of a run, for the report's summary.
 *
 * A nightly run may hold millions of records, so nothing here grows with the record count: each
 * line updates counters, and the maps keyed by outside values (labels, warning kinds, files,
 * models) stop taking new keys at a cap and count the rest as "other". Insertion order only
 * matters for ties and is broken by key when rendering, so the same lines give the same summary.
 */
import type { PredictionLine } from '../pipeline/prediction.js';
import type { ReportExplanations } from './explanations.js';
import { warningKind } from './warnings.js';

const MAX_LABELS_PER_HEAD = 2_000;
const MAX_WARNING_KINDS = 500;
const MAX_FILES = 200;
const MAX_MODELS = 20;
const MAX_SKIP_EXAMPLES = 20;
const MAX_ABSTENTION_KINDS = 200;
export const SCORE_BINS = 10;

export interface LabelTally {
  id: string;
  display: string;
  code?: string;
  count: number;
}

/** A map that accepts at most `cap` keys; increments for other keys go to `other`. */
export class CappedTally<T extends { count: number }> {
  readonly entries = new Map<string, T>();
  other = 0;

  constructor(private readonly cap: number) {}

  /**
   * Counts one more for `key`. `prefer(old, candidate)` may swap in the new entry's fields (not its
   * count) when two lines describe the same key differently, so the shown text does not depend on
   * which line came first.
   */
  add(key: string, make: () => T, by = 1, prefer?: (kept: T, candidate: T) => boolean): void {
    const entry = this.entries.get(key);
    if (entry) {
      let kept = entry;
      if (prefer) {
        const candidate = make();
        if (prefer(entry, candidate)) {
          kept = { ...candidate, count: entry.count };
          this.entries.set(key, kept);
        }
      }
      kept.count += by;
    } else if (this.entries.size < this.cap) this.entries.set(key, { ...make(), count: by });
    else this.other += by;
  }

  /** Entries by descending count, ties by key, so the order does not depend on arrival. */
  sorted(): T[] {
    return [...this.entries.entries()]
      .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, v]) => v);
  }
}

/** Order-independent choice between two descriptions of one label: the smaller display, then code. */
function smallerLabel(kept: LabelTally, candidate: LabelTally): boolean {
  if (candidate.display !== kept.display) return candidate.display < kept.display;
  return (candidate.code ?? '') < (kept.code ?? '');
}

export interface HeadTally {
  /** Records whose line had at least one label for this head. */
  records: number;
  /** Records for which this head abstained (reported no label; in `abstained`). */
  abstained: number;
  /** The best label of each record. */
  top1: CappedTally<LabelTally>;
  /** Every label reported (for sigmoid heads: every label at or above the threshold). */
  reported: CappedTally<LabelTally>;
  top1ScoreSum: number;
  /** Top-1 scores in SCORE_BINS equal bins over [0, 1]. */
  top1Bins: number[];
}

export interface MethodTally {
  records: number;
  faithful: number;
  forwardPasses: number;
  msSum: number;
  msCount: number;
}

export interface SkippedLine {
  position: string;
  reason: string;
}

export class Aggregates {
  records = 0;
  skipped = 0;
  readonly skippedExamples: SkippedLine[] = [];
  warnings = 0;
  recordsWithWarnings = 0;
  readonly warningKinds = new CappedTally<{ kind: string; count: number }>(MAX_WARNING_KINDS);
  readonly modalities = { text: 0, image: 0, audio: 0, entities: 0 };
  truncated = 0;
  explained = 0;
  readonly explainLevels = { fast: 0, full: 0 };
  /** Records whose explanations had malformed parts (left out of the detail). */
  explanationProblems = 0;
  readonly methods = new Map<string, MethodTally>();
  /** Sum and count of each present modality's contribution to the explained prediction. */
  readonly contributions = new Map<string, { sum: number; count: number; negative: number }>();
  readonly heads = new Map<string, HeadTally>();
  /** Records where at least one head abstained. */
  abstainedRecords = 0;
  /** Abstentions by head and reason code. */
  readonly abstentions = new CappedTally<{ head: string; reason: string; count: number }>(MAX_ABSTENTION_KINDS);
  /** Models by name, version, sha and precision (lines before schema 1.3 have none). */
  readonly models = new CappedTally<{ name: string; version: string; sha: string; precision?: string; count: number }>(MAX_MODELS);
  readonly files = new CappedTally<{ file: string; count: number }>(MAX_FILES);
  readonly timing = { count: 0, sum: 0, max: 0 };

  skip(position: string, reason: string): void {
    this.skipped++;
    if (this.skippedExamples.length < MAX_SKIP_EXAMPLES) this.skippedExamples.push({ position, reason });
  }

  add(line: PredictionLine, explanations: ReportExplanations | undefined, explanationProblems: number): void {
    this.records++;
    const m = line.model;
    this.models.add(`${m.name}\u0000${m.version}\u0000${m.sha}\u0000${m.precision ?? ''}`, () => ({
      name: m.name,
      version: m.version,
      sha: m.sha,
      ...(m.precision !== undefined ? { precision: m.precision } : {}),
      count: 0,
    }));
    this.files.add(line.source.file, () => ({ file: line.source.file, count: 0 }));

    if (line.inputs.notes > 0) this.modalities.text++;
    if (line.inputs.image !== null) this.modalities.image++;
    if (line.inputs.audio !== null) this.modalities.audio++;
    if (line.inputs.entities > 0) this.modalities.entities++;
    if (line.inputs.truncated) this.truncated++;

    this.warnings += line.warnings.length;
    if (line.warnings.length > 0) this.recordsWithWarnings++;
    for (const w of line.warnings) {
      const kind = warningKind(w);
      this.warningKinds.add(kind, () => ({ kind, count: 0 }));
    }

    const abstained = line.abstained ?? {};
    if (Object.keys(abstained).length > 0) this.abstainedRecords++;
    for (const [head, a] of Object.entries(abstained)) {
      this.abstentions.add(`${head}\u0000${a.reason}`, () => ({ head, reason: a.reason, count: 0 }));
    }

    for (const [name, labels] of Object.entries(line.predictions)) {
      const first = labels[0];
      if (!first && abstained[name] === undefined) continue;
      let head = this.heads.get(name);
      if (!head) {
        head = {
          records: 0,
          abstained: 0,
          top1: new CappedTally(MAX_LABELS_PER_HEAD),
          reported: new CappedTally(MAX_LABELS_PER_HEAD),
          top1ScoreSum: 0,
          top1Bins: new Array<number>(SCORE_BINS).fill(0),
        };
        this.heads.set(name, head);
      }
      if (abstained[name] !== undefined) head.abstained++;
      if (!first) continue;
      head.records++;
      head.top1ScoreSum += first.score;
      const bin = Math.min(SCORE_BINS - 1, Math.floor(first.score * SCORE_BINS));
      head.top1Bins[bin] = (head.top1Bins[bin] ?? 0) + 1;
      const tally = (l: typeof first) => () => ({ id: l.id, display: l.display, ...(l.code ? { code: l.code } : {}), count: 0 });
      head.top1.add(first.id, tally(first), 1, smallerLabel);
      for (const l of labels) head.reported.add(l.id, tally(l), 1, smallerLabel);
    }

    if (line.timing) {
      this.timing.count++;
      this.timing.sum += line.timing.ms;
      this.timing.max = Math.max(this.timing.max, line.timing.ms);
    }

    if (explanationProblems > 0) this.explanationProblems++;
    if (!explanations) return;
    this.explained++;
    if (explanations.level) this.explainLevels[explanations.level]++;
    for (const method of explanations.methods) {
      let t = this.methods.get(method.name);
      if (!t) {
        if (this.methods.size >= 50) continue;
        t = { records: 0, faithful: 0, forwardPasses: 0, msSum: 0, msCount: 0 };
        this.methods.set(method.name, t);
      }
      t.records++;
      if (method.faithful) t.faithful++;
      t.forwardPasses += method.forwardPasses;
      if (method.ms !== undefined) {
        t.msSum += method.ms;
        t.msCount++;
      }
    }
    // Contributions to "none of these" (an abstention explained) are not contributions to a
    // diagnosis: the mean is over explained labels only.
    if (explanations.target?.abstention) return;
    for (const c of explanations.modalities ?? []) {
      if (!c.present || c.contribution === null) continue;
      const t = this.contributions.get(c.modality) ?? { sum: 0, count: 0, negative: 0 };
      t.sum += c.contribution;
      t.count++;
      if (c.contribution < 0) t.negative++;
      this.contributions.set(c.modality, t);
    }
  }
}
