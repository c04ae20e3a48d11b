/**
 * @file SIGINT and SIGTERM during `analyze`: stop cleanly, with the summary, the outputs flushed
 * and no temporary files left, and exit 130 / 143.
 *
 * Why: killed by the default handlers, a run printed no summary, lost the records waiting in its
 * window and left its Bulk spill folder (a full copy of the records) in the temp folder, one per
 * interrupted run. Here the first signal aborts the `AbortSignal` handed to the run, which stops
 * the read (src/records/read.ts): the records already read go through the model and are written,
 * the spill folder is removed as the read ends, the outputs are closed, the summary is printed,
 * and the exit code is 128 + the signal's number. A second signal exits at once, after removing
 * the temporary folders still open (src/util/temp-folder.ts).
 */
import { removeLiveTempFoldersSync } from '../util/temp-folder.js';
import { Logger, type LogFormat } from './logger.js';

/** Exit codes of a run stopped by a signal: 128 + the signal's number. */
export const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_ON_SIGNAL;

/**
 * Runs `run` with SIGINT/SIGTERM caught; returns its exit code, or 130/143 when a signal stopped
 * it. The handlers are removed when `run` settles.
 */
export async function withStopSignals(
  log: { format: LogFormat; quiet: boolean },
  run: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const logger = new Logger(log.format, log.quiet);
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const handler = (signal: StopSignal): void => {
    if (stoppedBy) {
      removeLiveTempFoldersSync();
      process.exit(EXIT_ON_SIGNAL[signal]);
    }
    stoppedBy = signal;
    logger.warn('stopping', `${signal}: finishing the records already read, then stopping (${signal} again stops at once)`, {
      signal,
    });
    stop.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    const code = await run(stop.signal);
    if (!stoppedBy) return code;
    logger.error('stopped', `stopped by ${stoppedBy}: inputs not read to the end; temporary files removed`, { signal: stoppedBy });
    return EXIT_ON_SIGNAL[stoppedBy];
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}
