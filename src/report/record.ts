/**
 * @file One record in detail: whose record it is (age, sex, date) and what it contained (its notes,
 * images and audio by title and date), its predictions (or, for a head that abstained, why it
 * reports none), and every explanation the line carries, each labelled with the method that
 * produced it and whether that method is faithful.
 *
 * Every string here came from a record or a predictions file and goes through the `html` tag.
 * Identifiers shown are record and resource ids and source positions, as in the JSON output.
 */
import type { DiagnosisEvidence, EvidenceFact, ModalityContribution } from '../explain/types.js';
import type { LineAbstention, LineAttachment, LineSubject, PredictionLine, ScoredLabel } from '../pipeline/prediction.js';
import { html, type Html } from './escape.js';
import type { ReportExplanations } from './explanations.js';
import { fmtCount, fmtDate, fmtEffect, fmtMetric, fmtScore, fmtSigned, fmtSource, plural, titleCase } from './format.js';
import { highlightedNote, topWords } from './note.js';
import { labelName, orderedHeads } from './summary.js';
import { barSvg, effectScale, imageOverlaySvg, imagePlainSvg, legendRamp, signedBarSvg, waveformSvg } from './svg.js';

export interface RecordDetail {
  /** 1-based position of the line among the report's records. */
  ordinal: number;
  line: PredictionLine;
  explanations?: ReportExplanations;
  /** Parts of the explanations that were malformed and are not shown. */
  problems: string[];
}

export const recordAnchor = (ordinal: number): string => `record-${ordinal}`;

function isTarget(head: string, label: ScoredLabel, ex: ReportExplanations | undefined): boolean {
  return ex?.target !== undefined && ex.target.head === head && ex.target.id === label.id;
}

/** "diagnosis" for the diagnosis head, the head's name otherwise: "No diagnosis", "No severity". */
function headNoun(head: string): string {
  return head === 'diagnoses' || head === 'diagnosis' ? 'diagnosis' : head;
}

/** Why a head reports nothing, in words: "No diagnosis — none of the labels fits (score 0.93 ≥ threshold 0.42)". */
export function abstentionText(head: string, a: LineAbstention): string {
  const no = `No ${headNoun(head)}`;
  if (a.reason === 'NO_LABEL_FITS') {
    const numbers =
      a.score !== undefined && a.threshold !== undefined ? ` (score ${fmtMetric(a.score)} ≥ threshold ${fmtMetric(a.threshold)})` : '';
    return `${no} — none of the labels fits${numbers}`;
  }
  if (a.reason === 'FOLLOWS_ABSTAINED') return `${no} — it follows ${a.head ?? 'another head'}, which abstained`;
  return `${no} — ${a.message}`;
}

function predictionsPanel(line: PredictionLine, ex: ReportExplanations | undefined): Html {
  const heads = orderedHeads(Object.keys(line.predictions)).map((head) => {
    const labels = line.predictions[head] ?? [];
    const abstained = line.abstained?.[head];
    if (abstained && labels.length === 0) {
      const explained = ex?.target?.head === head && ex.target.abstention !== undefined;
      return html`<h5>${titleCase(head)}</h5><p class="abstained-note small">${abstentionText(head, abstained)}${explained ? html` <span class="badge explained" title="the explanations below are about this abstention">explained</span>` : ''}</p>`;
    }
    const rows = labels.map(
      (l) =>
        html`<div class="bar-row${isTarget(head, l, ex) ? ' target' : ''}"><span class="bar-label" title="${l.id}">${labelName(l)}${isTarget(head, l, ex) ? html` <span class="badge explained" title="the explanations below are about this prediction">explained</span>` : ''}</span>${barSvg(l.score)}<span class="bar-value">${fmtScore(l.score)}</span></div>`,
    );
    return html`<h5>${titleCase(head)}</h5>${rows.length > 0 ? rows : html`<p class="muted small bar-none">no label above the threshold</p>`}`;
  });
  return html`<section class="panel"><h4>Predictions</h4>${heads.length > 0 ? html`<div class="bars">${heads}</div>` : html`<p class="muted">No predictions.</p>`}</section>`;
}

const MODALITY_NAMES: Record<ModalityContribution['modality'], string> = {
  text: 'note text',
  image: 'image',
  audio: 'audio',
  entities: 'graph entities',
};

