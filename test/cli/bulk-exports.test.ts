/**
 * @file Exports as they really come (issue 10, item 4), through the built binary: a Bulk folder with
 * bulk-data-client's log and a README, a Synthea output folder with its hospital Bundle, an
 * over-long NDJSON line (`analyze` and `explain --max-line-mb`), and `explain` on a folder of
 * Bundle files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_10, CORPUS_NOTE, HAS_CORPUS, SYNTHEA_2019, tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

const model = ['--model', MODEL_DIR];
const summaryOf = (stderr: string) => {
  const m = /analyze: read (\d+), written (\d+), dead-lettered (\d+), (?:skipped (\d+), )?warnings/.exec(stderr);
  if (!m) throw new Error(`no summary in stderr:\n${stderr}`);
  return { read: Number(m[1]), written: Number(m[2]), dead: Number(m[3]), skipped: Number(m[4] ?? 0) };
};
const jsonSummary = (stderr: string) => jsonLines(stderr).find((l) => l.event === 'summary') as Record<string, number>;
const sampleLines = () => readFileSync('samples/records.ndjson', 'utf8').split('\n').filter(Boolean);

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-bulk-exports-'));
});
afterAll(() => remove());

/** Synthea's hospitalInformation Bundle: organizations and their locations, no patient. */
const hospitalBundle = (entries: object[]) =>
  JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries.map((resource) => ({ resource })) });

describe.skipIf(!HAS_MODEL)(`analyze on exports as they come${MODEL_NOTE}`, () => {
  it('reads a Synthea-like folder with its hospital Bundle: exit 0, skipped 1, counts that add up', () => {
    const dir = join(tmp, 'synthea');
    mkdirSync(dir);
    const [a, b] = sampleLines();
    writeFileSync(join(dir, 'Ann_Example_1.json'), a as string);
    writeFileSync(join(dir, 'Bob_Example_2.json'), b as string);
    writeFileSync(
      join(dir, 'hospitalInformation1588888888.json'),
      hospitalBundle([
        { resourceType: 'Organization', id: 'o1', name: 'General Hospital' },
        { resourceType: 'Location', id: 'l1', managingOrganization: { reference: 'Organization/o1' } },
      ]),
    );
    const r = cli(['analyze', join(dir, '*.json'), '--no-timing', ...model]);
    expect(r.status, r.stderr).toBe(0);
    expect(summaryOf(r.stderr)).toEqual({ read: 3, written: 2, dead: 0, skipped: 1 });
    expect(r.stderr).toMatch(
      /hospitalInformation1588888888\.json(:1)?: REFERENCE_DATA_ONLY: Bundle of reference data only \(1 Location, 1 Organization\)/,
    );
    expect(r.stderr).not.toContain('error:');
    const json = cli(['analyze', join(dir, '*.json'), '--no-timing', '--log-format', 'json', ...model]);
    expect(json.status).toBe(0);
    expect(jsonSummary(json.stderr)).toMatchObject({ read: 3, written: 2, deadLettered: 0, skipped: 1 });
    // the HTML report counts it too
    const report = join(tmp, 'synthea.html');
    expect(cli(['analyze', join(dir, '*.json'), '--no-timing', '--report', report, ...model]).status).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain('skipped (reference data only)');
  });

  it('still dead-letters a Bundle of Observations without a Patient (exit 3)', () => {
    const file = join(tmp, 'orphans.json');
    writeFileSync(
      file,
      hospitalBundle([
        { resourceType: 'Observation', id: 'x1', status: 'final', code: { text: 'HR' } },
        { resourceType: 'Organization', id: 'o1' },
      ]),
    );
    const r = cli(['analyze', file, '--no-timing', ...model]);
    expect(r.status).toBe(3);
    expect(summaryOf(r.stderr)).toEqual({ read: 1, written: 0, dead: 1, skipped: 0 });
    expect(r.stderr).toContain('NO_PATIENT');
  });

  it('names log.ndjson and a README once, reads neither, and exits 0', () => {
    const dir = join(tmp, 'bulk');
    mkdirSync(dir);
    for (const f of readdirSync('samples/bulk')) writeFileSync(join(dir, f), readFileSync(join('samples/bulk', f)));
    writeFileSync(join(dir, 'log.ndjson'), '{"exportId":"e1","eventId":"kickoff","eventDetail":{}}\n');
    writeFileSync(join(dir, 'README.txt'), 'nightly export\n');
    const r = cli(['analyze', dir, '--no-timing', ...model]);
    expect(r.status, r.stderr).toBe(0);
    expect(summaryOf(r.stderr)).toEqual({ read: 20, written: 20, dead: 0, skipped: 0 });
    const notices = r.stderr.split('\n').filter((l) => l.includes('not named as a FHIR resource type'));
    expect(notices).toEqual([`${dir}: 2 file(s) not named as a FHIR resource type, not read: README.txt, log.ndjson`]);
  });

  it('dead-letters an over-long NDJSON line by file and line, and writes its neighbours', () => {
    const [a, b] = sampleLines();
    const file = join(tmp, 'long.ndjson');
    const long = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [], padding: 'x'.repeat(1536 * 1024) });
    writeFileSync(file, `${a}\n${long}\n${b}\n`);
    const dead = join(tmp, 'long.dead.jsonl');
    const r = cli(['analyze', file, '--no-timing', '--max-line-mb', '1', '--dead-letter', dead, ...model]);
    expect(r.status).toBe(3);
    expect(jsonLines(r.stdout)).toHaveLength(2);
    expect(summaryOf(r.stderr)).toEqual({ read: 3, written: 2, dead: 1, skipped: 0 });
    const letters = jsonLines(readFileSync(dead, 'utf8'));
    expect(letters).toEqual([
      { file, line: 2, code: 'LINE_TOO_LONG', reason: expect.stringContaining('longer than the 1 MiB line limit') },
    ]);
    expect(JSON.stringify(letters)).not.toContain('xxxx');
  });

  it('explain takes --max-line-mb as analyze does: a record on a longer line is not read, and says why', () => {
    const [a, b] = sampleLines();
    const record = JSON.parse(a as string) as { entry: { resource: { id: string } }[] };
    const id = record.entry[0]?.resource.id as string;
    const file = join(tmp, 'explain-long.ndjson');
    writeFileSync(file, `${JSON.stringify({ ...record, padding: 'x'.repeat(1536 * 1024) })}\n${b}\n`);
    const whole = cli(['explain', file, '--record', id, '--level', 'fast', '--json', '--no-timing', ...model]);
    expect(whole.status, whole.stderr).toBe(0);
    expect(jsonLines(whole.stdout)[0]?.id).toBe(id);
    const capped = cli(['explain', file, '--record', id, '--level', 'fast', '--max-line-mb', '1', ...model]);
    expect(capped.status).toBe(2);
    expect(capped.stderr).toContain(`${file}:1: LINE_TOO_LONG: line 1 is longer than the 1 MiB line limit`);
    expect(capped.stderr).not.toContain('xxxx');
    const bad = cli(['explain', file, '--record', id, '--max-line-mb', '0', ...model]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-line-mb must be an integer between 1 and 4096');
  });

  it('explain on a folder of Bundle files says what analyze says: a glob is needed', () => {
    const dir = join(tmp, 'bundles');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one.json'), sampleLines()[0] as string);
    const analyze = cli(['analyze', dir, '--no-timing', ...model]);
    expect(analyze.status).toBe(3);
    const explain = cli(['explain', dir, '--record', 'anyone', ...model]);
    expect(explain.status).toBe(2);
    expect(explain.stderr).toContain('0 records read');
    expect(explain.stderr).toContain(`${dir}: EMPTY_FOLDER:`);
    expect(explain.stderr).toContain('pass a glob such as dir/*.json');
    const reason = /EMPTY_FOLDER: (.*)/.exec(analyze.stderr)?.[1];
    expect(reason).toBeDefined();
    expect(explain.stderr).toContain(reason as string);
  });
});

