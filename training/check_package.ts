/**
 * @file Loads a freshly written model package with the runtime's own loader (schema, format
 * version, every file's size and sha256), so the recipe never leaves a package the CLI refuses.
 *
 *   node --import tsx training/check_package.ts <package folder>
 *
 * Run by training/publish.py after it writes manifest.json; prints one summary line, or the
 * loader's message and exit status 1.
 */
import { loadModelPackage } from '../src/model/package.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: check_package.ts <package folder>\n');
  process.exit(2);
}
try {
  const pkg = await loadModelPackage(dir);
  const bytes = pkg.manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(`${pkg.manifest.name} ${pkg.manifest.version}: ${pkg.manifest.files.length} files, ${bytes} bytes, manifest ${pkg.sha}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
