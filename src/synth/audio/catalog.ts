/**
 * @file The audio patterns the generator can record, what each is a recording of (breathing or
 * the heart), and one line describing each.
 *
 * Why apart: conditions (presentation.ts), samples, the report and the model card need the names,
 * kinds and descriptions without loading the synthesiser.
 */
export const AUDIO_PATTERNS = [
  'normal_breath',
  'wheeze',
  'crackles',
  'stridor',
  'dry_cough',
  'wet_cough',
  'barking_cough',
  'whoop_cough',
  'normal_heart',
  'tachycardia_regular',
  'irregular_rhythm',
  'pericardial_rub',
  'murmur',
] as const;

export type AudioPattern = (typeof AUDIO_PATTERNS)[number];

/** What the recording is of: breathing and coughs, or the heart through a stethoscope. */
export const AUDIO_PATTERN_KINDS: Readonly<Record<AudioPattern, 'respiratory' | 'cardiac'>> = {
  normal_breath: 'respiratory',
  wheeze: 'respiratory',
  crackles: 'respiratory',
  stridor: 'respiratory',
  dry_cough: 'respiratory',
  wet_cough: 'respiratory',
  barking_cough: 'respiratory',
  whoop_cough: 'respiratory',
  normal_heart: 'cardiac',
  tachycardia_regular: 'cardiac',
  irregular_rhythm: 'cardiac',
  pericardial_rub: 'cardiac',
  murmur: 'cardiac',
};

/** One line per pattern, for the HTML report and the model card. */
export const AUDIO_PATTERN_DESCRIPTIONS: Readonly<Record<AudioPattern, string>> = {
  normal_breath: 'Vesicular breath sounds: soft 200-800 Hz noise, louder on inspiration, 3-4 s cycle.',
  wheeze: 'Sustained musical tones (300-900 Hz, with harmonics) during expiration (asthma, COPD, bronchospasm).',
  crackles: 'Short explosive clicks (5-20 ms) during inspiration (pneumonia, pulmonary edema, bronchiectasis).',
  stridor: 'Loud monophonic 500-1200 Hz tone on inspiration (croup, epiglottitis, laryngospasm).',
  dry_cough: 'Sharp 250-400 ms cough bursts, broadband with high-frequency emphasis.',
  wet_cough: 'Cough bursts with low-frequency rumble and gurgling (productive cough).',
  barking_cough: "Low-pitched 'seal bark' cough with a strong 300-600 Hz resonance (croup).",
  whoop_cough: 'A paroxysm of 5-8 rapid coughs, then a high-pitched 1-1.5 kHz inspiratory whoop (pertussis).',
  normal_heart: 'Regular S1-S2 heart sounds at 60-90 beats per minute.',
  tachycardia_regular: 'Regular heart sounds at 150-220 beats per minute (paroxysmal supraventricular tachycardia).',
  irregular_rhythm: 'Irregularly irregular beats at 90-150 per minute with varying S1 (atrial fibrillation).',
  pericardial_rub: 'Scratchy high-pitched three-component rub with each beat (pericarditis).',
  murmur: 'Heart sounds with a systolic noise between S1 and S2.',
};
