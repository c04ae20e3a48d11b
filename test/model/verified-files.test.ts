/**
 * The record of verified package files (src/model/verified-files.ts): a start trusts an earlier
 * sha256 check only for a file whose identity (inode, size, mtime, ctime) is unchanged, `verify:
 * 'hash'` (`--verify`) trusts nothing, and a record that is corrupt, of another format, not
 * private or not writable changes nothing but speed. Each test has a copy of the committed
 * package and a cache folder of its own; nothing is written to the user's cache.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModelPackage, ModelPackageError, type VerifyMode } from '../../src/model/package.js';
import { cacheFolder, fileIdentity, VERIFIED_FILES_NAME, VerifiedFiles } from '../../src/model/verified-files.js';
import { tempFolder } from '../io/corpus.js';
import { HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

const { dir: tmp, remove } = tempFolder('cb-verified-');
afterAll(() => remove());

let n = 0;
let pkg: string;
let cache: string;
beforeEach(() => {
  n++;
  pkg = join(tmp, `pkg-${n}`);
  cache = join(tmp, `cache-${n}`, 'clinicalbert');
  cpSync(MODEL_DIR, pkg, { recursive: true });
});

const VOCAB = 'entity_vocab.json';

async function load(mode: VerifyMode, folder: string | undefined = cache): Promise<ModelPackageError | undefined> {
  try {
    await loadModelPackage(pkg, { verify: mode, cache: VerifiedFiles.open(folder) });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return error as ModelPackageError;
  }
}

/** Alters one byte of the entity vocabulary, keeping its size, and puts its mtime back to the nanosecond (`touch -d`). */
function tamperKeepingSizeAndMtime(): void {
  const path = join(pkg, VOCAB);
  const before = statSync(path, { bigint: true });
  writeFileSync(path, readFileSync(path, 'utf8').replace('[PAD]', '[PAX]'));
  const ns = before.mtimeNs % 1_000_000_000n;
  const stamp = `@${before.mtimeNs / 1_000_000_000n}.${ns.toString().padStart(9, '0')}`;
  const touched = spawnSync('touch', ['-m', '-d', stamp, path], { encoding: 'utf8' });
  expect(touched.status, touched.stderr).toBe(0);
  const after = statSync(path, { bigint: true });
  expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
  expect(after.ctimeNs).not.toBe(before.ctimeNs);
}

/** A record that vouches for the entity vocabulary as it is now, with the manifest's sha256. */
function forgeRecord(folder: string): void {
  const record = VerifiedFiles.open(folder);
  const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
  const expected = manifest.files.find((f) => f.path === VOCAB)?.sha256 as string;
  record.add(join(pkg, VOCAB), statSync(join(pkg, VOCAB), { bigint: true }), expected);
  record.save();
}

describe('where the record lives', () => {
  it('is $XDG_CACHE_HOME/clinicalbert when absolute, else ~/.cache/clinicalbert', () => {
    expect(cacheFolder({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/clinicalbert');
    expect(cacheFolder({ XDG_CACHE_HOME: 'relative/cache' })).toBe(join(homedir(), '.cache', 'clinicalbert'));
    expect(cacheFolder({})).toBe(join(homedir(), '.cache', 'clinicalbert'));
  });
});

describe.skipIf(!HAS_MODEL)(`verified package files${MODEL_NOTE}`, () => {
  it('remembers every file of a package that checked, in a private folder (0700) and file (0600)', async () => {
    expect(await load('cached')).toBeUndefined();
    expect(lstatSync(cache).mode & 0o777).toBe(0o700);
    const file = join(cache, VERIFIED_FILES_NAME);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { format: number; files: Record<string, { id: string; sha256: string }> };
    expect(record.format).toBe(1);
    const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    for (const f of manifest.files) {
      const entry = record.files[join(pkg, f.path)];
      expect(entry?.sha256, f.path).toBe(f.sha256);
      expect(entry?.id, f.path).toBe(fileIdentity(statSync(join(pkg, f.path), { bigint: true })));
    }
    expect(await load('cached')).toBeUndefined();
  });

  it('hashes again a file altered after it was verified, even with its size and mtime put back (the ctime moved)', async () => {
    expect(await load('cached')).toBeUndefined();
    tamperKeepingSizeAndMtime();
    const error = await load('cached');
    expect(error?.message).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
  });

  it('is what lets a start skip the hash: a record that vouches for a file is believed, --verify is not fooled and forgets it', async () => {
    // What the cache trusts: a record (this user's own, private) that says the file as it is now
    // hashed to what the manifest expects. Forged here to show the hash is skipped; `hash` reads
    // the file anyway, names it, and drops the entry so the next start hashes it too.
    writeFileSync(join(pkg, VOCAB), readFileSync(join(pkg, VOCAB), 'utf8').replace('[PAD]', '[PAX]'));
    forgeRecord(cache);
    expect(await load('cached')).toBeUndefined();
    expect((await load('hash'))?.message).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
    expect((await load('cached'))?.message).toMatch(/entity_vocab\.json: sha256 .* \(altered\)/);
  });

  it('ignores a record that is corrupt, of another format, writable by others, or a symbolic link', async () => {
    writeFileSync(join(pkg, VOCAB), readFileSync(join(pkg, VOCAB), 'utf8').replace('[PAD]', '[PAX]'));
    const refused = async (why: string) => expect((await load('cached'))?.message, why).toMatch(/entity_vocab\.json: sha256/);
    const file = join(cache, VERIFIED_FILES_NAME);

    forgeRecord(cache);
    chmodSync(file, 0o622);
    await refused('record writable by others');

    forgeRecord(cache);
    chmodSync(cache, 0o777);
    await refused('folder writable by others');
    chmodSync(cache, 0o700);

    forgeRecord(cache);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"format":1', '"format":2'));
    await refused('another format');
    writeFileSync(file, text.slice(0, text.length / 2));
    await refused('cut in half');
    writeFileSync(file, 'null\n');
    await refused('null');

    const elsewhere = join(tmp, `elsewhere-${n}`);
    forgeRecord(elsewhere);
    cpSync(join(elsewhere, VERIFIED_FILES_NAME), join(tmp, `real-${n}.json`));
    rmSync(file);
    symlinkSync(join(tmp, `real-${n}.json`), file);
    await refused('symbolic link');
  });

  it('loads as before when the record cannot be written (the cache folder is a file)', async () => {
    const blocked = join(tmp, `blocked-${n}`);
    writeFileSync(blocked, 'not a folder');
    try {
      await loadModelPackage(pkg, { verify: 'cached', cache: VerifiedFiles.open(join(blocked, 'clinicalbert')) });
    } catch (error) {
      throw new Error(`the load failed: ${String(error)}`);
    }
    expect(readFileSync(blocked, 'utf8')).toBe('not a folder');
  });
});
