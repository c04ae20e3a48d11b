/**
 * @file ICD-10 code spelling: DDXPlus writes "j17, j18" and "a15", the ICD-10-CM order file writes
 * "J459" without a dot, FHIR and the graph write "J45.9". These helpers convert between them.
 *
 * Why shared: the build normalises source codes with them and the graph uses the same rules to
 * look up whatever a user or a FHIR record passes in ("j45", "J45.9", "J459").
 */

/** "j45.9" / "J459" / " J45.9 " -> "J459" (the undotted upper-case key), or undefined if not ICD-10-shaped. */
export function icd10Key(code: string): string | undefined {
  const key = code.trim().toUpperCase().replace('.', '');
  return /^[A-Z]\d[0-9A-Z]{1,5}$/.test(key) ? key : undefined;
}

/** "J459" -> "J45.9"; three-character categories stay as they are ("J45"). */
export function dottedIcd10(key: string): string {
  return key.length > 3 ? `${key.slice(0, 3)}.${key.slice(3)}` : key;
}

/** Normalise a code to its dotted upper-case form, or undefined if it is not ICD-10-shaped. */
export function normalizeIcd10(code: string): string | undefined {
  const key = icd10Key(code);
  return key === undefined ? undefined : dottedIcd10(key);
}

/** Keys of the code and its ancestors, most specific first: "J45909" -> J45909, J4590, J459, J45. */
export function icd10Ancestors(key: string): string[] {
  const out: string[] = [];
  for (let n = key.length; n >= 3; n--) out.push(key.slice(0, n));
  return out;
}
