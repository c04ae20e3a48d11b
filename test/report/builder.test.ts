import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Explanations } from '../../src/explain/types.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import { CONTENT_SECURITY_POLICY, ReportBuilder } from '../../src/report/index.js';
import { warningKind } from '../../src/report/warnings.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { REPO_ROOT } from '../support/cli.js';
import { must } from '../support/must.js';
import { BREAKOUT_NOTE, SCRIPT_NOTE, makeLine, makeManifest, makeThumbnail, startTags } from './fixtures.js';

let thumbnail = '';
beforeAll(async () => {
  thumbnail = await makeThumbnail();
});

const articles = (doc: string) => (doc.match(/<article class="record"/g) ?? []).length;

function embeddedSummary(doc: string): {
  records: number;
  detailed: number;
  skippedLines: number;
  warnings: number;
  explained: number;
  modalities: Record<string, number>;
  heads: Record<string, { records: number; top1: Record<string, number> }>;
  warningKinds: Record<string, number>;
} {
  const m = doc.match(/<script type="application\/json" id="clinicalbert-summary">([^<]*)<\/script>/);
  expect(m, 'embedded summary block').not.toBeNull();
  return JSON.parse(must(m?.[1], 'the embedded summary block')) as ReturnType<typeof embeddedSummary>;
}

