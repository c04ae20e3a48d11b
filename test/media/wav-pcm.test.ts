import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { decodePcmWav } from '../../src/media/wav-pcm.js';
import { REPO_ROOT } from '../support/cli.js';

/** What wavefile gives for the same bytes: the decoder the model's training features used. */
function viaWavefile(bytes: Uint8Array): { sampleRate: number; channels: Float32Array[] } {
  const wav = new wavefile.WaveFile(bytes);
  wav.toBitDepth('32f');
  const samples = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
  return { sampleRate: (wav.fmt as { sampleRate: number }).sampleRate, channels: Array.isArray(samples) ? samples : [samples] };
}

function makeWav(bitDepth: string, channels: number, values: (i: number, c: number) => number, length = 257): Uint8Array {
  const wav = new wavefile.WaveFile();
  const data = Array.from({ length: channels }, (_, c) => Array.from({ length }, (_, i) => values(i, c)));
  wav.fromScratch(channels, 11025, bitDepth, channels === 1 ? (data[0] as number[]) : data);
  return wav.toBuffer();
}

const ramp = (max: number, min: number) => (i: number, c: number) => {
  // Every edge value, zero, and a spread in between.
  const edges = [max, min, 0, 1, -1, max - 1, min + 1];
  if (i < edges.length) return edges[i] as number;
  return Math.round(min + ((max - min) * ((i * 37 + c * 11) % 257)) / 256);
};

describe('decodePcmWav', () => {
  const cases: [string, number, number][] = [
    ['8', 255, 0],
    ['16', 32767, -32768],
    ['24', 8388607, -8388608],
  ];
  for (const [depth, max, min] of cases) {
    for (const channels of [1, 2]) {
      it(`gives wavefile's exact floats for ${depth}-bit integer PCM, ${channels} channel(s)`, () => {
        const bytes = makeWav(depth, channels, depth === '8' ? (i) => (i * 13) % 256 : ramp(max, min));
        const fast = decodePcmWav(bytes);
        expect(fast).toBeDefined();
        expect(fast).toEqual(viaWavefile(bytes));
      });
    }
  }

  it("gives wavefile's exact floats for 32- and 64-bit float", () => {
    for (const depth of ['32f', '64']) {
      const bytes = makeWav(depth, 2, (i, c) => Math.sin(i / 7 + c) * 0.9);
      expect(decodePcmWav(bytes)).toEqual(viaWavefile(bytes));
    }
  });

  it('leaves A-law, mu-law, ADPCM and 32-bit integers to wavefile (undefined)', () => {
    expect(decodePcmWav(makeWav('32', 1, ramp(2147483647, -2147483648)))).toBeUndefined();
    const wav = new wavefile.WaveFile(makeWav('16', 1, ramp(32767, -32768), 1024));
    wav.toMuLaw();
    expect(decodePcmWav(wav.toBuffer())).toBeUndefined();
    const alaw = new wavefile.WaveFile(makeWav('16', 1, ramp(32767, -32768), 1024));
    alaw.toALaw();
    expect(decodePcmWav(alaw.toBuffer())).toBeUndefined();
    expect(decodePcmWav(new Uint8Array([0x52, 0x49, 0x46, 0x46]))).toBeUndefined();
  });

  it('decodes the generated samples and the real recordings exactly as wavefile does', () => {
    const files = readdirSync(join(REPO_ROOT, 'samples/records_files'))
      .filter((f) => f.endsWith('.wav'))
      .map((f) => join(REPO_ROOT, 'samples/records_files', f));
    const corpus = join(REPO_ROOT, '../shared/corpus/audio');
    if (existsSync(corpus)) {
      for (const dir of readdirSync(corpus))
        for (const f of readdirSync(join(corpus, dir))) if (f.endsWith('.wav')) files.push(join(corpus, dir, f));
    }
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const fast = decodePcmWav(bytes);
      expect(fast, file).toBeDefined();
      expect(fast, file).toEqual(viaWavefile(bytes));
    }
  });
});
