/**
 * @file The fault paths of `analyze` (issue 11, item 1) that no ordinary input reaches, each
 * checked in process on the committed samples with the model loaded once: INTERNAL_ERROR (an
 * exception while building one output line), FEATURIZE_FAILED (an exception while preparing one
 * record), ACCOUNTING_MISMATCH (a record not accounted for, or lost on its way to the output), a
 * reader that fails mid-run (the records read before it are still written), INFERENCE_FAILED for
 * scores that come back NaN; and two real inputs the fuzzer found, each of which once broke a
 * promise: a CSV row with a data: URL of bad percent-encoding (the run ended) and a float WAV of
 * garbage samples (NaN scores written as null).
 *
 * Why injection: none of the injected faults has a known input that triggers it (the fuzzer,
 * fuzz.test.ts, looks for one; the media decoders turn every decoding failure into a warning, and
 * the output line is built from values the pipeline made itself), yet each is the path that keeps
 * one bug from losing a window of records. So the fault is injected with `vi.spyOn` on the module
 * export the pipeline calls (or the featurizer and model the run holds), failing one chosen
 * record, and the test checks what the user would see: that record dead-lettered or named, its
 * neighbours in the same batch window written, the counts adding up (run-checks.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClinicalModel } from '../../src/model/runtime.js';
import * as batches from '../../src/pipeline/batches.js';
import * as fhirOutput from '../../src/pipeline/fhir-output.js';
import * as prediction from '../../src/pipeline/prediction.js';
import * as read from '../../src/records/read.js';
import type { RecordItem } from '../../src/records/types.js';
import { tempFolder } from '../io/corpus.js';
import { HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { analyzeInto, runProblems } from './run-checks.js';

const SAMPLES = join(REPO_ROOT, 'samples/records.ndjson');
/** The samples' record ids (their Patient ids), in input order. */
const IDS = readFileSync(SAMPLES, 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const bundle = JSON.parse(line) as { entry: { resource: { resourceType: string; id: string } }[] };
    return bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource.id as string;
  });
/** Batches of 4: the first window holds records 1–16 (WINDOW_BATCHES = 4). */
const BATCH = 4;
/** The record each fault hits: the third, inside the first window, with neighbours on both sides. */
const VICTIM = IDS[2] as string;

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { id: string }).id);
const letters = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

let tmp = '';
let remove = () => {};
let n = 0;
/** A fresh folder for one run. */
const folder = () => {
  const dir = join(tmp, `run-${n++}`);
  mkdirSync(dir);
  return dir;
};

