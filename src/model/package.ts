/**
 * @file Loads a model package folder and proves it is what its manifest says: the manifest is
 * valid against its JSON Schema (compiled ahead of time by ajv into manifest-schema.generated.js,
 * scripts/manifest-validator.ts, so no start pays for compiling it), the format version is known,
 * and every listed file exists with the recorded size and sha256. A file this user hashed before
 * and that has not changed since (same inode, size, mtime and ctime: verified-files.ts, which says
 * what that does and does not catch) is not read again unless the caller asks for `verify: 'hash'`
 * (`--verify`). The manifest itself is checked against `manifest.sha256` beside it
 * when the package has one (the sha256 of manifest.json's bytes, hex, as `sha256sum` writes it):
 * a package without that file loads as before, so the check is opt-in for whoever publishes one.
 * What the graphs declare is checked against the manifest once they are open (graph-shapes.ts).
 * Graphs of every precision the package carries (src/model/precision.ts) are checked alike, so a
 * run at either precision opens only files whose hashes were checked.
 *
 * Why so strict: a model that silently loads a stale tokenizer or a half-copied graph gives
 * confident wrong answers. Each failure names the file and what is wrong with it, so "the package
 * is broken" is never the whole message.
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ClinicalBertError, quote } from '../util/errors.js';
import { defaultModelDir } from '../util/version.js';
import { ABSTENTION_SCORES, MANIFEST_FORMAT_VERSION, type HeadSpec, type ModelManifest } from './manifest.js';
import { type SchemaError, validate as validateManifest } from './manifest-schema.generated.js';
import { fileIdentity, VerifiedFiles } from './verified-files.js';
import { allGraphSpecs, precisionProblems } from './precision.js';

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

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** The value a JSON Pointer (ajv's `instancePath`) points at, or undefined. */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** One schema error as a sentence that quotes the bad value and lists the valid ones. */
function describeSchemaError(data: unknown, e: SchemaError): string {
  const value = valueAt(data, e.instancePath);
  const got = value === null || ['string', 'number', 'boolean'].includes(typeof value) ? ` (got ${quote(value)})` : '';
  const allowed = e.params?.allowedValues ? `: ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  const extra = e.params?.additionalProperty !== undefined ? `: ${quote(e.params.additionalProperty)}` : '';
  return `${e.instancePath || '/'} ${e.message ?? ''}${allowed}${extra}${got}`.trim();
}

/** Label ids for an error message: all of them when few, else the first and last three. */
function someLabels(head: HeadSpec): string {
  const ids = head.labels.map((l) => JSON.stringify(l.id));
  return ids.length <= 8 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')}, …, ${ids.slice(-3).join(', ')} (${ids.length} labels)`;
}

/**
 * What the JSON Schema cannot say about heads: `abstention` only on softmax heads, its label one
 * of the head's labels, and `follows` naming another softmax head that follows no head itself
 * (a sigmoid head that follows must be over `drug:` labels, the only rule the runtime knows).
 */
export function headProblems(heads: Record<string, HeadSpec>): string[] {
  const problems: string[] = [];
  const names = Object.keys(heads);
  const softmax = names.filter((n) => heads[n]?.activation === 'softmax');
  for (const [name, head] of Object.entries(heads)) {
    const a = head.abstention;
    if (a) {
      const kind = a.score ?? 'label';
      if (head.activation !== 'softmax') {
        problems.push(`heads.${name}.abstention: only a softmax head can abstain; this head's activation is ${quote(head.activation)}`);
      }
      if (!(ABSTENTION_SCORES as readonly string[]).includes(kind)) {
        problems.push(`heads.${name}.abstention.score must be one of ${ABSTENTION_SCORES.join(', ')}; got ${quote(kind)}`);
      }
      if (kind === 'label' && a.label === undefined) {
        problems.push(
          `heads.${name}.abstention.label is required with score "label" (the id of the head's "none of these" label; use "score": "one-minus-max" for a package without one)`,
        );
      }
      if (a.label !== undefined && !head.labels.some((l) => l.id === a.label)) {
        problems.push(`heads.${name}.abstention.label ${quote(a.label)} is not one of the head's labels: ${someLabels(head)}`);
      }
      if (!(typeof a.threshold === 'number' && a.threshold > 0 && a.threshold <= 1)) {
        problems.push(`heads.${name}.abstention.threshold must be in (0, 1]; got ${quote(a.threshold)}`);
      }
    }
    if (head.follows !== undefined) {
      const followed = heads[head.follows];
      const at = `heads.${name}.follows ${quote(head.follows)}`;
      if (head.follows === name)
        problems.push(
          `${at} names the head itself; it must name another softmax head: ${softmax.filter((n) => n !== name).join(', ') || 'none'}`,
        );
      else if (!followed) problems.push(`${at} is not a head of this model; heads: ${names.join(', ')}`);
      else if (followed.activation !== 'softmax') problems.push(`${at} must name a softmax head: ${softmax.join(', ') || 'none'}`);
      else if (followed.follows !== undefined)
        problems.push(`${at}: that head follows ${quote(followed.follows)} itself, and chains are not supported`);
      if (head.activation === 'sigmoid') {
        const other = head.labels.find((l) => !l.id.startsWith('drug:'));
        if (other) {
          problems.push(
            `${at}: a sigmoid head that follows must have only drug: labels (drugs are kept by the graph's treats/palliates edges); label ${quote(other.id)} is not one`,
          );
        }
      }
    }
  }
  return problems;
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
  if (!validateManifest(data)) {
    const problems = (validateManifest.errors ?? []).slice(0, 5).map((e) => describeSchemaError(data, e));
    throw new ModelPackageError(`${join(dir, 'manifest.json')}: invalid manifest: ${problems.join('; ')}`, dir, {
      code: 'MODEL_MANIFEST_INVALID',
    });
  }
  const manifest = data as ModelManifest;
  const problems = [...headProblems(manifest.heads), ...precisionProblems(manifest)];
  if (problems.length > 0) {
    throw new ModelPackageError(`${join(dir, 'manifest.json')}: invalid manifest: ${problems.join('; ')}`, dir, {
      code: 'MODEL_MANIFEST_INVALID',
    });
  }
  return manifest;
}

