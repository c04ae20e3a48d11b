/**
 * @file A minimal WAV writer: 16-bit PCM, mono, for the generator's audio recordings.
 *
 * Why by hand: the header is 44 bytes and every one of them is fixed by the sample count and
 * rate, so the same samples always give the same file (the generator's "same seed, same bytes"
 * promise) and nothing optional (LIST/INFO chunks, timestamps) sneaks in.
 */
import { ClinicalBertError, quote } from '../util/errors.js';

const HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;

/** A RIFF chunk size is 32 bits; keep well inside it. */
const MAX_SAMPLES = Math.floor((0xffffffff - HEADER_BYTES) / BYTES_PER_SAMPLE);

/**
 * Encode samples in [-1, 1] as a 16-bit PCM mono WAV file. Values outside the range are clipped
 * (as a recorder's converter would); NaN is a bug upstream and throws, naming the sample index.
 */
export function encodeWav16(samples: Float32Array, sampleRate: number): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 384_000) {
    throw new ClinicalBertError(`WAV sample rate must be an integer between 1 and 384000 Hz, got ${quote(sampleRate)}`, {
      code: 'SYNTH_BAD_AUDIO',
    });
  }
  if (samples.length > MAX_SAMPLES) {
    throw new ClinicalBertError(`WAV holds at most ${MAX_SAMPLES} samples, got ${samples.length}`, { code: 'SYNTH_BAD_AUDIO' });
  }
  const dataBytes = samples.length * BYTES_PER_SAMPLE;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28); // byte rate
  out.writeUInt16LE(BYTES_PER_SAMPLE, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  // DataView with an explicit little-endian flag: the file's byte order must not follow the host's.
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    if (Number.isNaN(s)) {
      throw new ClinicalBertError(`audio sample ${i} is NaN`, { code: 'SYNTH_BAD_AUDIO' });
    }
    const clipped = Math.min(1, Math.max(-1, s));
    // Asymmetric scale so that -1 maps to -32768 and +1 to 32767, both exactly representable.
    view.setInt16(HEADER_BYTES + i * BYTES_PER_SAMPLE, Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767), true);
  }
  return out;
}
