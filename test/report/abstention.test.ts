/**
 * The report and "none of these": abstained records counted in the summary by head and reason,
 * shown with the reason instead of an empty table, explained abstentions, malformed `abstained`
 * entries skipped, and the model card's real-note metrics with the accuracy-against-coverage plot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/model/manifest.js';
import { ReportBuilder } from '../../src/report/index.js';
import { must } from '../support/must.js';
import { ABSTENTION_SCORE, SCRIPT_NOTE, makeLine, makeManifest, makeThumbnail, startTags } from './fixtures.js';

let thumbnail = '';
beforeAll(async () => {
  thumbnail = await makeThumbnail();
});

function summaryOf(doc: string): {
  abstained: { records: number; byHead: Record<string, Record<string, number>> };
  heads: Record<string, { records: number }>;
} {
  const m = doc.match(/<script type="application\/json" id="clinicalbert-summary">([^<]*)<\/script>/);
  return JSON.parse(must(m?.[1], 'the embedded summary block')) as ReturnType<typeof summaryOf>;
}

/** The article of record `n` (1-based). */
function article(doc: string, n: number): string {
  const start = doc.indexOf(`<article class="record" id="record-${n}">`);
  return doc.slice(start, doc.indexOf('</article>', start));
}

describe('abstained records in the report', () => {
  const build = () => {
    const builder = new ReportBuilder({ maxRecords: 10 });
    for (let i = 0; i < 10; i++) builder.add(makeLine(i, { abstain: i % 3 === 0, explain: i < 4, thumbnail }));
    return builder;
  };

  it('counts abstained records by head and reason in the summary', () => {
    const builder = build();
    const doc = builder.render({ manifest: makeManifest() });
    const summary = summaryOf(doc);
    // Records 0, 3, 6 and 9 abstained on the diagnoses, and so reported no severity.
    expect(summary.abstained).toEqual({ records: 4, byHead: { diagnoses: { NO_LABEL_FITS: 4 }, severity: { FOLLOWS_ABSTAINED: 4 } } });
    expect(summary.heads.diagnoses?.records).toBe(6);
    expect(builder.aggregates.heads.get('diagnoses')?.abstained).toBe(4);
    expect(doc).toContain('<div class="stat-value">4</div><div class="stat-label">abstained (no label for a head)</div>');
    expect(doc).toMatch(
      /<td>diagnoses<\/td><td><code>NO_LABEL_FITS<\/code><\/td><td class="num">4 <span class="muted">40\.0\u202f%<\/span>/,
    );
    expect(doc).toContain('<td>severity</td><td><code>FOLLOWS_ABSTAINED</code></td>');
    expect(doc).toContain('· 4 abstained (40.0\u202f%)');
    // Same lines, same bytes.
    expect(build().render({ manifest: makeManifest() })).toBe(doc);
  });

  it('shows why a record has no diagnosis instead of an empty table, and the index says so', () => {
    const doc = build().render({ manifest: makeManifest() });
    const first = article(doc, 4);
    expect(first).toContain(`No diagnosis — none of the labels fits (score ${ABSTENTION_SCORE} ≥ threshold 0.42)`);
    expect(first).toContain('No severity — it follows diagnoses, which abstained');
    expect(first).not.toContain('no label above the threshold');
    // An answering record still has its table.
    expect(article(doc, 2)).not.toContain('No diagnosis');
    expect(doc).toMatch(
      /<a href="#record-4">patient-3<\/a><\/td><td><span class="muted">no diagnosis \(abstained\)<\/span><\/td><td class="num">0\.931<\/td>/,
    );
  });

  it('explains an abstention as "why none of these", and keeps it out of the mean contribution', () => {
    const builder = build();
    const doc = builder.render({ manifest: makeManifest() });
    const explained = article(doc, 1);
    expect(explained).toContain(
      'Explaining <b>none of these labels</b> <span class="muted">(diagnoses abstained: why no label fits; abstention score 0.931)</span>',
    );
    expect(explained).toMatch(/No diagnosis — none of the labels fits[^<]*<span class="badge explained"/);
    expect(explained).toContain('No label fitted this record; these are the closest labels');
    expect(article(doc, 2)).not.toContain('No label fitted this record');
    // Records 0..3 are explained; 0 and 3 explain abstentions, so 1 and 2 make the mean.
    expect(builder.aggregates.explained).toBe(4);
    expect(builder.aggregates.contributions.get('text')?.count).toBe(2);
  });

  it('skips a line whose abstained entry is malformed, naming the field', () => {
    const builder = new ReportBuilder();
    const line = makeLine(0, { abstain: true });
    const bad = (change: (a: Record<string, unknown>) => void) => {
      const copy = structuredClone(line) as unknown as { abstained: { diagnoses: Record<string, unknown> } };
      change(copy.abstained.diagnoses);
      return builder.add(copy);
    };
    expect(bad((a) => (a.reason = 'none fits'))).toEqual({ ok: false, reason: 'abstained.diagnoses.reason is not a reason code' });
    expect(bad((a) => (a.score = 2))).toEqual({ ok: false, reason: 'abstained.diagnoses.score is not a number in [0, 1]' });
    expect(bad((a) => delete a.message)).toEqual({ ok: false, reason: 'abstained.diagnoses.message is not a string' });
    // A reason code a later 1.x adds is accepted and shown with its message.
    expect(bad((a) => Object.assign(a, { reason: 'NO_EVIDENCE', message: 'the record had nothing to read' }))).toEqual({ ok: true });
    expect(builder.render()).toContain('No diagnosis — the record had nothing to read');
  });
});

