/**
 * @file What a pattern's painter may do to a chest film: change the anatomy before the film is
 * laid out, and paint its finding over the base film.
 *
 * Why apart: the table of painters and each painter share this shape, and the order of the random
 * draws it implies (anatomy, reshape, base film, finding) is what keeps every pattern on the same
 * patient.
 */
import type { Random } from '../../../util/random.js';
import type { Anatomy } from '../anatomy.js';
import type { Film } from '../film.js';
import type { Thorax } from '../thorax.js';

export interface Painter {
  /** Changes to the anatomy itself, drawn before the film is laid out (no draws when absent). */
  reshape?(a: Anatomy, rng: Random): void;
  /** The finding itself, painted over the base film (nothing when absent). */
  paint?(t: Thorax, film: Film, rng: Random): void;
}
