/**
 * @file What one pattern's sound is: a function that draws from the rng and adds to the track.
 *
 * Why apart: the table of sounds and every sound module share this shape.
 */
import type { Random } from '../../../util/random.js';
import type { Track } from '../track.js';

/** Adds one pattern's sound to the track, drawing from `rng` in a fixed order. */
export type Sound = (track: Track, rng: Random) => void;
