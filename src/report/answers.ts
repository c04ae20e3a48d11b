/**
 * @file The HTML report of an `ask` run (`ask --report`): the question as understood, the counts
 * of answers, and each record's answer with its cited evidence (the note sentence with the mention
 * marked, or the coded resource), in one self-contained file.
 *
 * Why its own page and not the prediction report: an answer line has another shape
 * (schema/answer.schema.json) and a reader of it checks citations, not scores. It shares the
 * prediction report's safety: every value escaped by the `html` tag (src/report/escape.ts), the
 * same Content-Security-Policy (no script, no fetch), the same style sheet, no clock read (the
 * same lines give the same bytes), and a bound on the records shown in detail.
 */
import type { AnswerLine, Evidence } from '../ask/types.js';
import { VERSION } from '../util/version.js';
import { CONTENT_SECURITY_POLICY } from './document.js';
import { html, joinHtml, type Html } from './escape.js';
import { styleSheet } from './style.js';

/** Records shown in detail; the rest are counted. */
export const ANSWER_REPORT_MAX_RECORDS = 500;

export interface AnswerRunCounts {
  read: number;
  written: number;
  deadLettered: number;
  skipped: number;
  answers: { yes: number; no: number; unknown: number; values: number };
}

/** Collects answer lines (the first `maxRecords` in detail) and renders the page. */
export class AnswerReport {
  private readonly lines: AnswerLine[] = [];
  private seen = 0;

  constructor(readonly maxRecords = ANSWER_REPORT_MAX_RECORDS) {}

  add(line: AnswerLine): void {
    this.seen++;
    if (this.lines.length < this.maxRecords) this.lines.push(line);
  }

  get records(): number {
    return this.seen;
  }

  render(options: { question: string; inputs: readonly string[]; counts: AnswerRunCounts }): string {
    const { counts } = options;
    const stat = (label: string, value: number) =>
      html`<div class="stat"><div class="stat-value">${value}</div><div class="muted small">${label}</div></div>`;
    const understood = this.lines[0]?.question;
    const body = html`<header class="top"><h1>clinicalbert ask</h1><div class="sub">${options.question}</div></header>
<main>
<section class="panel"><h2>Run</h2>
<p class="muted small">inputs: ${options.inputs.join(', ')} · clinicalbert ${VERSION}${
      understood
        ? html` · understood as <code>${understood.intent}</code> (${understood.kind}, ${understood.time})${
            understood.entity ? html` about <code>${understood.entity.id}</code> ${understood.entity.name}` : ''
          }${understood.drugClass ? html` about the class ${understood.drugClass.name}` : ''}${
            understood.phrase ? html` about the words “${understood.phrase}”` : ''
          }`
        : ''
    }</p>
<div class="stats">${[
      stat('records read', counts.read),
      stat('answered yes', counts.answers.yes),
      stat('answered no', counts.answers.no),
      stat('lists', counts.answers.values),
      stat('unknown', counts.answers.unknown),
      stat('dead-lettered', counts.deadLettered),
    ]}</div>
${this.seen > this.lines.length ? html`<p class="muted small">${this.lines.length} of ${this.seen} records shown in detail.</p>` : ''}
</section>
${this.lines.map(answerSection)}
</main>`;
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clinicalbert ask: ${escapeTitle(options.question)}</title>
${styleSheet()}
</head><body>${body}</body></html>
`;
  }
}

function escapeTitle(text: string): string {
  return html`${text}`.value;
}

function answerText(line: AnswerLine): Html {
  const a = line.answer;
  if (!Array.isArray(a)) return html`<strong>${a}</strong>`;
  if (a.length === 0) return html`<strong>none</strong>`;
  return joinHtml(
    a.map(
      (v) =>
        html`<strong>${v.display}</strong>${v.value !== undefined ? html` ${v.value}${v.unit ? ` ${v.unit}` : ''}` : ''}${
          v.time ? html` <span class="muted small">(${v.time})</span>` : ''
        }`,
    ),
    '; ',
  );
}

function citation(e: Evidence): Html {
  const where = e.resourceType ? html`<code>${e.resourceType}/${e.resourceId ?? ''}${e.part ? `.${e.part}` : ''}</code>` : '';
  const note = e.note;
  const quote = note
    ? html`<blockquote class="small">${note.sentence.slice(0, Math.max(0, note.start - note.sentenceStart))}<mark>${note.sentence.slice(
        Math.max(0, note.start - note.sentenceStart),
        Math.max(0, note.end - note.sentenceStart),
      )}</mark>${note.sentence.slice(Math.max(0, note.end - note.sentenceStart))}</blockquote>`
    : '';
  const edge = e.edge
    ? html` <span class="muted small">${e.edge.source} —${e.edge.type}→ ${e.edge.target} (${e.edge.provenance})</span>`
    : '';
  const reader = e.reader
    ? html` <span class="muted small">(learnt reader: ${e.reader.assertion}, p ${e.reader.probability.toFixed(2)})</span>`
    : '';
  return html`<li>${e.display} · <em>${e.assertion}</em>${reader} · supports ${e.supports} · from ${e.from} ${where}${
    e.time ? html` <span class="muted small">${e.time}</span>` : ''
  }${edge}${quote}</li>`;
}

function answerSection(line: AnswerLine): Html {
  return html`<section class="panel"><h3>${line.id ?? 'knowledge graph'}</h3>
<p>${answerText(line)} <span class="muted small">confidence ${line.confidence} · from ${line.answeredFrom}${
    line.trend ? html` · trend ${line.trend}` : ''
  }</span></p>
${line.evidence.length > 0 ? html`<ol class="small">${line.evidence.map(citation)}</ol>` : html`<p class="muted small">Nothing in the record answers this question.</p>`}
${line.warnings.length > 0 ? html`<p class="muted small">${line.warnings.length} warning(s) while reading the record.</p>` : ''}
</section>`;
}
