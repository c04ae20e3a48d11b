/** @file The tool's version, read once from package.json so there is one source of truth. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The project root: two levels above this file in src/ and one above dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'clinicalbert') return dir;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  throw new Error(`clinicalbert: cannot find the package root (package.json) above ${fileURLToPath(import.meta.url)}`);
}

export const VERSION: string = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** The default model package shipped with the tool. */
export function defaultModelDir(): string {
  return join(projectRoot(), 'models', 'clinicalbert-mini');
}
