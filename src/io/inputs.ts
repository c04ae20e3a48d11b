/**
 * @file Turn the input arguments of a command into concrete targets: files, Bulk Data folders,
 * stdin (`-`), and the expansions of glob patterns.
 *
 * A missing file or a pattern that matches nothing is not an exception: it becomes an error
 * target, so the other inputs are still read and the run reports the problem with the rest.
 */
import { stat } from 'node:fs/promises';
import { expandGlob, hasGlob } from './glob.js';

export type InputTarget =
  | { kind: 'stdin'; name: '-' }
  | { kind: 'file'; path: string }
  | { kind: 'folder'; path: string }
  | { kind: 'error'; name: string; code: string; reason: string };

async function kindOf(path: string): Promise<'file' | 'folder' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/** Resolve input arguments, in order, to targets. Paths stay as the user wrote them. */
export async function expandInputs(specs: readonly string[]): Promise<InputTarget[]> {
  const targets: InputTarget[] = [];
  let stdinSeen = false;
  for (const spec of specs) {
    if (spec === '-') {
      if (stdinSeen) {
        targets.push({
          kind: 'error',
          name: '-',
          code: 'STDIN_TWICE',
          reason: 'stdin (-) is given more than once; it can be read only once',
        });
      } else targets.push({ kind: 'stdin', name: '-' });
      stdinSeen = true;
      continue;
    }
    const kind = await kindOf(spec);
    if (kind) {
      targets.push({ kind, path: spec });
      continue;
    }
    if (hasGlob(spec)) {
      const matches = await expandGlob(spec);
      if (matches.length === 0) {
        targets.push({ kind: 'error', name: spec, code: 'NO_MATCH', reason: `no file matches the pattern ${JSON.stringify(spec)}` });
      }
      for (const match of matches) {
        const matchKind = await kindOf(match);
        if (matchKind) targets.push({ kind: matchKind, path: match });
      }
      continue;
    }
    targets.push({ kind: 'error', name: spec, code: 'NOT_FOUND', reason: `input not found: ${JSON.stringify(spec)}` });
  }
  return targets;
}
