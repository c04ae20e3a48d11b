/**
 * Explanation methods against a real model package (CLINICALBERT_MODEL_DIR, default
 * models/clinicalbert-mini); skipped with a note when the package has no manifest.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluate } from '../../src/explain/evaluate.js';
import { EVIDENCE_EDGES } from '../../src/explain/evidence.js';
import { explainBatch } from '../../src/explain/explain.js';
import type { EraserSummary } from '../../src/explain/faithfulness.js';
import { parseLabels, readLabels } from '../../src/explain/labels.js';
import { diagnosisHead, topTarget } from '../../src/explain/target.js';
import type { Explanations } from '../../src/explain/types.js';
import { removeUnits, textUnits } from '../../src/explain/units.js';
import { wordOcclusion } from '../../src/explain/words.js';
import type { RecordFeatures } from '../../src/model/features.js';
import { ClinicalModel, type RecordOutputs } from '../../src/model/runtime.js';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord } from '../../src/records/types.js';
import { auroc } from '../../src/explain/metrics.js';
import { answerIndices } from '../../src/model/decide.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { must } from '../support/must.js';
import { abstainOneMinusMax, splittingThreshold, variantPackage } from '../support/variant-package.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
const SAMPLES = join(REPO_ROOT, 'samples/records.ndjson');
/** Sample records explained at level full (word occlusion costs ~1 s per record on 2 busy cores). */
const FULL = 6;
/** Generated records for the ERASER comparison. */
const ERASER_RECORDS = 24;

