/**
 * The Bulk Data join (src/records/group-bulk.ts and readRecords over a Bulk folder) tested without
 * ../shared/corpus: on the committed samples/bulk and on data `clinicalbert synth` generates here.
 * The corpus suites in bulk.test.ts add a real export; these make sure a fresh clone still
 * covers the spill to disk, the re-splitting of crowded buckets, the cleanup of the spill folder
 * and that a Bundle and the same resources as a Bulk folder give the same records (and, with the
 * model package, the same predictions).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeGraphFile } from '../../src/kg/types.js';
import { readSources } from '../../src/io/sources.js';
import { BulkGrouper, type BulkGrouperOptions } from '../../src/records/group-bulk.js';
import { readRecords, type ReadOptions } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { generate } from '../../src/synth/generate.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { collect, REPO_ROOT, tempFolder } from '../io/corpus.js';
import { parseResource, type FhirReference } from '../support/fhir-json.js';

const SAMPLE_BULK = join(REPO_ROOT, 'samples', 'bulk');
const KG = join(REPO_ROOT, 'models', 'clinicalbert-mini', 'kg.json');

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const withoutSource = (r: ClinicalRecord) => ({ ...r, source: undefined });
const byId = (rs: ClinicalRecord[]) => [...rs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const nonEmptyLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-bulk-join-'));
});
afterAll(() => remove());

/** Drains a grouper over `folder`, noting the spill folder's files while groups are handed out. */
async function drain(folder: string, options: BulkGrouperOptions) {
  const grouper = new BulkGrouper(options);
  const seen = new Set<string>();
  let spillBytes = 0;
  try {
    for await (const item of readSources([folder], { format: 'auto' })) if (item.kind === 'resource') await grouper.add(item);
    const spill = grouper.spillFolder as string;
    for (const f of readdirSync(spill)) spillBytes += statSync(join(spill, f)).size;
    const groups: string[] = [];
    let lines = 0;
    for await (const { group, lines: n } of grouper.groups()) {
      for (const f of readdirSync(spill)) seen.add(f);
      groups.push(`${group.patientKey}:${n}:${group.entries.length}:${group.patient ? 'P' : '-'}`);
      lines += n;
    }
    return { groups: groups.sort(), lines, spill, spillBytes, seen, folderAfterDrain: readdirSync(spill) };
  } finally {
    await grouper.close();
  }
}

describe('the Bulk join on the committed samples/bulk', () => {
  const files = () => readdirSync(SAMPLE_BULK).filter((f) => f.endsWith('.ndjson'));
  const allLines = () => files().flatMap((f) => nonEmptyLines(join(SAMPLE_BULK, f)));
  const patientIds = () => nonEmptyLines(join(SAMPLE_BULK, 'Patient.000.ndjson')).map((l) => parseResource(l).id as string);

  it('spills every patient line to disk, one copy of the input, and hands out each patient once', async () => {
    const inputBytes = files().reduce((n, f) => n + statSync(join(SAMPLE_BULK, f)).size, 0);
    const run = await drain(SAMPLE_BULK, { tempDir: tmp });
    // one group per Patient resource, holding every line that references it (all of them here)
    expect(run.groups.map((g) => g.split(':')[0]).sort()).toEqual(
      patientIds()
        .map((id) => `Patient/${id}`)
        .sort(),
    );
    expect(run.lines).toBe(allLines().length);
    expect(run.groups.every((g) => g.endsWith(':P'))).toBe(true);
    // the spill holds each line plus a short header: more than the input, less than twice it
    expect(run.spillBytes).toBeGreaterThan(inputBytes);
    expect(run.spillBytes).toBeLessThan(inputBytes + allLines().length * 200);
    expect([...run.seen].every((f) => /^bucket-\d+\.spill$/.test(f))).toBe(true);
    // a bucket file is deleted as soon as it has been handed out
    expect(run.folderAfterDrain).toEqual([]);
  });

  it('splits a bucket over the memory bound by a second hash, down to single patients, with the same groups', async () => {
    const whole = await drain(SAMPLE_BULK, { tempDir: tmp });
    const crowded = await drain(SAMPLE_BULK, { tempDir: tmp, buckets: 1, maxBucketBytes: 100_000 });
    expect(crowded.groups).toEqual(whole.groups);
    const parts = [...crowded.seen].filter((f) => /^bucket-0\.spill\.\d+$/.test(f));
    expect(parts.length).toBeGreaterThan(1);
    // a bound of 1 byte splits three levels deep, and keeps a part that holds one patient whole
    const tiny = await drain(SAMPLE_BULK, { tempDir: tmp, buckets: 1, maxBucketBytes: 1 });
    expect(tiny.groups).toEqual(whole.groups);
    expect([...tiny.seen].some((f) => /^bucket-0\.spill\.\d+\.\d+\.\d+$/.test(f))).toBe(true);
  });

  it('reads the same records whatever the buckets and bound, accounts for every line and removes its spill folder', async () => {
    const read = async (options: Partial<ReadOptions>) => {
      const spill = join(tmp, `spill-${Object.values(options).join('-') || 'default'}`);
      mkdirSync(spill);
      const stream = readRecords([SAMPLE_BULK], { ...options, tempDir: spill });
      const recs = records(await collect(stream));
      return { recs, stats: stream.stats, left: readdirSync(spill) };
    };
    const base = await read({});
    expect(base.recs.map((r) => r.id).sort()).toEqual(patientIds().sort());
    expect(base.stats).toMatchObject({ itemsRead: allLines().length, itemsUsed: allLines().length, itemsFailed: 0, failures: 0 });
    expect(base.stats.balanced).toBe(true);
    expect(base.left).toEqual([]);
    const small = await read({ maxBucketBytes: 20_000 });
    expect(byId(small.recs)).toEqual(byId(base.recs));
    expect(small.left).toEqual([]);
  });

  it('attaches every line to the patient it references', async () => {
    const subjectOf = new Map<string, string>();
    for (const line of allLines()) {
      const r = parseResource(line);
      const ref = ((r.subject ?? r.patient) as FhirReference | undefined)?.reference;
      if (ref) subjectOf.set(`${r.resourceType}/${r.id as string}`, ref);
    }
    const recs = records(await collect(readRecords([SAMPLE_BULK], { tempDir: tmp })));
    let facts = 0;
    let notes = 0;
    let media = 0;
    for (const r of recs) {
      for (const f of r.facts) {
        expect(subjectOf.get(f.resource ?? ''), f.resource).toBe(r.patient);
        facts++;
      }
      for (const n of r.notes) {
        expect(subjectOf.get(n.resource)).toBe(r.patient);
        notes++;
      }
      for (const m of r.media) {
        expect(subjectOf.get(m.resource)).toBe(r.patient);
        media++;
      }
    }
    const count = (type: string) => nonEmptyLines(join(SAMPLE_BULK, `${type}.000.ndjson`)).length;
    const textDocs = nonEmptyLines(join(SAMPLE_BULK, 'DocumentReference.000.ndjson')).filter((l) => l.includes('"text/plain')).length;
    expect(notes).toBe(textDocs);
    expect(media).toBe(count('Media') + count('DocumentReference') - textDocs);
    expect(facts).toBeGreaterThanOrEqual(count('Condition') + count('AllergyIntolerance') + count('MedicationRequest'));
  });

  it('removes its spill folder when the consumer stops after the first record', async () => {
    const spill = join(tmp, 'spill-early');
    mkdirSync(spill);
    let seen = 0;
    for await (const item of readRecords([SAMPLE_BULK], { tempDir: spill })) {
      expect(readdirSync(spill)).toHaveLength(1); // the grouper's folder, while it drains
      if (item.kind === 'record' && ++seen === 1) break;
    }
    expect(seen).toBe(1);
    expect(readdirSync(spill)).toEqual([]);
  });
});

