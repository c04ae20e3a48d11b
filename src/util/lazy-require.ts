/**
 * @file Loads a CommonJS dependency on its first use, from synchronous code. For the decoders that
 * only some records need (DICOM, WAV encodings the fast path leaves out): a run that never meets
 * such a record never loads them, which keeps them out of every run's start-up (bench/startup.sh).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function that returns the module `id`, loading it on the first call only. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
