/**
 * @file Before any test: rebuild dist/ when a source is newer than it. CLI tests spawn
 * bin/clinicalbert.js, which runs dist/cli.js when it exists, so without this an edit to src/
 * without `npm run build` would be tested against the old build.
 *
 * And a private cache folder for the run: the package check records the files it verified in
 * $XDG_CACHE_HOME/clinicalbert (src/model/verified-files.ts), and the tests (and the CLIs they
 * spawn, which inherit the environment) must not write the user's ~/.cache. Removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

/** mtime of dist/cli.js, or -1 when it is missing. */
function built(): number {
  try {
    return statSync(join(REPO_ROOT, 'dist', 'cli.js')).mtimeMs;
  } catch {
    return -1;
  }
}

export default function setup(): () => void {
  rebuild();
  const cache = mkdtempSync(join(tmpdir(), 'cb-test-cache-'));
  process.env.XDG_CACHE_HOME = cache;
  return () => rmSync(cache, { recursive: true, force: true });
}

function rebuild(): void {
  const inputs = Math.max(newest(join(REPO_ROOT, 'src')), statSync(join(REPO_ROOT, 'package.json')).mtimeMs);
  if (built() >= inputs) return;
  const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsup'), [], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dist/ is older than src/ and rebuilding it failed:\n${result.stderr}`);
}
