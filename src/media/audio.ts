/**
 * @file Turns WAV attachment bytes into the model's audio input: mono float samples at the
 * package's sample rate, cut into windows of its fixed length (a short recording zero-padded to
 * one window; a long one read for at most `maxWindows` windows, which the runtime pools).
 *
 * The log-mel front end is inside the audio ONNX graph, so this module only decodes, mixes down
 * and resamples. Other containers (OGG, MP3, FLAC…) are refused with a message naming the format.
 */
import type Wavefile from 'wavefile';
import { lazyRequire } from '../util/lazy-require.js';
import { MediaError } from './errors.js';
import { decodePcmWav, type PcmChannels } from './wav-pcm.js';

/** wavefile, loaded by the first WAV that the fast path (wav-pcm.ts) leaves to it. */
const wavefile = lazyRequire<typeof Wavefile>('wavefile');

export interface AudioInputSpec {
  sampleRate: number;
  /** Length of one window: what the audio encoder reads at a time. */
  seconds: number;
  /**
   * Most windows read from one recording (default AUDIO_MAX_WINDOWS): the runtime encodes each
   * and pools (averages) their embeddings. The training recipe uses 1: its recordings are one
   * window long.
   */
  maxWindows?: number;
}

/** Default `maxWindows`: 8 windows of the package's length (16 s with a 2 s window). */
export const AUDIO_MAX_WINDOWS = 8;

/** A recording cut into the windows the model reads. */
export interface AudioWindows {
  /** `windows` consecutive windows of `sampleRate × seconds` samples, end to end (the last zero-padded). */
  samples: Float32Array;
  windows: number;
  /** Length of the whole recording in seconds. */
  sourceSeconds: number;
}

export function sniffAudioFormat(bytes: Uint8Array): 'wav' | 'ogg' | 'mp3' | 'flac' | undefined {
  const head = Buffer.from(bytes.subarray(0, 12)).toString('latin1');
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE') return 'wav';
  if (head.startsWith('OggS')) return 'ogg';
  if (head.startsWith('fLaC')) return 'flac';
  if (head.startsWith('ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  return undefined;
}

export interface DecodedAudio {
  sampleRate: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

/**
 * Largest sample magnitude read (full scale is ±1). Past it nothing is audio: a float WAV of
 * garbage bytes holds NaN, infinities or values near 3e38, which make every score of the record
 * NaN (from about 1e18); 32768, int16 values stored as floats unscaled, still reads.
 */
export const MAX_WAV_AMPLITUDE = 1e6;

export function decodeWav(bytes: Uint8Array): DecodedAudio {
  const format = sniffAudioFormat(bytes);
  if (format !== 'wav') {
    throw new MediaError(format ? `audio format ${format} is not supported (WAV only)` : 'audio bytes are not a WAV file', {
      code: 'AUDIO_UNSUPPORTED',
    });
  }
  try {
    const { sampleRate, channels: list } = decodePcmWav(bytes) ?? decodeWithWavefile(bytes);
    if (!(sampleRate > 0)) throw new MediaError('WAV header has no valid sample rate', { code: 'AUDIO_DECODE' });
    const first = list[0];
    if (!first || first.length === 0) throw new MediaError('WAV file holds no samples', { code: 'AUDIO_EMPTY' });
    const mono = new Float32Array(first.length);
    for (const ch of list) for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] as number) + (ch[i] as number) / list.length;
    for (const v of mono) {
      // (NaN fails every comparison)
      if (!(Math.abs(v) <= MAX_WAV_AMPLITUDE)) {
        throw new MediaError(`WAV samples are not finite numbers within ±${MAX_WAV_AMPLITUDE} (full scale is ±1)`, {
          code: 'AUDIO_DECODE',
        });
      }
    }
    return { sampleRate, samples: mono };
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError(`WAV file could not be decoded (${(cause as Error).message})`, { code: 'AUDIO_DECODE', cause });
  }
}

/** The general (slow) path, for encodings decodePcmWav leaves out: A-law, mu-law, ADPCM, odd depths. */
function decodeWithWavefile(bytes: Uint8Array): PcmChannels {
  const wav = new (wavefile().WaveFile)(bytes);
  const sampleRate = Number((wav.fmt as { sampleRate: number }).sampleRate);
  wav.toBitDepth('32f');
  const channels = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
  return { sampleRate, channels: Array.isArray(channels) ? channels : [channels] };
}

/** Linear-interpolation resampling; enough for a model that sees log-mel bands below 8 kHz. */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  const length = Math.max(1, Math.round((samples.length * to) / from));
  const out = new Float32Array(length);
  const step = from / to;
  if (from > to) {
    // Average over each output sample's span so high frequencies do not fold back (a box filter).
    for (let i = 0; i < length; i++) {
      const start = Math.floor(i * step);
      const end = Math.min(samples.length, Math.max(start + 1, Math.floor((i + 1) * step)));
      let sum = 0;
      for (let k = start; k < end; k++) sum += samples[k] as number;
      out[i] = sum / (end - start);
    }
    return out;
  }
  for (let i = 0; i < length; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const frac = x - k;
    const a = samples[Math.min(k, samples.length - 1)] as number;
    const b = samples[Math.min(k + 1, samples.length - 1)] as number;
    out[i] = a + (b - a) * frac;
  }
  return out;
}

/**
 * How many windows of `seconds` a recording of `sourceSeconds` gives: one per full window, plus
 * the last partial one when it holds at least half a window, at least 1 and at most `maxWindows`.
 */
export function windowCount(sourceSeconds: number, seconds: number, maxWindows: number): number {
  return Math.max(1, Math.min(maxWindows, Math.floor(sourceSeconds / seconds + 0.5)));
}

/**
 * The model's audio input: mono at spec.sampleRate, the first `windowCount` windows of the
 * recording end to end (a short recording zero-padded to one window). Only the samples those
 * windows need are resampled, so the cost is bounded by `maxWindows`, not by the file's length.
 */
export function prepareAudioWindows(bytes: Uint8Array, spec: AudioInputSpec): AudioWindows {
  const decoded = decodeWav(bytes);
  const sourceSeconds = decoded.samples.length / decoded.sampleRate;
  const windows = windowCount(sourceSeconds, spec.seconds, spec.maxWindows ?? AUDIO_MAX_WINDOWS);
  const window = Math.round(spec.sampleRate * spec.seconds);
  const needed = Math.min(decoded.samples.length, Math.ceil(windows * spec.seconds * decoded.sampleRate) + 1);
  const samples = resample(decoded.samples.subarray(0, needed), decoded.sampleRate, spec.sampleRate);
  const out = new Float32Array(window * windows);
  out.set(samples.subarray(0, out.length));
  return { samples: out, windows, sourceSeconds };
}

/** The model's audio tensor data for one window: mono, at spec.sampleRate, exactly spec.seconds long. */
export function prepareAudio(bytes: Uint8Array, spec: AudioInputSpec): Float32Array {
  return prepareAudioWindows(bytes, { ...spec, maxWindows: 1 }).samples;
}
