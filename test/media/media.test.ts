import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDicom } from '../../src/media/dicom.js';
import { MediaError } from '../../src/media/errors.js';
import { decodeImageGray, prepareImage, sniffImageFormat } from '../../src/media/image.js';
import { decodeWav, prepareAudio, prepareAudioWindows, resample, sniffAudioFormat, windowCount } from '../../src/media/audio.js';
import { renderChestImage } from '../../src/synth/chest-image.js';
import { renderAudio } from '../../src/synth/audio.js';
import { encodeWav16 } from '../../src/synth/wav.js';
import { Random } from '../../src/util/random.js';
import { projectRoot } from '../../src/util/version.js';

const corpus = resolve(projectRoot(), '../shared/corpus');
const haveCorpus = existsSync(corpus);
if (!haveCorpus) console.warn(`media tests: ${corpus} is absent; corpus cases skipped`);
const CORPUS_NOTE = haveCorpus ? '' : ` [SKIPPED: corpus not found at ${corpus}]`;

describe('images', () => {
  it('decodes a generated PNG to the requested size and normalises it', async () => {
    const png = renderChestImage('normal', Random.derive(1, 'img'), 128);
    expect(sniffImageFormat(png)).toBe('png');
    const { pixels, width } = await decodeImageGray(png, 64);
    expect(width).toBe(128);
    expect(pixels.length).toBe(64 * 64);
    const x = await prepareImage(png, { size: 64, mean: 0.5, std: 0.25 });
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    // (p/255 - 0.5)/0.25 stays within [-2, 2].
    expect(Math.max(...x)).toBeLessThanOrEqual(2);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-2);
    expect(Number.isFinite(mean)).toBe(true);
  });

  it('refuses bytes that are no image, naming what it accepts', async () => {
    await expect(decodeImageGray(new TextEncoder().encode('hello world, not an image'), 64)).rejects.toThrow(/not PNG, JPEG or DICOM/);
    const png = renderChestImage('normal', Random.derive(1, 'img'), 64);
    await expect(decodeImageGray(png.subarray(0, 60), 32)).rejects.toBeInstanceOf(MediaError);
  });

  it.skipIf(!haveCorpus)(`decodes the real chest X-rays (PNG and JPEG)${CORPUS_NOTE}`, async () => {
    for (const file of [
      'images/chest-xray/ARDSSevere.png',
      'images/chest-xray/pneumocystis-pneumonia-1.jpg',
      'images/chest-xray-nih-cxr14/00000001_000.png',
    ]) {
      const { pixels, format } = await decodeImageGray(readFileSync(join(corpus, file)), 64);
      expect(pixels.length, file).toBe(4096);
      expect(['png', 'jpeg']).toContain(format);
      const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
      expect(mean, file).toBeGreaterThan(20);
      expect(mean, file).toBeLessThan(235);
    }
  });

  it.skipIf(!haveCorpus)(`decodes uncompressed DICOM and names what it cannot decode${CORPUS_NOTE}`, () => {
    const dir = join(corpus, 'images/dicom');
    const ct = decodeDicom(readFileSync(join(dir, 'CT_small.dcm')));
    expect([ct.width, ct.height]).toEqual([128, 128]);
    expect(new Set(ct.pixels).size).toBeGreaterThan(50);
    expect(decodeDicom(readFileSync(join(dir, 'MR_small.dcm'))).width).toBe(64);
    expect(decodeDicom(readFileSync(join(dir, 'ExplVR_BigEnd.dcm'))).width).toBe(80);
    expect(decodeDicom(readFileSync(join(dir, 'image_dfl.dcm'))).width).toBe(512);
    expect(() => decodeDicom(readFileSync(join(dir, 'JPEG2000.dcm')))).toThrow(/JPEG 2000.*not supported/);
    expect(() => decodeDicom(readFileSync(join(dir, 'JPEG-lossy.dcm')))).toThrow(/not supported/);
    expect(() => decodeDicom(readFileSync(join(dir, 'test-SR.dcm')))).toThrow(/no image pixels \(it is a structured report\)/);
    expect(() => decodeDicom(readFileSync(join(dir, 'waveform_ecg.dcm')))).toThrow(/ECG waveform/);
  });
});

describe('audio', () => {
  it('decodes a generated WAV at the model rate and fixed length', () => {
    const wav = renderAudio('wheeze', Random.derive(2, 'aud'), 2, 16000);
    expect(sniffAudioFormat(wav)).toBe('wav');
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.samples.length).toBe(32000);
    const x = prepareAudio(wav, { sampleRate: 16000, seconds: 3 });
    expect(x.length).toBe(48000);
    expect(x.subarray(32000).every((v) => v === 0)).toBe(true);
    expect(x.subarray(0, 32000).some((v) => v !== 0)).toBe(true);
  });

  it('cuts a long recording into at most maxWindows windows, resampling only what they need', () => {
    expect(windowCount(0.3, 2, 8)).toBe(1);
    expect(windowCount(2.9, 2, 8)).toBe(1);
    expect(windowCount(3, 2, 8)).toBe(2);
    expect(windowCount(9, 2, 8)).toBe(5);
    expect(windowCount(600, 2, 8)).toBe(8);
    const wav = renderAudio('wheeze', Random.derive(3, 'aud'), 7, 16000);
    const cut = prepareAudioWindows(wav, { sampleRate: 16000, seconds: 2, maxWindows: 8 });
    expect(cut.windows).toBe(4);
    expect(cut.sourceSeconds).toBeCloseTo(7, 6);
    expect(cut.samples.length).toBe(4 * 32000);
    expect(cut.samples.subarray(0, 32000)).toEqual(prepareAudio(wav, { sampleRate: 16000, seconds: 2 }));
    expect(cut.samples.subarray(7 * 16000).every((v) => v === 0)).toBe(true);
    // A 1 Hz header on a long file costs what its windows need, not the whole file resampled.
    const slow = prepareAudioWindows(encodeWav16(new Float32Array(100_000).fill(0.1), 1), { sampleRate: 16000, seconds: 2 });
    expect(slow.windows).toBe(8);
    expect(slow.samples.length).toBe(8 * 32000);
  });

  it('resamples with the right length and keeps a slow sine', () => {
    const from = 2000;
    const sine = Float32Array.from({ length: from }, (_, i) => Math.sin((2 * Math.PI * 50 * i) / from));
    const up = resample(sine, from, 16000);
    expect(up.length).toBe(16000);
    expect(Math.abs((up[8 * 5] as number) - Math.sin((2 * Math.PI * 50 * 5) / from))).toBeLessThan(1e-3);
    const down = resample(up, 16000, 2000);
    expect(down.length).toBe(2000);
  });

  it('refuses other containers by name', () => {
    const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(40)]);
    expect(() => decodeWav(ogg)).toThrow(/audio format ogg is not supported \(WAV only\)/);
    expect(() => decodeWav(Buffer.from('garbage bytes here'))).toThrow(/not a WAV file/);
  });

  it.skipIf(!haveCorpus)(`decodes the real heart-sound (2 kHz) and cough (48 kHz) recordings${CORPUS_NOTE}`, () => {
    for (const file of ['audio/heart-sounds-physionet2016/normal.wav', 'audio/cough-coughvid/19b85386-f4cd-42ba-a5b0-f3f60c4420e9.wav']) {
      const x = prepareAudio(readFileSync(join(corpus, file)), { sampleRate: 16000, seconds: 2 });
      expect(x.length).toBe(32000);
      const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(peak, file).toBeGreaterThan(0.01);
      expect(peak, file).toBeLessThanOrEqual(1);
    }
  });
});
