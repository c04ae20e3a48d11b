/**
 * @file Resolve an attachment's relative file reference without ever leaving the input's folder.
 *
 * Records come from files a user may not have written; a reference such as `../../etc/passwd`,
 * an absolute path or a symbolic link pointing elsewhere must not make the tool read (and send
 * into a model or a report) a file outside the folder the user handed over.
 *
 * Records read from stdin have no folder: their base is `NO_BASE_DIR` (unless `--base-dir` names
 * one), and every relative reference is refused, instead of resolving against the current folder
 * (which would let a piped record read, say, `.ssh/id_rsa` of whoever runs the tool).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export type SafePath = { ok: true; path: string } | { ok: false; code: string; reason: string };

/** True when `target` is `base` or a path under it (both absolute, or both relative to one folder). */
export function inside(base: string, target: string): boolean {
  const rel = relative(base, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The base folder of records that have none (stdin without `--base-dir`): file references are refused. */
export const NO_BASE_DIR = '';

/** Resolve `reference` against `baseDir`; refuse absolute paths, `..` escapes and escaping links. */
export async function resolveInside(baseDir: string, reference: string): Promise<SafePath> {
  if (reference.startsWith('file:') || isAbsolute(reference) || /^[A-Za-z]:[\\/]/.test(reference) || reference.startsWith('\\\\')) {
    return {
      ok: false,
      code: 'ABSOLUTE_PATH',
      reason: 'absolute attachment path refused (attachments must be relative to the input file)',
    };
  }
  if (baseDir === NO_BASE_DIR) {
    return {
      ok: false,
      code: 'NO_BASE_DIR',
      reason: 'relative attachment path refused: the record was read from stdin (pass --base-dir DIR to read attachments from DIR)',
    };
  }
  const target = resolve(baseDir, reference);
  if (!inside(resolve(baseDir), target)) {
    return { ok: false, code: 'PATH_ESCAPE', reason: "attachment path leaves the input file's folder (..); refused" };
  }
  let real: string;
  let realBase: string;
  try {
    real = await realpath(target);
    realBase = await realpath(baseDir);
  } catch {
    return { ok: false, code: 'FILE_NOT_FOUND', reason: 'attachment file not found' };
  }
  if (!inside(realBase, real)) {
    return { ok: false, code: 'PATH_ESCAPE', reason: "attachment path is a link leading outside the input file's folder; refused" };
  }
  return { ok: true, path: real };
}