/** When `manifest.sha256` exists beside manifest.json, the manifest's bytes must hash to it. */
function checkManifestHash(root: string, text: Buffer): void {
  const shaPath = join(root, 'manifest.sha256');
  if (!existsSync(shaPath)) return;
  const expected = /^\s*([0-9a-fA-F]{64})\b/.exec(readFileSync(shaPath, 'utf8'))?.[1]?.toLowerCase();
  if (!expected) {
    throw new ModelPackageError(`${shaPath}: does not start with a sha256 (64 hex digits)`, root, { code: 'MODEL_INTEGRITY' });
  }
  const actual = createHash('sha256').update(text).digest('hex');
  if (actual !== expected) {
    throw new ModelPackageError(
      `model package ${root} failed its checks:\n  manifest.json: sha256 ${actual.slice(0, 12)}…, manifest.sha256 says ${expected.slice(0, 12)}… (altered)`,
      root,
      { code: 'MODEL_INTEGRITY' },
    );
  }
}

/**
 * How a load checks the package's files: `cached` (the default) checks every file's sha256 but
 * trusts a hash this user computed before for a file that has not changed since
 * (verified-files.ts); `hash` reads every file (`--verify`); `size` only checks presence and sizes
 * (for repeated loads in one process).
 */
export type VerifyMode = 'cached' | 'hash' | 'size';

/** Loads and verifies a package (`options.cache`: the record of verified files, for tests). */
export async function loadModelPackage(
  dir = defaultModelDir(),
  options: { verify?: VerifyMode; cache?: VerifiedFiles } = {},
): Promise<ModelPackage> {
  const mode = options.verify ?? 'cached';
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
  checkManifestHash(root, text);
  const manifest = parseManifest(root, text.toString('utf8'));
  const listed = new Set(manifest.files.map((f) => f.path));
  const referenced = [
    ...allGraphSpecs(manifest).map((g) => g.spec.file),
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
  // `hash` does not consult the record, but what it verifies is remembered for later starts
  const verified = mode === 'size' ? undefined : (options.cache ?? VerifiedFiles.open());
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
    const before = statSync(path, { bigint: true });
    if (before.size !== BigInt(file.bytes)) {
      problems.push(`${file.path}: ${before.size} bytes, manifest says ${file.bytes} (altered or truncated)`);
      continue;
    }
    if (mode === 'size' || (mode === 'cached' && verified?.has(path, before, file.sha256))) continue;
    const actual = await sha256File(path);
    if (actual !== file.sha256) {
      verified?.forget(path);
      problems.push(`${file.path}: sha256 ${actual.slice(0, 12)}…, manifest says ${file.sha256.slice(0, 12)}… (altered)`);
    } else if (verified) {
      // remembered only when the file did not change while it was read
      const after: BigIntStats = statSync(path, { bigint: true });
      if (fileIdentity(after) === fileIdentity(before)) verified.add(path, before, actual);
    }
  }
  verified?.save();
  for (const { where, spec } of allGraphSpecs(manifest)) {
    const entry = manifest.files.find((f) => f.path === spec.file);
    if (entry && entry.sha256 !== spec.sha256) problems.push(`${where}: sha256 differs from the files entry for ${spec.file}`);
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
