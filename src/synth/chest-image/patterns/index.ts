/**
 * @file The table from pattern name to painter: how the renderer finds what to draw for a finding.
 *
 * Why a table: each finding is its own module; adding a pattern is a line here, its name in
 * catalog.ts and its painter, and TypeScript checks that every pattern has one.
 */
import type { ImagePattern } from '../catalog.js';
import { bronchiectasis } from './bronchiectasis.js';
import { cardiomegaly } from './cardiomegaly.js';
import { cavitation } from './cavitation.js';
import { consolidation } from './consolidation.js';
import { edema } from './edema.js';
import { effusion } from './effusion.js';
import { hilarAdenopathy } from './hilar-adenopathy.js';
import { hyperinflation } from './hyperinflation.js';
import { interstitial } from './interstitial.js';
import { mass } from './mass.js';
import type { Painter } from './painter.js';
import { pneumothorax } from './pneumothorax.js';

export const PAINTERS: Readonly<Record<ImagePattern, Painter>> = {
  // The base film is the normal chest: nothing to change, nothing to add.
  normal: {},
  consolidation,
  interstitial,
  edema,
  pneumothorax,
  cavitation,
  mass,
  hilar_adenopathy: hilarAdenopathy,
  hyperinflation,
  bronchiectasis,
  effusion,
  cardiomegaly,
};
