/**
 * @file The HTML report's public surface, for `clinicalbert report` and `analyze --report`:
 * build with `new ReportBuilder({ maxRecords })`, feed `add(line)`, then `writeReport(path,
 * builder.render({ manifest, modelSha, summary }))`.
 */
export { ReportBuilder, DEFAULT_MAX_RECORDS, type AddResult, type ReportBuilderOptions } from './builder.js';
export { CONTENT_SECURITY_POLICY, type RenderOptions } from './document.js';
export type { RunSummary } from './summary.js';
export { writeReport } from './write.js';
export { escapeHtml, html, jsonForHtml } from './escape.js';