describe.skipIf(!HAS_MODEL || !HAS_CORPUS)(`real exports from the corpus${MODEL_NOTE}${CORPUS_NOTE}`, () => {
  it('the SMART bulk-data-client export with its log.ndjson exits 0 with every patient written', () => {
    const r = cli(['analyze', BULK_10, '--no-timing', '--log-format', 'json', ...model]);
    expect(r.status, r.stderr).toBe(0);
    const patients = readFileSync(join(BULK_10, 'Patient.000.ndjson'), 'utf8').split('\n').filter(Boolean).length;
    expect(jsonSummary(r.stderr)).toMatchObject({ read: patients, written: patients, deadLettered: 0, skipped: 0 });
    expect(jsonLines(r.stderr).filter((l) => l.event === 'files_not_read')).toEqual([expect.objectContaining({ files: ['log.ndjson'] })]);
  });

  it('a Synthea output folder (the 2019 bundles and their hospital and practitioner Bundles) exits 0', () => {
    // The corpus keeps the patients' Bundles only; Synthea writes the organizations, locations and
    // practitioners they reference as Bundles of their own: built here from those same resources.
    const dir = join(tmp, 'synthea-2019');
    mkdirSync(dir);
    const byType = new Map<string, Map<string, object>>();
    const files = readdirSync(SYNTHEA_2019).filter((f) => f.endsWith('.json'));
    for (const f of files) {
      const text = readFileSync(join(SYNTHEA_2019, f), 'utf8');
      writeFileSync(join(dir, f), text);
      const bundle = JSON.parse(text) as { entry?: { resource?: { resourceType?: string; id?: string } }[] };
      for (const e of bundle.entry ?? []) {
        const r = e.resource;
        if (!r?.resourceType || !r.id || !['Organization', 'Location', 'Practitioner', 'PractitionerRole'].includes(r.resourceType))
          continue;
        const forType = byType.get(r.resourceType) ?? new Map<string, object>();
        forType.set(r.id, r);
        byType.set(r.resourceType, forType);
      }
    }
    const of = (...types: string[]) => types.flatMap((t) => [...(byType.get(t)?.values() ?? [])]);
    const hospital = of('Organization', 'Location');
    const practitioners = of('Practitioner', 'PractitionerRole');
    // a 2019 export embeds them; fall back to one of each so the folder still has both Bundles
    writeFileSync(
      join(dir, 'hospitalInformation1560000000000.json'),
      hospitalBundle(hospital.length ? hospital : [{ resourceType: 'Organization', id: 'o' }]),
    );
    writeFileSync(
      join(dir, 'practitionerInformation1560000000000.json'),
      hospitalBundle(practitioners.length ? practitioners : [{ resourceType: 'Practitioner', id: 'p' }]),
    );
    const r = cli(['analyze', join(dir, '*.json'), '--no-timing', '--log-format', 'json', ...model]);
    expect(r.status, r.stderr).toBe(0);
    expect(jsonSummary(r.stderr)).toMatchObject({ read: files.length + 2, written: files.length, deadLettered: 0, skipped: 2 });
  });
});
