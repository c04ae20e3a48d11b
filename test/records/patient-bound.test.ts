/**
 * The per-patient memory bound of the Bulk join (src/records/patient-bound.ts) and its private,
 * self-cleaning spill folder (src/util/temp-folder.ts), on Bulk folders generated here: a patient
 * over a small bound is read with a warning and its newest notes and Observations kept, every
 * line still accounted for; stale spill folders of killed runs are removed at start, live ones
 * kept.
 */
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/read.js';
import { BulkGrouper, SPILL_PREFIX } from '../../src/records/group-bulk.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { readSources } from '../../src/io/sources.js';
import { makeTempFolder, removeStaleTempFolders, removeTempFolder, STALE_UNNAMED_AGE_MS } from '../../src/util/temp-folder.js';
import { collect, tempFolder } from '../io/corpus.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-patient-bound-'));
});
afterAll(() => remove());

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const ndjson = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const day = (i: number) => new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString();
const CODES = ['2339-0', '2160-0', '718-7', '8867-4', '8480-6'];

/** A Bulk folder: one big patient `big` (100 notes, 200 Observations over 5 codes, 10 Conditions, 5 Claims) and a small one. */
function bulkFolder(name: string): { dir: string; lines: number } {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const subject = (p: string) => ({ reference: `Patient/${p}` });
  const patients = [
    { resourceType: 'Patient', id: 'big', gender: 'female', birthDate: '1950-01-01' },
    { resourceType: 'Patient', id: 'small', gender: 'male', birthDate: '1970-01-01' },
  ];
  const notes = Array.from({ length: 100 }, (_, i) => ({
    resourceType: 'DocumentReference',
    id: `d${i}`,
    status: 'current',
    subject: subject('big'),
    date: day(i),
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`note number ${i}: chest pain.`).toString('base64') } }],
  }));
  notes.push({ ...notes[0], id: 'ds', subject: subject('small'), date: day(0) } as (typeof notes)[number]);
  const observations = Array.from({ length: 200 }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    subject: subject('big'),
    effectiveDateTime: day(i),
    code: { coding: [{ system: 'http://loinc.org', code: CODES[i % CODES.length] }] },
    valueQuantity: { value: i, unit: 'mg/dL' },
  }));
  const conditions = Array.from({ length: 10 }, (_, i) => ({
    resourceType: 'Condition',
    id: `c${i}`,
    subject: subject('big'),
    recordedDate: day(i),
    code: { coding: [{ system: 'http://snomed.info/sct', code: '22298006' }] },
  }));
  const claims = Array.from({ length: 5 }, (_, i) => ({ resourceType: 'Claim', id: `x${i}`, patient: subject('big') }));
  writeFileSync(join(dir, 'Patient.ndjson'), ndjson(patients));
  writeFileSync(join(dir, 'DocumentReference.ndjson'), ndjson(notes));
  writeFileSync(join(dir, 'Observation.ndjson'), ndjson(observations));
  writeFileSync(join(dir, 'Condition.ndjson'), ndjson(conditions));
  writeFileSync(join(dir, 'Claim.ndjson'), ndjson(claims));
  return { dir, lines: patients.length + notes.length + observations.length + conditions.length + claims.length };
}

