/**
 * @file The accounting check of a record run (`analyze`, `ask`, the queue's units): every item
 * read was written, dead-lettered or skipped on purpose, so nothing is lost silently. A mismatch
 * is itself an error (ACCOUNTING_MISMATCH, exit 1) naming the ids left over.
 */
import { ClinicalBertError } from '../util/errors.js';

/**
 * Throws ACCOUNTING_MISMATCH unless every item read was written, dead-lettered or skipped, and no
 * record came back unaccounted for (`unaccounted`: their ids, named in the message).
 */
export function checkAccounting(
  counts: { read: number; written: number; deadLettered: number; skipped: number },
  unaccounted: readonly string[],
): void {
  if (counts.read === counts.written + counts.deadLettered + counts.skipped && unaccounted.length === 0) return;
  const ids = unaccounted.length > 0 ? `: ${unaccounted.slice(0, 20).join(', ')}${unaccounted.length > 20 ? ', …' : ''}` : '';
  throw new ClinicalBertError(
    `records unaccounted for: read ${counts.read} ≠ written ${counts.written} + dead-lettered ${counts.deadLettered} + skipped ${counts.skipped}${ids}`,
    { code: 'ACCOUNTING_MISMATCH' },
  );
}
