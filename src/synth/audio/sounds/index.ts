/**
 * @file The table from pattern name to sound: how the synthesiser finds what to record.
 *
 * Why a table: each sound is its own module; adding a pattern is a line here, its name in
 * catalog.ts and its sound, and TypeScript checks that every pattern has one.
 */
import type { AudioPattern } from '../catalog.js';
import { barkingCough } from './barking-cough.js';
import { normalBreath } from './breath.js';
import { crackles } from './crackles.js';
import { dryCough } from './dry-cough.js';
import { irregularRhythm, normalHeart, tachycardiaRegular } from './heart.js';
import { murmur } from './murmur.js';
import { pericardialRub } from './pericardial-rub.js';
import type { Sound } from './sound.js';
import { stridor } from './stridor.js';
import { wetCough } from './wet-cough.js';
import { wheeze } from './wheeze.js';
import { whoopCough } from './whoop-cough.js';

export const SOUNDS: Readonly<Record<AudioPattern, Sound>> = {
  normal_breath: normalBreath,
  wheeze,
  crackles,
  stridor,
  dry_cough: dryCough,
  wet_cough: wetCough,
  barking_cough: barkingCough,
  whoop_cough: whoopCough,
  normal_heart: normalHeart,
  tachycardia_regular: tachycardiaRegular,
  irregular_rhythm: irregularRhythm,
  pericardial_rub: pericardialRub,
  murmur,
};
