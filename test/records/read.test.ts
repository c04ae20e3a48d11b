import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeReadOptions, readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { UsageError } from '../../src/util/errors.js';
import { collect, REPO_ROOT, tempFolder } from '../io/corpus.js';

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const NAME = 'Zebulon';
const NOTE = 'SECRET-NOTE-TEXT';

function bundle(patientId: string, extra: object[] = []): object {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: `urn:uuid:${patientId}`, resource: { resourceType: 'Patient', id: patientId, name: [{ given: [NAME] }], gender: 'female', birthDate: '1980-02-29' } },
      {
        resource: {
          resourceType: 'DocumentReference',
          id: `doc-${patientId}`,
          subject: { reference: `urn:uuid:${patientId}` },
          date: '2021-02-28T10:00:00Z',
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`${NOTE} for ${patientId}`).toString('base64') } }],
        },
      },
      ...extra.map((resource) => ({ resource })),
    ],
  };
}

let dir = '';
let remove = () => {};
beforeAll(() => {
  ({ dir, remove } = tempFolder());
});
afterAll(() => remove());

describe('readRecords', () => {
  it('reads on past a malformed NDJSON line, naming its line, and balances its counts', async () => {
    const file = join(dir, 'bundles.ndjson');
    writeFileSync(file, [JSON.stringify(bundle('a')), `{"resourceType":"Bundle","entry":[{"name":"${NAME}"`, '', JSON.stringify(bundle('b'))].join('\n'));
    const stream = readRecords([file]);
    const items = await collect(stream);
    expect(items.map((i) => (i.kind === 'record' ? i.record.id : `${i.code}@${i.position.line}`))).toEqual(['a', 'INVALID_JSON@2', 'b']);
    expect(records(items)[1]?.source).toEqual({ file, line: 4, entry: 0 });
    expect(stream.stats).toMatchObject({ itemsRead: 3, itemsUsed: 2, itemsFailed: 1, itemsSkipped: 0, recordsYielded: 2, failures: 1 });
    expect(stream.stats.balanced).toBe(true);
    expect(records(items)[0]).toMatchObject({ demographics: { sex: 'female', birthDate: '1980-02-29', ageYears: 40 }, time: '2021-02-28T10:00:00Z' });
  });

  it('fails a Bundle without a Patient unless all resources name one patient', async () => {
    const condition = (id: string, patient: string) => ({ resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` }, code: { text: 'Asthma' } });
    const file = join(dir, 'nopatient.ndjson');
    writeFileSync(
      file,
      [
        { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: condition('c1', 'p9') }, { resource: condition('c2', 'p9') }] },
        { resourceType: 'Bundle', type: 'batch', entry: [{ resource: condition('c1', 'p1') }, { resource: condition('c2', 'p2') }] },
        { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Organization', id: 'o1' } }] },
      ]
        .map((b) => JSON.stringify(b))
        .join('\n'),
    );
    const items = await collect(readRecords([file]));
    expect(items[0]).toMatchObject({ kind: 'record', record: { id: 'p9', patient: 'Patient/p9', warnings: [expect.stringContaining('no Patient resource')] } });
    expect(records(items)[0]?.facts).toHaveLength(2);
    expect(items[1]).toMatchObject({ kind: 'failure', code: 'NO_PATIENT', position: { line: 2 }, reason: expect.stringContaining('2 different patients') });
    expect(items[2]).toMatchObject({ kind: 'failure', code: 'NO_PATIENT', position: { line: 3 }, reason: expect.stringContaining('Bundle without a Patient') });
  });

  it('splits a Bundle with two patients into two records, each with its own resources', async () => {
    const two = bundle('x') as { entry: object[] };
    two.entry.push(...(bundle('y') as { entry: object[] }).entry);
    const items = await collect(readRecords(['-'], { stdin: Readable.from([JSON.stringify(two)]) }));
    expect(records(items).map((r) => [r.id, r.notes.map((n) => n.resource)])).toEqual([
      ['x', ['DocumentReference/doc-x']],
      ['y', ['DocumentReference/doc-y']],
    ]);
  });

  it('reports an empty file and keeps going', async () => {
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'one.json'), JSON.stringify(bundle('c'), null, 2));
    const items = await collect(readRecords([join(dir, 'empty.json'), join(dir, 'one.json')]));
    expect(items.map((i) => (i.kind === 'record' ? i.record.id : i.code))).toEqual(['EMPTY_INPUT', 'c']);
  });

  it('never puts names or note text into failures or warnings', async () => {
    const file = join(dir, 'messy.ndjson');
    const messy = bundle('m', [
      { resourceType: 'Media', id: 'md', subject: { reference: 'Patient/m' }, content: { contentType: 'image/png', data: Buffer.from(NOTE).toString('base64') } },
      { resourceType: 'DocumentReference', id: 'd2', subject: { reference: 'Patient/m' }, content: [{ attachment: { contentType: 'text/plain', data: `${NOTE}!` } }] },
      { resourceType: 'Communication', id: 'cm', subject: { reference: 'Patient/m' }, payload: [{ contentAttachment: { contentType: 'text/plain; charset=klingon', data: Buffer.from(NAME).toString('base64') } }] },
    ]);
    writeFileSync(file, `${JSON.stringify(messy)}\n{"resourceType":"Patient","name":"${NAME} ${NOTE}",}\n`);
    const items = await collect(readRecords([file]));
    const messages = JSON.stringify(items.map((i) => (i.kind === 'record' ? i.record.warnings : i.reason)));
    expect(messages).toContain('Media/md');
    expect(messages).not.toContain(NAME);
    expect(messages).not.toContain(NOTE);
  });

  it('validates its options with usage errors that list the choices', () => {
    expect(() => normalizeReadOptions({ format: 'xml' as never })).toThrow(UsageError);
    expect(() => normalizeReadOptions({ format: 'xml' as never })).toThrow(/auto, ndjson, bundle, bulk, csv/);
    expect(() => normalizeReadOptions({ unit: 'visit' as never })).toThrow(/patient, encounter/);
    expect(normalizeReadOptions({})).toMatchObject({ format: 'auto', unit: 'patient', allowNetwork: false, maxAttachmentBytes: 20 * 1024 * 1024 });
  });

  it('reads real stdin in a child process', () => {
    const script = join(dir, 'stdin-child.mts'); // .mts: an ES module wherever it lies
    writeFileSync(
      script,
      `import { readRecords } from ${JSON.stringify(join(REPO_ROOT, 'src', 'records', 'read.ts'))};\n` +
        `const s = readRecords(['-']);\nfor await (const item of s) console.log(item.kind === 'record' ? item.record.id : item.code);\n` +
        `console.log(JSON.stringify(s.stats));\n`,
    );
    const input = `${JSON.stringify(bundle('s1'))}\nnot json\n${JSON.stringify(bundle('s2'))}\n`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const out = child.stdout.trim().split('\n');
    expect(out.slice(0, 3)).toEqual(['s1', 'INVALID_JSON', 's2']);
    expect(JSON.parse(out[3] ?? '{}')).toMatchObject({ itemsRead: 3, itemsUsed: 2, itemsFailed: 1, files: 1 });
  });
});
