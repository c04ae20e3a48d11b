/**
 * The model reads one image and one recording per record: the newest chest radiograph and the
 * newest recording (src/model/media-choice.ts). A record that carries more gets a warning naming
 * each one not used and why; a long recording is read as several windows whose embeddings are
 * pooled, and a warning says how much of it was read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newestFirst, notChestRadiograph } from '../../src/model/media-choice.js';
import { ClinicalModel } from '../../src/model/runtime.js';
import type { MediaAttachment } from '../../src/records/types.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { encodeWav16 } from '../../src/synth/wav.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { CORPUS, CORPUS_NOTE, HAS_CORPUS } from '../io/corpus.js';

const files = join(REPO_ROOT, 'samples', 'records_files');
const png = '25517934-6574-4dcb-8e89-4aa122e93f0e-chest.png';
const png2 = '2bb15ec6-a8a0-45f7-ac6a-6c787836af61-chest.png';
const wav = '25517934-6574-4dcb-8e89-4aa122e93f0e-audio.wav';

function media(id: string, contentType: string, data: Buffer, more: Record<string, unknown> = {}) {
  return {
    resourceType: 'Media',
    id,
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    ...more,
    content: { contentType, data: data.toString('base64') },
  };
}
const file = (name: string): Buffer => readFileSync(join(files, name));

function analyzeOne(resources: object[]): { status: number | null; line: PredictionLine | undefined; stderr: string } {
  const entries = [{ resourceType: 'Patient', id: 'p1' }, ...resources].map((resource) => ({ resource }));
  const input = `${JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries })}\n`;
  const r = cli(['analyze', '-', '--no-timing', '--model', MODEL_DIR], { input });
  return { status: r.status, line: (jsonLines(r.stdout) as unknown as PredictionLine[])[0], stderr: r.stderr };
}

/** A tone of `seconds` at 16 kHz whose pitch changes every 2 s, so each window differs. */
function toneWav(seconds: number): Buffer {
  const rate = 16000;
  const samples = Float32Array.from(
    { length: seconds * rate },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * (200 + 100 * Math.floor(i / (2 * rate))) * i) / rate),
  );
  return encodeWav16(samples, rate);
}

describe('which image the chest encoder may read', () => {
  it('takes chest sites (SNOMED or text) and radiographs; unknown says nothing against', () => {
    expect(notChestRadiograph(undefined, undefined)).toBeUndefined();
    expect(notChestRadiograph('51185008', 'DX')).toBeUndefined();
    expect(notChestRadiograph('39607008', 'cr')).toBeUndefined();
    expect(notChestRadiograph('Chest PA', undefined)).toBeUndefined();
    expect(notChestRadiograph('CHEST', 'OT')).toBeUndefined();
    expect(notChestRadiograph('85151006', undefined)).toBe('its body site 85151006 is not the chest');
    expect(notChestRadiograph('HAND', 'DX')).toBe('its body site HAND is not the chest');
    expect(notChestRadiograph('51185008', 'CT')).toMatch(/^its modality is CT, not a projection radiograph/);
    expect(notChestRadiograph(undefined, 'US')).toMatch(/^its modality is US/);
  });

  it('orders media newest first, undated last, ties in record order', () => {
    const m = (resource: string, time?: string): MediaAttachment => ({
      modality: 'image',
      contentType: 'image/png',
      resource,
      ...(time ? { time } : {}),
    });
    const order = newestFirst([m('a'), m('b', '2020-01-01'), m('c'), m('d', '2024-01-01'), m('e', '2020-01-01')]).map((x) => x.resource);
    expect(order).toEqual(['d', 'b', 'e', 'a', 'c']);
  });
});

