import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import type { Explanations } from '../../src/explain/types.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { drugsFor } from '../../src/kg/treatments.js';
import { VerifiedFiles } from '../../src/model/verified-files.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { BIN, cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT, shell } from '../support/cli.js';
import { abstainOneMinusMax, splittingThreshold, variantPackage } from '../support/variant-package.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/prediction.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const CORPUS = join(REPO_ROOT, '../shared/corpus');
const HAS_CORPUS = existsSync(CORPUS);
const tmp = mkdtempSync(join(tmpdir(), 'cb-analyze-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const model = ['--model', MODEL_DIR];
const summaryOf = (stderr: string) => {
  const m = /read (\d+), written (\d+), dead-lettered (\d+), warnings (\d+)/.exec(stderr);
  if (!m) throw new Error(`no summary in stderr:\n${stderr}`);
  return { read: Number(m[1]), written: Number(m[2]), dead: Number(m[3]), warnings: Number(m[4]) };
};

function expectValid(lines: Record<string, unknown>[]) {
  for (const line of lines) {
    const ok = validate(line);
    expect(ok, JSON.stringify(validate.errors)).toBe(true);
  }
}

describe.skipIf(!HAS_MODEL)(`clinicalbert analyze${MODEL_NOTE}`, () => {
  it('writes one valid prediction line per sample record, byte-identical across runs with --no-timing', () => {
    const a = cli(['analyze', 'samples/records.ndjson', '--no-timing', ...model]);
    expect(a.status, a.stderr).toBe(0);
    const lines = jsonLines(a.stdout);
    expect(lines).toHaveLength(20);
    expectValid(lines);
    expect(summaryOf(a.stderr)).toMatchObject({ read: 20, written: 20, dead: 0 });
    const labels = jsonLines(readFileSync('samples/records.ndjson.labels.jsonl', 'utf8'));
    expect(lines.map((l) => l.id)).toEqual(labels.map((l) => l.patientId));
    const first = lines[0] as { predictions: Record<string, { score: number; code?: string }[]>; model: { name: string } };
    expect(first.model.name).toMatch(/^clinicalbert-mini/);
    expect(first.predictions.diagnoses?.[0]?.code).toMatch(/^[A-Z]\d/);
    // Schema 1.2: who the record is about and what it contained, from the assembled record.
    const typed = lines as unknown as PredictionLine[];
    expect(typed.every((l) => l.subject !== undefined && Array.isArray(l.inputs.attachments))).toBe(true);
    expect(typed[0]?.subject).toMatchObject({ sex: 'male', ageYears: expect.any(Number), encounterDate: expect.any(String) });
    expect(typed.every((l) => l.inputs.attachments?.filter((x) => x.kind === 'note').length === l.inputs.notes)).toBe(true);
    const b = cli(['analyze', 'samples/records.ndjson', '--no-timing', ...model]);
    expect(b.stdout).toBe(a.stdout);
    // With timing, each line says how long it took.
    const timed = jsonLines(cli(['analyze', 'samples/records.ndjson', ...model]).stdout);
    expect((timed[0] as { timing: { ms: number } }).timing.ms).toBeGreaterThan(0);
  });

  it('reads the Bulk Data folder, the CSV and stdin to the same kind of output', () => {
    const bulk = cli(['analyze', 'samples/bulk', '--no-timing', ...model]);
    expect(bulk.status, bulk.stderr).toBe(0);
    expect(jsonLines(bulk.stdout)).toHaveLength(20);
    expectValid(jsonLines(bulk.stdout));
    const csv = cli(['analyze', 'samples/records.csv', '--no-timing', '--out', join(tmp, 'csv.jsonl'), ...model]);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('');
    const csvLines = jsonLines(readFileSync(join(tmp, 'csv.jsonl'), 'utf8'));
    expect(csvLines).toHaveLength(20);
    expect(csvLines.filter((l) => (l.inputs as { image: string | null }).image !== null).length).toBeGreaterThan(0);
    const stdin = cli(['analyze', '-', '--no-timing', ...model], { input: readFileSync('samples/records.ndjson', 'utf8') });
    expect(stdin.status, stdin.stderr).toBe(0);
    const fromFile = jsonLines(cli(['analyze', 'samples/records.ndjson', '--no-timing', ...model]).stdout);
    const fromStdin = jsonLines(stdin.stdout);
    expect(fromStdin.map((l) => l.predictions)).toEqual(fromFile.map((l) => l.predictions));
    expect((fromStdin[0] as { source: { file: string } }).source.file).toBe('-');
  });

  it('dead-letters what it cannot process, goes on, and exits 3 with counts that add up', () => {
    const good = readFileSync('samples/records.ndjson', 'utf8').split('\n').filter(Boolean);
    const noPatient = JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } } }],
    });
    const input = `${[good[0], '{"resourceType": "Bundle", "entry": [', good[1], noPatient, good[2]].join('\n')}\n`;
    const file = join(tmp, 'mixed.ndjson');
    writeFileSync(file, input);
    const dead = join(tmp, 'dead.jsonl');
    const r = cli(['analyze', file, '--dead-letter', dead, '--no-timing', ...model]);
    expect(r.status, r.stderr).toBe(3);
    const s = summaryOf(r.stderr);
    expect(s).toMatchObject({ written: 3, dead: 2 });
    expect(s.read).toBe(s.written + s.dead);
    expect(jsonLines(r.stdout)).toHaveLength(3);
    const letters = jsonLines(readFileSync(dead, 'utf8'));
    expect(letters).toEqual([
      { file, line: 2, code: 'INVALID_JSON', reason: 'line 2: invalid JSON: unexpected end (truncated?)' },
      {
        file,
        line: 4,
        code: 'NO_PATIENT',
        reason: 'Bundle without a Patient: no resource in it references a patient, so none can be attributed (1 resource(s))',
      },
    ]);
    // --max-errors 0 stops at the first one.
    const strict = cli(['analyze', file, '--max-errors', '0', '--no-timing', ...model]);
    expect(strict.status).toBe(3);
    expect(strict.stderr).toMatch(/--max-errors/);
    // Without --dead-letter nothing is lost either: each letter is printed, even with --quiet,
    // by position and reason, never with record content.
    const printed = cli(['analyze', file, 'missing.ndjson', '--quiet', '--no-timing', ...model]);
    expect(printed.status).toBe(3);
    const errors = printed.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: INVALID_JSON: `));
    expect(errors[1]).toMatch(/:4: NO_PATIENT: Bundle without a Patient/);
    expect(errors[2]).toBe('error: missing.ndjson: NOT_FOUND: input not found: "missing.ndjson"');
    expect(printed.stderr).not.toMatch(/Observation|"x"/);
  });

  it('reports usage errors with exit 2 and lists the valid choices', () => {
    const r = cli(['analyze', 'samples/records.ndjson', '--device', 'tpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--device must be one of cpu, cuda, webgpu, auto; got "tpu"/);
    expect(cli(['analyze', 'samples/records.ndjson', '--batch-size', '0']).status).toBe(2);
    expect(cli(['analyze']).status).toBe(2);
  });

  it('falls back to CPU with a clear message when CUDA is not available', () => {
    const r = cli(['analyze', 'samples/records.ndjson', '--device', 'cuda', '--no-timing', ...model]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/device cuda is not available.*Falling back to CPU/);
    // One line for the four graphs, and none of ORT's own native error log.
    expect(r.stderr.match(/Falling back to CPU/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\[E:onnxruntime|onnxruntime_src/);
    expect(jsonLines(r.stdout)).toHaveLength(20);
  });

  it('refuses a model package whose files were altered, naming the file', () => {
    const copy = join(tmp, 'model-copy');
    const r0 = cli(['analyze', 'samples/records.ndjson', '--model', copy]);
    expect(r0.status).toBe(1);
    expect(r0.stderr).toMatch(/does not exist/);
    // Copy and alter one byte of the entity vocabulary.
    const { cpSync } = require('node:fs') as typeof import('node:fs');
    cpSync(MODEL_DIR, copy, { recursive: true });
    const vocab = join(copy, 'entity_vocab.json');
    writeFileSync(vocab, readFileSync(vocab, 'utf8').replace('[PAD]', '[PAX]'));
    const r = cli(['analyze', 'samples/records.ndjson', '--model', copy]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
  });

  it('skips the hash of a file verified before while it is unchanged; --verify hashes every file', () => {
    const copy = join(tmp, 'model-verified');
    cpSync(MODEL_DIR, copy, { recursive: true });
    const input = join(tmp, 'one-record.ndjson');
    writeFileSync(input, `${readFileSync(join(REPO_ROOT, 'samples/records.ndjson'), 'utf8').split('\n')[0]}\n`);
    const env = { ...process.env, XDG_CACHE_HOME: join(tmp, 'xdg') };
    const run = (...extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'analyze', input, '--no-timing', '--quiet', '--model', copy, ...extra], { encoding: 'utf8', env });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(tmp, 'xdg', 'clinicalbert', 'verified-files.json'), 'utf8')) as { files: object };
    expect(Object.keys(record.files)).toContain(join(copy, 'onnx', 'text_encoder.onnx'));
    expect(run().stdout).toBe(first.stdout);
    // Altered, then vouched for by a record in the user's cache (which only this user can write):
    // believed without --verify, which is what saves the hash; --verify reads the file and names
    // it, and the record forgets it so the next run hashes it too.
    const vocab = join(copy, 'entity_vocab.json');
    writeFileSync(vocab, readFileSync(vocab, 'utf8').replace('[PAD]', '[PAX]'));
    const forged = VerifiedFiles.open(join(tmp, 'xdg', 'clinicalbert'));
    const sha = (JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] }).files.find(
      (f) => f.path === 'entity_vocab.json',
    )?.sha256 as string;
    forged.add(vocab, statSync(vocab, { bigint: true }), sha);
    forged.save();
    expect(run().status).toBe(0);
    const verified = run('--verify');
    expect(verified.status).toBe(1);
    expect(verified.stderr).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
    expect(run().stderr).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
  });

  it('stops quietly when the reader closes the pipe (| head)', async () => {
    const r = await shell(`node ${BIN} analyze samples/records.ndjson --model ${MODEL_DIR} | head -n 2`);
    expect(r.status, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(2);
  });

  it('writes JSON log lines for cron with --log-format json', () => {
    const r = cli(['analyze', 'samples/records.ndjson', '--log-format', 'json', '--no-timing', ...model]);
    expect(r.status).toBe(0);
    const logs = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; written?: number });
    expect(logs.find((l) => l.event === 'summary')?.written).toBe(20);
    expect(cli(['analyze', 'samples/records.ndjson', '--quiet', ...model]).stderr).toBe('');
  });
});

describe.skipIf(!HAS_MODEL)(`analyze, report and evaluate with a package that abstains${MODEL_NOTE}`, () => {
  // The committed package has no "none of these" class yet; a copy of it whose manifest adds a
  // one-minus-max abstention (and severity and drugs following the diagnoses) runs the same
  // graphs through the new rules.
  it('writes abstentions valid against the schema; followers follow; drugs only for the diagnosis made or coded conditions', async () => {
    const probeDir = variantPackage(MODEL_DIR, join(tmp, 'probe-pkg'), abstainOneMinusMax(1, false));
    const probe = cli(['analyze', 'samples/records.ndjson', '--no-timing', '--quiet', '--model', probeDir]);
    expect(probe.status, probe.stderr).toBe(0);
    const plain = jsonLines(probe.stdout) as unknown as PredictionLine[];
    expect(plain.every((l) => l.abstained === undefined)).toBe(true);
    const scores = plain.map((l) => 1 - (l.predictions.diagnoses?.[0]?.score as number));
    const threshold = splittingThreshold(scores);
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'abstaining-pkg'), abstainOneMinusMax(threshold));
    const r = cli(['analyze', 'samples/records.ndjson', '--explain', 'fast', '--no-timing', '--quiet', '--model', pkg]);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout) as unknown as PredictionLine[];
    expectValid(lines as unknown as Record<string, unknown>[]);
    expect(lines.map((l) => l.schemaVersion)).toEqual(lines.map(() => '1.3'));

    const graph = await KnowledgeGraph.load(join(MODEL_DIR, 'kg.json'));
    const labels = jsonLines(readFileSync('samples/records.ndjson.labels.jsonl', 'utf8')) as {
      patientId: string;
      chronic: { id: string }[];
    }[];
    let abstained = 0;
    let drugs = 0;
    lines.forEach((line, i) => {
      const target = (line.explanations as Explanations).target;
      const before = plain[i] as PredictionLine;
      if ((scores[i] as number) >= threshold) {
        abstained++;
        expect(line.predictions.diagnoses).toEqual([]);
        expect(line.predictions.severity).toEqual([]);
        expect(line.abstained?.diagnoses).toMatchObject({ reason: 'NO_LABEL_FITS', threshold });
        expect(line.abstained?.diagnoses?.score).toBeCloseTo(scores[i] as number, 3);
        expect(line.abstained?.severity).toEqual({ reason: 'FOLLOWS_ABSTAINED', message: expect.any(String), head: 'diagnoses' });
        expect(target).toMatchObject({ id: 'none', display: 'none of these labels', abstention: 'one-minus-max' });
        expect(target.score).toBeCloseTo(scores[i] as number, 3);
      } else {
        expect(line.abstained).toBeUndefined();
        expect(line.predictions.diagnoses).toEqual(before.predictions.diagnoses);
        expect(line.predictions.severity).toEqual(before.predictions.severity);
        expect(target.id).toBe(before.predictions.diagnoses?.[0]?.id);
      }
      // Drugs: those of the unfiltered run that treat the diagnosis made or a coded condition.
      const made = line.predictions.diagnoses?.[0]?.id;
      const coded = labels.find((l) => l.patientId === line.id)?.chronic.map((c) => c.id) ?? [];
      const reported = (line.predictions.drugs ?? []).map((d) => d.id);
      const unfiltered = (before.predictions.drugs ?? []).map((d) => d.id);
      expect(reported).toEqual(drugsFor(graph, unfiltered, [...(made ? [made] : []), ...coded]));
      drugs += reported.length;
    });
    expect(abstained).toBe(scores.filter((s) => s >= threshold).length);
    expect(abstained).toBeGreaterThanOrEqual(2);
    expect(drugs).toBeGreaterThan(0);

    // The report counts and shows them.
    const out = join(tmp, 'abstaining-predictions.jsonl');
    writeFileSync(out, r.stdout);
    const html = join(tmp, 'abstaining.html');
    const report = cli(['report', out, '-o', html, '--model', pkg, '--quiet']);
    expect(report.status, report.stderr).toBe(0);
    const doc = readFileSync(html, 'utf8');
    expect(doc).toContain(`<div class="stat-value">${abstained}</div><div class="stat-label">abstained (no label for a head)</div>`);
    expect(doc).toContain('No diagnosis — none of the labels fits (score ');
    expect(doc).toContain('abstains at ≥ ');

    // evaluate: two records relabelled as open-set ("none of these") give the open-set section.
    const v2 = labels.map((l, i) => {
      const raw = JSON.parse(JSON.stringify(l)) as Record<string, unknown>;
      return JSON.stringify({
        ...raw,
        labelsVersion: 2,
        ...(i < 2 ? { condition: null, openSet: { kind: 'outside' } } : { openSet: null }),
      });
    });
    const labelsFile = join(tmp, 'open-set.labels.jsonl');
    writeFileSync(labelsFile, `${v2.join('\n')}\n`);
    const evaluated = cli(['evaluate', 'samples/records.ndjson', '--labels', labelsFile, '--json', '--model', pkg]);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout) as {
      heads: { diagnoses: { records: number } };
      openSet: {
        inLabel: number;
        outOfLabel: number;
        threshold: number;
        score: string;
        curve: unknown[];
        abstentionRate: { inLabel: number };
      };
    };
    expect(e.heads.diagnoses.records).toBe(18);
    expect(e.openSet).toMatchObject({ inLabel: 18, outOfLabel: 2, threshold, score: 'one-minus-max' });
    expect(e.openSet.curve).toHaveLength(20);
    const inLabelAbstained = scores.slice(2).filter((s) => s >= threshold).length;
    expect(e.openSet.abstentionRate.inLabel).toBeCloseTo(inLabelAbstained / 18, 10);
    const text = cli(['evaluate', 'samples/records.ndjson', '--labels', labelsFile, '--model', pkg]);
    expect(text.stdout).toContain('18 in-label, 2 out-of-label (outside 2)');
    expect(text.stdout).toContain('Accuracy against coverage');
  });
});

describe.skipIf(!HAS_MODEL || !HAS_CORPUS)(`analyze on the real corpus${MODEL_NOTE}`, () => {
  const run = (inputs: string[]) => {
    const dead = join(tmp, `dead-${Math.random().toString(36).slice(2)}.jsonl`);
    const r = cli(['analyze', ...inputs, '--dead-letter', dead, '--no-timing', ...model]);
    expect([0, 3], r.stderr).toContain(r.status);
    const s = summaryOf(r.stderr);
    expect(s.read).toBe(s.written + s.dead);
    expect(jsonLines(r.stdout)).toHaveLength(s.written);
    expectValid(jsonLines(r.stdout));
    return { ...s, lines: jsonLines(r.stdout), letters: existsSync(dead) ? jsonLines(readFileSync(dead, 'utf8')) : [] };
  };

  it('processes every Synthea bundle with notes, one record per patient with note text', () => {
    const dir = join(CORPUS, 'fhir/synthea-bundles-with-notes');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f));
    const s = run(files);
    expect(s.written).toBe(files.length);
    for (const line of s.lines) expect((line.inputs as { tokens: number }).tokens).toBeGreaterThan(50);
  });

  it('processes the Bulk Data export folder and the 2019 Synthea bundles', () => {
    const bulk = run([join(CORPUS, 'fhir/bulk-ndjson/smart-sample-bulk-10-patients')]);
    expect(bulk.written).toBe(13);
    const dir = join(CORPUS, 'fhir/synthea-bundles-2019-r4');
    const s = run(readdirSync(dir).map((f) => join(dir, f)));
    expect(s.written).toBe(12);
  });

  it('analyzes every real X-ray, DICOM file and recording wrapped as an attachment, each accounted for', () => {
    const media: { path: string; type: string }[] = [];
    const add = (dir: string, type: (f: string) => string | undefined) => {
      for (const f of readdirSync(join(CORPUS, dir)).sort()) {
        const t = type(f);
        if (t) media.push({ path: join(CORPUS, dir, f), type: t });
      }
    };
    const imageType = (f: string) =>
      f.endsWith('.png') ? 'image/png' : f.endsWith('.jpg') ? 'image/jpeg' : f.endsWith('.dcm') ? 'application/dicom' : undefined;
    add('images/chest-xray', imageType);
    add('images/chest-xray-nih-cxr14', imageType);
    add('images/dicom', imageType);
    add('audio/heart-sounds-physionet2016', (f) => (f.endsWith('.wav') ? 'audio/wav' : undefined));
    add('audio/cough-coughvid', (f) => (f.endsWith('.wav') ? 'audio/wav' : undefined));
    const lines = media.map((m, i) =>
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: `media-${i}` } },
          {
            resource: {
              resourceType: 'Media',
              id: `m${i}`,
              subject: { reference: `Patient/media-${i}` },
              content: { contentType: m.type, data: readFileSync(m.path).toString('base64') },
            },
          },
        ],
      }),
    );
    const input = join(tmp, 'corpus-media.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const s = run([input]);
    expect(s.read).toBe(media.length);
    // Every file gives a prediction line: an undecodable attachment is a warning on its record.
    expect(s.written).toBe(media.length);
    const used = (l: Record<string, unknown>) => l.inputs as { image: string | null; audio: string | null };
    for (const [i, m] of media.entries())
      expect(
        s.lines.find((l) => l.id === `media-${i}`),
        m.path,
      ).toBeDefined();
    const images = s.lines.filter((l) => used(l).image !== null).length;
    const audio = s.lines.filter((l) => used(l).audio !== null).length;
    expect(audio).toBe(media.filter((m) => m.type === 'audio/wav').length);
    // Every PNG and JPEG chest film is read. A DICOM file is read when it decodes and says it is a
    // projection radiograph (or says nothing); compressed DICOM (JPEG, JPEG 2000), non-image
    // objects (SR, waveforms) and other modalities (CT, MR…) are refused, each with a warning.
    expect(images).toBeGreaterThanOrEqual(media.filter((m) => m.type !== 'audio/wav' && !m.path.endsWith('.dcm')).length + 1);
    for (const [i, m] of media.entries()) {
      const line = s.lines.find((l) => l.id === `media-${i}`) as Record<string, unknown>;
      if (m.type !== 'audio/wav' && used(line).image === null)
        expect((line.warnings as string[]).join(' '), m.path).toMatch(/^Media\/m\d+: image (ignored|not used): /);
    }
    const warned = s.lines.filter((l) => (l.warnings as string[]).length > 0);
    for (const l of warned) for (const w of l.warnings as string[]) expect(w).not.toMatch(/undefined|\[object/);
  });

  it('accounts for every official HL7 example, writing or dead-lettering each', () => {
    const dir = join(CORPUS, 'fhir/hl7-r4-official-examples');
    // a folder is read as a Bulk export (*.ndjson): these single JSON documents need a glob
    const s = run([join(dir, '*.json')]);
    expect(s.written + s.dead).toBe(s.read);
    // exactly the lone resources that are not a Patient and name none are dead-lettered
    const unattributable = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .filter((f) => {
        const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, { reference?: string } | string | undefined>;
        const ref = (r.subject ?? r.patient) as { reference?: string } | undefined;
        return r.resourceType !== 'Bundle' && r.resourceType !== 'Patient' && !ref?.reference?.startsWith('Patient/');
      });
    const letters = s.letters as { file: string; code: string; reason: string }[];
    expect(letters.map((l) => `${basename(l.file)} ${l.code}`).sort()).toEqual(unattributable.map((f) => `${f} NO_PATIENT`).sort());
    for (const l of letters) expect(l.reason).not.toMatch(/undefined|\[object/);
  });
});
