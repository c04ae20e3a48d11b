/**
 * @file Private temporary folders that do not outlive their run, even a killed one.
 *
 * Why: the Bulk Data join (src/records/group-bulk.ts) spills a full copy of the input's records
 * into a temporary folder. A run stopped by SIGINT or SIGTERM, or killed outright, left that
 * copy behind, and every such run left another. So:
 *
 * - a folder is created private (0700, its files 0600 by their creators) and named
 *   `<prefix><pid>-<random>`, so the run that owns it can be told from the name;
 * - folders still open are kept in a list that a signal handler can remove synchronously
 *   (`removeLiveTempFoldersSync`) before a forced exit;
 * - before the first folder of a prefix is made, stale ones in the same parent are removed:
 *   same prefix, a directory (not a link), owned by this user, and either named with a PID that
 *   no longer runs, or (no PID in the name: made by an older version) last modified more than
 *   `STALE_UNNAMED_AGE_MS` ago. A PID that runs keeps its folder, whatever its age: a long run
 *   is not stale. (A run in another PID namespace sharing the temp folder would look dead; give
 *   such runs their own temp folder.)
 */
import { rmSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder of this prefix without a PID in its name is stale after this long (1 hour). */
export const STALE_UNNAMED_AGE_MS = 60 * 60 * 1000;

const live = new Set<string>();
const swept = new Set<string>();

/** Whether a process with this PID runs (EPERM: it runs, as another user). */
export function pidRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the stale folders of `prefix` in `parent` (see the file comment for the rule) and
 * returns the names removed. Errors (a folder removed meanwhile, no permission) are ignored.
 */
export async function removeStaleTempFolders(prefix: string, parent: string = tmpdir(), now: number = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(parent, name);
    if (live.has(path)) continue;
    try {
      const info = await lstat(path);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
      const stale = pid !== undefined ? Number(pid) !== process.pid && !pidRuns(Number(pid)) : now - info.mtimeMs > STALE_UNNAMED_AGE_MS;
      if (!stale) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** Makes a private folder `<parent>/<prefix><pid>-XXXXXX`, after sweeping stale ones once per process. */
export async function makeTempFolder(prefix: string, parent: string = tmpdir()): Promise<string> {
  const sweep = `${parent}\u0000${prefix}`;
  if (!swept.has(sweep)) {
    swept.add(sweep);
    await removeStaleTempFolders(prefix, parent);
  }
  const dir = await mkdtemp(join(parent, `${prefix}${process.pid}-`));
  await chmod(dir, 0o700);
  live.add(dir);
  return dir;
}

/** Removes a folder made by `makeTempFolder`. */
export async function removeTempFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Removes every folder still open, synchronously: for a forced exit from a signal handler. */
export function removeLiveTempFoldersSync(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done on the way out
    }
    live.delete(dir);
  }
}
