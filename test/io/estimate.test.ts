import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRecordCount } from '../../src/io/estimate.js';
import { tempFolder } from './corpus.js';

let dir = '';
let remove = () => {};
const bundle = (id: string) =>
  JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id } }] });
const opts = { unit: 'patient', format: 'auto' };

beforeAll(() => {
  ({ dir, remove } = tempFolder());
  writeFileSync(join(dir, 'three.ndjson'), `${bundle('a')}\n\n${bundle('b')}\n${bundle('c')}`);
  // Lines far longer than the head that is sniffed (inline images make them so).
  const long = (id: string) =>
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id } }, { resource: { resourceType: 'Binary', data: 'A'.repeat(20_000) } }],
    });
  writeFileSync(join(dir, 'long.ndjson'), `${long('l1')}\n${long('l2')}\n`);
  writeFileSync(join(dir, 'two.ndjson.gz'), gzipSync(`${bundle('d')}\n${bundle('e')}\n`));
  writeFileSync(join(dir, 'one.json'), JSON.stringify(JSON.parse(bundle('f')), null, 2));
  writeFileSync(join(dir, 'rows.csv'), 'id,note\n1,x\n');
  writeFileSync(join(dir, 'Observation.ndjson'), '{"resourceType":"Observation","id":"o1"}\n');
  mkdirSync(join(dir, 'bulk'));
  writeFileSync(join(dir, 'bulk', 'Patient.000.ndjson'), '{"resourceType":"Patient","id":"p1"}\n{"resourceType":"Patient","id":"p2"}\n');
  writeFileSync(join(dir, 'bulk', 'Patient.001.ndjson'), '{"resourceType":"Patient","id":"p3"}\n');
  writeFileSync(join(dir, 'bulk', 'Condition.000.ndjson'), '{"resourceType":"Condition","id":"c1"}\n');
});
afterAll(() => remove());

describe('estimateRecordCount', () => {
  it('counts Bundles per line, gzipped or not, a Bundle document as one, and Patient lines of a Bulk folder', async () => {
    const inputs = ['three.ndjson', 'two.ndjson.gz', 'one.json', 'bulk', 'long.ndjson'].map((f) => join(dir, f));
    expect(await estimateRecordCount(inputs, opts)).toBe(3 + 2 + 1 + 3 + 2);
  });

  it('gives up (undefined) where there is no cheap count', async () => {
    expect(await estimateRecordCount([join(dir, 'rows.csv')], opts)).toBeUndefined();
    expect(await estimateRecordCount([join(dir, 'Observation.ndjson')], opts)).toBeUndefined();
    expect(await estimateRecordCount(['-'], opts)).toBeUndefined();
    expect(await estimateRecordCount([join(dir, 'missing.ndjson')], opts)).toBeUndefined();
    expect(await estimateRecordCount([join(dir, 'three.ndjson')], { unit: 'encounter', format: 'auto' })).toBeUndefined();
  });

  it('counts a line over the 64 MiB line cap as one record without holding it (newlines counted on raw bytes)', async () => {
    // 80 MiB without a newline between two short Bundles: analyze reads it as a LINE_TOO_LONG dead
    // letter, which counts as read, so it counts here; readline would have held it as one string
    const file = join(dir, 'huge-line.ndjson');
    const fd = openSync(file, 'w');
    const mib = Buffer.alloc(1024 * 1024, 0x41);
    writeSync(fd, `${bundle('h1')}\n{"resourceType":"Bundle","type":"collection","entry":[],"pad":"`);
    for (let i = 0; i < 80; i++) writeSync(fd, mib);
    writeSync(fd, `"}\n${bundle('h2')}\n`);
    closeSync(fd);
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 1);
    try {
      expect(await estimateRecordCount([file], opts)).toBe(3);
    } finally {
      clearInterval(sample);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    expect(peak - base).toBeLessThan(32 * 1024 * 1024);
  });
});
