/**
 * The manifest's schema check compiled ahead of time (src/model/manifest-schema.generated.js,
 * scripts/manifest-validator.ts) is up to date with schema/model-manifest.schema.json, and is as
 * strict as ajv compiling the schema at run time was: the same verdict and the same error objects
 * on the committed manifest and on thousands of edits of it (each field removed, nulled, given a
 * wrong type or an out-of-range value, and an unknown field added beside it).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/model/manifest-schema.generated.js';
import { SCHEMA_PATH, VALIDATOR_PATH, validatorSource } from '../../scripts/manifest-validator.js';
import { REPO_ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const Ajv = require('ajv') as new (o: object) => { compile(s: object): Validate };
const compiled = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
const MANIFEST = readFileSync(join(REPO_ROOT, 'models/clinicalbert-mini/manifest.json'), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in `value` (arrays: the first three items, and the last). */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(value)) {
    const picks = [...new Set([0, 1, 2, value.length - 1])].filter((i) => i >= 0 && i < value.length);
    for (const i of picks) out.push(...paths(value[i] as Json, [...at, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) out.push(...paths(child, [...at, key]));
  }
  return out;
}

/** A copy of `root` with the value at `path` replaced (undefined: removed). */
function edited(root: Json, path: (string | number)[], replace: (old: Json) => Json | undefined): Json {
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  if (path.length === 0) return replace(copy) ?? null;
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as unknown as Record<string | number, Json>;
  const last = path.at(-1) as string | number;
  const next = replace(parent[last] as Json);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = next;
  return copy;
}

const EDITS: Record<string, (old: Json) => Json | undefined> = {
  removed: () => undefined,
  null: () => null,
  'a string': () => 'x',
  'an empty string': () => '',
  'a negative number': () => -1,
  'a fraction': () => 0.5,
  'a huge number': () => 1e9,
  'an empty array': () => [],
  'an object with an unknown field': (old) =>
    old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...old, unknownField: 1 } : { unknownField: 1 },
};

describe('the manifest schema check compiled ahead of time', () => {
  it('is what scripts/manifest-validator.ts writes from the schema now (else: npm run schema:validator)', () => {
    expect(readFileSync(VALIDATOR_PATH, 'utf8') === validatorSource(), `${VALIDATOR_PATH} is stale: run npm run schema:validator`).toBe(
      true,
    );
  });

  it('accepts the committed manifest, as ajv does', () => {
    const data = JSON.parse(MANIFEST) as Json;
    expect(compiled(data)).toBe(true);
    expect(validate(data)).toBe(true);
  });

  it('gives the same verdict and errors as ajv compiling the schema at run time, on every edit', () => {
    const root = JSON.parse(MANIFEST) as Json;
    let refused = 0;
    let checked = 0;
    const differences: string[] = [];
    for (const path of paths(root)) {
      for (const [name, edit] of Object.entries(EDITS)) {
        const data = edited(root, path, edit);
        const expected = compiled(data);
        const actual = validate(data);
        checked++;
        if (!expected) refused++;
        if (actual !== expected || JSON.stringify(validate.errors ?? null) !== JSON.stringify(compiled.errors ?? null)) {
          differences.push(`/${path.join('/')} ${name}`);
        }
      }
    }
    expect(differences).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
});
