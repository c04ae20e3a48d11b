/**
 * The dead-letter codes of the analyze pipeline that no other test reached: ASSEMBLY_ERROR (a
 * patient's resources could not be assembled) and INFERENCE_FAILED (the model could not run on a
 * record); FEATURIZE_FAILED's old trigger (a sample rate no typed array holds) is now refused at
 * load by the manifest schema. Each is raised by the real code, through the CLI, from a crafted input or a model package whose manifest was edited
 * (its graphs are the real ones), and each test checks that the other records are still written
 * and that the counts add up: read = written + dead-lettered.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelPackage } from '../../src/model/package.js';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { type FhirBundle, type FhirResource, parseBundle } from '../support/fhir-json.js';
import { variantPackage } from '../support/variant-package.js';

const SAMPLES = join(REPO_ROOT, 'samples');
/** Bundles 0–7 of samples/records.ndjson: two with an image, five with audio, three with neither. */
const BUNDLES = readFileSync(join(SAMPLES, 'records.ndjson'), 'utf8').trim().split('\n').slice(0, 8).map(parseBundle);

const patientId = (b: FhirBundle) => b.entry.find((e) => e.resource.resourceType === 'Patient')?.resource.id as string;
const contentTypes = (b: FhirBundle): string[] =>
  b.entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Media' || r.resourceType === 'DocumentReference')
    .map((r) => {
      const content = r.content as
        | { attachment?: { contentType?: string }; contentType?: string }
        | { attachment: { contentType?: string } }[];
      const attachment = Array.isArray(content) ? content[0]?.attachment : content;
      return String(attachment?.contentType);
    });
const idsWith = (kind: 'image' | 'audio') => BUNDLES.filter((b) => contentTypes(b).some((t) => t.startsWith(`${kind}/`))).map(patientId);

interface Letter {
  file: string;
  line?: number;
  recordId?: string;
  code: string;
  reason: string;
}

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-error-codes-'));
});
afterAll(() => remove());

/** Runs analyze with a dead-letter file; returns the written ids, the letters and the summary counts. */
function analyze(input: string, name: string, model = MODEL_DIR) {
  const deadLetter = join(tmp, `${name}.dead.jsonl`);
  const r = cli(['analyze', input, '--model', model, '--dead-letter', deadLetter, '--no-timing', '--batch-size', '4']);
  const m = /analyze: read (\d+), written (\d+), dead-lettered (\d+)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  const [read, written, dead] = (m as RegExpExecArray).slice(1).map(Number) as [number, number, number];
  return {
    status: r.status,
    written: jsonLines(r.stdout).map((l) => l.id as string),
    letters: jsonLines(readFileSync(deadLetter, 'utf8')) as unknown as Letter[],
    counts: { read, written, dead },
  };
}

/**
 * A Composition of the patient whose sections nest 100,000 deep: reading their narratives
 * overflows the stack (RangeError) while the patient is assembled. JSON text, written by hand
 * (JSON.stringify would overflow too). The trigger used to be a `data:` URL with a bad percent
 * escape, which is now a warning on the record (issue 11).
 */
const DEEP = 100_000;
function deepComposition(patient: string): string {
  const head = JSON.stringify({ resourceType: 'Composition', id: 'deep', status: 'final', subject: { reference: `Patient/${patient}` } });
  return `${head.slice(0, -1)},"section":[${'{"title":"x","section":['.repeat(DEEP)}{}${']}'.repeat(DEEP)}]}`;
}
const OVERFLOW = 'RangeError: Maximum call stack size exceeded';

