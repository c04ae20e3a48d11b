/**
 * @file The committed sample records and the answer schema as the tests that serve or check them
 * read them, so that each test file does not parse them again its own way.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

/** The first `n` lines of samples/records.ndjson, their Bundles, and each Bundle's patient id (its first entry). */
export function sampleBundles(n: number): { lines: string[]; bundles: Record<string, unknown>[]; patientIds: string[] } {
  const lines = readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .slice(0, n);
  const bundles = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const patientIds = bundles.map((b) => (b.entry as { resource: { id: string } }[])[0]?.resource.id as string);
  return { lines, bundles, patientIds };
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

/** schema/answer.schema.json compiled by ajv (tests only: the CLI checks its lines in code). */
export function answerSchemaValidator(): Validate {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv') as new (o: object) => { compile(s: object): Validate };
  return new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(join(REPO_ROOT, 'schema/answer.schema.json'), 'utf8')) as object,
  );
}
