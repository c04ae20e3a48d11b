/**
 * @file Which image and which recording of a record the model reads, and why it leaves the others.
 *
 * Why a rule of its own: a record can carry several images and recordings, of any body part, made
 * any way; the model has one chest-radiograph encoder and one audio encoder and reads one of each.
 * The rules, documented in README ("Media") and the model card:
 * - Newest first: media are tried in order of their date (Media.createdDateTime, the document's
 *   date…), newest first; undated ones after dated ones, in record order. The first that is
 *   eligible and decodes is read; every other one is named in a warning with the one read.
 * - Images must be chest radiographs: an image whose body site (Media.bodySite, or a DICOM file's
 *   Body Part Examined) names something other than the chest, or whose modality (Media.modality,
 *   or the DICOM Modality) is not a projection radiograph, is not fed to the chest encoder and a
 *   warning says why. An image that says neither is assumed to be a chest radiograph.
 * - Recordings of any body site are read (heart, lung and cough sounds all train the encoder).
 */
import type { MediaAttachment } from '../records/types.js';

/**
 * SNOMED CT body structures that are the chest or in it, as Media.bodySite codes them: thoracic
 * structure, entire thorax, chest wall, lung (either, both, entire), heart, entire heart, mediastinum,
 * pleura.
 */
export const CHEST_SITES: ReadonlySet<string> = new Set([
  '51185008',
  '302551006',
  '78904004',
  '39607008',
  '181216001',
  '3341006',
  '44029006',
  '80891009',
  '302509004',
  '72410000',
  '3120008',
]);

/** A body site written as text (or a DICOM Body Part Examined) that names the chest. */
const CHEST_TEXT = /\b(chest|thorax|thoracic|lungs?|pulmonary|heart|cardiac|cxr|mediastin\w*|pleura\w*)\b/i;

/**
 * DICOM modality codes of projection radiographs the chest encoder reads: DX (digital
 * radiography), CR (computed radiography), RG (radiographic imaging), and OT (other, which says
 * nothing). CT, MR, US, NM, PT, MG and the rest are not chest radiographs.
 */
export const RADIOGRAPH_MODALITIES: ReadonlySet<string> = new Set(['DX', 'CR', 'RG', 'OT']);

/** Why an image is not a chest radiograph, or undefined when nothing says it is not. */
export function notChestRadiograph(site: string | undefined, modality: string | undefined): string | undefined {
  if (modality !== undefined && !RADIOGRAPH_MODALITIES.has(modality.trim().toUpperCase())) {
    return `its modality is ${modality}, not a projection radiograph (${[...RADIOGRAPH_MODALITIES].join(', ')})`;
  }
  if (site === undefined || site.trim() === '') return undefined;
  const isChest = /^\d+$/.test(site.trim()) ? CHEST_SITES.has(site.trim()) : CHEST_TEXT.test(site);
  return isChest ? undefined : `its body site ${site} is not the chest`;
}

/** Media of one modality, newest first (undated last, ties and undated in record order). */
export function newestFirst(media: readonly MediaAttachment[]): MediaAttachment[] {
  return media
    .map((m, index) => ({ m, index }))
    .sort((a, b) => {
      const ta = a.m.time ?? '';
      const tb = b.m.time ?? '';
      if (ta !== tb) return ta < tb ? 1 : -1;
      return a.index - b.index;
    })
    .map(({ m }) => m);
}
