/**
 * @file The budget flags (issue 11, item 2: "each limit is a documented flag with a default";
 * src/cli/budget-flags.ts) through the CLI: with the defaults, four records read their HTML note,
 * PNG, deflated DICOM and two Binaries; with small values of `--max-html-mb`, `--max-megapixels`,
 * `--max-inflate-mb` and `--max-record-mb`, each loses exactly the attachment its flag bounds, with
 * a warning naming the flag, and the records are still written. `explain` takes the same flags.
 * A bad value is a usage error (exit 2) quoting it and giving the bounds. Inputs are generated.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { dicom } from '../support/dicom.js';

let tmp = '';
let remove = () => {};
let input = '';
const MB = 1024 * 1024;

interface Line {
  id: string;
  inputs: { image: string | null; notes: number };
  warnings: string[];
}
const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
/** Warnings that name a budget flag, by record. */
const budgetWarnings = (stdout: string) =>
  Object.fromEntries(lines(stdout).map((l) => [l.id, l.warnings.filter((w) => /--max-[a-z]+-?[a-z]*\)/.test(w))]));

function bundle(id: string, resources: object[]): string {
  const subject = { reference: `Patient/${id}` };
  const entry = [
    { resourceType: 'Patient', id, gender: 'female', birthDate: '1960-01-01' },
    ...resources.map((r) => ('data' in r ? r : { ...r, subject })),
  ].map((resource) => ({ resource }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
}
const media = (id: string, content: object) => ({ resourceType: 'Media', id, status: 'completed', content });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

beforeAll(async () => {
  ({ dir: tmp, remove } = tempFolder('cb-cli-budgets-'));
  // 1.1 MiB of HTML: over --max-html-mb 1, under the default 2
  const html = `<html><body><p>Patient reports wheezing and cough.</p>${'<p>stable</p>'.repeat(Math.ceil((1.1 * MB) / 13))}</body></html>`;
  // 1100 × 1000 pixels: over --max-megapixels 1 (1 Mi pixels), under the default 64; a few KB as PNG
  const png = await sharp({ create: { width: 1100, height: 1000, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .png()
    .toBuffer();
  // a data set that inflates to 1.1 MB: over --max-inflate-mb 1, under the default 256
  const deflated = dicom(1100, 1000, true);
  // two Binaries of 1.2 MB: both under the default record budget (64), not both under --max-record-mb 2
  const big = Buffer.alloc(Math.round(1.2 * MB), 0x41);
  const records = [
    bundle('html', [
      {
        resourceType: 'DocumentReference',
        id: 'd1',
        status: 'current',
        content: [{ attachment: { contentType: 'text/html', data: b64(Buffer.from(html)) } }],
      },
    ]),
    bundle('png', [media('m1', { contentType: 'image/png', data: b64(png) })]),
    bundle('dicom', [media('m1', { contentType: 'application/dicom', data: b64(deflated) })]),
    bundle('binaries', [
      { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: b64(big) },
      { resourceType: 'Binary', id: 'b2', contentType: 'text/plain', data: b64(big) },
      {
        resourceType: 'DocumentReference',
        id: 'd1',
        status: 'current',
        content: [
          { attachment: { contentType: 'text/plain', url: 'Binary/b1' } },
          { attachment: { contentType: 'text/plain', url: 'Binary/b2' } },
        ],
      },
    ]),
  ];
  input = join(tmp, 'budgets.ndjson');
  writeFileSync(input, `${records.join('\n')}\n`);
});
afterAll(() => remove());

const SMALL = ['--max-html-mb', '1', '--max-megapixels', '1', '--max-inflate-mb', '1', '--max-record-mb', '2'];

describe.skipIf(!HAS_MODEL)(`analyze budget flags${MODEL_NOTE}`, () => {
  it('with the defaults, every attachment is read and no budget is met', () => {
    const r = cli(['analyze', input, '--no-timing', '--model', MODEL_DIR]);
    expect(r.status, r.stderr).toBe(0);
    expect(budgetWarnings(r.stdout)).toEqual({ html: [], png: [], dicom: [], binaries: [] });
    const byId = Object.fromEntries(lines(r.stdout).map((l) => [l.id, l.inputs]));
    expect(byId.png?.image).toBe('Media/m1');
    expect(byId.dicom?.image).toBe('Media/m1');
    expect(byId.html?.notes).toBe(1);
  });

  it('with small values, each record loses what its flag bounds, with a warning naming the flag, and is written', () => {
    const r = cli(['analyze', input, '--no-timing', '--model', MODEL_DIR, ...SMALL]);
    expect(r.status, r.stderr).toBe(0);
    expect(budgetWarnings(r.stdout)).toEqual({
      html: [
        expect.stringMatching(
          /^DocumentReference\/d1 content\[0\]: text\/html note of \d+ bytes is over the 1048576-byte HTML note limit \(--max-html-mb\); attachment ignored$/,
        ),
      ],
      png: ['Media/m1: image ignored: PNG image of 1100 × 1000 pixels is over the 1048576-pixel budget (--max-megapixels); not decoded'],
      dicom: ['Media/m1: image ignored: deflated DICOM data set inflates past the 1048576-byte budget (--max-inflate-mb); not decoded'],
      binaries: [
        "DocumentReference/d1 content[1]: Binary/b2 (1.2 MB) would take the record's decoded attachments past the 2.0 MB budget (--max-record-mb); ignored",
      ],
    });
    const byId = Object.fromEntries(lines(r.stdout).map((l) => [l.id, l.inputs]));
    expect(byId.png?.image).toBeNull();
    expect(byId.dicom?.image).toBeNull();
  });

  it('a bad value is a usage error (exit 2) quoting it and giving the bounds', () => {
    for (const [flag, value, bounds] of [
      ['--max-html-mb', 'two', 'between 0 and 10000'],
      ['--max-record-mb', '-1', 'between 0 and 65536'],
      ['--max-megapixels', '0', 'between 1 and 1024'],
      ['--max-inflate-mb', '5000', 'between 1 and 4096'],
    ] as const) {
      const r = cli(['analyze', input, flag, value]);
      expect(r.status, `${flag} ${value}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${flag} must be an integer ${bounds}, got ${JSON.stringify(value)}`);
    }
  });
});

describe.skipIf(!HAS_MODEL)(`explain budget flags${MODEL_NOTE}`, () => {
  it('reads the record with the same budgets as analyze', () => {
    const r = cli(['explain', input, '--record', 'png', '--level', 'fast', '--model', MODEL_DIR, '--max-megapixels', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'png: Media/m1: image ignored: PNG image of 1100 × 1000 pixels is over the 1048576-pixel budget (--max-megapixels)',
    );
  });

  it('refuses a bad value before loading the model', () => {
    const r = cli(['explain', input, '--record', 'png', '--max-record-mb', '1e3']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('--max-record-mb must be an integer between 0 and 65536, got "1e3"');
  });
});
