/**
 * @file Cardiomegaly (heart failure, myocarditis, pericarditis): the heart wider than half the
 * thoracic width. Only the anatomy changes; nothing is painted.
 */
import type { Random } from '../../../util/random.js';
import type { Anatomy } from '../anatomy.js';
import type { Painter } from './painter.js';

export const cardiomegaly: Painter = {
  reshape(a: Anatomy, rng: Random): void {
    a.ctr = rng.uniform(0.56, 0.66);
  },
};