function modalitiesPanel(mods: ModalityContribution[]): Html {
  const maxAbs = Math.max(1e-9, ...mods.map((m) => Math.abs(m.contribution ?? 0)));
  const rows = mods.map((m) =>
    m.present && m.contribution !== null
      ? html`<div class="bar-row"><span class="bar-label">${MODALITY_NAMES[m.modality]}</span>${signedBarSvg(m.contribution, maxAbs)}<span class="bar-value">${fmtSigned(m.contribution)} <span class="muted">without: ${m.scoreWithout === null ? '–' : fmtScore(m.scoreWithout)}</span></span></div>`
      : html`<div class="bar-row absent"><span class="bar-label">${MODALITY_NAMES[m.modality]}</span><span class="absent-note">not in this record</span><span class="bar-value"></span></div>`,
  );
  return html`<section class="panel"><h4>Modality contributions <span class="method-tag faithful">modality-ablation · faithful</span></h4><p class="chart-caption">Change in the explained score when each input is removed and the model re-run.</p><div class="bars">${rows}</div></section>`;
}

/**
 * The fact's words in the note: quoted when the line carries the note text (`--explain full`);
 * with `--explain fast` the line has the span but not the text, so the cell says where it is.
 */
function inTheNote(f: EvidenceFact, text: string | undefined): Html {
  if (!f.span) return html`<span class="muted">–</span>`;
  if (text !== undefined) return html`<q>${text.slice(f.span[0], f.span[1])}</q>`;
  return html`<span class="muted" title="this line does not carry the note text (it comes with --explain full)">mentioned, characters ${fmtCount(f.span[0])}–${fmtCount(f.span[1])}</span>`;
}

function factRow(f: EvidenceFact, text: string | undefined, against: boolean): Html {
  return html`<tr class="${against ? 'against' : ''}">
<td>${f.name} <span class="muted small">${f.entityId}</span></td>
<td><span class="flag flag-${/^[a-z]+$/.test(f.flag) ? f.flag : 'other'}">${f.flag}</span></td>
<td><code>${f.edge}</code></td>
<td class="num">${f.p === undefined ? '–' : fmtScore(f.p)}</td>
<td class="attn">${barSvg(f.attention, 1, 'count')}<span class="num">${fmtScore(f.attention)}</span></td>
<td>${inTheNote(f, text)}</td>
</tr>`;
}

function evidencePanel(evidence: DiagnosisEvidence[], text: string | undefined, abstained: boolean): Html {
  const blocks = evidence.map((d) => {
    const rows = [...d.facts.map((f) => factRow(f, text, false)), ...d.against.map((f) => factRow(f, text, true))];
    return html`<div class="evidence-block"><h5>${d.display} <span class="muted small">${d.id} · score ${fmtScore(d.score)}</span></h5>${
      rows.length === 0
        ? html`<p class="muted small">No linked facts of this record connect to this diagnosis in the graph.</p>`
        : html`<table class="evidence"><thead><tr><th>fact</th><th>flag</th><th>edge</th><th>p</th><th>attention</th><th>in the note</th></tr></thead><tbody>${rows}</tbody></table>`
    }${d.against.length > 0 ? html`<p class="muted small">Rows in blue are findings the note negated: they argue against this diagnosis.</p>` : ''}</div>`;
  });
  return html`<section class="panel"><h4>Knowledge-graph evidence <span class="method-tag">kg-evidence</span></h4>${abstained ? html`<p class="chart-caption">No label fitted this record; these are the closest labels, with the record’s facts the graph connects to each.</p>` : ''}<p class="chart-caption">p: edge probability in the graph (P(finding | condition)). Attention: the fusion head’s share of attention on the entity, a picture rather than a measurement.</p>${blocks}</section>`;
}

function notePanel(ex: ReportExplanations): Html {
  const parts: Html[] = [];
  if (ex.words) {
    const faithful = ex.words.method === 'word-occlusion';
    const top = topWords(ex.words);
    parts.push(html`<section class="panel"><h4>Note text <span class="method-tag ${faithful ? 'faithful' : ''}">${ex.words.method}${faithful ? ' · faithful' : ''}</span></h4>
<p class="chart-caption">${faithful ? `Highlight strength ∝ drop in the explained score when the word is removed (full colour at ${fmtScore(effectScale(ex.words.words.map((w) => w.weight)))}).` : 'Highlight strength ∝ attention (not a faithfulness measure).'} ${legendRamp(faithful ? 'signed' : 'attention')}</p>
${highlightedNote(ex.words, faithful ? 'signed' : 'attention')}
${ex.textCut ? html`<p class="muted small">… ${fmtCount(ex.textCut)} more characters not shown.</p>` : ''}
${top.length > 0 ? html`<p class="small">Strongest words: ${top.map((w, i) => html`${i > 0 ? ' · ' : ''}<span class="${w.weight >= 0 ? 'pos-text' : 'neg-text'}">${w.text}</span> <span class="muted">${faithful ? fmtSigned(w.weight) : fmtScore(w.weight)}</span>`)}</p>` : ''}
</section>`);
  }
  if (ex.attention) {
    parts.push(html`<section class="panel attention-panel"><h4>Attention (not a faithfulness measure) <span class="method-tag">${ex.attention.method}</span></h4>
<p class="chart-caption">Where the text encoder looked, rolled out through its layers. It does not show what changed the answer. ${legendRamp('attention')}</p>
${highlightedNote(ex.attention, 'attention')}
</section>`);
  }
  return html`${parts}`;
}