describe.skipIf(!HAS_MODEL)(`analyze fault paths, injected where no input reaches them${MODEL_NOTE}`, () => {
  let model: ClinicalModel;
  beforeAll(async () => {
    ({ dir: tmp, remove } = tempFolder('cb-faults-'));
    model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
  });
  afterAll(async () => {
    await model?.release();
    remove();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('INTERNAL_ERROR: an exception while building one output line dead-letters that record; its window neighbours are written', async () => {
    const real = prediction.buildPredictionLine;
    vi.spyOn(prediction, 'buildPredictionLine').mockImplementation((record, ...rest) => {
      if (record.id === VICTIM) throw new TypeError('secret note text must not reach the dead letter');
      return real(record, ...rest);
    });
    const run = await analyzeInto(model, folder(), [SAMPLES], { batchSize: BATCH });
    expect(runProblems(run)).toEqual([]);
    expect(ids(run.lines)).toEqual(IDS.filter((id) => id !== VICTIM));
    expect(letters(run.letters)).toEqual([
      { file: SAMPLES, line: 3, entry: 0, recordId: VICTIM, code: 'INTERNAL_ERROR', reason: 'could not build the output line (TypeError)' },
    ]);
    expect(run.summary.deadLetterCodes).toEqual({ INTERNAL_ERROR: 1 });
  });

  it('INTERNAL_ERROR with --output-format fhir: an exception while building one Bundle costs that record only', async () => {
    const real = fhirOutput.predictionBundle;
    vi.spyOn(fhirOutput, 'predictionBundle').mockImplementation((line, options) => {
      if (line.id === VICTIM) throw new RangeError('boom');
      return real(line, options);
    });
    const run = await analyzeInto(model, folder(), [SAMPLES], { batchSize: BATCH, outputFormat: 'fhir' });
    expect(run.summary).toMatchObject({ read: IDS.length, written: IDS.length - 1, deadLettered: 1 });
    expect(run.lines).toHaveLength(IDS.length - 1);
    expect(letters(run.letters)).toEqual([expect.objectContaining({ recordId: VICTIM, code: 'INTERNAL_ERROR' })]);
  });

  it('FEATURIZE_FAILED: an exception while preparing one record dead-letters it; its window neighbours are written', async () => {
    const real = model.featurizer.featurize.bind(model.featurizer);
    vi.spyOn(model.featurizer, 'featurize').mockImplementation(async (record) => {
      if (record.id === VICTIM) throw new Error('tokenizer exploded\nsecond line not shown');
      return real(record);
    });
    const run = await analyzeInto(model, folder(), [SAMPLES], { batchSize: BATCH });
    expect(runProblems(run)).toEqual([]);
    expect(ids(run.lines)).toEqual(IDS.filter((id) => id !== VICTIM));
    expect(letters(run.letters)).toEqual([
      {
        file: SAMPLES,
        line: 3,
        entry: 0,
        recordId: VICTIM,
        code: 'FEATURIZE_FAILED',
        reason: 'could not prepare the record: tokenizer exploded',
      },
    ]);
  });

  /** runRecords with the victim's event replaced by `swap` (undefined: the event never sent). */
  function alterVictimEvent(swap: (event: batches.RecordEvent<unknown>) => batches.RecordEvent<unknown> | undefined) {
    const real = batches.runRecords;
    vi.spyOn(batches, 'runRecords').mockImplementation(async function* (m, options) {
      for await (const event of real(m, options)) {
        const victim = 'record' in event && event.record.id === VICTIM;
        const out = victim ? swap(event) : event;
        if (out) yield out;
      }
    });
  }

  it('ACCOUNTING_MISMATCH: a record neither written, dead-lettered nor skipped makes the run fail, naming it', async () => {
    // (analyze selects every record, so a `skipped` event there is a bug: nothing accounts for it)
    alterVictimEvent((event) => ('record' in event ? { kind: 'skipped', record: event.record } : event));
    const dir = folder();
    await expect(analyzeInto(model, dir, [SAMPLES], { batchSize: BATCH })).rejects.toMatchObject({
      code: 'ACCOUNTING_MISMATCH',
      message: expect.stringContaining(VICTIM),
    });
    // the others were written before the check
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(IDS.length - 1);
  });

  it('ACCOUNTING_MISMATCH: a record whose event is lost on the way to the output is caught too (read counts the reader)', async () => {
    alterVictimEvent(() => undefined);
    await expect(analyzeInto(model, folder(), [SAMPLES], { batchSize: BATCH })).rejects.toMatchObject({
      code: 'ACCOUNTING_MISMATCH',
      message: expect.stringContaining(`read ${IDS.length} ≠ written ${IDS.length - 1} + dead-lettered 0 + skipped 0`),
    });
  });

  it('a reader that fails mid-run: the records read before it are written or dead-lettered, then its error ends the run', async () => {
    // 5 records and one unreadable item, then the reader throws (an I/O error past its per-item
    // guards): all six sit in a window that is not full (16), which must still be run and written
    const real = read.readRecords;
    vi.spyOn(read, 'readRecords').mockImplementation((inputs, options) => {
      const stream = real(inputs, options);
      return {
        stats: stream.stats,
        async *[Symbol.asyncIterator]() {
          let records = 0;
          for await (const item of stream) {
            yield item;
            if (++records === 5) break;
          }
          yield { kind: 'failure', position: { file: 'disk', line: 6 }, code: 'READ_ERROR', reason: 'cannot read' } satisfies RecordItem;
          throw Object.assign(new Error('the disk went away'), { code: 'EIO' });
        },
      };
    });
    const dir = folder();
    await expect(analyzeInto(model, dir, [SAMPLES], { batchSize: BATCH })).rejects.toThrow('the disk went away');
    expect(ids(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n'))).toEqual(IDS.slice(0, 5));
    expect(letters(readFileSync(join(dir, 'dead.jsonl'), 'utf8').trim().split('\n'))).toEqual([
      { file: 'disk', line: 6, code: 'READ_ERROR', reason: 'cannot read' },
    ]);
  });

  it('a CSV row whose attachment is a data: URL of bad percent-encoding is written with a warning; the rows after it are read', async () => {
    // a real input, found by the fuzzer: the URIError of decoding it escaped the reader, ended the
    // run (exit 1, a stack trace) and lost every row after it. Data URLs are now percent-decoded to
    // bytes (src/records/data-url.ts): a bad escape drops that attachment with a warning; an
    // exception assembling a row would still cost only its row (ASSEMBLY_ERROR, src/records/read.ts)
    const dir = folder();
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, 'id,note_text,image_file\nr1,chest pain,\nr2,cough,"data:text/plain,%E0%A4%A"\nr3,fever,\n');
    const run = await analyzeInto(model, dir, [csv]);
    expect(runProblems(run)).toEqual([]);
    expect(ids(run.lines)).toEqual(['r1', 'r2', 'r3']);
    expect(letters(run.letters)).toEqual([]);
    const r2 = run.lines.map((l) => JSON.parse(l) as { id: string; warnings: string[] }).find((l) => l.id === 'r2');
    if (!r2) throw new Error('r2 was not written');
    expect(r2.warnings.join('\n')).toMatch(/invalid percent-escape/);
  });

  it('INFERENCE_FAILED: a record whose scores come back NaN is dead-lettered, never written as null scores; its batch neighbours are written', async () => {
    // the victim's features, known by identity (features carry no record id)
    const victims = new WeakSet<object>();
    const featurize = model.featurizer.featurize.bind(model.featurizer);
    vi.spyOn(model.featurizer, 'featurize').mockImplementation(async (record) => {
      const features = await featurize(record);
      if (record.id === VICTIM) victims.add(features);
      return features;
    });
    const real = model.run.bind(model);
    vi.spyOn(model, 'run').mockImplementation(async (features, ...rest) => {
      const outputs = await real(features, ...rest);
      const nan = (o: (typeof outputs)[number]) => ({
        ...o,
        heads: { ...o.heads, diagnoses: new Float32Array(o.heads.diagnoses?.length ?? 1).fill(Number.NaN) },
      });
      return outputs.map((o, k) => (victims.has(features[k] as object) ? nan(o) : o));
    });
    const run = await analyzeInto(model, folder(), [SAMPLES], { batchSize: BATCH });
    expect(runProblems(run)).toEqual([]);
    expect(ids(run.lines)).toEqual(IDS.filter((id) => id !== VICTIM));
    expect(letters(run.letters)).toEqual([
      expect.objectContaining({ recordId: VICTIM, code: 'INFERENCE_FAILED', reason: expect.stringContaining('not finite numbers') }),
    ]);
  });

  it('a float WAV of NaN or 1e30 samples is an audio warning, and the record is predicted from the rest, every score a number', async () => {
    // a real input, found by the fuzzer (a WAV header's bits per sample changed): every score of
    // the record was NaN, written as null (schema-invalid) with a confident-looking label order
    const floatWav = (sample: (i: number) => number): string => {
      const n = 32_000;
      const bytes = Buffer.alloc(44 + 4 * n);
      bytes.write('RIFF', 0, 'latin1');
      bytes.writeUInt32LE(36 + 4 * n, 4);
      bytes.write('WAVEfmt ', 8, 'latin1');
      bytes.writeUInt32LE(16, 16);
      bytes.writeUInt16LE(3, 20); // IEEE float
      bytes.writeUInt16LE(1, 22);
      bytes.writeUInt32LE(16_000, 24);
      bytes.writeUInt32LE(64_000, 28);
      bytes.writeUInt16LE(4, 32);
      bytes.writeUInt16LE(32, 34);
      bytes.write('data', 36, 'latin1');
      bytes.writeUInt32LE(4 * n, 40);
      for (let i = 0; i < n; i++) bytes.writeFloatLE(sample(i), 44 + 4 * i);
      return bytes.toString('base64');
    };
    const bundle = (id: string, data: string) =>
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id } },
          { resource: { resourceType: 'Condition', id: `c-${id}`, subject: { reference: `Patient/${id}` }, code: { text: 'Asthma' } } },
          {
            resource: {
              resourceType: 'Media',
              id: `m-${id}`,
              status: 'completed',
              subject: { reference: `Patient/${id}` },
              content: { contentType: 'audio/wav', data },
            },
          },
        ],
      });
    const dir = folder();
    const input = join(dir, 'wav.ndjson');
    writeFileSync(
      input,
      `${bundle(
        'nan',
        floatWav((i) => (i % 100 ? 0.1 : Number.NaN)),
      )}\n${bundle(
        'huge',
        floatWav((i) => (i % 2 ? 1e30 : -1e30)),
      )}\n`,
    );
    const run = await analyzeInto(model, dir, [input]);
    expect(runProblems(run)).toEqual([]);
    const lines = run.lines.map((l) => JSON.parse(l) as { id: string; warnings: string[] });
    expect(lines.map((l) => l.id)).toEqual(['nan', 'huge']);
    for (const line of lines)
      expect(line.warnings).toContainEqual(expect.stringMatching(/audio ignored: WAV samples are not finite numbers/));
  });
});
