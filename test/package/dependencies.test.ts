/**
 * Every package the CLI's sources load at run time is a dependency, not a devDependency: users
 * install the packed tarball, which brings dependencies only (`ajv` once was dev-only and every
 * installed copy failed with "Cannot find module 'ajv'"). `scripts/check-packed.sh` (in .ci/run)
 * installs the tarball for real; this is the fast check that runs with the tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { packageOf, runtimeSpecifiers } from '../support/specifiers.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('run-time dependencies', () => {
  it('reads import, export-from, dynamic import and require, and skips type-only imports', () => {
    const text = [
      "import { a } from 'alpha';",
      "import type { B } from 'beta';",
      "export { c } from 'gamma/sub';",
      "import {\n  d,\n} from '@scope/delta/x';",
      "const e = require('epsilon');",
      "const f = await import('./local.js');",
      "import 'side-effect';",
      'const s = \'not from "zeta"\';',
    ].join('\n');
    const names = runtimeSpecifiers(text).map(packageOf).filter(Boolean);
    expect(names.sort()).toEqual(['@scope/delta', 'alpha', 'epsilon', 'gamma', 'side-effect']);
    expect(packageOf('node:fs')).toBeUndefined();
    expect(packageOf('fs')).toBeUndefined();
  });

  it('every package src/ loads is in dependencies', () => {
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const file of sources(join(REPO_ROOT, 'src'))) {
      for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
        const name = packageOf(spec);
        if (!name) continue;
        seen.add(name);
        if (!(name in pkg.dependencies)) missing.push(`${name} (${file.slice(REPO_ROOT.length + 1)})`);
      }
    }
    expect(missing).toEqual([]);
    // The scan finds what it should: the runtime's main packages are among them.
    for (const name of ['onnxruntime-node', 'commander', 'sharp', 'bullmq', '@huggingface/tokenizers']) expect(seen.has(name)).toBe(true);
  });
});