function mediaPanels(ex: ReportExplanations, ordinal: number): Html {
  const parts: Html[] = [];
  if (ex.image) {
    const { grid, cells, thumbnail, resource } = ex.image;
    const imageId = `${recordAnchor(ordinal)}-image`;
    const plain = imagePlainSvg(thumbnail, grid, imageId, resource ?? 'input image');
    const overlay = imageOverlaySvg(thumbnail, grid, cells, `occlusion saliency over ${resource ?? 'the image'}`, imageId);
    const strongest = cells.reduce((best, c, i) => (Math.abs(c) > Math.abs(cells[best] ?? 0) ? i : best), 0);
    parts.push(html`<section class="panel"><h4>Image <span class="method-tag faithful">image-occlusion · faithful</span></h4>
<p class="chart-caption">${resource ? html`<code>${resource}</code> · ` : ''}${grid}×${grid} grid; each cell tinted by the drop in the explained score when it is covered (full colour at ${fmtScore(effectScale(cells))}). ${legendRamp('signed')}</p>
${overlay ? html`<div class="image-pair"><figure>${plain}<figcaption>input</figcaption></figure><figure>${overlay}<figcaption>occlusion saliency</figcaption></figure></div>` : html`<p class="muted">The thumbnail is missing or not an inline image; the grid values are listed instead.</p>`}
${cells.length > 0 ? html`<p class="small muted">Strongest cell: row ${Math.floor(strongest / grid) + 1}, column ${(strongest % grid) + 1} (${fmtEffect(cells[strongest] ?? 0, 'covered')}).</p>` : ''}
</section>`);
  }
  if (ex.audio) {
    const a = ex.audio;
    parts.push(html`<section class="panel"><h4>Audio <span class="method-tag faithful">audio-occlusion · faithful</span></h4>
<p class="chart-caption">${a.resource ? html`<code>${a.resource}</code> · ` : ''}${fmtMetric(a.seconds)} s; waveform envelope scaled to its peak, each segment shaded by the drop in the explained score when it is silenced (full colour at ${fmtScore(effectScale(a.segments.map((s) => s.weight)))}). ${legendRamp('signed')}</p>
${waveformSvg(a.envelope, a.seconds, a.segments, `audio saliency over ${a.resource ?? 'the recording'}`)}
</section>`);
  }
  return html`${parts}`;
}

function methodsFooter(ex: ReportExplanations): Html {
  if (ex.methods.length === 0) return html``;
  return html`<p class="methods-line small muted">Methods: ${ex.methods.map(
    (m, i) =>
      html`${i > 0 ? ' · ' : ''}<span class="method">${m.name}</span> (${m.faithful ? 'faithful' : 'visual'}, ${plural(m.forwardPasses, 'pass', 'passes')}${m.ms !== undefined ? `, ${m.ms.toFixed(1)} ms` : ''})`,
  )}</p>`;
}

/** Attachments listed on a card; the rest are counted. */
export const ATTACHMENTS_SHOWN = 12;

const unknown = (what: string): Html => html`<span class="muted">${what} unknown</span>`;

/** A source date as its calendar day: the card shows dates, not times. */
const dateHtml = (value: string): Html => html`<span>${fmtDate(value)}</span>`;

/** "age 54 · female · 2024-03-01", unknown parts said so (schema 1.2 lines). */
function subjectLine(s: LineSubject): Html {
  return html`<p class="subject"><span>${s.ageYears === null ? unknown('age') : html`age <b>${String(s.ageYears)}</b>`}</span><span>${s.sex === null ? unknown('sex') : html`<b>${s.sex}</b>`}</span><span>${s.encounterDate === null ? unknown('date') : html`date <b>${dateHtml(s.encounterDate)}</b>`}</span></p>`;
}

/** The record's notes, images and audio: kind, title, resource and date; never their content. */
function attachmentList(list: readonly LineAttachment[]): Html {
  if (list.length === 0) return html`<p class="attachments muted small">No notes, images or audio in this record.</p>`;
  const items = list
    .slice(0, ATTACHMENTS_SHOWN)
    .map(
      (a) =>
        html`<li><span class="kind kind-${a.kind}">${a.kind}</span> ${a.title === null ? '' : html`<b>${a.title}</b> `}<code>${a.resource}</code> ${a.date === null ? html`<span class="muted">no date</span>` : dateHtml(a.date)}</li>`,
    );
  const more = list.length - ATTACHMENTS_SHOWN;
  return html`<ul class="attachments small">${items}${more > 0 ? html`<li class="muted">… ${plural(more, 'more attachment')}</li>` : ''}</ul>`;
}

