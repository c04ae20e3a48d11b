/**
 * @file Where the pain (DDXPlus E_53) and the swelling (E_151) of each condition are.
 *
 * Why: DDXPlus asks "Do you have pain somewhere, related to your reason for consulting?" for 34 of
 * its 49 conditions and records the location in a separate multi-choice question (E_55) whose
 * per-condition values are not in the public release. A graph that says only "pain" gives notes
 * like "reports pain" and cannot tell a pneumothorax from an ear infection. So the build replaces
 * E_53 for each condition by the pain at that condition's textbook site ("chest pain" for a
 * pneumothorax, "ear pain" for otitis media), and the same for swelling. Where DDXPlus already has
 * an evidence for the sited symptom (sore throat, E_97) the pain maps onto it.
 *
 * Sited entities get ids like `finding:E_53.chest` and the DDXPlus code `E_53.chest`.
 */
import type { FindingSystem } from './evidences.js';

export interface SiteEntry {
  name: string;
  system: FindingSystem;
  synonyms: readonly string[];
  snomed?: readonly string[];
  /** Map onto this existing DDXPlus evidence instead of creating a sited entity. */
  evidence?: string;
}

export const PAIN_SITES = {
  chest: {
    name: 'chest pain',
    system: 'cardiovascular',
    synonyms: [
      'cp',
      'chest discomfort',
      'chest tightness',
      'thoracic pain',
      'pain in the chest',
      'retrosternal pain',
      'substernal chest pain',
    ],
  },
  head: { name: 'headache', system: 'neurological', synonyms: ['head pain', 'cephalgia', 'cephalalgia'], snomed: ['25064002'] },
  throat: { name: 'sore throat', system: 'ent', synonyms: [], evidence: 'E_97' },
  ear: { name: 'ear pain', system: 'ent', synonyms: ['earache', 'otalgia', 'ear ache'] },
  abdomen: {
    name: 'abdominal pain',
    system: 'gastrointestinal',
    synonyms: ['abd pain', 'stomach pain', 'belly pain', 'epigastric pain', 'stomach ache', 'stomachache', 'abdominal cramps'],
  },
  face: { name: 'facial pain', system: 'ent', synonyms: ['sinus pain', 'facial pressure', 'sinus pressure', 'pain in the face'] },
  groin: { name: 'groin pain', system: 'gastrointestinal', synonyms: ['inguinal pain', 'pain in the groin'] },
  joint: {
    name: 'joint pain',
    system: 'musculoskeletal',
    synonyms: ['arthralgia', 'arthralgias', 'painful joints', 'joint aches'],
    snomed: ['57676002'],
  },
  leg: { name: 'leg pain', system: 'musculoskeletal', synonyms: ['calf pain', 'pain in the leg', 'limb pain'] },
} as const satisfies Record<string, SiteEntry>;

export const SWELLING_SITES = {
  chest: { name: 'chest wall swelling', system: 'musculoskeletal', synonyms: ['swelling of the chest wall'] },
  face: {
    name: 'facial swelling',
    system: 'skin',
    synonyms: [
      'swollen face',
      'swelling of the face',
      'lip swelling',
      'swollen lips',
      'angioedema',
      'eyelid swelling',
      'periorbital swelling',
    ],
  },
  leg: {
    name: 'leg swelling',
    system: 'cardiovascular',
    synonyms: [
      'swollen legs',
      'leg edema',
      'leg oedema',
      'pedal edema',
      'ankle swelling',
      'swollen ankles',
      'peripheral edema',
      'peripheral oedema',
      'calf swelling',
      'lower extremity edema',
      'pitting edema',
    ],
  },
  joint: { name: 'joint swelling', system: 'musculoskeletal', synonyms: ['swollen joints', 'joint effusion'] },
} as const satisfies Record<string, SiteEntry>;

export type PainSite = keyof typeof PAIN_SITES;
export type SwellingSite = keyof typeof SWELLING_SITES;
