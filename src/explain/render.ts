/**
 * @file Plain-text renderings for a terminal: one record's explanations (`clinicalbert explain`)
 * and an evaluation report (`clinicalbert evaluate`). JSON output is the objects themselves; this
 * is for reading. Colour is passed in (a Chalk instance), so output to a pipe stays plain.
 *
 * The explanation rendering quotes words of the note: it goes to stdout because the user asked to
 * see that record explained, never to logs.
 */
import type { ChalkInstance } from 'chalk';
import type { EvaluationReport, OpenSetMetrics } from './evaluate.js';
import { FAITHFULNESS_METHODS } from './faithfulness.js';
import type { EvidenceFact, Explanations, WordExplanation } from './types.js';

const TOP_WORDS = 8;
const OPPOSING_WORDS = 3;

const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;

/** Aligned columns, the last one unpadded. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

function oneLine(text: string): string {
  return JSON.stringify(text.replace(/\s+/g, ' '));
}

function wordLines(w: WordExplanation, c: ChalkInstance): string[] {
  const sorted = w.words.slice().sort((a, b) => b.weight - a.weight || a.start - b.start);
  const support = sorted.filter((x) => x.weight > 0).slice(0, TOP_WORDS);
  const against = sorted
    .filter((x) => x.weight < 0)
    .reverse()
    .slice(0, OPPOSING_WORDS);
  const rows = [...support, ...against].map((x) => [signed(x.weight), oneLine(w.text.slice(x.start, x.end)), `@${x.start}`]);
  if (rows.length === 0) return ['  (no words carried weight)'];
  return table(rows).map((line, i) => (i < support.length ? c.green(line) : c.red(line)));
}

function factLine(f: EvidenceFact): string[] {
  return [f.name, f.flag, f.edge, f.p === undefined ? '' : `p=${f.p.toFixed(2)}`, `attention ${f.attention.toFixed(3)}`];
}

/** A readable rendering of one record's explanations. */
export function renderExplanations(recordId: string, e: Explanations, c: ChalkInstance): string {
  const out: string[] = [];
  const t = e.target;
  out.push(
    c.bold(
      t.abstention
        ? `Record ${recordId}: ${t.display} (${t.head} abstained), abstention score ${fmt(t.score)}  [level ${e.level}]`
        : `Record ${recordId}: ${t.display} (${t.id}), ${t.head} score ${fmt(t.score)}  [level ${e.level}]`,
    ),
  );
  if (t.abstention) {
    out.push(
      c.dim(
        `  Explaining why no label fits: the target is ${t.abstention === 'label' ? 'the probability of the "none of these" label' : '1 − the highest label probability'}; the evidence lists the closest labels.`,
      ),
    );
  }
  if (e.modalities) {
    out.push('', c.bold('Modality contributions') + c.dim(' (ablation through the fusion head; faithful)'));
    out.push(
      ...table(
        e.modalities.map((m) =>
          m.present ? [m.modality, `without ${fmt(m.scoreWithout)}`, signed(m.contribution as number)] : [m.modality, 'absent', ''],
        ),
      ),
    );
  }
  if (e.evidence) {
    out.push('', c.bold('Knowledge-graph evidence') + c.dim(' (graph edges with the fusion attention; not a faithfulness measure)'));
    for (const d of e.evidence) {
      out.push(`  ${d.display} (${d.id}) ${fmt(d.score)}`);
      if (d.facts.length === 0 && d.against.length === 0) out.push(c.dim('    no linked finding connects to it'));
      out.push(...table(d.facts.map(factLine), '    + '));
      out.push(...table(d.against.map(factLine), '    − ').map((l) => c.red(l)));
    }
  }
  if (e.words) {
    out.push('', c.bold('Words') + c.dim(' (word occlusion: drop in the score when removed; faithful)'));
    out.push(...wordLines(e.words, c));
  }
  if (e.attention) {
    out.push('', c.bold('Attention rollout') + c.dim(' (a picture of the text encoder, not faithful)'));
    out.push(...wordLines(e.attention, c));
  }
  if (e.image) {
    out.push(
      '',
      c.bold(`Image occlusion, ${e.image.grid}×${e.image.grid} grid`) + c.dim(` (${e.image.resource ?? 'image'}; drop per cell)`),
    );
    for (let y = 0; y < e.image.grid; y++) {
      out.push(
        '  ' +
          e.image.cells
            .slice(y * e.image.grid, (y + 1) * e.image.grid)
            .map((v) => signed(v).padStart(8))
            .join(' '),
      );
    }
  }
  if (e.audio) {
    out.push(
      '',
      c.bold(`Audio occlusion, ${e.audio.segments.length} segments`) +
        c.dim(` (${e.audio.resource ?? 'audio'}; drop per silenced segment)`),
    );
    out.push(...table(e.audio.segments.map((s) => [`${s.start.toFixed(2)}–${s.end.toFixed(2)} s`, signed(s.weight)])));
  }
  out.push('', c.bold('Methods'));
  out.push(
    ...table(
      e.methods.map((m) => [
        m.name,
        m.faithful ? 'faithful' : 'visual',
        `${m.forwardPasses} passes`,
        m.ms === undefined ? '' : `${m.ms.toFixed(1)} ms`,
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);

/** The open-set section of an evaluation: counts, abstention at the threshold, AUROC, accuracy against coverage. */
function openSetLines(o: OpenSetMetrics, c: ChalkInstance): string[] {
  const kinds = Object.entries(o.outOfLabelKinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const score = o.score === 'label' ? 'p(none of these)' : '1 − highest label probability';
  const out: string[] = [
    c.bold('Open set') + c.dim(` (${o.head}: abstains when the score ≥ the threshold; score = ${score})`),
    `  ${o.inLabel} in-label, ${o.outOfLabel} out-of-label${kinds ? ` (${kinds})` : ''}; ` +
      (o.threshold === null ? 'the package cannot abstain: reference score, no threshold' : `package threshold ${o.threshold}`),
  ];
  const at = o.atThreshold;
  out.push(
    ...table([
      ['abstained on out-of-label (right)', pct(o.abstentionRate.outOfLabel)],
      ['abstained on in-label (wrong)', pct(o.abstentionRate.inLabel)],
      ['AUROC in- vs out-of-label', fmt(o.auroc)],
      [
        'at the package threshold',
        `coverage ${pct(at.coverage)}, accuracy ${fmt(at.accuracy)}, top-3 ${fmt(at.top3)} (${at.answered} answered)`,
      ],
    ]),
  );
  if (o.curve.length > 0) {
    out.push(
      '',
      c.bold('Accuracy against coverage') + c.dim(' (answer the records with the lowest scores; an answered out-of-label record is wrong)'),
    );
    out.push(
      ...table([
        ['target', 'coverage', 'accuracy', 'threshold', 'answered'],
        ...o.curve.map((p) => [
          pct(p.target),
          pct(p.coverage),
          fmt(p.accuracy),
          p.threshold === null ? 'never abstain' : fmt(p.threshold),
          String(p.answered),
        ]),
      ]),
    );
  }
  return out;
}

/** A readable rendering of an evaluation report. */
export function renderEvaluation(r: EvaluationReport, c: ChalkInstance): string {
  const out: string[] = [];
  out.push(c.bold(`Model ${r.model.name} ${r.model.version} (${r.model.sha}${r.model.precision ? `, ${r.model.precision}` : ''})`));
  out.push(
    `Records: ${r.records.evaluated} evaluated of ${r.records.read} read; ${r.records.unlabelled} without a label, ` +
      `${r.records.labelsWithoutRecord} labels without a record, ${r.records.failed} failed`,
  );
  const { diagnoses, severity, drugs } = r.heads;
  const rows: string[][] = [['head', 'records', 'top-1', 'top-3', 'macro-F1', 'AUROC', 'ECE']];
  for (const h of [diagnoses, severity]) {
    if (h)
      rows.push([
        h === diagnoses && r.openSet ? `${h.head} (in-label)` : h.head,
        String(h.records),
        fmt(h.top1),
        fmt(h.top3),
        fmt(h.macroF1),
        fmt(h.auroc),
        fmt(h.ece),
      ]);
  }
  out.push('', ...table(rows));
  if (r.openSet) out.push(c.dim('  diagnoses: closed-set, over in-label records, ranking the labels without "none of these"'));
  if (severity && severity.outsideLabels > 0)
    out.push(c.yellow(`  ${severity.outsideLabels} records have a severity outside the head's labels (counted as misses)`));
  if (drugs) {
    out.push(
      '',
      ...table([
        ['head', 'records', 'micro-F1', 'macro-F1', 'AUROC', 'threshold'],
        [drugs.head, String(drugs.records), fmt(drugs.microF1), fmt(drugs.macroF1), fmt(drugs.auroc), String(drugs.threshold)],
      ]),
    );
    if (drugs.follows)
      out.push(
        c.dim(`  F1 of the drugs the lines report: kept only when the graph links them to the ${drugs.follows} made or a coded condition`),
      );
  }
  if (r.openSet) out.push('', ...openSetLines(r.openSet, c));
  if (r.faithfulness) {
    const f = r.faithfulness;
    out.push(
      '',
      c.bold(
        `ERASER faithfulness on ${f.records} records${f.abstentionTargets > 0 ? ` (${f.abstentionTargets} explaining an abstention)` : ''}`,
      ) + c.dim(` (comprehensiveness ↑, sufficiency ↓; AOPC over k = ${f.aopcK.join(', ')}%; random seed ${f.seed})`),
    );
    const frows: string[][] = [['method', 'comp@10%', 'comp@20%', 'comp AOPC', 'suff@10%', 'suff@20%', 'suff AOPC', 'ms/record']];
    for (const name of FAITHFULNESS_METHODS) {
      const m = f.methods[name];
      if (!m) continue;
      frows.push([
        name,
        fmt(m.comprehensiveness.k10),
        fmt(m.comprehensiveness.k20),
        fmt(m.comprehensiveness.aopc),
        fmt(m.sufficiency.k10),
        fmt(m.sufficiency.k20),
        fmt(m.sufficiency.aopc),
        m.msPerRecord.toFixed(1),
      ]);
    }
    out.push(...table(frows));
  }
  out.push('', c.dim(`${r.seconds.toFixed(1)} s`));
  return `${out.join('\n')}\n`;
}
