/**
 * @file Synthetic auscultation and cough recordings for generated records, one sound per pattern.
 *
 * Why: the generator attaches a recording whose sound depends on the diagnosis (a wheeze for
 * asthma, a seal-bark cough for croup, an irregular heart for atrial fibrillation), so the audio
 * encoder has something real to learn and the audio saliency maps have something to point at.
 *
 * Each pattern is built from the acoustics it stands for: band-limited noise shaped by a breathing
 * cycle, tones with harmonics for wheeze, stridor and whoop, damped clicks for crackles, filtered
 * noise bursts for coughs, damped low-frequency transients for S1/S2, and filtered noise for
 * murmurs and rubs. Timing is laid out so that a 2-second clip always contains the phase that
 * carries the finding (expiration for a wheeze, inspiration for crackles and stridor).
 *
 * Levels are absolute, not normalised per clip: stridor is loud and a normal breath is quiet, as
 * through a stethoscope. A per-patient recording gain varies them; a clip that would clip is
 * scaled down as a whole.
 *
 * This module is the synthesiser's entry and its order of work; the parts live in audio/: the
 * pattern names (catalog), signal-processing helpers (dsp), the drawing calls into a recording
 * (track), the background noise (background) and one sound per pattern (sounds/).
 */
import { Random } from '../util/random.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import { addBackground } from './audio/background.js';
import { AUDIO_PATTERNS, type AudioPattern } from './audio/catalog.js';
import { maxAbs } from './audio/dsp.js';
import { SOUNDS } from './audio/sounds/index.js';
import type { Track } from './audio/track.js';
import { encodeWav16 } from './wav.js';

export { AUDIO_PATTERN_DESCRIPTIONS, AUDIO_PATTERN_KINDS, AUDIO_PATTERNS, type AudioPattern } from './audio/catalog.js';

const MIN_RATE = 4000;
const MAX_RATE = 96000;
const MAX_SECONDS = 60;

function assertPattern(pattern: string): asserts pattern is AudioPattern {
  if (!(AUDIO_PATTERNS as readonly string[]).includes(pattern)) {
    throw new ClinicalBertError(`unknown audio pattern ${quote(pattern)}; valid: ${AUDIO_PATTERNS.join(', ')}`, {
      code: 'SYNTH_UNKNOWN_PATTERN',
    });
  }
}

/**
 * Render one recording as samples in [-1, 1]. Advances `rng`; the same rng state gives the same
 * samples.
 */
export function renderAudioSamples(pattern: AudioPattern, rng: Random, seconds = 2, sampleRate = 16000): Float32Array {
  assertPattern(pattern);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw new ClinicalBertError(`audio length must be between 0 and ${MAX_SECONDS} seconds, got ${quote(seconds)}`, {
      code: 'SYNTH_BAD_AUDIO',
    });
  }
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    throw new ClinicalBertError(`audio sample rate must be an integer between ${MIN_RATE} and ${MAX_RATE} Hz, got ${quote(sampleRate)}`, {
      code: 'SYNTH_BAD_AUDIO',
    });
  }
  const track: Track = { rate: sampleRate, seconds, out: new Float32Array(Math.round(seconds * sampleRate)) };
  // Per-patient recording conditions first, so the finding's draws never shift them.
  const gain = rng.uniform(0.75, 1.25);
  const backgroundLevel = rng.uniform(0.0015, 0.004);
  const backgroundSeed = rng.nextUint32();
  SOUNDS[pattern](track, rng);
  addBackground(track, new Random(backgroundSeed), backgroundLevel);
  const { out } = track;
  const peak = maxAbs(out) * gain;
  // A recorder's gain would be turned down rather than let the clip clip.
  const scale = peak > 0.95 ? (gain * 0.95) / peak : gain;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** Render one recording as a 16-bit PCM mono WAV file. */
export function renderAudio(pattern: AudioPattern, rng: Random, seconds = 2, sampleRate = 16000): Buffer {
  return encodeWav16(renderAudioSamples(pattern, rng, seconds, sampleRate), sampleRate);
}
