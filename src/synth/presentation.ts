/**
 * @file How each condition presents beyond its findings: which chest-image and audio patterns it
 * produces, how often, and at what ages.
 *
 * Why a table: DDXPlus gives symptoms and antecedents but says nothing about radiographs, lung
 * sounds or age. These entries are textbook associations (lobar consolidation in pneumonia, a
 * barking cough in croup, an irregularly irregular rhythm in atrial fibrillation…), written down
 * once here so the generator, the model card and the tests all read the same assumptions.
 * Keys are ICD-10 codes as they appear on the graph's condition entities.
 */
import type { AudioPattern } from './audio.js';
import type { ImagePattern } from './chest-image.js';

export interface ModalityProfile<P extends string> {
  pattern: P;
  /** Probability that a record of this condition carries this modality at all. */
  attach: number;
  /** Probability that an attached recording actually shows the pattern (else it looks normal). */
  visible: number;
}

export interface Presentation {
  image?: ModalityProfile<ImagePattern>;
  audio?: ModalityProfile<AudioPattern>;
  /** Age range in years, inclusive; adults 18–85 when absent. */
  ages?: [number, number];
  /** Probability the patient is female; 0.5 when absent. */
  female?: number;
}

const img = (pattern: ImagePattern, attach = 0.85, visible = 0.85): ModalityProfile<ImagePattern> => ({
  pattern,
  attach,
  visible,
});
const aud = (pattern: AudioPattern, attach = 0.8, visible = 0.85): ModalityProfile<AudioPattern> => ({
  pattern,
  attach,
  visible,
});

/** Condition ICD-10 code -> presentation. Conditions not listed have no specific pattern. */
export const PRESENTATIONS: Readonly<Record<string, Presentation>> = {
  // Respiratory
  J93: { image: img('pneumothorax'), ages: [16, 45], female: 0.25 },
  J17: { image: img('consolidation'), audio: aud('crackles') },
  'J81.0': { image: img('edema'), audio: aud('crackles'), ages: [45, 90] },
  A15: { image: img('cavitation'), audio: aud('wet_cough', 0.6) },
  C34: { image: img('mass'), audio: aud('dry_cough', 0.4), ages: [45, 90] },
  D86: { image: img('hilar_adenopathy'), audio: aud('dry_cough', 0.4), ages: [20, 60] },
  'J44.1': { image: img('hyperinflation', 0.7), audio: aud('wheeze'), ages: [45, 90] },
  J45: { image: img('hyperinflation', 0.4, 0.6), audio: aud('wheeze'), ages: [5, 60] },
  J47: { image: img('bronchiectasis'), audio: aud('crackles', 0.7) },
  J21: { image: img('interstitial', 0.6), audio: aud('wheeze'), ages: [0, 2] },
  'J05.0': { audio: aud('barking_cough'), ages: [1, 6] },
  'J05.1': { audio: aud('stridor'), ages: [2, 50] },
  'J38.5': { audio: aud('stridor', 0.6) },
  A37: { audio: aud('whoop_cough'), ages: [1, 60] },
  J40: { image: img('normal', 0.4, 1), audio: aud('wet_cough', 0.7) },
  'J11.1': { image: img('interstitial', 0.3, 0.6), audio: aud('dry_cough', 0.6) },
  'J06.9': { audio: aud('dry_cough', 0.4, 0.7) },
  'J04.0': { audio: aud('dry_cough', 0.4, 0.7) },
  I26: { image: img('effusion', 0.6, 0.3) },
  // Cardiac
  'I48.91': { audio: aud('irregular_rhythm'), ages: [50, 90] },
  'I47.1': { audio: aud('tachycardia_regular'), ages: [15, 60] },
  I30: { image: img('cardiomegaly', 0.6, 0.5), audio: aud('pericardial_rub') },
  'I51.4': { image: img('cardiomegaly', 0.6, 0.7), audio: aud('murmur', 0.5, 0.7), ages: [15, 60] },
  I21: { image: img('edema', 0.5, 0.3), audio: aud('normal_heart', 0.4, 1), ages: [40, 90] },
  'I20.0': { audio: aud('normal_heart', 0.3, 1), ages: [40, 90] },
  'I20.9': { audio: aud('normal_heart', 0.3, 1), ages: [40, 90] },
  B57: { image: img('cardiomegaly', 0.5, 0.6) },
  // Age and sex only
  'H66.90': { ages: [1, 12] },
  M32: { female: 0.9, ages: [18, 60] },
  'G44.009': { female: 0.2, ages: [20, 55] },
  C25: { ages: [50, 90] },
  K40: { female: 0.15 },
  F41: { ages: [16, 55], female: 0.65 },
};

/** Chronic conditions can leave their own trace on a radiograph. SNOMED code -> pattern. */
export const CHRONIC_IMAGE_PATTERNS: Readonly<Record<string, ImagePattern>> = {
  '88805009': 'cardiomegaly', // chronic congestive heart failure
};

/** Probability that a record with no condition-specific pattern still carries a normal study. */
export const INCIDENTAL_IMAGE_RATE = 0.3;
export const INCIDENTAL_AUDIO_RATE = 0.3;
