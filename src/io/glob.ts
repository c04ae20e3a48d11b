/**
 * @file A tiny glob for input arguments: `*`, `?`, `[abc]` within a path segment and `**` across
 * folders.
 *
 * Node 20 has no `fs.glob` (it arrived in 22) and shells on cron or Windows do not always expand
 * patterns, so `clinicalbert analyze 'export/*.ndjson'` must work on its own. Names starting with
 * a dot match only a pattern segment that starts with a dot, as in shells.
 *
 * A pattern that is not a glob (a class such as `[z-a]`, whose range runs backwards) is the
 * user's mistake, not a crash: a UsageError (exit 2) that quotes it and says what is accepted.
 */
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { quote, UsageError } from '../util/errors.js';

/** True when the string holds a glob character. */
export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** What a pattern may hold, for the message that refuses one. */
const GLOB_SYNTAX = '* (any characters), ? (one character), [abc] or [a-z] (one of these; [!a-z] none of these), ** (any folders)';

function segmentRegExp(segment: string, pattern: string): RegExp {
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
  try {
    return new RegExp(`^${source}$`);
  } catch {
    throw new UsageError(`${quote(pattern)} is not a valid glob pattern (in ${quote(segment)}); a pattern may use ${GLOB_SYNTAX}`, {
      code: 'BAD_GLOB',
    });
  }
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
  // every segment is checked before any folder is listed: a bad one is refused even where nothing matches
  const compiled = rest.map((segment) => (segment === '**' ? segment : segmentRegExp(segment, pattern)));
  const found = new Set<string>();
  await walk(base, rest, compiled, found);
  return [...found].sort();
}

async function walk(dir: string, rest: string[], compiled: (RegExp | '**')[], found: Set<string>): Promise<void> {
  const [segment, ...tail] = rest;
  const [re, ...compiledTail] = compiled;
  if (segment === undefined || re === undefined) return;
  const entries = await list(dir);
  if (segment === '**') {
    // `**` matches zero folders (go on with the tail here) or one more folder (stay on `**`)
    if (tail.length === 0) {
      for (const e of entries) if (!e.name.startsWith('.')) found.add(join(dir, e.name));
    } else await walk(dir, tail, compiledTail, found);
    for (const e of entries) if (e.isDir && !e.name.startsWith('.')) await walk(join(dir, e.name), rest, compiled, found);
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
    if (re === '**' || !re.test(e.name)) continue;
    const path = dir === '' ? e.name : join(dir, e.name);
    if (tail.length === 0) found.add(path);
    else if (e.isDir) await walk(path, tail, compiledTail, found);
  }
}
