/**
 * @file The report's style sheet, inlined into the document (the page may load nothing).
 *
 * System fonts only, quiet colours, and the same warm/blue/violet convention as the SVG
 * (src/report/svg.ts). Prints on paper: panels avoid page breaks and records start on a new page.
 */
import { trusted, type Html } from './escape.js';

const CSS = `
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--panel:#fff;--accent:#0f766e;--count:#52606d;
--support:rgb(217,72,15);--against:rgb(37,99,235);--attention:rgb(124,58,237);--warn:#b45309;--bad:#b91c1c}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
body{margin:0}
code,.code,.method{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
code{background:#f0f2f5;border-radius:3px;padding:0 .25em;overflow-wrap:anywhere}
.code{color:var(--muted)}
a{color:var(--accent)}
h1,h2,h3,h4,h5{line-height:1.25;margin:0 0 .5em}
h1{font-size:1.35rem}h2{font-size:1.2rem;margin-top:1.2em}h3{font-size:1.05rem}h4{font-size:.98rem;margin-top:.2em}h5{font-size:.9rem;margin:.6em 0 .3em;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.top{background:#102a43;color:#f0f4f8;padding:14px 28px}
.top h1{margin:0}.top .sub{color:#bcccdc;font-size:.9rem;margin-top:2px}
.top nav{margin-top:6px;font-size:.9rem}.top nav a{color:#9fb3c8;margin-right:1.2em}
main{max-width:1180px;margin:0 auto;padding:8px 24px 40px}
.muted{color:var(--muted)}.small{font-size:.86em}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:12px 0;break-inside:avoid;min-width:0}
.two-col{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:0 14px;align-items:start}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 4px}
.stat{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:130px}
.stat-value{font-size:1.45rem;font-weight:600;font-variant-numeric:tabular-nums}
.stat-label{color:var(--muted);font-size:.85rem}
.stat.warn .stat-value{color:var(--warn)}.stat.bad .stat-value{color:var(--bad)}
.callout{border-radius:6px;padding:8px 12px;margin:10px 0;border:1px solid}
.callout.warn{background:#fffbeb;border-color:#fcd34d;color:#78350f}
.callout.bad{background:#fef2f2;border-color:#fca5a5;color:#7f1d1d}
.chart-caption{color:var(--muted);font-size:.86em;margin:0 0 8px}
.bars{display:grid;grid-template-columns:minmax(140px,2.2fr) minmax(80px,2fr) max-content;align-items:center;gap:5px 12px}
.bar-row{display:contents}
.bars h5{grid-column:1/-1;margin:.5em 0 0}
.bars h5:first-child{margin-top:0}
.bars .bar-none{grid-column:1/-1;margin:0}
.bar-row.target .bar-label{font-weight:600}
.bar-label{overflow-wrap:anywhere}
.bar-value{font-variant-numeric:tabular-nums;white-space:nowrap;font-size:.92em}
svg.bar{width:100%;height:12px;display:block}
svg.bar .track{fill:#edf0f3}
svg.bar.score .fill{fill:var(--accent)}
svg.bar.count .fill{fill:var(--count)}
svg.bar .pos{fill:var(--support)}svg.bar .neg{fill:var(--against)}
svg.bar .axis{stroke:#7b8794;stroke-width:.6}
.absent .absent-note{color:var(--muted);font-style:italic;font-size:.9em}
.head-block{border-top:1px solid var(--line);padding-top:10px;margin-top:10px}
.head-block:first-of-type{border-top:0;margin-top:0;padding-top:0}
.head-grid{display:grid;grid-template-columns:minmax(0,1fr) 220px;gap:18px;align-items:start}
figure{margin:0}
.hist svg{width:220px;height:auto;display:block}
.hist .cols rect{fill:var(--accent);opacity:.8}
.hist text{font-size:10px;fill:var(--muted)}
.hist .axis{stroke:#9aa5b1;stroke-width:.8}
.hist figcaption{color:var(--muted);font-size:.8em;text-align:center}
.linechart svg{width:340px;max-width:100%;height:auto;display:block}
.linechart .grid{stroke:#eef1f4;stroke-width:.8}
.linechart .axis{stroke:#9aa5b1;stroke-width:.8}
.linechart .curve{fill:none;stroke:var(--accent);stroke-width:1.6}
.linechart .markers rect{fill:var(--accent)}
.linechart text{font-size:10px;fill:var(--muted)}
.linechart figcaption{color:var(--muted);font-size:.8em}
.real-notes{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:8px 18px;align-items:start}
.abstained-note{margin:0;padding:4px 8px;border-left:3px solid #9aa5b1;background:#f5f7fa;border-radius:0 4px 4px 0}
.bars .abstained-note{grid-column:1/-1}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{color:var(--muted);font-weight:600;font-size:.9em;border-bottom:1px solid #cbd2d9}
td.num,th.num,.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
table.kv{width:auto;min-width:50%}
table.kv table.kv{min-width:0;margin:0}
table.kv th[scope=row]{color:var(--muted);font-weight:500;white-space:nowrap}
table.index td a{text-decoration:none}
td.attn{display:flex;align-items:center;gap:6px;min-width:110px}td.attn svg.bar{width:60px}
tr.against td{background:#eff6ff}
q{quotes:"\\201C" "\\201D";font-style:italic}
.flag{display:inline-block;border-radius:10px;padding:0 7px;font-size:.82em;background:#e4e7eb}
.flag-mentioned,.flag-coded,.flag-abnormal{background:#fde8dc;color:#8a2c07}
.flag-negated{background:#dbeafe;color:#1e3a8a}
.flag-family,.flag-historical{background:#ece9f8;color:#4c1d95}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:.78em;font-weight:600;vertical-align:1px}
.badge.explained{background:#ccfbf1;color:#115e59}
.badge.warn{background:#fef3c7;color:#92400e}
.badge.faithful{background:#dcfce7;color:#166534}
.badge.visual{background:#ede9fe;color:#5b21b6}
.method-tag{font-weight:400;font-size:.78em;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 7px;margin-left:6px;vertical-align:1px}
.method-tag.faithful{color:#166534;border-color:#bbf7d0;background:#f0fdf4}
.note{white-space:pre-wrap;overflow-wrap:anywhere;font-family:Georgia,"DejaVu Serif",serif;font-size:1.02em;line-height:1.7;background:#fcfcfd;border:1px solid var(--line);border-radius:6px;padding:12px 14px;max-height:30em;overflow:auto}
.note mark{color:inherit;border-radius:3px;padding:0 1px}
.attention-panel{border-style:dashed}
.pos-text{color:var(--support);font-weight:600}.neg-text{color:var(--against);font-weight:600}
.attention .pos-text{color:var(--attention)}
.ramp{white-space:nowrap;margin-left:6px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;border:1px solid #d9dee3;vertical-align:-1px}
.image-pair{display:flex;gap:14px;flex-wrap:wrap}
.image-pair svg{width:220px;height:220px;display:block;border-radius:4px;background:#000}
.image-pair figcaption{color:var(--muted);font-size:.82em;text-align:center}
.image-overlay .grid{stroke:rgba(255,255,255,.35);stroke-width:.5;fill:none}
svg.waveform{width:100%;height:auto;display:block}
.waveform .wave-bg{fill:#f8fafc}
.waveform .wave{fill:#52606d;fill-opacity:.35}
.waveform .wave-line{fill:none;stroke:#334e68;stroke-width:1}
.waveform .axis{stroke:#9aa5b1;stroke-width:.6}
.waveform .tick{stroke:#9aa5b1}
.waveform text{font-size:15px;fill:var(--muted)}
.record{background:var(--panel);border:1px solid #d3d9df;border-radius:10px;padding:16px 18px;margin:22px 0;box-shadow:0 1px 2px rgba(16,42,67,.06)}
.record .panel{background:#fbfcfd}
.record-head h3{font-size:1.15rem;margin-bottom:.2em;overflow-wrap:anywhere}
.record-head .ordinal{color:var(--muted);font-weight:400;margin-right:.3em}
.record-head .meta{color:var(--muted);font-size:.88em;margin:.2em 0;display:flex;flex-wrap:wrap;gap:4px 16px}
.record-head .subject{margin:.1em 0;display:flex;flex-wrap:wrap;gap:4px 16px}
ul.attachments{list-style:none;margin:.3em 0;padding:0;display:flex;flex-wrap:wrap;gap:3px 18px;overflow-wrap:anywhere}
ul.attachments .kind{display:inline-block;border-radius:3px;padding:0 5px;font-size:.85em;background:#eef2f6;color:var(--muted)}
.target-line{margin:.4em 0 0;padding:6px 10px;background:#f0fdfa;border-left:3px solid var(--accent);border-radius:0 4px 4px 0}
.warn-panel{border-color:#fcd34d;background:#fffdf5}
.warning-list{margin:0;padding-left:1.2em;overflow-wrap:anywhere}
.methods-line{margin:.6em 0 0}
.card-facts{display:grid;grid-template-columns:max-content 1fr;gap:5px 18px;margin:0 0 10px}
.card-facts dt{color:var(--muted)}.card-facts dd{margin:0}
table.results{margin:0 0 6px}table.results td:first-child{width:42%}.result-baseline{display:block}
ul.limits{margin:0 0 8px;padding-left:1.2em}ul.limits li{margin:2px 0}
details.fold{border-top:1px solid var(--line);padding:6px 0 0;margin-top:8px}
details.fold>summary{cursor:pointer;color:var(--accent);font-weight:600;font-size:.92em}
.fold-body,.table-scroll{overflow-x:auto;max-width:100%}
table.legend table.kv th,table.legend table.kv td{padding:2px 5px}
.evidence-block h5{text-transform:none;letter-spacing:0;color:var(--fg);font-size:.95rem}
.note-small{font-size:.86em;color:var(--muted)}
ol.plain{margin:0;padding-left:1.2em}
footer.page{max-width:1180px;margin:0 auto;padding:0 24px 30px;color:var(--muted);font-size:.85em}
@media (max-width:700px){.head-grid{grid-template-columns:1fr}.bar-row{grid-template-columns:1fr 1fr auto}}
@media print{html{background:#fff}.top{background:#fff;color:#000}.record{break-before:page;box-shadow:none}.note{max-height:none}}
`;

export function styleSheet(): Html {
  return trusted(`<style>${CSS.trim()}</style>`);
}
