/**
 * @file Assembles the report document: one HTML file with its style sheet and pictures inline.
 *
 * The Content-Security-Policy forbids scripts, fetches, fonts and frames and allows images only
 * from `data:` URLs, so even a value that slipped past escaping could neither run nor call out;
 * the referrer policy and the absence of any external URL keep the file silent when opened. No
 * clock is read: a timestamp appears only when the caller passes one, so the same lines and
 * manifest give byte-identical files.
 */
import type { ModelManifest } from '../model/manifest.js';
import { VERSION } from '../util/version.js';
import type { Aggregates } from './aggregate.js';
import { html, jsonForHtml, type Html } from './escape.js';
import { fmtCount, plural } from './format.js';
import { methodLegend } from './methods.js';
import { modelCard, modelMismatches } from './model-card.js';
import { recordIndex, recordSection, type RecordDetail } from './record.js';
import { styleSheet } from './style.js';
import { orderedHeadEntries, summarySection, type RunSummary } from './summary.js';

export const CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export interface RenderOptions {
  /** The model package's manifest, for the model card; absent: the card says why not. */
  manifest?: ModelManifest | null;
  /** The package fingerprint (`ModelPackage.sha`), compared with each line's `model.sha`. */
  modelSha?: string;
  /** Why the manifest is missing (e.g. the package could not be loaded). */
  modelUnavailable?: string;
  /** Counts of the run that produced the lines (`AnalyzeSummary` fits). */
  summary?: RunSummary;
  /** Shown in the header when given; omitted by default so output is reproducible. */
  generatedAt?: string;
  /** Where the lines came from (predictions file or analyze inputs), shown in the header. */
  inputs?: string[];
}

/** Abstention counts as { head: { reason: records } }, heads and reasons sorted. */
function abstainedByHead(agg: Aggregates): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const rows = agg.abstentions
    .sorted()
    .sort((a, b) => (a.head < b.head ? -1 : a.head > b.head ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  for (const r of rows) {
    let reasons = out[r.head];
    if (!reasons) {
      reasons = {};
      out[r.head] = reasons;
    }
    reasons[r.reason] = r.count;
  }
  return out;
}

/** Machine-readable counts embedded in the page, for scripts that want the numbers back. */
function summaryData(agg: Aggregates, run: RunSummary | undefined, details: number): unknown {
  const heads: Record<string, { records: number; top1: Record<string, number> }> = {};
  for (const [name, t] of orderedHeadEntries(agg.heads)) {
    heads[name] = {
      records: t.records,
      top1: Object.fromEntries(
        t.top1
          .sorted()
          .slice(0, 50)
          .map((l) => [l.id, l.count]),
      ),
    };
  }
  return {
    generator: `clinicalbert ${VERSION}`,
    records: agg.records,
    detailed: details,
    skippedLines: agg.skipped,
    warnings: agg.warnings,
    explained: agg.explained,
    ...(run?.deadLettered !== undefined ? { deadLettered: run.deadLettered } : {}),
    ...(run?.skipped ? { skipped: run.skipped } : {}),
    modalities: agg.modalities,
    heads,
    abstained: {
      records: agg.abstainedRecords,
      byHead: abstainedByHead(agg),
    },
    warningKinds: Object.fromEntries(
      agg.warningKinds
        .sorted()
        .slice(0, 50)
        .map((k) => [k.kind, k.count]),
    ),
  };
}

export function renderDocument(agg: Aggregates, details: readonly RecordDetail[], maxRecords: number, options: RenderOptions): string {
  const manifest = options.manifest ?? undefined;
  const card = {
    ...(manifest ? { manifest } : {}),
    ...(options.modelSha ? { sha: options.modelSha } : {}),
    ...(options.modelUnavailable ? { unavailable: options.modelUnavailable } : {}),
  };
  const alerts = modelMismatches(agg, card);
  const summary = summarySection(agg, options.summary, manifest, {
    modelCard: modelCard(card, agg),
    legend: methodLegend(agg, manifest?.metrics),
    alerts,
  });
  const capped = agg.records > details.length;
  const recordsPart: Html =
    details.length === 0
      ? html`<p class="muted">${agg.records === 0 ? 'No records.' : `Per-record detail is off (--report-max-records ${maxRecords}).`}</p>`
      : html`${capped ? html`<div class="callout warn">Detail is shown for the first ${fmtCount(details.length)} of ${fmtCount(agg.records)} records (--report-max-records ${maxRecords}); the summary above covers all of them.</div>` : ''}
${details.length <= 30 ? html`<details class="panel" open>` : html`<details class="panel">`}<summary><b>Index</b> <span class="muted">${plural(details.length, 'record')}</span></summary>${recordIndex(details)}</details>
${details.map(recordSection)}`;

  const modelName = manifest ? `${manifest.name} ${manifest.version}` : (agg.models.sorted()[0]?.name ?? '');
  const sub: string[] = [plural(agg.records, 'record')];
  if (modelName) sub.push(`model ${modelName}`);
  if (options.inputs && options.inputs.length > 0)
    sub.push(`from ${options.inputs.slice(0, 3).join(', ')}${options.inputs.length > 3 ? ' …' : ''}`);
  if (options.generatedAt) sub.push(`generated ${options.generatedAt}`);

  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${`clinicalbert ${VERSION}`}">
<title>${`clinicalbert report · ${plural(agg.records, 'record')}`}</title>
${styleSheet()}
</head>
<body>
<header class="top">
<h1>clinicalbert report</h1>
<div class="sub">${sub.join(' · ')}</div>
<nav><a href="#summary">Summary</a><a href="#model-card">Model card</a><a href="#methods">Methods</a><a href="#records">Records</a></nav>
</header>
<main>
${summary}
<section id="records">
<h2>Records</h2>
${recordsPart}
</section>
</main>
<footer class="page">Made by clinicalbert ${VERSION}. Model outputs support, and do not replace, clinical judgement. This file loads nothing from the network.</footer>
<script type="application/json" id="clinicalbert-summary">${jsonForHtml(summaryData(agg, options.summary, details.length))}</script>
</body>
</html>
`;
  return doc.value;
}
