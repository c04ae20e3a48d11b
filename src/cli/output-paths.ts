/**
 * @file Refuse output paths that would destroy input or each other, before anything is opened.
 *
 * `--out` equal to an input truncates the input before it is read; `--out` and `--dead-letter`
 * on one path interleave two kinds of line; `--report` on the `--out` path overwrites the
 * predictions. Paths are compared by resolved real path (links and `./a/../b` spellings
 * included; a file that does not exist yet by the real path of its folder). An input folder that
 * holds the output file is fine, and stdin (`-`) has no path.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { expandInputs } from '../io/inputs.js';
import { quote, UsageError } from '../util/errors.js';

/** The real path `path` names, or will name once created; undefined for stdout (`-`). */
export function realTarget(path: string): string | undefined {
  if (path === '-') return undefined;
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/**
 * Throws a UsageError (exit 2) naming both options and the path when two outputs, or an output
 * and an input file, are the same file. `outputs` maps an option name (`--out`) to its value.
 */
export async function checkOutputPaths(outputs: Record<string, string | undefined>, inputs: readonly string[]): Promise<void> {
  const seen: { option: string; value: string; real: string }[] = [];
  for (const [option, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    const real = realTarget(value);
    if (real === undefined) continue;
    const same = seen.find((s) => s.real === real);
    if (same) {
      throw new UsageError(`${same.option} and ${option} name the same file ${quote(value)}: give each output its own path`);
    }
    seen.push({ option, value, real });
  }
  if (seen.length === 0) return;
  for (const target of await expandInputs(inputs)) {
    if (target.kind !== 'file') continue;
    let real: string;
    try {
      if (!statSync(target.path).isFile()) continue;
      real = realpathSync(target.path);
    } catch {
      continue;
    }
    const same = seen.find((s) => s.real === real);
    if (same) {
      throw new UsageError(
        `${same.option} ${quote(same.value)} is the input ${quote(target.path)}: writing it would destroy the records before they are read`,
      );
    }
  }
}
