/**
 * @file Turns image attachment bytes (PNG, JPEG or DICOM) into the model's image input: one
 * grayscale channel, resized to the package's square size, normalised with its mean and std.
 *
 * The format is sniffed from the bytes, not trusted from the content type: a mislabelled
 * attachment is decoded when it is a real image, and refused with a clear reason when it is not.
 *
 * Budgets (issue 11): width × height is checked against a pixel budget from the header, before
 * any pixel is decoded (`--max-megapixels`, carried on the attachment as `limits`), and a deflated
 * DICOM is inflated with a cap (`--max-inflate-mb`); past either, a MediaError (IMAGE_TOO_LARGE,
 * DICOM_TOO_LARGE) that the featurizer turns into a warning on the record.
 */
import type { Sharp } from 'sharp';
import { type DicomBudget, decodeDicom, isDicom, MAX_IMAGE_PIXELS } from './dicom.js';
import { MediaError } from './errors.js';

export interface ImageInputSpec {
  size: number;
  mean: number;
  std: number;
}

export type ImageFormat = 'png' | 'jpeg' | 'dicom';

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (isDicom(bytes)) return 'dicom';
  return undefined;
}

/** Decoded and resized 8-bit grayscale pixels (row-major, size × size). */
export async function decodeImageGray(
  bytes: Uint8Array,
  size: number,
  budget: DicomBudget = {},
): Promise<{ pixels: Uint8Array; format: ImageFormat; width: number; height: number; dicom?: DicomSubject }> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new MediaError('image bytes are not PNG, JPEG or DICOM', { code: 'IMAGE_UNKNOWN_FORMAT' });
  const maxPixels = budget.maxPixels ?? MAX_IMAGE_PIXELS;
  try {
    // sharp (and libvips) load with the first image: most runs' records have none
    const { default: sharp } = await import('sharp');
    let source: Sharp;
    let width: number;
    let height: number;
    let dicom: DicomSubject | undefined;
    if (format === 'dicom') {
      const gray = decodeDicom(bytes, budget);
      ({ width, height } = gray);
      dicom = { ...(gray.modality ? { modality: gray.modality } : {}), ...(gray.bodyPart ? { bodyPart: gray.bodyPart } : {}) };
      source = sharp(Buffer.from(gray.pixels.buffer, gray.pixels.byteOffset, gray.pixels.byteLength), {
        raw: { width, height, channels: 1 },
      });
    } else {
      // the pixel budget is checked from the header (metadata decodes no pixel), and sharp holds to it
      const meta = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata();
      width = meta.width ?? 0;
      height = meta.height ?? 0;
      if (width * height > maxPixels) {
        throw new MediaError(
          `${format.toUpperCase()} image of ${width} × ${height} pixels is over the ${maxPixels}-pixel budget (--max-megapixels); not decoded`,
          {
            code: 'IMAGE_TOO_LARGE',
          },
        );
      }
      source = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels });
    }
    const pixels = await source.grayscale().resize(size, size, { fit: 'fill', kernel: 'linear' }).extractChannel(0).raw().toBuffer();
    return {
      pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
      format,
      width,
      height,
      ...(dicom ? { dicom } : {}),
    };
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError(`${format.toUpperCase()} image could not be decoded (${(cause as Error).message})`, {
      code: 'IMAGE_DECODE',
      cause,
    });
  }
}

/** What a DICOM file says about itself: how it was made and of which body part. */
export interface DicomSubject {
  modality?: string;
  bodyPart?: string;
}

/**
 * The model's image tensor data, (pixel / 255 - mean) / std (length size²), and a DICOM file's own
 * modality and body part. `budget`: the pixel and inflate caps (the defaults when absent).
 */
export async function readImage(
  bytes: Uint8Array,
  spec: ImageInputSpec,
  budget: DicomBudget = {},
): Promise<{ data: Float32Array; dicom?: DicomSubject }> {
  const { pixels, dicom } = await decodeImageGray(bytes, spec.size, budget);
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = ((pixels[i] as number) / 255 - spec.mean) / spec.std;
  return { data, ...(dicom ? { dicom } : {}) };
}

/** The model's image tensor data: (pixel / 255 - mean) / std, length size². */
export async function prepareImage(bytes: Uint8Array, spec: ImageInputSpec): Promise<Float32Array> {
  return (await readImage(bytes, spec)).data;
}