describe.skipIf(!HAS_MODEL)(`explanations on a real model${MODEL_NOTE}`, () => {
  let model: ClinicalModel;
  let records: ClinicalRecord[];
  let features: RecordFeatures[];
  let explanations: Explanations[];
  let outputs: RecordOutputs[];
  let head: string;
  const tmp = mkdtempSync(join(tmpdir(), 'cb-explain-'));

  beforeAll(async () => {
    model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
    head = diagnosisHead(model.manifest);
    records = [];
    for await (const item of readRecords([SAMPLES])) if (item.kind === 'record' && records.length < FULL) records.push(item.record);
    features = await Promise.all(records.map((r) => model.featurizer.featurize(r)));
    outputs = await model.run(features);
    explanations = await explainBatch(model, features, 'full', { timing: false });
  });

  afterAll(async () => {
    await model?.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('explains the top diagnosis of every record, naming each method', () => {
    expect(explanations).toHaveLength(records.length);
    for (const e of explanations) {
      expect(e.level).toBe('full');
      const names = e.methods.map((m) => m.name);
      expect(names).toEqual(expect.arrayContaining(['modality-ablation', 'kg-evidence', 'word-occlusion', 'attention-rollout']));
      expect(e.methods.find((m) => m.name === 'attention-rollout')?.faithful).toBe(false);
      expect(e.methods.find((m) => m.name === 'word-occlusion')?.faithful).toBe(true);
      expect(e.methods.every((m) => m.ms === undefined)).toBe(true);
    }
  });

  it('modality contributions are score − score without, and null for an absent modality', async () => {
    let checked = 0;
    for (const [i, e] of explanations.entries()) {
      const f = features[i] as RecordFeatures;
      for (const m of e.modalities ?? []) {
        const present = m.modality === 'image' ? f.image !== undefined : m.modality === 'audio' ? f.audio !== undefined : undefined;
        if (present !== undefined) expect(m.present).toBe(present);
        if (!m.present) {
          expect(m.scoreWithout).toBeNull();
          expect(m.contribution).toBeNull();
          continue;
        }
        expect(m.contribution as number).toBeCloseTo(e.target.score - (m.scoreWithout as number), 3);
        // Removing the modality through a plain run gives the same probability.
        const [alone] = await model.run([f], [{ [m.modality]: false }]);
        expect(alone?.heads[head]?.[e.target.index] as number).toBeCloseTo(m.scoreWithout as number, 3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(records.length);
  });

  it('evidence facts are graph neighbours of the diagnosis, by the edge named, with the flag linked', () => {
    let facts = 0;
    for (const [i, e] of explanations.entries()) {
      const f = features[i] as RecordFeatures;
      expect(e.evidence?.length).toBe(3);
      for (const d of e.evidence ?? []) {
        const neighbours = model.graph.neighbours(d.id);
        for (const fact of [...d.facts, ...d.against]) {
          const edge = neighbours.find((n) => n.entity.id === fact.entityId && n.edge.type === fact.edge);
          expect(edge, `${fact.entityId} -${fact.edge}- ${d.id}`).toBeDefined();
          expect(EVIDENCE_EDGES).toContain(fact.edge);
          expect(f.entities.some((x) => x.id === fact.entityId && x.flag === fact.flag)).toBe(true);
          // the fusion's attention on that very entity of the record
          const k = f.entities.findIndex((x) => x.id === fact.entityId && x.flag === fact.flag);
          expect(fact.attention, fact.entityId).toBeCloseTo(must(outputs[i], 'outputs').entityAttention[k] as number, 4);
          if (fact.span) expect(f.text.slice(...fact.span).length).toBeGreaterThan(0);
          facts++;
        }
        for (const fact of d.against) expect(fact.flag).toBe('negated');
        for (const fact of d.facts) expect(fact.flag).not.toBe('negated');
      }
    }
    expect(facts).toBeGreaterThan(records.length);
  });

  it('re-linking a variant equals featurizing the record with that note text', async () => {
    const index = records.findIndex((r) => r.notes.length === 1 && (features[records.indexOf(r)]?.entities.some((e) => e.span) ?? false));
    expect(index).toBeGreaterThanOrEqual(0);
    const record = records[index] as ClinicalRecord;
    const f = features[index] as RecordFeatures;
    const units = textUnits(f.text, f.entities);
    const mention = units.findIndex((u) => u.mention);
    const variantText = removeUnits(f.text, units, (i) => i === mention);
    const viaRecord = await model.featurizer.featurize({
      ...record,
      notes: [{ ...(record.notes[0] as ClinicalRecord['notes'][number]), text: variantText }],
    });
    const viaVariant = model.featurizer.withText(f, variantText);
    expect(viaVariant.text).toBe(viaRecord.text);
    expect(viaVariant.inputIds).toEqual(viaRecord.inputIds);
    expect(viaVariant.entities).toEqual(viaRecord.entities);
    expect(viaVariant.entityIds).toEqual(viaRecord.entityIds);
  });

  it('word occlusion: removing the top-weighted finding lowers the target probability by its weight', async () => {
    let shown = 0;
    for (const [i, e] of explanations.entries()) {
      const f = features[i] as RecordFeatures;
      const words = e.words?.words ?? [];
      const units = textUnits(f.text, f.entities);
      expect(words.map((w) => [w.start, w.end])).toEqual(units.map((u) => [u.start, u.end]));
      const best = words.reduce<{ start: number; end: number; weight: number } | undefined>(
        (a, w) => (!a || w.weight > a.weight ? w : a),
        undefined,
      );
      if (!best || best.weight <= 0.002) continue;
      const at = units.findIndex((u) => u.start === best.start);
      const variant = model.featurizer.withText(
        f,
        removeUnits(f.text, units, (j) => j === at),
      );
      const [out] = await model.run([variant]);
      const [full] = await model.run([f]);
      const drop = (full?.heads[head]?.[e.target.index] as number) - (out?.heads[head]?.[e.target.index] as number);
      expect(drop).toBeGreaterThan(0);
      expect(drop).toBeCloseTo(best.weight, 3);
      shown++;
    }
    // A confident model often needs no single word (the evidence is redundant); some records must still show it.
    expect(shown).toBeGreaterThanOrEqual(2);
  });

  it('a unit cap limits the rows word occlusion runs', async () => {
    const f = features.find((x) => textUnits(x.text, x.entities).length > 10) as RecordFeatures;
    const embeddings = await model.encode([f]);
    const [out] = await model.fuse([f], embeddings);
    const target = topTarget(head, must(model.manifest.heads[head], `the ${head} head`), must(out, 'the fused outputs'));
    const capped = await wordOcclusion(model, f, embeddings, 0, target, 10);
    expect(capped.units).toHaveLength(10);
    expect(capped.rows).toBe(11);
  });

  it('image and audio saliency have the documented shapes', () => {
    const withImage = explanations.filter((_, i) => features[i]?.image);
    const withAudio = explanations.filter((_, i) => features[i]?.audio);
    expect(withImage.length).toBeGreaterThan(0);
    expect(withAudio.length).toBeGreaterThan(0);
    for (const e of withImage) {
      expect(e.image?.grid).toBe(4);
      expect(e.image?.cells).toHaveLength(16);
      const png = Buffer.from((e.image?.thumbnail ?? '').replace(/^data:image\/png;base64,/, ''), 'base64');
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(model.manifest.image.size);
      expect(png.readUInt32BE(20)).toBe(model.manifest.image.size);
    }
    for (const e of withAudio) {
      const segments = e.audio?.segments ?? [];
      expect(segments).toHaveLength(8);
      expect(segments[0]?.start).toBe(0);
      expect(segments[7]?.end).toBeCloseTo(model.manifest.audio.seconds, 3);
      for (const [k, s] of segments.slice(1).entries()) expect(s.start).toBe(segments[k]?.end);
      expect(e.audio?.envelope).toHaveLength(200);
      expect(Math.max(...(e.audio?.envelope ?? []))).toBeGreaterThan(0);
    }
    for (const [i, e] of explanations.entries()) {
      if (!features[i]?.image) expect(e.image).toBeUndefined();
      if (!features[i]?.audio) expect(e.audio).toBeUndefined();
    }
  });

  it('each shipped method beats random on generated records (ERASER)', async () => {
    // 24 records with at most 32 units each keep this under a minute on 2 cores; the comparison
    // stays fair because every method and the random baseline rank the same units.
    const out = join(tmp, 'eval.ndjson');
    const synth = cli(['synth', '--seed', '4242', '--patients', String(ERASER_RECORDS), '--out', out, '--quiet']);
    expect(synth.status, synth.stderr).toBe(0);
    const report = await runEvaluate(model, {
      inputs: [out],
      labels: await readLabels(`${out}.labels.jsonl`),
      read: {},
      batchSize: 16,
      faithfulness: true,
      seed: 1,
      maxUnits: 32,
    });
    const f = report.faithfulness;
    expect(f?.records).toBe(ERASER_RECORDS);
    const random = f?.methods.random as EraserSummary;
    const occlusion = f?.methods['word-occlusion'] as EraserSummary;
    const rollout = f?.methods['attention-rollout'] as EraserSummary;
    expect(occlusion.records).toBe(ERASER_RECORDS);
    expect(rollout.records).toBe(ERASER_RECORDS);
    // AOPC (the mean over k = 1…50 %) is ERASER's summary; single k values of the weaker rollout
    // are too noisy on 24 records to gate on, so they are checked for occlusion only.
    for (const [name, m] of [
      ['word-occlusion', occlusion],
      ['attention-rollout', rollout],
    ] as const) {
      expect(m.comprehensiveness.aopc, `${name} comprehensiveness AOPC`).toBeGreaterThan(random.comprehensiveness.aopc);
      expect(m.sufficiency.aopc, `${name} sufficiency AOPC`).toBeLessThan(random.sufficiency.aopc);
    }
    for (const k of ['k10', 'k20'] as const) {
      expect(occlusion.comprehensiveness[k], `comprehensiveness ${k}`).toBeGreaterThan(random.comprehensiveness[k]);
      expect(occlusion.sufficiency[k], `sufficiency ${k}`).toBeLessThan(random.sufficiency[k]);
    }
    expect(report.heads.diagnoses?.records).toBe(ERASER_RECORDS);
    expect(report.heads.diagnoses?.top1).toBeGreaterThan(0.3);
  });
});

describe.skipIf(!HAS_MODEL)(`explaining and evaluating abstentions on a real model${MODEL_NOTE}`, () => {
  // The committed package cannot abstain yet: a copy whose manifest adds a one-minus-max
  // abstention, with a threshold between the sample records' own scores, runs the same graphs.
  let model: ClinicalModel;
  let features: RecordFeatures[];
  let scores: number[];
  let threshold: number;
  const tmp = mkdtempSync(join(tmpdir(), 'cb-abstain-'));

  beforeAll(async () => {
    const base = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
    const records: ClinicalRecord[] = [];
    for await (const item of readRecords([SAMPLES])) if (item.kind === 'record') records.push(item.record);
    features = await Promise.all(records.map((r) => base.featurizer.featurize(r)));
    const spec = must(base.manifest.heads.diagnoses, 'the diagnoses head');
    const answers = answerIndices(spec);
    scores = (await base.run(features)).map((o) => {
      const diagnoses = must(o.heads.diagnoses, 'the diagnoses scores');
      return 1 - Math.max(...answers.map((i) => diagnoses[i] as number));
    });
    await base.release();
    threshold = splittingThreshold(scores);
    const dir = variantPackage(MODEL_DIR, join(tmp, 'pkg'), abstainOneMinusMax(threshold));
    model = await ClinicalModel.load(dir, { device: 'cpu', threads: 1, verify: 'size' });
  });

  afterAll(async () => {
    await model?.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('explains an abstained record as "none of these", and its modality contributions are measured on that score', async () => {
    await model.run(features);
    const explanations = await explainBatch(model, features, 'fast', { timing: false });
    let abstained = 0;
    for (const [i, e] of explanations.entries()) {
      const f = features[i] as RecordFeatures;
      if ((scores[i] as number) < threshold) {
        expect(e.target.id).not.toBe('none');
        expect(e.target.abstention).toBeUndefined();
        continue;
      }
      abstained++;
      expect(e.target).toMatchObject({ head: 'diagnoses', id: 'none', display: 'none of these labels', abstention: 'one-minus-max' });
      expect(e.target.score).toBeCloseTo(scores[i] as number, 4);
      // The evidence lists the closest labels, never "none".
      expect(e.evidence?.map((d) => d.id)).not.toContain('none');
      for (const m of e.modalities ?? []) {
        if (!m.present) continue;
        expect(m.contribution as number).toBeCloseTo(e.target.score - (m.scoreWithout as number), 3);
        // Without the modality, the abstention score is 1 − the best label probability of a plain run.
        const [alone] = await model.run([f], [{ [m.modality]: false }]);
        expect(1 - Math.max(...(alone?.heads.diagnoses ?? []))).toBeCloseTo(m.scoreWithout as number, 3);
      }
    }
    expect(abstained).toBe(scores.filter((s) => s >= threshold).length);
  });

  it('measures ERASER faithfulness on abstained records too, and the open set against v2 labels', async () => {
    const labels = parseLabels(readFileSync(join(REPO_ROOT, 'samples/records.ndjson.labels.jsonl'), 'utf8'), 'samples');
    // The two records whose score is highest become open-set records ("none of these").
    const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
    const open = new Set(order.slice(0, 2));
    const relabelled = labels.map((l, i) => (open.has(i) ? { ...l, condition: null, openSet: { kind: 'outside' as const } } : l));
    const report = await runEvaluate(model, {
      inputs: [SAMPLES],
      labels: relabelled,
      read: {},
      batchSize: 8,
      faithfulness: true,
      seed: 1,
      maxUnits: 12,
    });
    const f = must(report.faithfulness, 'the faithfulness section');
    expect(f.records).toBe(features.filter((x) => textUnits(x.text, x.entities).length > 0).length);
    expect(f.abstentionTargets).toBe(
      features.filter((x, i) => (scores[i] as number) >= threshold && textUnits(x.text, x.entities).length > 0).length,
    );
    expect(f.abstentionTargets).toBeGreaterThan(0);
    for (const m of Object.values(f.methods)) {
      expect(Number.isFinite(m.comprehensiveness.aopc)).toBe(true);
      expect(Number.isFinite(m.sufficiency.aopc)).toBe(true);
    }
    const o = must(report.openSet, 'the open-set section');
    expect(o).toMatchObject({ score: 'one-minus-max', threshold, inLabel: 18, outOfLabel: 2, outOfLabelKinds: { outside: 2 } });
    // The two open-set records have the highest scores, so both abstain, and the AUROC is that of
    // the scores computed from the plain run (1 unless a third record ties with them).
    expect(o.abstentionRate.outOfLabel).toBe(1);
    expect(o.auroc).toBeCloseTo(
      auroc(
        scores,
        scores.map((_, i) => open.has(i)),
      ) as number,
      10,
    );
    expect(o.auroc).toBeGreaterThan(0.9);
    expect(report.heads.diagnoses?.records).toBe(18);
  });
});

describe.skipIf(!HAS_MODEL)(`clinicalbert analyze --explain, explain, evaluate${MODEL_NOTE}`, () => {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/prediction.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const model = ['--model', MODEL_DIR];

  it('analyze --explain full writes explanations valid against the schema, byte-identical with --no-timing', () => {
    const input = readFileSync(join(REPO_ROOT, 'samples/records.ndjson'), 'utf8').split('\n').slice(0, 3).join('\n');
    const a = cli(['analyze', '-', '--explain', 'full', '--no-timing', '--quiet', ...model], { input });
    expect(a.status, a.stderr).toBe(0);
    const lines = jsonLines(a.stdout);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
      expect((line.explanations as Explanations).level).toBe('full');
    }
    const b = cli(['analyze', '-', '--explain', 'full', '--no-timing', '--quiet', ...model], { input });
    expect(b.stdout).toBe(a.stdout);
  });

  it('analyze --explain fast adds ablation and evidence only, with timings', () => {
    const r = cli(['analyze', 'samples/records.ndjson', '--explain', 'fast', '--quiet', ...model]);
    expect(r.status, r.stderr).toBe(0);
    for (const line of jsonLines(r.stdout)) {
      expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
      const e = line.explanations as Explanations;
      expect(e.methods.map((m) => m.name)).toEqual(['modality-ablation', 'kg-evidence']);
      // the ablation's own time: measured (a fusion call takes more than 0.01 ms), within the record's
      const timing = line.timing as { ms: number };
      expect(e.methods[0]?.ms).toBeGreaterThan(0);
      expect(e.methods[0]?.ms).toBeLessThanOrEqual(timing.ms);
      expect(e.words).toBeUndefined();
    }
  });

  it('rejects an unknown --explain level, listing the valid ones', () => {
    const r = cli(['analyze', 'samples/records.ndjson', '--explain', 'deep', ...model]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--explain must be one of none, fast, full; got "deep"');
  });

  it('explain --json prints one prediction line with explanations; text without it', () => {
    const id = (jsonLines(readFileSync(join(REPO_ROOT, 'samples/records.ndjson.labels.jsonl'), 'utf8'))[0] as { patientId: string })
      .patientId;
    const json = cli(['explain', 'samples/records.ndjson', '--record', id, '--json', '--no-timing', ...model]);
    expect(json.status, json.stderr).toBe(0);
    const [line] = jsonLines(json.stdout);
    expect(line?.id).toBe(id);
    expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const text = cli(['explain', 'samples/records.ndjson', '--record', id, '--level', 'fast', ...model]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Record ${id}:`);
    expect(text.stdout).toContain('Modality contributions');
    expect(text.stdout).not.toContain('\u001b[');
  });

  it('explain exits 2 for an unknown record, listing ids it saw', () => {
    const r = cli(['explain', 'samples/records.ndjson', '--record', 'no-such-id', ...model]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('record "no-such-id" not found');
    expect(r.stderr).toMatch(/20 records read; ids include [0-9a-f-]{36}/);
  });

  it('evaluate --json measures the samples against their labels', () => {
    const r = cli(['evaluate', 'samples/records.ndjson', '--labels', 'samples/records.ndjson.labels.jsonl', '--json', ...model]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      records: { evaluated: number; unlabelled: number };
      heads: Record<string, { top1?: number; microF1?: number }>;
    };
    expect(report.records).toMatchObject({ evaluated: 20, unlabelled: 0 });
    // top-1 accuracy counted independently: analyze's best diagnosis against the labelled condition
    const predicted = cli(['analyze', 'samples/records.ndjson', '--no-timing', '--quiet', ...model]);
    expect(predicted.status, predicted.stderr).toBe(0);
    const labels = new Map(
      jsonLines(readFileSync(join(REPO_ROOT, 'samples/records.ndjson.labels.jsonl'), 'utf8')).map((l) => [
        l.patientId as string,
        (l.condition as { id: string }).id,
      ]),
    );
    const lines = jsonLines(predicted.stdout);
    expect(lines).toHaveLength(20);
    const right = lines.filter((l) => (l.predictions as { diagnoses: { id: string }[] }).diagnoses[0]?.id === labels.get(l.id as string));
    expect(report.heads.diagnoses?.top1).toBeCloseTo(right.length / 20, 4);
    expect(report.heads.drugs?.microF1).toBeGreaterThan(0);
  });

  it('evaluate exits 2 for a missing labels file', () => {
    const r = cli(['evaluate', 'samples/records.ndjson', '--labels', 'no/such/labels.jsonl', ...model]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('labels file not found');
  });
});
