import { describe, expect, it } from 'vitest';
import { formatDuration, progressLine } from '../../src/pipeline/progress.js';

const counts = (written: number, deadLettered = 0, skipped = 0) => ({
  read: written + deadLettered + skipped,
  written,
  deadLettered,
  skipped,
  warnings: 0,
  noEvidence: 0,
});

describe('progressLine', () => {
  it('shows counts and rate when the total is unknown', () => {
    expect(progressLine(counts(50, 2), 10)).toBe('50 written, 2 dead-lettered, 5.0 records/s');
  });

  it('adds percentage and ETA from the rate of records done when the total is known', () => {
    expect(progressLine(counts(90, 10), 20, 400)).toBe('100/400 records (25%), 90 written, 10 dead-lettered, 4.5 records/s, ETA 1m 00s');
  });

  it('counts skipped inputs as done and names them only when there are some', () => {
    expect(progressLine(counts(8, 0, 2), 2, 20)).toBe('10/20 records (50%), 8 written, 0 dead-lettered, 2 skipped, 4.0 records/s, ETA 2s');
  });

  it('never claims 100% before the end, even past an underestimated total', () => {
    expect(progressLine(counts(120), 10, 100)).toBe('120/100 records (99%), 120 written, 0 dead-lettered, 12.0 records/s');
    expect(progressLine(counts(0), 1, 100)).toBe('0/100 records (0%), 0 written, 0 dead-lettered, 0.0 records/s');
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours', () => {
    expect([formatDuration(4.4), formatDuration(65), formatDuration(3725)]).toEqual(['4s', '1m 05s', '1h 02m']);
  });
});
