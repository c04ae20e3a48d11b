/**
 * @file Attachment content types: which ones the model reads, and what the bytes really are.
 *
 * The model takes images (PNG, JPEG, DICOM) and WAV audio, and text notes (plain or HTML).
 * Declared types are often loose (`audio/x-wav`, `image/jpg`, a charset parameter) or wrong, so
 * they are normalized and checked against the bytes' magic numbers.
 */

export type Modality = 'image' | 'audio';

export interface ParsedContentType {
  /** Lower-case type/subtype without parameters, aliases normalized (`audio/x-wav` → `audio/wav`). */
  mime: string;
  /** As declared, for messages. */
  declared: string;
  charset?: string;
}

const ALIASES: Record<string, string> = {
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/dicom+binary': 'application/dicom',
};

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'application/dicom'] as const;
export const AUDIO_TYPES = ['audio/wav'] as const;
export const TEXT_TYPES = ['text/plain', 'text/html', 'application/xhtml+xml'] as const;

export function parseContentType(declared: string): ParsedContentType {
  const [type = '', ...params] = declared.split(';');
  const lower = type.trim().toLowerCase();
  const mime = ALIASES[lower] ?? lower;
  let charset: string | undefined;
  for (const param of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(param);
    if (m?.[1]) charset = m[1].toLowerCase();
  }
  return charset ? { mime, declared, charset } : { mime, declared };
}

export function modalityOf(mime: string): Modality | undefined {
  if ((IMAGE_TYPES as readonly string[]).includes(mime)) return 'image';
  if ((AUDIO_TYPES as readonly string[]).includes(mime)) return 'audio';
  return undefined;
}

export function isTextType(mime: string): boolean {
  return (TEXT_TYPES as readonly string[]).includes(mime);
}

/** What kind of thing an unsupported type is, for "audio/ogg not supported, audio ignored". */
export function kindNoun(mime: string): string {
  const top = mime.split('/')[0];
  if (top === 'audio' || top === 'image' || top === 'video') return top;
  if (top === 'text') return 'text';
  return 'attachment';
}

/** The media type the bytes' magic number says, among those the model reads (and a few others). */
export function sniffContentType(bytes: Uint8Array): string | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  const ascii = (start: number, text: string): boolean => [...text].every((ch, i) => b(start + i) === ch.charCodeAt(0));
  if (b(0) === 0x89 && ascii(1, 'PNG')) return 'image/png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  if (ascii(128, 'DICM')) return 'application/dicom';
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'audio/wav';
  if (ascii(0, 'GIF8')) return 'image/gif';
  if (ascii(0, '%PDF')) return 'application/pdf';
  if (ascii(0, 'OggS')) return 'audio/ogg';
  if (ascii(0, 'ID3') || (b(0) === 0xff && (b(1) & 0xe0) === 0xe0)) return 'audio/mpeg';
  // ISO base media (MP4): the major brand says audio-only files apart (M4A, M4B, M4P: audio/mp4).
  if (ascii(4, 'ftyp')) return ['M4A ', 'M4B ', 'M4P '].some((brand) => ascii(8, brand)) ? 'audio/mp4' : 'video/mp4';
  // Matroska / WebM: the EBML magic; the DocType says which.
  if (b(0) === 0x1a && b(1) === 0x45 && b(2) === 0xdf && b(3) === 0xa3) {
    const head = String.fromCharCode(...bytes.subarray(0, 64));
    return head.includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  return undefined;
}

/** Extension-based guess for CSV attachment files, whose type no column declares. */
export function contentTypeFromPath(path: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  switch (ext) {
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'dcm':
    case 'dicom':
      return 'application/dicom';
    case 'wav':
    case 'wave':
      return 'audio/wav';
    default:
      return undefined;
  }
}
