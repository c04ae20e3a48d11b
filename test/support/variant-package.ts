/**
 * @file A model package that differs from a real one only in its manifest: every other file is
 * a symbolic link to the original (so hashes and sizes still check), and `edit` changes the
 * manifest. Used to run the real graphs with an abstention or `follows` the committed package
 * does not have yet.
 *
 * Folders are real folders, made anew, and only files are links: a linked folder would make a
 * file a test writes into the variant (a graph of its own in `onnx/`) land in the real package.
 * A linked file is still the real file, so a test that changes one replaces the link first
 * (`replaceVariantFile`); writing through the link would change the committed package.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ModelManifest } from '../../src/model/manifest.js';

export function variantPackage(source: string, dir: string, edit: (manifest: ModelManifest) => void): string {
  mirror(resolve(source), dir, true);
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as ModelManifest;
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return dir;
}

/** Real folders for the folders of `source`, links for its files (the top-level manifest left out). */
function mirror(source: string, dir: string, top: boolean): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (top && entry.name === 'manifest.json') continue;
    const from = join(source, entry.name);
    if (entry.isDirectory()) mirror(from, join(dir, entry.name), false);
    else symlinkSync(from, join(dir, entry.name));
  }
}

/** Put `bytes` at `path` (relative) in a variant as a file of its own: the link there is removed, never written through. */
export function replaceVariantFile(dir: string, path: string, bytes: Uint8Array | string): void {
  const target = join(dir, path);
  rmSync(target, { force: true });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
}

/**
 * The manifest edit used by the abstention tests: the diagnosis head abstains when 1 − its best
 * label probability is at least `threshold` (its none label, if the package has one, stays left
 * out), and severity and drugs follow it.
 */
export function abstainOneMinusMax(threshold: number, follows = true): (m: ModelManifest) => void {
  return (m) => {
    const dx = m.heads.diagnoses;
    if (!dx) throw new Error('the package has no diagnoses head');
    const label = dx.abstention?.label;
    dx.abstention = { score: 'one-minus-max', ...(label ? { label } : {}), threshold, description: 'test: 1 − the best label probability' };
    if (follows) {
      if (m.heads.severity) m.heads.severity.follows = 'diagnoses';
      if (m.heads.drugs) m.heads.drugs.follows = 'diagnoses';
    }
  };
}

/**
 * A threshold that splits `scores` with at least two records on each side, halfway across the
 * widest gap between distinct values (so rounding to 4 decimals cannot move a record across it).
 */
export function splittingThreshold(scores: readonly number[]): number {
  const values = [...new Set(scores)].sort((a, b) => a - b);
  let best: { gap: number; t: number } | undefined;
  for (let i = 0; i + 1 < values.length; i++) {
    const lo = values[i] as number;
    const hi = values[i + 1] as number;
    const above = scores.filter((s) => s >= hi).length;
    if (above < 2 || scores.length - above < 2) continue;
    if (!best || hi - lo > best.gap) best = { gap: hi - lo, t: (lo + hi) / 2 };
  }
  if (!best) throw new Error(`no threshold splits these scores: ${values.join(', ')}`);
  return best.t;
}
