/**
 * @file A direct decoder for the WAV files nearly everyone writes: integer PCM (8, 16, 24 bit) and
 * IEEE float (32, 64 bit), plain or WAVE_FORMAT_EXTENSIBLE.
 *
 * Why not wavefile for these: its generic path converts every sample through several untyped
 * arrays and took three quarters of `analyze`'s time on generated records (bench/analyze.sh).
 * This reads the samples straight out of the data chunk. It reproduces wavefile's conversion
 * exactly (x / (2^(b-1) - 1) above zero, x / 2^(b-1) otherwise, rounded to float32), because the
 * model was trained on features computed that way: the two decoders give identical floats
 * (test/media/wav-pcm.test.ts). Anything else (A-law, mu-law, ADPCM, odd bit depths, and 32-bit
 * integers, which wavefile reads with a rounding of its own) returns undefined and
 * src/media/audio.ts falls back to wavefile.
 */
const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export interface PcmChannels {
  sampleRate: number;
  /** One Float32Array per channel, in [-1, 1] for integer formats. */
  channels: Float32Array[];
}

interface Chunk {
  offset: number;
  size: number;
}

function chunks(view: DataView): Map<string, Chunk> {
  const found = new Map<string, Chunk>();
  let offset = 12;
  while (offset + 8 <= view.byteLength) {
    const id = String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
    const size = view.getUint32(offset + 4, true);
    if (!found.has(id)) found.set(id, { offset: offset + 8, size });
    offset += 8 + size + (size % 2);
  }
  return found;
}

/** Decoded channels, or undefined when the file is not a plain PCM or float WAV. */
export function decodePcmWav(bytes: Uint8Array): PcmChannels | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = chunks(view);
  const fmt = found.get('fmt ');
  const data = found.get('data');
  if (!fmt || !data || fmt.size < 16 || fmt.offset + 16 > view.byteLength) return undefined;
  let format = view.getUint16(fmt.offset, true);
  const channelCount = view.getUint16(fmt.offset + 2, true);
  const sampleRate = view.getUint32(fmt.offset + 4, true);
  const bits = view.getUint16(fmt.offset + 14, true);
  if (format === EXTENSIBLE) {
    if (fmt.size < 40 || fmt.offset + 26 > view.byteLength) return undefined;
    format = view.getUint16(fmt.offset + 24, true); // first two bytes of the SubFormat GUID
  }
  const isInt = format === PCM && (bits === 8 || bits === 16 || bits === 24);
  const isFloat = format === IEEE_FLOAT && (bits === 32 || bits === 64);
  if ((!isInt && !isFloat) || channelCount < 1 || sampleRate < 1) return undefined;

  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channelCount;
  const available = Math.max(0, Math.min(data.size, view.byteLength - data.offset));
  const frames = Math.floor(available / frameBytes);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  const half = 2 ** (bits - 1);
  const positive = half - 1;
  for (let c = 0; c < channelCount; c++) {
    const out = channels[c] as Float32Array;
    let at = data.offset + c * bytesPerSample;
    for (let i = 0; i < frames; i++, at += frameBytes) {
      let x: number;
      if (isFloat) {
        out[i] = bits === 32 ? view.getFloat32(at, true) : view.getFloat64(at, true);
        continue;
      }
      if (bits === 16) x = view.getInt16(at, true);
      else if (bits === 8) x = view.getUint8(at) - 128;
      else x = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
      out[i] = x > 0 ? x / positive : x / half;
    }
  }
  return { sampleRate, channels };
}