describe('the per-patient bound of the Bulk join', () => {
  it('reads a patient over the bound keeping its newest notes and Observations, with a warning, and every line accounted for', async () => {
    const { dir, lines } = bulkFolder('over');
    const spill = join(tmp, 'spill-over');
    mkdirSync(spill);
    const stream = readRecords([dir], { tempDir: spill, maxPatientBytes: 20_000 });
    const recs = records(await collect(stream));
    expect(stream.stats).toMatchObject({ itemsRead: lines, itemsUsed: lines, itemsFailed: 0 });
    expect(stream.stats.balanced).toBe(true);
    expect(readdirSync(spill)).toEqual([]);
    const big = recs.find((r) => r.id === 'big') as ClinicalRecord;
    const small = recs.find((r) => r.id === 'small') as ClinicalRecord;
    // the newest 64 of 100 notes
    expect(big.notes.map((n) => n.resource).sort()).toEqual(Array.from({ length: 64 }, (_, i) => `DocumentReference/d${i + 36}`).sort());
    // the newest 3 Observations of each of the 5 codes, all 10 Conditions
    const observations = big.facts.filter((f) => f.kind === 'observation').map((f) => f.resource);
    expect(observations.sort()).toEqual(Array.from({ length: 15 }, (_, i) => `Observation/o${185 + i}`).sort());
    expect(big.facts.filter((f) => f.resource?.startsWith('Condition/'))).toHaveLength(10);
    // kept + left out = what the patient had
    const warning = big.warnings.find((w) => w.includes('per-patient bound')) as string;
    expect(warning).toContain('Patient/big');
    expect(warning).toContain('left out 226 resources (185 Observation, 36 DocumentReference, 5 Claim)');
    expect(warning).not.toContain('chest pain');
    expect(64 + 36 + 15 + 185 + 10 + 5 + 1).toBe(lines - 2);
    // the small patient is under the bound: read whole, no warning
    expect(small.notes).toHaveLength(1);
    expect(small.warnings.some((w) => w.includes('per-patient bound'))).toBe(false);
  });

  it('gives the same records as before when every patient is under the bound', async () => {
    const { dir } = bulkFolder('under');
    const read = async (maxPatientBytes?: number) =>
      records(await collect(readRecords([dir], { tempDir: tmp, ...(maxPatientBytes ? { maxPatientBytes } : {}) })));
    const lifted = await read(1024 * 1024 * 1024);
    expect(await read()).toEqual(lifted);
    expect(lifted.find((r) => r.id === 'big')?.notes).toHaveLength(100);
  });
});

describe('the spill folder', () => {
  it('is private, named with the PID, and its files are 0600', async () => {
    const { dir } = bulkFolder('modes');
    const parent = join(tmp, 'spill-modes');
    mkdirSync(parent);
    const grouper = new BulkGrouper({ tempDir: parent });
    try {
      for await (const item of readSources([dir], { format: 'auto' })) if (item.kind === 'resource') await grouper.add(item);
      const spill = grouper.spillFolder as string;
      expect(spill.slice(parent.length + 1)).toMatch(new RegExp(`^${SPILL_PREFIX}${process.pid}-`));
      expect(statSync(spill).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(spill)) expect(statSync(join(spill, f)).mode & 0o777).toBe(0o600);
    } finally {
      await grouper.close();
    }
    expect(readdirSync(parent)).toEqual([]);
  });

  it('removes stale folders of killed runs at start and keeps those of runs alive', async () => {
    const parent = join(tmp, 'stale');
    mkdirSync(parent);
    const make = (name: string, ageMs = 0) => {
      const path = join(parent, name);
      mkdirSync(path);
      writeFileSync(join(path, 'bucket-0.spill'), 'x');
      if (ageMs) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
    };
    make(`${SPILL_PREFIX}999999999-dead`); // no such PID (above the kernel's maximum)
    make(`${SPILL_PREFIX}${process.ppid}-alive`, 3 * STALE_UNNAMED_AGE_MS); // old, but its run is alive
    make(`${SPILL_PREFIX}OldName`, 2 * STALE_UNNAMED_AGE_MS); // an older version's name, over an hour old
    make(`${SPILL_PREFIX}NewName`); // an older version's name, recent: may be running
    make('other-999999999-x'); // another prefix
    const dir = await makeTempFolder(SPILL_PREFIX, parent);
    expect(readdirSync(parent).sort()).toEqual(
      [`${SPILL_PREFIX}${process.ppid}-alive`, `${SPILL_PREFIX}NewName`, dir.slice(parent.length + 1), 'other-999999999-x'].sort(),
    );
    // its own folder is never stale
    expect(await removeStaleTempFolders(SPILL_PREFIX, parent)).toEqual([]);
    await removeTempFolder(dir);
  });
});
