/**
 * @file The question-answering evaluation behind `clinicalbert evaluate --qa`: streams the cases of
 * each QA set through an answerer, scores every answer against its truth, and renders the table.
 *
 * Why here and not in the CLI: the answerer is injected, so the same run scores the record
 * answerer, the baseline (src/ask/baseline.ts) or a test double, and the tests can check the
 * numbers without a process.
 *
 * Sets (`sets` option; default: `context` and `synthea`, and `generated` when its files are given):
 * - `context`: the ConText dev sentences as one-note records (src/ask/qa-context.ts);
 * - `synthea`: the corpus's Synthea bundles, coded truth, notes-only answers (src/ask/qa-synthea.ts);
 * - `generated`: generated held-out records with their labels, reported as two sets,
 *   `generated-notes` and `generated-full` (src/ask/qa-generated.ts).
 * Scores (src/ask/qa-score.ts) are reported per set over all its items and per item kind.
 * `limit` caps the records read per set (the first ones, in input order). Nothing of a record's
 * content is logged; the report holds counts and ratios only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KnowledgeGraph } from '../kg/graph.js';
import { UsageError, quote } from '../util/errors.js';
import { CONTEXT_DEV_FILE, CONTEXT_SET, contextCases, readContextRows, type ContextSetStats } from './qa-context.js';
import { GENERATED_SETS, generatedCases } from './qa-generated.js';
import { GroupTally } from './qa-score.js';
import { SYNTHEA_FOLDERS, SYNTHEA_SET, syntheaCases, syntheaInputs, type RecordSetStats } from './qa-synthea.js';
import type { Answerer, GroupScore, QaCase, QaReport, SetReport } from './qa-types.js';

export const QA_SETS = ['context', 'synthea', 'generated'] as const;
export type QaSetName = (typeof QA_SETS)[number];

export interface QaOptions {
  /** The corpus folder (holding `text/` and `fhir/`). */
  corpus: string;
  sets?: string[];
  /** Most records read per set. */
  limit?: number;
  /** Generated records (NDJSON bundles from `clinicalbert synth`) and their labels file. */
  generated?: { records: string; labels: string };
  /** The graph questions name entities of (default: the embedded package's). */
  graph?: KnowledgeGraph;
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  [CONTEXT_SET]: 'ConText dev sentences, one-note records (notes only)',
  [SYNTHEA_SET]: 'Synthea bundles, truth from coded data (notes only)',
  [GENERATED_SETS.notes]: 'generated held-out records, seed 4004 (notes only)',
  [GENERATED_SETS.full]: 'generated held-out records, seed 4004 (coded data and notes)',
};

/** Running tallies of one set. */
export class SetTally {
  readonly groups = new Map<string, GroupTally>();
  items = 0;

  constructor(readonly set: string) {
    this.groups.set('all', new GroupTally('all'));
  }

  add(kind: string, answer: Parameters<GroupTally['add']>[0], truth: Parameters<GroupTally['add']>[1]): void {
    this.items++;
    (this.groups.get('all') as GroupTally).add(answer, truth);
    let group = this.groups.get(kind);
    if (!group) {
      group = new GroupTally(kind);
      this.groups.set(kind, group);
    }
    group.add(answer, truth);
  }

  report(records: number, skipped: Record<string, number>): SetReport {
    const kinds = [...this.groups.keys()].filter((k) => k !== 'all').sort();
    const groups: GroupScore[] = ['all', ...kinds].map((k) => (this.groups.get(k) as GroupTally).score());
    return { set: this.set, description: DESCRIPTIONS[this.set] ?? this.set, records, skipped: { ...skipped }, items: this.items, groups };
  }
}

/** Score every case of `cases` (up to `limit`) into per-set tallies. */
export async function scoreCases(
  cases: Iterable<QaCase> | AsyncIterable<QaCase>,
  answerer: Answerer,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ tallies: Map<string, SetTally>; records: number }> {
  const tallies = new Map<string, SetTally>();
  let records = 0;
  for await (const c of cases) {
    if (records >= limit) break;
    records++;
    for (const item of c.items) {
      const result = await answerer(c.record, item.question, { coded: item.coded });
      let tally = tallies.get(item.set);
      if (!tally) {
        tally = new SetTally(item.set);
        tallies.set(item.set, tally);
      }
      tally.add(item.kind, result.answer, item.truth);
    }
  }
  return { tallies, records };
}

function need(path: string, set: string): string {
  if (!existsSync(path))
    throw new UsageError(`QA set ${quote(set)} needs ${quote(path)}, which does not exist`, { code: 'QA_INPUT_MISSING' });
  return path;
}