describe('ReportBuilder aggregates', () => {
  it('counts every record but keeps detail only for the first maxRecords', () => {
    const lines = Array.from({ length: 250 }, (_, i) => makeLine(i, { explain: i % 4 === 0, thumbnail }));
    const builder = new ReportBuilder({ maxRecords: 25 });
    for (const line of lines) expect(builder.add(line)).toEqual({ ok: true });
    const doc = builder.render({ manifest: makeManifest() });

    expect(builder.records).toBe(250);
    expect(articles(doc)).toBe(25);
    expect(doc).toContain('id="record-25"');
    expect(doc).not.toContain('id="record-26"');
    expect(doc).toContain('Detail is shown for the first 25 of 250 records');

    const expectedTop1: Record<string, number> = {};
    const expectedKinds: Record<string, number> = {};
    let warnings = 0;
    for (const line of lines) {
      const id = must(line.predictions.diagnoses?.[0], 'a top diagnosis').id;
      expectedTop1[id] = (expectedTop1[id] ?? 0) + 1;
      for (const w of line.warnings) {
        warnings++;
        expectedKinds[warningKind(w)] = (expectedKinds[warningKind(w)] ?? 0) + 1;
      }
    }
    const summary = embeddedSummary(doc);
    expect(summary.records).toBe(250);
    expect(summary.detailed).toBe(25);
    expect(summary.heads.diagnoses?.top1).toEqual(expectedTop1);
    expect(summary.warnings).toBe(warnings);
    expect(summary.warningKinds).toEqual(expectedKinds);
    expect(summary.explained).toBe(lines.filter((l) => l.explanations !== undefined).length);
    expect(summary.modalities).toEqual({
      text: 250,
      image: lines.filter((l) => l.inputs.image !== null).length,
      audio: lines.filter((l) => l.inputs.audio !== null).length,
      entities: 250,
    });

    const agg = builder.aggregates;
    const meanTop = lines.reduce((s, l) => s + must(l.predictions.diagnoses?.[0], 'a top diagnosis').score, 0) / lines.length;
    const head = must(agg.heads.get('diagnoses'), 'the diagnoses tally');
    expect(head.top1ScoreSum / head.records).toBeCloseTo(meanTop, 10);
    expect(head.top1Bins.reduce((a, b) => a + b, 0)).toBe(250);
    expect(doc).toContain(`mean top score ${meanTop.toFixed(3)}`);
    // drugs is a sigmoid head: its chart counts every reported drug, not only the first.
    const amoxicillin = lines.filter((l) => must(l.predictions.drugs, 'the drugs head').some((d) => d.id === 'drug:723')).length;
    expect(agg.heads.get('drugs')?.reported.entries.get('drug:723')?.count).toBe(amoxicillin);
  });

  it('groups warnings by kind, ignoring where they happened and the numbers in them', () => {
    expect(warningKind('Media/img-3: attachment of 31.0 MB exceeds the 20.0 MB limit; ignored')).toBe(
      warningKind('Media/other: attachment of 45.5 MB exceeds the 20.0 MB limit; ignored'),
    );
    expect(warningKind('records.csv:12: sex is not one of female, male, other, unknown; ignored')).toBe(
      'sex is not one of female, male, other, unknown; ignored',
    );
    expect(warningKind('Media/1: image ignored: bad header "x"')).toBe('image ignored: bad header "…"');
  });

  it('keeps the digits that are part of a name in a warning kind (audio/mp4, ICD-10), blanking only free numbers', () => {
    expect(warningKind('Media/a1: audio/mp4 not supported, audio ignored')).toBe('audio/mp4 not supported, audio ignored');
    expect(warningKind('Condition/c: code ICD-10 J18.9 not in the label set; 3 codes ignored')).toBe(
      'code ICD-10 J18.9 not in the label set; # codes ignored',
    );
    expect(warningKind('x: declared image/jpeg but the bytes are video/h264 in 2 parts')).toBe(
      'declared image/jpeg but the bytes are video/h264 in # parts',
    );
  });

  it('renders summary only with maxRecords 0', () => {
    const builder = new ReportBuilder({ maxRecords: 0 });
    for (let i = 0; i < 10; i++) builder.add(makeLine(i));
    const doc = builder.render();
    expect(articles(doc)).toBe(0);
    expect(doc).toContain('Per-record detail is off (--report-max-records 0)');
    expect(embeddedSummary(doc).records).toBe(10);
  });

  it("shows the record's age, sex, date and attachments (schema 1.2) on its card, and nothing for older lines", () => {
    const builder = new ReportBuilder();
    const line = makeLine(0);
    const many = Array.from({ length: 14 }, (_, k) => ({
      kind: 'note' as const,
      resource: `DocumentReference/n${k}`,
      title: null,
      date: null,
    }));
    builder.add({
      ...line,
      subject: { ageYears: 54, sex: 'female', encounterDate: '2024-03-01T09:30:00+01:00' },
      inputs: {
        ...line.inputs,
        attachments: [{ kind: 'image', resource: 'Media/img-0', title: 'Chest X-ray <PA> & lateral', date: '2024-02-28' }, ...many],
      },
    });
    builder.add({ ...line, subject: { ageYears: null, sex: null, encounterDate: null }, inputs: { ...line.inputs, attachments: [] } });
    const { subject: _s, ...old } = makeLine(3);
    builder.add({ ...old, schemaVersion: '1.0' });
    const doc = builder.render();
    const card = (n: number) => doc.slice(doc.indexOf(`id="record-${n}"`), doc.indexOf('</article>', doc.indexOf(`id="record-${n}"`)));
    expect(card(1)).toContain(
      '<p class="subject"><span>age <b>54</b></span><span><b>female</b></span><span>date <b><span>2024-03-01</span></b></span></p>',
    );
    expect(card(1)).toContain(
      '<li><span class="kind kind-image">image</span> <b>Chest X-ray &lt;PA&gt; &amp; lateral</b> <code>Media/img-0</code> <span>2024-02-28</span></li>',
    );
    expect(card(1)).toContain(
      '<li><span class="kind kind-note">note</span> <code>DocumentReference/n0</code> <span class="muted">no date</span></li>',
    );
    expect(card(1)).not.toContain('09:30');
    expect(card(1)).not.toContain('DocumentReference/n11');
    expect(card(1)).toContain('… 3 more attachments');
    expect(card(2)).toContain('age unknown');
    expect(card(2)).toContain('sex unknown');
    expect(card(2)).toContain('date unknown');
    expect(card(2)).toContain('No notes, images or audio in this record.');
    expect(card(3)).not.toContain('class="subject"');
    expect(card(3)).not.toContain('class="attachments');
    // A malformed subject or attachment costs the line, with the field named.
    expect(builder.add({ ...line, subject: { ageYears: 'fifty', sex: null, encounterDate: null } })).toEqual({
      ok: false,
      reason: 'subject.ageYears is not an integer ≥ 0',
    });
    expect(
      builder.add({ ...line, inputs: { ...line.inputs, attachments: [{ kind: 'video', resource: 'x', title: null, date: null }] } }),
    ).toEqual({
      ok: false,
      reason: 'inputs.attachments[0].kind is not note, image or audio',
    });
  });

  it('rejects a negative or fractional maxRecords', () => {
    expect(() => new ReportBuilder({ maxRecords: -1 })).toThrow(RangeError);
    expect(() => new ReportBuilder({ maxRecords: 1.5 })).toThrow(RangeError);
  });

  it('skips malformed lines with a reason that names the field but not its value', () => {
    const builder = new ReportBuilder();
    const good = makeLine(1);
    const badScore = { ...good, predictions: { diagnoses: [{ id: 'x', display: 'secret text', score: 'high' }] } };
    expect(builder.add(badScore, 'p.jsonl:2')).toEqual({ ok: false, reason: 'predictions.diagnoses[0].score is not a number in [0, 1]' });
    expect(builder.add({ ...good, schemaVersion: '2.0' }, 'p.jsonl:3')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not 1.x'),
    });
    expect(builder.add('not an object', 'p.jsonl:4')).toEqual({ ok: false, reason: 'the line is not an object' });
    const { warnings: _w, ...noWarnings } = good;
    expect(builder.add(noWarnings)).toEqual({ ok: false, reason: 'warnings is not an array' });
    builder.skip('p.jsonl:5', 'not valid JSON');
    expect(builder.add(good)).toEqual({ ok: true });
    expect(builder.records).toBe(1);
    expect(builder.skipped).toBe(5);
    const doc = builder.render();
    expect(doc).toContain('<code>p.jsonl:2</code>');
    expect(doc).toContain('<code>record 4</code>');
    expect(doc).not.toContain('secret text');
    expect(embeddedSummary(doc).skippedLines).toBe(5);
  });

  it('keeps the good parts of malformed explanations and lists the bad ones', () => {
    const line = makeLine(0, { explain: true, thumbnail }) as PredictionLine & { explanations: Record<string, unknown> };
    const ex = line.explanations as { words: { words: { start: number; end: number; weight: number }[] }; image: { cells: number[] } };
    ex.words.words.push({ start: 0, end: 3, weight: 0.5 }, { start: 5, end: 999_999, weight: 0.1 });
    ex.image.cells = ex.image.cells.slice(0, 10);
    const builder = new ReportBuilder();
    expect(builder.add(line).ok).toBe(true);
    const doc = builder.render();
    expect(doc).toContain('explanations.image is malformed');
    expect(doc).toContain('2 word spans in explanations.words were out of range or overlapping');
    expect(doc).not.toContain('class="image-overlay"');
    expect(doc).toContain('class="note signed"');
    expect(doc).toContain('class="waveform"');
  });

  it('refuses a thumbnail that is not an inline raster image', () => {
    const line = makeLine(0, { explain: true, thumbnail: 'https://example.org/leak.png' });
    const builder = new ReportBuilder();
    builder.add(line);
    const doc = builder.render();
    expect(doc).not.toContain('example.org');
    expect(doc).toContain('The thumbnail is missing or not an inline image');
  });
});