export function recordSection(d: RecordDetail): Html {
  const { line, explanations: ex } = d;
  const inp = line.inputs;
  const meta: Html[] = [
    html`<span>patient <code>${line.patient}</code></span>`,
    line.encounter ? html`<span>encounter <code>${line.encounter}</code></span>` : html``,
    html`<span>source <code>${fmtSource(line.source)}</code></span>`,
    html`<span>${plural(inp.notes, 'note')}, ${plural(inp.tokens, 'token')}${inp.truncated ? html` <span class="badge warn">truncated</span>` : ''}</span>`,
    html`<span>${plural(inp.entities, 'graph entity', 'graph entities')}</span>`,
    html`<span>image ${inp.image === null ? html`<span class="muted">none</span>` : html`<code>${inp.image}</code>`}</span>`,
    html`<span>audio ${inp.audio === null ? html`<span class="muted">none</span>` : html`<code>${inp.audio}</code>`}</span>`,
  ];
  const target = ex?.target;
  const body: Html[] = [];
  body.push(html`<div class="two-col">${predictionsPanel(line, ex)}${ex?.modalities ? modalitiesPanel(ex.modalities) : ''}</div>`);
  if (ex) {
    if (ex.evidence) body.push(evidencePanel(ex.evidence, ex.words?.text ?? ex.attention?.text, ex.target?.abstention !== undefined));
    body.push(notePanel(ex));
    if (ex.image || ex.audio) body.push(html`<div class="two-col">${mediaPanels(ex, d.ordinal)}</div>`);
  }
  if (line.warnings.length > 0) {
    body.push(
      html`<section class="panel warn-panel"><h4>Warnings (${fmtCount(line.warnings.length)})</h4><ul class="warning-list">${line.warnings.map((w) => html`<li>${w}</li>`)}</ul></section>`,
    );
  }
  if (d.problems.length > 0) {
    body.push(html`<div class="callout warn">Not shown (malformed in the input): ${d.problems.join('; ')}.</div>`);
  }
  return html`<article class="record" id="${recordAnchor(d.ordinal)}">
<header class="record-head">
<h3><span class="ordinal">#${d.ordinal}</span> ${line.id}</h3>
${line.subject ? subjectLine(line.subject) : ''}
<p class="meta">${meta}</p>
${inp.attachments ? attachmentList(inp.attachments) : ''}
${
  target
    ? html`<p class="target-line">Explaining <b>${target.display}</b> <span class="muted">(${target.head}${target.abstention ? ' abstained: why no label fits; abstention' : ','} score ${fmtScore(target.score)})</span>${ex?.level ? html` · <span class="muted">--explain ${ex.level}</span>` : ''}</p>`
    : ex
      ? ''
      : html`<p class="muted small">No explanations on this line (run <code>analyze --explain fast</code>).</p>`
}
</header>
${body}
${ex ? methodsFooter(ex) : ''}
</article>`;
}

/** Compact index of the detailed records, linking to each. */
export function recordIndex(details: readonly RecordDetail[]): Html {
  const rows = details.map((d) => {
    // The first head (in report order) that has a label or abstained: an abstained diagnosis is
    // the record's answer, not the drug after it.
    const heads = orderedHeads(Object.keys(d.line.predictions));
    const head = heads.find((h) => (d.line.predictions[h]?.length ?? 0) > 0 || d.line.abstained?.[h] !== undefined);
    const first = head === undefined ? undefined : d.line.predictions[head]?.[0];
    const abstained = head === undefined || first ? undefined : d.line.abstained?.[head];
    const shown = first
      ? labelName(first)
      : abstained
        ? html`<span class="muted">no ${headNoun(head as string)} (abstained)</span>`
        : html`<span class="muted">–</span>`;
    return html`<tr><td class="num"><a href="#${recordAnchor(d.ordinal)}">${d.ordinal}</a></td><td><a href="#${recordAnchor(d.ordinal)}">${d.line.id}</a></td><td>${shown}</td><td class="num">${first ? fmtScore(first.score) : abstained?.score !== undefined ? fmtScore(abstained.score) : ''}</td><td class="num">${d.line.warnings.length > 0 ? fmtCount(d.line.warnings.length) : ''}</td></tr>`;
  });
  return html`<table class="index"><thead><tr><th>#</th><th>record</th><th>top prediction</th><th>score</th><th>warnings</th></tr></thead><tbody>${rows}</tbody></table>`;
}
