import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { encodeWav16 } from '../../src/synth/wav.js';
import { ClinicalBertError } from '../../src/util/errors.js';

const { WaveFile } = wavefile;

describe('encodeWav16', () => {
  it('writes a 16-bit PCM mono file that wavefile reads back', () => {
    const samples = new Float32Array([0, 0.5, -0.5, 1, -1, 0.25]);
    const buf = encodeWav16(samples, 16000);
    expect(buf.length).toBe(44 + 2 * samples.length);
    const wav = new WaveFile(buf);
    const fmt = wav.fmt as {
      audioFormat: number;
      sampleRate: number;
      bitsPerSample: number;
      numChannels: number;
      byteRate: number;
      blockAlign: number;
    };
    expect(fmt).toMatchObject({ audioFormat: 1, sampleRate: 16000, bitsPerSample: 16, numChannels: 1, byteRate: 32000, blockAlign: 2 });
    expect(Array.from(wav.getSamples(false, Float64Array))).toEqual([0, 16384, -16384, 32767, -32768, 8192]);
  });

  it('writes the RIFF sizes by hand, little-endian', () => {
    const buf = encodeWav16(new Float32Array(10), 8000);
    expect(buf.toString('latin1', 0, 4)).toBe('RIFF');
    expect(buf.readUInt32LE(4)).toBe(36 + 20);
    expect(buf.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(buf.toString('latin1', 36, 40)).toBe('data');
    expect(buf.readUInt32LE(40)).toBe(20);
  });

  it('clips samples outside [-1, 1] instead of wrapping them', () => {
    const buf = encodeWav16(new Float32Array([2, -3, Infinity, -Infinity]), 16000);
    expect([buf.readInt16LE(44), buf.readInt16LE(46), buf.readInt16LE(48), buf.readInt16LE(50)]).toEqual([32767, -32768, 32767, -32768]);
  });

  it('is deterministic: the same samples give the same bytes', () => {
    const samples = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.8);
    expect(encodeWav16(samples, 16000).equals(encodeWav16(samples.slice(), 16000))).toBe(true);
  });

  it('refuses NaN samples and impossible sample rates, naming the problem', () => {
    expect(() => encodeWav16(new Float32Array([0, NaN]), 16000)).toThrow(/sample 1 is NaN/);
    expect(() => encodeWav16(new Float32Array(4), 0)).toThrow(ClinicalBertError);
    expect(() => encodeWav16(new Float32Array(4), 44100.5)).toThrow(/"44100.5"/);
  });
});