describe.skipIf(!HAS_MODEL)(`media as they come${MODEL_NOTE}`, () => {
  it('reads the first of each when undated and names the others in warnings', () => {
    const { status, line } = analyzeOne([
      media('i1', 'image/png', file(png)),
      media('a1', 'audio/wav', file(wav)),
      media('i2', 'image/png', file(png2)),
      media('a2', 'audio/wav', file(wav)),
    ]);
    expect(status).toBe(0);
    expect(line?.inputs.image).toBe('Media/i1');
    expect(line?.inputs.audio).toBe('Media/a1');
    expect([...(line?.warnings ?? [])].sort()).toEqual([
      'Media/a2: audio not used: the model reads one audio per record, the newest recording (Media/a1)',
      'Media/i2: image not used: the model reads one image per record, the newest chest image (Media/i1)',
    ]);
  });

  it('reads the newest chest image, whatever the record order', () => {
    const { line } = analyzeOne([
      media('old', 'image/png', file(png), { createdDateTime: '2020-01-01T10:00:00Z' }),
      media('new', 'image/png', file(png2), { createdDateTime: '2024-06-01T10:00:00Z' }),
    ]);
    expect(line?.inputs.image).toBe('Media/new');
    expect(line?.warnings).toEqual(['Media/old: image not used: the model reads one image per record, the newest chest image (Media/new)']);
  });

  it('never feeds a hand or a CT to the chest encoder, and says why', () => {
    const { line } = analyzeOne([
      media('hand', 'image/png', file(png), {
        createdDateTime: '2024-06-01T10:00:00Z',
        bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '85151006', display: 'Structure of left hand' }] },
      }),
      media('ct', 'image/png', file(png), {
        createdDateTime: '2024-05-01T10:00:00Z',
        modality: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] },
      }),
      media('chest', 'image/png', file(png2), {
        createdDateTime: '2020-01-01T10:00:00Z',
        bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '51185008', display: 'Thoracic structure' }] },
        modality: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'DX' }] },
      }),
    ]);
    expect(line?.inputs.image).toBe('Media/chest');
    expect(line?.warnings).toEqual([
      'Media/hand: image not used: its body site 85151006 is not the chest; the image encoder reads chest radiographs',
      'Media/ct: image not used: its modality is CT, not a projection radiograph (DX, CR, RG, OT); the image encoder reads chest radiographs',
    ]);
  });

  it.skipIf(!HAS_CORPUS)(`reads what a DICOM file says about itself${CORPUS_NOTE}`, () => {
    const { line } = analyzeOne([media('ct', 'application/dicom', readFileSync(join(CORPUS, 'images/dicom/CT_small.dcm')))]);
    expect(line?.inputs.image).toBeNull();
    expect(line?.warnings).toEqual([
      'Media/ct: image not used: the DICOM file says its modality is CT, not a projection radiograph (DX, CR, RG, OT); the image encoder reads chest radiographs',
      'NO_EVIDENCE: nothing to read (no note text, linked finding, coded fact, image or audio); no predictions',
    ]);
  });

  it('reads a long recording as pooled windows and says how much of it', () => {
    const { status, line } = analyzeOne([media('long', 'audio/wav', toneWav(20))]);
    expect(status).toBe(0);
    expect(line?.inputs.audio).toBe('Media/long');
    expect(line?.warnings).toEqual(['Media/long: audio read for its first 16 s of 20.0 s (8 windows of 2 s, pooled)']);
    // Six seconds are read whole, as three windows: no warning.
    expect(analyzeOne([media('six', 'audio/wav', toneWav(6))]).line?.warnings).toEqual([]);
  });
});

describe.skipIf(!HAS_MODEL)(`pooled audio embeddings${MODEL_NOTE}`, () => {
  let model: ClinicalModel;
  beforeAll(async () => {
    model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
  });

  it('a recording of several windows embeds as the mean of its windows, whatever its batch-mates', async () => {
    const window = model.manifest.audio.sampleRate * model.manifest.audio.seconds;
    const a = Float32Array.from({ length: window }, (_, i) => 0.3 * Math.sin(i / 7));
    const b = Float32Array.from({ length: window }, (_, i) => 0.2 * Math.sin(i / 3));
    const both = new Float32Array(2 * window);
    both.set(a);
    both.set(b, window);
    const single = await model.encodeMedia('audio', [a, b]);
    const pooled = await model.encodeMedia('audio', [undefined, both, a]);
    const dim = single.dims[1] as number;
    const s = single.data as Float32Array;
    const p = pooled.data as Float32Array;
    for (let d = 0; d < dim; d++) {
      expect(p[d]).toBe(0);
      expect(p[dim + d]).toBeCloseTo(((s[d] as number) + (s[dim + d] as number)) / 2, 5);
      expect(p[2 * dim + d]).toBeCloseTo(s[d] as number, 6);
    }
  });
});