function chosenSets(options: QaOptions): QaSetName[] {
  const asked = options.sets ?? (['context', 'synthea', ...(options.generated ? ['generated'] : [])] as string[]);
  for (const s of asked) {
    if (!(QA_SETS as readonly string[]).includes(s)) {
      throw new UsageError(`unknown QA set ${quote(s)}; valid sets: ${QA_SETS.join(', ')}`, { code: 'QA_UNKNOWN_SET' });
    }
  }
  if (asked.includes('generated') && !options.generated) {
    throw new UsageError('QA set "generated" needs generated records and their labels (clinicalbert synth --seed 4004)', {
      code: 'QA_INPUT_MISSING',
    });
  }
  return QA_SETS.filter((s) => asked.includes(s));
}

/** Run the asked QA sets through `answerer` and score them. */
export async function runQaEvaluation(answerer: Answerer, options: QaOptions): Promise<QaReport> {
  const sets = chosenSets(options);
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) {
    throw new UsageError(`the QA record limit must be a positive integer, got ${quote(options.limit)}`, { code: 'QA_BAD_LIMIT' });
  }
  const graph = options.graph ?? (await KnowledgeGraph.loadDefault());
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const reports: SetReport[] = [];
  const emit = (names: string[], tallies: Map<string, SetTally>, records: number, skipped: Record<string, number>): void => {
    for (const name of names) reports.push((tallies.get(name) ?? new SetTally(name)).report(records, skipped));
  };

  for (const set of sets) {
    if (set === 'context') {
      const file = need(join(options.corpus, CONTEXT_DEV_FILE), set);
      const stats: ContextSetStats = { rows: 0, skipped: [] };
      const { tallies, records } = await scoreCases(contextCases(await readContextRows(file), { file, graph, stats }), answerer, limit);
      emit([CONTEXT_SET], tallies, records, stats.skipped.length > 0 ? { 'condition not in sentence': stats.skipped.length } : {});
    } else if (set === 'synthea') {
      const files = syntheaInputs(options.corpus);
      if (files.length === 0) need(join(options.corpus, SYNTHEA_FOLDERS[0] as string), set);
      const stats: RecordSetStats = { records: 0, skipped: {} };
      const { tallies } = await scoreCases(syntheaCases(files, graph, stats), answerer, limit);
      emit([SYNTHEA_SET], tallies, stats.records, stats.skipped);
    } else {
      const { records: file, labels } = options.generated as { records: string; labels: string };
      const stats: RecordSetStats = { records: 0, skipped: {} };
      const cases = generatedCases(need(file, set), need(labels, set), graph, stats);
      const { tallies } = await scoreCases(cases, answerer, limit);
      emit([GENERATED_SETS.notes, GENERATED_SETS.full], tallies, stats.records, stats.skipped);
    }
  }
  return { sets: reports };
}

const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

/** The report as a plain-text table, one block per set, one row per group. */
export function renderQaReport(report: QaReport): string {
  const header = ['group', 'items', 'answered', 'correct', 'precision', '95% CI', 'coverage', 'accuracy', 'yes/no/not-yes'];
  const out: string[] = [];
  for (const set of report.sets) {
    const skipped = Object.entries(set.skipped)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([why, n]) => `${n} ${why}`)
      .join(', ');
    out.push(`${set.set}: ${set.description}`);
    out.push(`  ${set.records} records, ${set.items} questions${skipped ? `; skipped: ${skipped}` : ''}`);
    const rows: string[][] = [header];
    const valueRows: string[][] = [];
    for (const g of set.groups) {
      const y = g.yesNo;
      if (y.total > 0) {
        const ci = y.precisionInterval ? `${pct(y.precisionInterval[0])}–${pct(y.precisionInterval[1])}` : '-';
        rows.push([
          g.group,
          String(y.total),
          String(y.answered),
          String(y.correct),
          pct(y.precision),
          ci,
          pct(y.coverage),
          pct(y.accuracy),
          `${y.truths.yes}/${y.truths.no}/${y.truths.notYes}`,
        ]);
      }
      if (g.values.total > 0) valueRows.push([g.group, String(g.values.total), pct(g.values.exactMatch), pct(g.values.f1)]);
    }
    if (rows.length > 1) out.push(...table(rows));
    if (valueRows.length > 0) out.push(...table([['group', 'items', 'exact match', 'token F1'], ...valueRows]));
    if (rows.length === 1 && valueRows.length === 0) out.push('  (no questions)');
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map(
    (r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ')}`,
  );
}
