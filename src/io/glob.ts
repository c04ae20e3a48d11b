/**
 * @file A tiny glob for input arguments: `*`, `?`, `[abc]` within a path segment and `**` across
 * folders.
 *
 * Node 20 has no `fs.glob` (it arrived in 22) and shells on cron or Windows do not always expand
 * patterns, so `clinicalbert analyze 'export/*.ndjson'` must work on its own. Names starting with
 * a dot match only a pattern segment that starts with a dot, as in shells.
 */
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** True when the string holds a glob character. */
export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        source += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

async function list(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const entries = await readdir(dir === '' ? '.' : dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch {
    return [];
  }
}

/** Expand a pattern to the sorted list of existing paths it matches (files and folders). */
export async function expandGlob(pattern: string): Promise<string[]> {
  const normalized = pattern.split(sep).join('/');
  const absolute = normalized.startsWith('/');
  const segments = normalized.split('/').filter((s, i) => s !== '' || i === 0);
  let base = absolute ? '/' : '';
  let index = absolute ? 1 : 0;
  while (index < segments.length && !hasGlob(segments[index] as string)) {
    base = base === '' ? (segments[index] as string) : join(base, segments[index] as string);
    index++;
  }
  const rest = segments.slice(index);
  if (rest.length === 0) return [base];
  const found = new Set<string>();
  await walk(base, rest, found);
  return [...found].sort();
}

async function walk(dir: string, rest: string[], found: Set<string>): Promise<void> {
  const [segment, ...tail] = rest;
  if (segment === undefined) return;
  const entries = await list(dir);
  if (segment === '**') {
    // `**` matches zero folders (go on with the tail here) or one more folder (stay on `**`)
    if (tail.length === 0) {
      for (const e of entries) if (!e.name.startsWith('.')) found.add(join(dir, e.name));
    } else await walk(dir, tail, found);
    for (const e of entries) if (e.isDir && !e.name.startsWith('.')) await walk(join(dir, e.name), rest, found);
    return;
  }
  const re = segmentRegExp(segment);
  for (const e of entries) {
    if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
    if (!re.test(e.name)) continue;
    const path = dir === '' ? e.name : join(dir, e.name);
    if (tail.length === 0) found.add(path);
    else if (e.isDir) await walk(path, tail, found);
  }
}