describe('model card: real notes first', () => {
  const curve = [0.25, 0.5, 0.75, 1].map((coverage, i) => ({
    coverage,
    accuracy: [0.9, 0.8, 0.6, 0.45][i],
    threshold: [0.2, 0.31, 0.42, null][i],
  }));

  function withRealNotes(realNotes: unknown): ModelManifest {
    const m = makeManifest();
    m.metrics = { ...m.metrics, real_notes: realNotes };
    return m;
  }

  it('renders real_notes before the other metrics, with the curve as a line plot and not as a table', () => {
    const manifest = withRealNotes({ documents: 213, top3: 0.5211, open_set: { threshold: 0.42, auroc: 0.8123, curve } });
    const doc = new ReportBuilder().render({ manifest });
    const real = doc.indexOf('<h4>Measured on real notes</h4>');
    expect(real).toBeGreaterThan(0);
    expect(real).toBeLessThan(doc.indexOf('<h4>Measured on held-out data</h4>'));
    const card = doc.slice(real, doc.indexOf('<h4>Measured on held-out data</h4>'));
    expect(card).toContain('0.8123');
    expect(card).toContain('213');
    expect(card).not.toMatch(/<th>coverage<\/th>/);
    const polyline = card.match(/<polyline class="curve" points="([^"]+)"/);
    expect(polyline?.[1]?.split(' ')).toHaveLength(4);
    expect(card.match(/<rect [^>]*width="5" height="5"><title>/g)).toHaveLength(4);
    expect(card).toContain('<title>coverage 0.75, accuracy 0.6, threshold 0.42</title>');
    expect(card).toContain('<title>coverage 1, accuracy 0.45, threshold none (never abstains)</title>');
    // The held-out table does not repeat real_notes.
    expect(doc.slice(doc.indexOf('<h4>Measured on held-out data</h4>'))).not.toContain('0.8123');
    for (const tag of startTags(card))
      expect([
        'h4',
        'div',
        'table',
        'tbody',
        'tr',
        'th',
        'td',
        'span',
        'figure',
        'svg',
        'g',
        'line',
        'text',
        'polyline',
        'rect',
        'title',
        'figcaption',
      ]).toContain(tag.name);
  });

  it('renders nothing for real notes when the keys are absent, and ignores a malformed curve', () => {
    const plain = new ReportBuilder().render({ manifest: makeManifest() });
    expect(plain).not.toContain('Measured on real notes');
    expect(plain).not.toContain('class="linechart"');
    const noCurve = new ReportBuilder().render({ manifest: withRealNotes({ documents: 213 }) });
    expect(noCurve).toContain('Measured on real notes');
    expect(noCurve).not.toContain('class="linechart"');
    const broken = new ReportBuilder().render({
      manifest: withRealNotes({
        [SCRIPT_NOTE]: 1,
        open_set: { curve: [{ coverage: 'all', accuracy: 1 }, { coverage: 2, accuracy: 0.5 }, null, { coverage: 0.5, accuracy: 0.7 }] },
      }),
    });
    expect(broken).not.toContain(SCRIPT_NOTE);
    expect(broken.match(/<rect [^>]*width="5" height="5"><title>/g)).toHaveLength(1);
    expect(new ReportBuilder().render({ manifest: withRealNotes('not an object') })).not.toContain('Measured on real notes');
  });
});
