import { describe, expect, it } from 'vitest';
import { CSV_MEASUREMENT_UNITS } from '../../src/records/loinc-units.js';
import { MEASUREMENTS } from '../../src/synth/vitals.js';

describe('generated measurements', () => {
  it('are written in the units the CSV reader assumes', () => {
    for (const m of MEASUREMENTS) expect(CSV_MEASUREMENT_UNITS[m.loinc]?.unit, m.loinc).toBe(m.unit);
  });
});