describe('rendered document', () => {
  it('has the CSP, no external reference, and a summary, model card and legend', () => {
    const builder = new ReportBuilder({ maxRecords: 5 });
    for (let i = 0; i < 12; i++) builder.add(makeLine(i, { explain: true, thumbnail }));
    const doc = builder.render({ manifest: makeManifest(), modelSha: 'abcdef012345' });
    expect(doc.startsWith('<!doctype html>')).toBe(true);
    expect(doc).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replace(/'/g, '&#39;')}">`);
    expect(doc).not.toMatch(/(?:src|href)="(?!#|data:image\/png;base64,)/);
    expect(doc).not.toMatch(/https?:\/\//);
    expect(doc).not.toMatch(/@import|url\(/);
    for (const section of ['id="summary"', 'id="model-card"', 'id="methods"', 'id="records"']) expect(doc).toContain(section);
    expect(doc).toContain('Attention (not a faithfulness measure)');
    expect(doc).toContain('0.314'); // word-occlusion comprehensiveness from metrics.faithfulness
    expect(doc).toContain('Research and software testing on synthetic records');
  });

  it('escapes hostile text in every field, so no tag or handler comes from a record', () => {
    const builder = new ReportBuilder();
    builder.add(makeLine(0, { explain: true, thumbnail, hostile: true }), `${SCRIPT_NOTE}.jsonl:1`);
    builder.add({ junk: BREAKOUT_NOTE }, `${BREAKOUT_NOTE}:2`);
    const manifest = makeManifest();
    manifest.description = SCRIPT_NOTE;
    manifest.metrics = { [BREAKOUT_NOTE]: { [SCRIPT_NOTE]: 1 }, note: SCRIPT_NOTE };
    const doc = builder.render({ manifest, modelSha: 'abcdef012345', inputs: [SCRIPT_NOTE], generatedAt: BREAKOUT_NOTE });

    expect(doc).not.toContain(SCRIPT_NOTE);
    expect(doc).not.toContain(BREAKOUT_NOTE);
    expect(doc).not.toMatch(/<img/i);
    expect(doc.match(/<script/g)).toHaveLength(1);
    expect(doc).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    const tags = startTags(doc);
    expect(tags.length).toBeGreaterThan(100);
    const allowed = new Set([
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'header',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'div',
      'nav',
      'a',
      'main',
      'section',
      'p',
      'span',
      'code',
      'b',
      'svg',
      'rect',
      'line',
      'g',
      'text',
      'title',
      'figure',
      'figcaption',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'dl',
      'dt',
      'dd',
      'ul',
      'ol',
      'li',
      'details',
      'summary',
      'article',
      'q',
      'mark',
      'image',
      'path',
      'polygon',
      'polyline',
      'footer',
      'script',
      'use',
    ]);
    for (const tag of tags) {
      expect(allowed, `unexpected <${tag.name}>`).toContain(tag.name);
      for (const attribute of tag.attributes) expect(attribute, `<${tag.name} ${attribute}>`).not.toMatch(/^on/);
    }
  });
});

describe('model card summary and record detail', () => {
  const realManifest = (): ModelManifest =>
    JSON.parse(readFileSync(join(REPO_ROOT, 'models/clinicalbert-mini/manifest.json'), 'utf8')) as ModelManifest;

  it('puts results on real notes beside their baselines and the limitations first, and folds the raw metrics away', () => {
    const manifest = realManifest();
    const doc = new ReportBuilder().render({ manifest });
    const card = doc.slice(doc.indexOf('id="model-card"'), doc.indexOf('id="methods"'));
    const results = card.indexOf('<h4>Results on real notes</h4>');
    const limits = card.indexOf('<h4>Limitations</h4>');
    const fold = card.indexOf('<details class="fold">');
    expect(results).toBeGreaterThan(0);
    expect(results).toBeLessThan(limits);
    expect(limits).toBeLessThan(fold);
    const summary = card.slice(results, fold);
    const metrics = manifest.metrics as {
      real_notes: { diagnosis: { named: { model: { top1: number }; tfidf_logreg: { top1: number } } } };
    };
    const named = metrics.real_notes.diagnosis.named;
    // The model's real-note top-1 and the TF-IDF baseline's, as percentages, in the same row.
    const row = summary.match(/<tr><td>Diagnosis, named in the note[\s\S]*?<\/tr>/)?.[0] ?? '';
    expect(row).toContain(`${(100 * named.model.top1).toFixed(1)}\u202f%`);
    expect(row).toContain(`TF-IDF + logistic regression</span> ${(100 * named.tfidf_logreg.top1).toFixed(1)}\u202f%`);
    expect(summary).toContain('with the name removed');
    // Labels counted without the "none of these" label.
    expect(summary).toContain(`It knows ${(manifest.heads.diagnoses?.labels.length ?? 0) - 1} diagnosis labels`);
    // The raw metrics (here the per-label table and the curve) are only inside the folds.
    expect(summary).not.toContain('class="kv');
    expect(summary).not.toContain('class="linechart"');
    expect(card.slice(fold)).toContain('<h4>Measured on real notes</h4>');
    expect(card.slice(fold)).toContain('class="linechart"');
    // The versions and commit the package was published from (metrics.build), in the fold.
    const build = manifest.metrics.build as { torch: string; git_commit: string };
    expect(card.slice(fold)).toContain(`PyTorch ${build.torch}`);
    expect(card.slice(fold)).toContain(`<code>${build.git_commit}</code>`);
  });

  it('says plainly when a manifest has no real-note results, and still lists limitations', () => {
    const doc = new ReportBuilder().render({ manifest: makeManifest() });
    expect(doc).toContain('The manifest records no results on real notes.');
    expect(doc).toContain('<h4>Limitations</h4>');
    expect(doc).toContain('It reads the first 256 tokens of the notes, one 64×64 grey image and 10 s of audio');
  });

  it('lists the models that made the lines with the precision each ran at (schema 1.3), older lines without one', () => {
    const builder = new ReportBuilder();
    const line = makeLine(0);
    const at = (precision: string) => ({ ...line, model: { ...line.model, precision } });
    builder.add(at('int8'));
    builder.add(at('int8'));
    builder.add(at('fp32'));
    const { precision: _p, ...older } = line.model;
    builder.add({ ...line, schemaVersion: '1.2', model: older });
    expect(builder.add({ ...line, model: { ...line.model, precision: 8 } }, 'p.jsonl:5')).toEqual({
      ok: false,
      reason: 'model.precision is not a string',
    });
    const doc = builder.render({ manifest: makeManifest(), modelSha: 'abcdef012345' });
    const card = doc.slice(doc.indexOf('id="model-card"'), doc.indexOf('id="methods"'));
    expect(card).toContain(
      'Predictions in this file: <code>clinicalbert-mini 0.1.0-test · abcdef012345 · int8</code> (2); ' +
        '<code>clinicalbert-mini 0.1.0-test · abcdef012345</code> (1); <code>clinicalbert-mini 0.1.0-test · abcdef012345 · fp32</code> (1).',
    );
  });

  it("shows the per-record timing as the record's own compute time, as the schema defines it", () => {
    const builder = new ReportBuilder();
    builder.add({ ...makeLine(0), timing: { ms: 12 } });
    builder.add({ ...makeLine(1), timing: { ms: 18 } });
    const doc = builder.render();
    expect(doc).toContain('<div class="stat-value">15 ms</div><div class="stat-label">mean time per record</div>');
    expect(doc).not.toContain('latency');
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/prediction.schema.json'), 'utf8')) as {
      properties: { timing: { properties: { ms: { description: string } } } };
    };
    const meaning = schema.properties.timing.properties.ms.description;
    expect(meaning).toMatch(/^The record's own compute time/);
    expect(meaning).toMatch(/divided by the batch size/);
  });

  it('fills "in the note" from the note text with --explain full, and with the span alone with --explain fast', () => {
    const full = makeLine(1, { explain: true });
    const ex = full.explanations as Explanations;
    const fever = ex.evidence?.[0]?.facts[0]?.span;
    expect(fever).toBeDefined();
    const fast: Explanations = {
      level: 'fast',
      target: ex.target,
      methods: ex.methods.slice(0, 2),
      ...(ex.modalities ? { modalities: ex.modalities } : {}),
      ...(ex.evidence ? { evidence: ex.evidence } : {}),
    };
    const fullDoc = new ReportBuilder();
    fullDoc.add(full);
    expect(fullDoc.render()).toContain('<q>fever</q>');
    const fastDoc = new ReportBuilder();
    fastDoc.add({ ...full, explanations: fast });
    const rendered = fastDoc.render();
    expect(rendered).not.toContain('<q>');
    expect(rendered).toContain(`mentioned, characters ${fever?.[0]}–${fever?.[1]}`);
  });
});
