/**
 * @file Remembers which model package files this user has already hashed, so a start does not
 * read the whole package again to check sha256s that cannot have changed (issue 12, "a fast
 * start"). `--verify` bypasses it and hashes every file.
 *
 * A file counts as verified when the sha256 its manifest expects is the one recorded for it and
 * the file's identity is exactly what it was when that hash was computed: device, inode, size,
 * mtime and ctime (nanoseconds). Any write changes size or mtime; a write whose mtime is then set
 * back (`touch -r`, `utimes`) still moves the ctime, which no ordinary call can set, and copying,
 * moving or replacing the file changes its inode: each of these means the file is hashed again.
 * What this cannot see is a change made below the file system (a raw write to the block device, a
 * file system image edited offline, the clock set back by root before the write): whoever can do
 * that can also change clinicalbert itself, and `--verify` hashes everything whatever this says.
 *
 * The record is one JSON file in a private per-user folder, `$XDG_CACHE_HOME/clinicalbert` (an
 * absolute XDG_CACHE_HOME only, as the XDG spec says) or `~/.cache/clinicalbert`: folder 0700, file
 * 0600, written to a temporary file and renamed so concurrent runs never read half a file. It is
 * trusted only when it is a plain file in a plain folder owned by this user that no one else can
 * write (someone who could write it could vouch for a tampered model). A record that is missing,
 * unreadable, corrupt, of another format, or not trusted is ignored: every file is hashed, as
 * without a cache. Failing to write it is never an error either. At most MAX_ENTRIES files are
 * remembered, the most recently verified.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, type BigIntStats, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const VERIFIED_FILES_FORMAT = 1;
export const VERIFIED_FILES_NAME = 'verified-files.json';
export const MAX_ENTRIES = 1000;

interface Entry {
  /** dev:ino:size:mtimeNs:ctimeNs when the hash was computed. */
  id: string;
  sha256: string;
  /** When it was verified (ms since the epoch), to keep the newest MAX_ENTRIES. */
  at: number;
}

interface RecordFile {
  format: number;
  files: Record<string, Entry>;
}

/** The private cache folder for this user, or undefined when there is no home to put it in. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'clinicalbert');
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  return home && isAbsolute(home) ? join(home, '.cache', 'clinicalbert') : undefined;
}

/** A file's identity as this module compares it: any change to the file changes it. */
export function fileIdentity(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Owned by this user (where the platform has users) and writable by no one else. */
function isPrivate(stats: BigIntStats): boolean {
  const uid = process.getuid?.();
  return (uid === undefined || stats.uid === BigInt(uid)) && (stats.mode & 0o022n) === 0n;
}

function readRecord(folder: string): RecordFile['files'] {
  try {
    const dir = lstatSync(folder, { bigint: true });
    const file = lstatSync(join(folder, VERIFIED_FILES_NAME), { bigint: true });
    if (!dir.isDirectory() || !file.isFile() || !isPrivate(dir) || !isPrivate(file)) return {};
    const data = JSON.parse(readFileSync(join(folder, VERIFIED_FILES_NAME), 'utf8')) as Partial<RecordFile> | null;
    if (data?.format !== VERIFIED_FILES_FORMAT || typeof data.files !== 'object' || data.files === null) return {};
    const files: RecordFile['files'] = {};
    for (const [path, entry] of Object.entries(data.files)) {
      const e = entry as Partial<Entry> | null;
      if (typeof e?.id === 'string' && typeof e.sha256 === 'string' && typeof e.at === 'number') {
        files[path] = { id: e.id, sha256: e.sha256, at: e.at };
      }
    }
    return files;
  } catch {
    return {};
  }
}

export class VerifiedFiles {
  private changed = false;

  private constructor(
    /** The cache folder, or undefined: nothing is remembered. */
    readonly folder: string | undefined,
    private readonly files: RecordFile['files'],
  ) {}

  /** The record in `folder` (default: this user's cache folder), or an empty one when it cannot be used. */
  static open(folder: string | undefined = cacheFolder()): VerifiedFiles {
    return new VerifiedFiles(folder, folder ? readRecord(folder) : {});
  }

  /** True when `path`, as `stats` describe it now, was hashed before and had the `sha256` expected. */
  has(path: string, stats: BigIntStats, sha256: string): boolean {
    const entry = this.files[path];
    return entry !== undefined && entry.sha256 === sha256 && entry.id === fileIdentity(stats);
  }

  /** Remember that `path`, as `stats` describe it, hashed to `sha256`. */
  add(path: string, stats: BigIntStats, sha256: string): void {
    this.files[path] = { id: fileIdentity(stats), sha256, at: Date.now() };
    this.changed = true;
  }

  /** Forget `path` (its check failed): the next start hashes it whatever its identity. */
  forget(path: string): void {
    if (this.files[path] === undefined) return;
    delete this.files[path];
    this.changed = true;
  }

  /** Writes the record when something was added; any failure leaves things as they were. */
  save(): void {
    if (!this.changed || !this.folder) return;
    const folder = this.folder;
    const newest = Object.entries(this.files)
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MAX_ENTRIES);
    const text = `${JSON.stringify({ format: VERIFIED_FILES_FORMAT, files: Object.fromEntries(newest) } satisfies RecordFile)}\n`;
    const temp = join(folder, `.${VERIFIED_FILES_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const dir = lstatSync(folder, { bigint: true });
      if (!dir.isDirectory() || !isPrivate(dir)) return;
      // a folder made by an older umask: keep the paths of this user's models to this user
      if ((dir.mode & 0o077n) !== 0n) chmodSync(folder, 0o700);
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
      renameSync(temp, join(folder, VERIFIED_FILES_NAME));
      this.changed = false;
    } catch {
      try {
        rmSync(temp, { force: true });
      } catch {
        // nothing more to do: the record is a cache
      }
    }
  }
}
