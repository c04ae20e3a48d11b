/**
 * @file `must(value, what)`: the value, or a thrown Error naming what was missing.
 *
 * Tests index arrays and maps whose entries they know are there; a non-null assertion would turn a
 * missing entry into a TypeError far from its cause, while this fails at the lookup and says what
 * was expected.
 */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}
