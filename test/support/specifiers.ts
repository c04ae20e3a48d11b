/**
 * @file Which npm packages a TypeScript source loads at run time, read from its text: the module
 * specifiers of value imports, export-from, bare imports, dynamic import() and require(), and the
 * package each names.
 *
 * A plain text scan rather than the compiler, so test/package/dependencies.test.ts (which uses
 * and tests it) stays fast. It lives in test/support because a test file should not export.
 */
import { builtinModules } from 'node:module';

/** Module specifiers a source file loads at run time (type-only imports are erased, so left out). */
export function runtimeSpecifiers(text: string): string[] {
  const out: string[] = [];
  const statement = /^\s*(import|export)\s+(?!type\s)[^;]*?\bfrom\s+['"]([^'"]+)['"]/gms;
  const bare = /^\s*import\s+['"]([^'"]+)['"]/gm;
  const call = /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(statement)) out.push(m[2] as string);
  for (const m of text.matchAll(bare)) out.push(m[1] as string);
  for (const m of text.matchAll(call)) out.push(m[1] as string);
  return out;
}

/** The npm package a specifier names ("csv-parse/sync" -> "csv-parse", "@a/b/c" -> "@a/b"), or undefined for files and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return builtinModules.includes(name) ? undefined : name;
}
