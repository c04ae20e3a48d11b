/**
 * @file The one line of progress `analyze` and `ask` show on a terminal: counts, rate, and — when the
 * inputs could be counted up front (src/io/estimate.ts) — a percentage and an ETA.
 *
 * A pure function of the counts and the clock so it can be tested without a terminal.
 */
import type { AnalyzeCounts } from './analyze.js';

/** `1h 02m`, `3m 05s`, `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export function progressLine(
  counts: Pick<AnalyzeCounts, 'written' | 'deadLettered' | 'skipped'>,
  elapsedSeconds: number,
  total?: number,
): string {
  const done = counts.written + counts.deadLettered + counts.skipped;
  const rate = counts.written / Math.max(0.001, elapsedSeconds);
  const parts = [
    `${counts.written} written`,
    `${counts.deadLettered} dead-lettered`,
    ...(counts.skipped > 0 ? [`${counts.skipped} skipped`] : []),
    `${rate.toFixed(1)} records/s`,
  ];
  if (total !== undefined && total > 0) {
    // The count is an estimate: never claim to be finished before the end.
    const percent = Math.min(99, Math.floor((100 * done) / total));
    const doneRate = done / Math.max(0.001, elapsedSeconds);
    const eta = done > 0 && done < total ? `, ETA ${formatDuration((total - done) / doneRate)}` : '';
    return `${done}/${total} records (${percent}%), ${parts.join(', ')}${eta}`;
  }
  return parts.join(', ');
}