describe('a generated Bundle file and the same patients as a Bulk folder', () => {
  const bundles = () => join(tmp, 'gen', 'records.ndjson');
  const bulk = () => join(tmp, 'gen', 'bulk');
  beforeAll(async () => {
    const kg = JSON.parse(readFileSync(KG, 'utf8')) as KnowledgeGraphFile;
    mkdirSync(join(tmp, 'gen'));
    // the same seed gives the same patients in both shapes (urn: references in Bundles, relative in Bulk)
    await generate(kg, { seed: 31, patients: 8, format: 'ndjson', out: bundles(), labels: join(tmp, 'gen', 'b.labels.jsonl') });
    await generate(kg, { seed: 31, patients: 8, format: 'bulk', out: bulk(), labels: join(tmp, 'gen', 'k.labels.jsonl') });
    expect(readFileSync(join(tmp, 'gen', 'b.labels.jsonl'), 'utf8')).toBe(readFileSync(join(tmp, 'gen', 'k.labels.jsonl'), 'utf8'));
  });

  for (const unit of ['patient', 'encounter'] as const) {
    it(`assembles identical records (unit ${unit}), also when the join splits its buckets`, async () => {
      const fromBundles = records(await collect(readRecords([bundles()], { unit })));
      const fromBulk = records(await collect(readRecords([bulk()], { unit, tempDir: tmp })));
      const fromSplit = records(await collect(readRecords([bulk()], { unit, tempDir: tmp, maxBucketBytes: 10_000 })));
      expect(fromBundles).toHaveLength(unit === 'patient' ? 8 : nonEmptyLines(join(bulk(), 'Encounter.000.ndjson')).length);
      expect(byId(fromBulk).map(withoutSource)).toEqual(byId(fromBundles).map(withoutSource));
      expect(byId(fromSplit).map(withoutSource)).toEqual(byId(fromBundles).map(withoutSource));
    });
  }

  it('gives the same answer with resources in any order across the files', async () => {
    const shuffled = join(tmp, 'gen', 'bulk-reversed');
    mkdirSync(shuffled);
    for (const f of readdirSync(bulk())) writeFileSync(join(shuffled, f), `${nonEmptyLines(join(bulk(), f)).reverse().join('\n')}\n`);
    const a = records(await collect(readRecords([bulk()], { tempDir: tmp })));
    const b = records(await collect(readRecords([shuffled], { tempDir: tmp })));
    expect(byId(b).map(withoutSource)).toEqual(byId(a).map(withoutSource));
  });

  it.skipIf(!HAS_MODEL)(`gives the same predictions through clinicalbert analyze${MODEL_NOTE}`, () => {
    const run = (input: string) => {
      const r = cli(['analyze', input, '--model', MODEL_DIR, '--no-timing', '-q']);
      expect(r.status, r.stderr).toBe(0);
      return jsonLines(r.stdout)
        .map(({ source: _source, timing: _timing, ...rest }) => rest)
        .sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
    };
    const fromBundles = run(bundles());
    expect(fromBundles).toHaveLength(8);
    expect(run(bulk())).toEqual(fromBundles);
  });
});
