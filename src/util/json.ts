/**
 * @file Narrowing untrusted JSON (prediction lines, manifests' metrics) to plain objects: one
 * definition instead of a copy in each reader.
 */

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
