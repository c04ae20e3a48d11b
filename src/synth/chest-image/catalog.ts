/**
 * @file The chest-image patterns the generator can draw, and one line describing each.
 *
 * Why apart: conditions (presentation.ts), samples, the report and the model card need the names
 * and the descriptions without loading the renderer.
 */
export const IMAGE_PATTERNS = [
  'normal',
  'consolidation',
  'interstitial',
  'edema',
  'pneumothorax',
  'cavitation',
  'mass',
  'hilar_adenopathy',
  'hyperinflation',
  'bronchiectasis',
  'effusion',
  'cardiomegaly',
] as const;

export type ImagePattern = (typeof IMAGE_PATTERNS)[number];

/** One line per pattern, for the HTML report and the model card. */
export const IMAGE_PATTERN_DESCRIPTIONS: Readonly<Record<ImagePattern, string>> = {
  normal: 'Clear lungs, normal heart size, sharp costophrenic angles.',
  consolidation: 'Lobar opacity in one lower or middle zone, sometimes with air bronchograms (pneumonia).',
  interstitial: 'Diffuse reticular haze in both lungs (bronchiolitis, viral pneumonitis).',
  edema: 'Bilateral perihilar "bat-wing" haze with cardiomegaly, sometimes blunted angles (acute pulmonary edema).',
  pneumothorax: 'One side: a visible pleural line with no lung markings lateral to it (pneumothorax).',
  cavitation: 'Upper-zone nodular opacities with a thick-walled lucent cavity (tuberculosis).',
  mass: 'A single round opacity 10-25% of the image width (pulmonary neoplasm).',
  hilar_adenopathy: 'Bilateral lumpy enlarged hila (sarcoidosis).',
  hyperinflation: 'Large dark lungs, flattened low diaphragms and a narrow heart (COPD, asthma).',
  bronchiectasis: 'Ring shadows and tram-track lines in the lower zones (bronchiectasis).',
  effusion: 'Dense fluid with a meniscus at one costophrenic angle (pleural effusion).',
  cardiomegaly: 'Heart wider than half the thoracic width (heart failure, myocarditis, pericarditis).',
};
