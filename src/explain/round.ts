/**
 * @file Rounding for explanation numbers: four decimals, like the prediction scores, so the same
 * input gives byte-identical output and float noise below the model's precision is not printed.
 */

export const round4 = (x: number): number => {
  const r = Math.round(x * 1e4) / 1e4;
  return Object.is(r, -0) ? 0 : r;
};

/** Milliseconds with two decimals. */
export const roundMs = (ms: number): number => Math.round(ms * 100) / 100;
