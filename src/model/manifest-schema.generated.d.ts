/**
 * @file Types of manifest-schema.generated.js, the manifest's JSON Schema compiled ahead of time
 * by ajv (scripts/manifest-validator.ts): an ajv validate function and the error objects it sets.
 */

/** One ajv error object, the fields src/model/package.ts reads. */
export interface SchemaError {
  instancePath: string;
  message?: string;
  params?: { allowedValues?: unknown[]; additionalProperty?: string };
}

export type ValidateFn = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

export declare const validate: ValidateFn;
export default validate;
