/**
 * @file The state file of incremental runs (`analyze --fhir-export … --state <file>`): the
 * `transactionTime` of the last export that was read whole, passed as `_since` the next time.
 *
 * Why a file of its own: a nightly cron job must neither miss changes nor advance past a run that
 * failed. The caller writes the state only after a run that read the whole export (the source's
 * `onComplete`) and was not aborted; the write is atomic (a temporary file beside it, then a
 * rename), so a crash leaves the old state or the new one, never half of either. The state names
 * its server and export level: a state of another server is an error, not a silent `_since`.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { UsageError } from '../util/errors.js';

export interface FhirRunState {
  /** Format of this file. */
  version: 1;
  /** The `--fhir` base URL. */
  server: string;
  /** The `--fhir-export` level. */
  export: string;
  /** transactionTime of the last export read whole: the next `_since`. */
  transactionTime: string;
  /** When the state was written (for people reading it). */
  writtenAt: string;
}

/** The state, or undefined when the file does not exist yet (the first run reads everything). */
export async function readFhirState(path: string, server: string, level: string): Promise<FhirRunState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the state file ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      code: 'STATE_UNREADABLE',
    });
  }
  let state: Partial<FhirRunState>;
  try {
    state = JSON.parse(text) as Partial<FhirRunState>;
  } catch {
    throw new UsageError(`the state file ${JSON.stringify(path)} is not JSON; remove it to read the whole export again`, {
      code: 'STATE_INVALID',
    });
  }
  if (state.version !== 1 || typeof state.transactionTime !== 'string' || Number.isNaN(Date.parse(state.transactionTime))) {
    throw new UsageError(`the state file ${JSON.stringify(path)} has no valid transactionTime; remove it to read the whole export again`, {
      code: 'STATE_INVALID',
    });
  }
  if (state.server !== server || state.export !== level) {
    throw new UsageError(
      `the state file ${JSON.stringify(path)} belongs to ${String(state.server)} (--fhir-export ${String(state.export)}), not ${server} (--fhir-export ${level}); use one state file per server and level`,
      { code: 'STATE_MISMATCH' },
    );
  }
  return state as FhirRunState;
}

/** Write the state atomically: a temporary file beside it, then a rename over it. */
export async function writeFhirState(path: string, state: Omit<FhirRunState, 'version' | 'writtenAt'>): Promise<void> {
  const full: FhirRunState = { version: 1, ...state, writtenAt: new Date().toISOString() };
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
