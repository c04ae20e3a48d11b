/**
 * @file Loads a model package folder and proves it is what its manifest says: the manifest is
 * valid against its JSON Schema, the format version is known, and every listed file exists with
 * the recorded size and sha256.
 *
 * Why so strict: a model that silently loads a stale tokenizer or a half-copied graph gives
 * confident wrong answers. Each failure names the file and what is wrong with it, so "the package
 * is broken" is never the whole message.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ClinicalBertError } from '../util/errors.js';
import { defaultModelDir, projectRoot } from '../util/version.js';
import { MANIFEST_FORMAT_VERSION, type ModelManifest } from './manifest.js';

export class ModelPackageError extends ClinicalBertError {
  constructor(
    message: string,
    readonly dir: string,
    options: { code: string; cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ModelPackage {
  dir: string;
  manifest: ModelManifest;
  /** Absolute path of a file named in the manifest. */
  path(file: string): string;
  /** Short fingerprint of the package: sha256 of the manifest's bytes, 12 hex digits. */
  sha: string;
}

const require = createRequire(import.meta.url);
type ValidateFn = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let validateManifest: ValidateFn | undefined;

function schemaValidator(): ValidateFn {
  if (!validateManifest) {
    const Ajv = require('ajv') as new (options: object) => { compile(schema: object): ValidateFn };
    const schema = JSON.parse(readFileSync(join(projectRoot(), 'schema', 'model-manifest.schema.json'), 'utf8')) as object;
    validateManifest = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validateManifest;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** Parses and schema-checks a manifest without touching the files it lists. */
export function parseManifest(dir: string, text: string): ModelManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ModelPackageError(`${join(dir, 'manifest.json')}: not valid JSON`, dir, { code: 'MODEL_MANIFEST_JSON', cause });
  }
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== MANIFEST_FORMAT_VERSION) {
    throw new ModelPackageError(
      `${join(dir, 'manifest.json')}: unknown package format version ${JSON.stringify(version)}; this clinicalbert reads version ${MANIFEST_FORMAT_VERSION}`,
      dir,
      { code: 'MODEL_FORMAT_VERSION' },
    );
  }
  const validate = schemaValidator();
  if (!validate(data)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
    throw new ModelPackageError(`${join(dir, 'manifest.json')}: invalid manifest: ${problems.join('; ')}`, dir, {
      code: 'MODEL_MANIFEST_INVALID',
    });
  }
  return data as ModelManifest;
}

/**
 * Loads and verifies a package. `verify: 'hash'` (the default) reads every file to check its
 * sha256; `verify: 'size'` only checks presence and sizes (for repeated loads in one process).
 */
export async function loadModelPackage(dir = defaultModelDir(), options: { verify?: 'hash' | 'size' } = {}): Promise<ModelPackage> {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new ModelPackageError(
      existsSync(root) ? `${root}: not a model package (no manifest.json)` : `model folder ${root} does not exist`,
      root,
      { code: 'MODEL_NOT_FOUND' },
    );
  }
  const text = readFileSync(manifestPath);
  const manifest = parseManifest(root, text.toString('utf8'));
  const listed = new Set(manifest.files.map((f) => f.path));
  const referenced = [
    ...Object.values(manifest.graphs).map((g) => g.file),
    manifest.text.tokenizer,
    manifest.text.tokenizerConfig,
    manifest.knowledgeGraph.file,
    manifest.knowledgeGraph.entityVocabulary,
  ];
  for (const file of referenced) {
    if (!listed.has(file)) {
      throw new ModelPackageError(`${manifestPath}: ${file} is used but not listed in "files" (so it cannot be checked)`, root, {
        code: 'MODEL_MANIFEST_INVALID',
      });
    }
  }
  const problems: string[] = [];
  for (const file of manifest.files) {
    const path = resolve(root, file.path);
    if (isAbsolute(relative(root, path)) || relative(root, path).startsWith('..')) {
      problems.push(`${file.path}: points outside the package`);
      continue;
    }
    if (!existsSync(path)) {
      problems.push(`${file.path}: missing`);
      continue;
    }
    const size = statSync(path).size;
    if (size !== file.bytes) {
      problems.push(`${file.path}: ${size} bytes, manifest says ${file.bytes} (altered or truncated)`);
      continue;
    }
    if ((options.verify ?? 'hash') === 'hash') {
      const actual = await sha256File(path);
      if (actual !== file.sha256) {
        problems.push(`${file.path}: sha256 ${actual.slice(0, 12)}…, manifest says ${file.sha256.slice(0, 12)}… (altered)`);
      }
    }
  }
  for (const [role, graph] of Object.entries(manifest.graphs)) {
    const entry = manifest.files.find((f) => f.path === graph.file);
    if (entry && entry.sha256 !== graph.sha256) problems.push(`graphs.${role}: sha256 differs from the files entry for ${graph.file}`);
  }
  if (problems.length > 0) {
    throw new ModelPackageError(`model package ${root} failed its checks:\n  ${problems.join('\n  ')}`, root, {
      code: 'MODEL_INTEGRITY',
    });
  }
  return {
    dir: root,
    manifest,
    path: (file: string) => join(root, file),
    sha: createHash('sha256').update(text).digest('hex').slice(0, 12),
  };
}
