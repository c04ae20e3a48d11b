/**
 * @file What a record run (`analyze`, `ask`) shows on stderr besides its summary: the progress
 * spinner on a terminal with log lines printed above it, the readers' notices, dead letters when
 * no file keeps them, and inputs skipped on purpose; and the exit code of a run that
 * dead-lettered records.
 *
 * Why one module: both commands read the same sources through the same loop, so a user of either
 * must see the same lines for the same input. Lines name positions, ids and codes, never content.
 */
import type { Ora } from 'ora';
import type { DeadLetter } from '../io/dead-letter.js';
import type { SourceNotice } from '../io/sources.js';
import type { RecordItem } from '../records/types.js';
import type { Logger, LogFormat } from './logger.js';

/** Exit code of a run that dead-lettered records (or stopped at --max-errors). */
export const EXIT_SOME_DEAD_LETTERED = 3;

export interface RunSpinner {
  spinner?: Ora;
  /** Prints a log line above the spinner, which is drawn again below it. */
  above: (print: () => void) => void;
}

/**
 * A spinner when someone watches (stderr a terminal, text log, not --quiet or --no-progress).
 * A pseudo-terminal of zero width (`script` without a terminal, some containers) sends ora into
 * an endless line-clearing loop: no spinner there.
 */
export async function runSpinner(run: { progress: boolean; quiet: boolean; logFormat: LogFormat }, text: string): Promise<RunSpinner> {
  const show = run.progress && !run.quiet && run.logFormat === 'text' && process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0;
  if (!show) return { above: (print) => print() };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr }).start();
  return {
    spinner,
    above: (print) => {
      spinner.clear();
      print();
      spinner.render();
    },
  };
}

/** The log lines of a record run's reading: notices, dead letters (without a file), skipped inputs. */
export function runLogHandlers(
  log: Logger,
  above: RunSpinner['above'],
  options: { deadLetterFile: boolean },
): {
  onNotice: (n: SourceNotice) => void;
  onDeadLetter?: (l: DeadLetter) => void;
  onSkipped: (s: Extract<RecordItem, { kind: 'skipped' }>) => void;
} {
  return {
    // Files of a Bulk folder that are not resources (log.ndjson, a README): one line per folder;
    // and Bulk lines that joined no record, counted by reason
    onNotice: (n) =>
      above(() =>
        n.code === 'FILES_NOT_READ'
          ? log.info('files_not_read', n.message, { folder: n.folder, files: n.files })
          : log.info('lines_not_read', n.message, { reasons: n.reasons }),
      ),
    // Without a dead-letter file the letters would be lost: print each one (as an error, so
    // --quiet still shows it), naming the position and the reason, never record content.
    ...(options.deadLetterFile
      ? {}
      : {
          onDeadLetter: (l: DeadLetter) => {
            const where = `${l.file}${l.line !== undefined ? `:${l.line}` : ''}${l.entry !== undefined ? ` entry ${l.entry}` : ''}`;
            above(() => log.error('dead_letter', `${where}${l.recordId ? ` (${l.recordId})` : ''}: ${l.code}: ${l.reason}`, { ...l }));
          },
        }),
    onSkipped: (s) => {
      const where = `${s.position.file}${s.position.line !== undefined ? `:${s.position.line}` : ''}`;
      above(() => log.info('skipped', `${where}: ${s.code}: ${s.reason}`, { file: s.position.file, code: s.code }));
    },
  };
}
