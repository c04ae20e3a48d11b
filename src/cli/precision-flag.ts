/**
 * @file `--precision`, declared once for every command that runs the model (analyze, explain,
 * evaluate, worker): which of the package's graphs to run (src/model/precision.ts). Without the
 * flag the package's own default applies, so the option has no commander default.
 */
import { PRECISIONS, type Precision } from '../model/manifest.js';
import { parseChoice } from '../util/errors.js';

export const PRECISION_FLAG = '--precision <precision>';
export const PRECISION_HELP = `numeric precision of the graphs: ${PRECISIONS.join(', ')} (default: the package's; int8 runs the int8 text encoder, about 1.5x faster on one thread, whose numbers for a record never depend on its batch-mates)`;

/** The flag's value checked (usage error listing the choices), or undefined for the package's default. */
export function parsePrecision(value: string | undefined): Precision | undefined {
  return value === undefined ? undefined : parseChoice('--precision', value, PRECISIONS);
}