describe.skipIf(!HAS_MODEL)(`dead-letter codes raised by the real pipeline${MODEL_NOTE}`, () => {
  it('ASSEMBLY_ERROR: one Bundle that cannot be assembled is dead-lettered, the others are written', () => {
    const bundles = BUNDLES.map((b) => structuredClone(b));
    const broken = bundles[1] as FhirBundle;
    broken.entry.push({ resource: { resourceType: 'Placeholder' } as FhirResource });
    const lines = bundles.map((b) => JSON.stringify(b));
    lines[1] = (lines[1] as string).replace('{"resourceType":"Placeholder"}', deepComposition(patientId(broken)));
    const input = join(tmp, 'assembly.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const run = analyze(input, 'assembly');
    expect(run.status).toBe(3);
    expect(run.letters).toEqual([
      {
        file: input,
        line: 2,
        entry: broken.entry.findIndex((e) => e.resource.resourceType === 'Patient'),
        recordId: patientId(broken),
        code: 'ASSEMBLY_ERROR',
        reason: `assembling Patient/${patientId(broken)} failed: ${OVERFLOW}`,
      },
    ]);
    expect(run.written).toEqual(BUNDLES.map(patientId).filter((id) => id !== patientId(broken)));
    expect(run.counts).toEqual({ read: 8, written: 7, dead: 1 });
  });

  it('ASSEMBLY_ERROR: one patient of a Bulk folder that cannot be assembled is dead-lettered, the others are written', () => {
    const folder = join(tmp, 'bulk');
    cpSync(join(SAMPLES, 'bulk'), folder, { recursive: true });
    const patients = readFileSync(join(folder, 'Patient.000.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const brokenId = patients[1] as string;
    writeFileSync(join(folder, 'Composition.000.ndjson'), `${deepComposition(brokenId)}\n`);
    const run = analyze(folder, 'bulk');
    expect(run.status).toBe(3);
    expect(run.letters.map((l) => [l.recordId, l.code, l.reason])).toEqual([
      [brokenId, 'ASSEMBLY_ERROR', `assembling Patient/${brokenId} failed: ${OVERFLOW}`],
    ]);
    expect([...run.written].sort()).toEqual(patients.filter((id) => id !== brokenId).sort());
    expect(run.counts).toEqual({ read: patients.length, written: patients.length - 1, dead: 1 });
    expect(readdirSync(folder)).toHaveLength(9); // the 8 sample files and the Composition file: nothing written beside the input
  });

  it('a sample rate no typed array can hold is refused at load (MODEL_MANIFEST_INVALID), before any record', async () => {
    // it used to be FEATURIZE_FAILED on every record with audio; the schema now bounds sampleRate
    // (issue 11: preprocessing parameters in sane ranges), so the package never loads
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'pkg-featurize'), (m) => {
      m.audio.sampleRate = 1e15;
    });
    await expect(loadModelPackage(pkg, { verify: 'size' })).rejects.toMatchObject({
      code: 'MODEL_MANIFEST_INVALID',
      message: expect.stringContaining('/audio/sampleRate must be <= 96000'),
    });
  });

  it('INFERENCE_FAILED: records the image graph cannot run on are dead-lettered one by one, the others are written', () => {
    // the manifest names an image input the graph does not have: every batch with an image fails,
    // is retried record by record, and only the records with an image are lost
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'pkg-inference'), (m) => {
      const input = m.graphs.image.inputs[0];
      if (!input) throw new Error('the image graph has no input');
      input.name = 'pixels';
    });
    const input = join(tmp, 'inference.ndjson');
    writeFileSync(input, `${BUNDLES.map((b) => JSON.stringify(b)).join('\n')}\n`);
    const withImage = idsWith('image');
    expect(withImage).toHaveLength(2);
    const run = analyze(input, 'inference', pkg);
    expect(run.status).toBe(3);
    expect(run.letters.map((l) => [l.recordId, l.code])).toEqual(withImage.map((id) => [id, 'INFERENCE_FAILED']));
    // ONNX Runtime names the input the graph expects and did not get
    for (const l of run.letters) expect(l.reason).toBe("inference failed: input 'image' is missing in 'feeds'.");
    expect(run.written).toEqual(BUNDLES.map(patientId).filter((id) => !withImage.includes(id)));
    expect(run.counts).toEqual({ read: 8, written: 6, dead: 2 });
  });
});
