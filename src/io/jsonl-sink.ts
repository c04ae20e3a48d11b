/**
 * @file Writes JSON Lines to stdout or a file, waiting when the stream is full (so a slow consumer
 * such as `| jq` holds the pipeline back instead of filling memory) and stopping quietly when the
 * reader goes away (`| head`): a closed pipe is the reader's choice, not an error.
 *
 * Any other failure of the output (ENOSPC on a full disk or `/dev/full`, EISDIR when `--out` is a
 * folder, EACCES) ends the run: the next `write` or `close` throws an `OutputError` naming the
 * file and the system code, which the CLI prints as one line (exit 1), never a stack trace.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ClinicalBertError } from '../util/errors.js';

/** The output file or stream could not be written (code OUTPUT_FAILED; `cause` is the system error). */
export class OutputError extends ClinicalBertError {
  constructor(
    readonly file: string,
    readonly systemCode: string | undefined,
    cause: unknown,
  ) {
    super(`cannot write ${JSON.stringify(file)}: ${describe(systemCode, cause)}`, { code: 'OUTPUT_FAILED', cause });
  }
}

function describe(code: string | undefined, cause: unknown): string {
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EISDIR':
      return 'it is a folder (EISDIR)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOTDIR':
      return 'a part of the path is not a folder (ENOTDIR)';
    default:
      return code ?? (cause instanceof Error ? cause.message : String(cause));
  }
}

export class JsonLinesSink {
  private readonly stream: Writable;
  private readonly ownsStream: boolean;
  private closedByReader = false;
  private failure: OutputError | undefined;
  lines = 0;

  /** `path` undefined or `-` writes to stdout; `append` adds to the file instead of replacing it (`--resume`). */
  constructor(
    readonly path?: string,
    options: { append?: boolean } = {},
  ) {
    if (!path || path === '-') {
      this.stream = process.stdout;
      this.ownsStream = false;
    } else {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (error) {
        throw new OutputError(path, (error as NodeJS.ErrnoException).code, error);
      }
      this.stream = createWriteStream(path, { encoding: 'utf8', flags: options.append ? 'a' : 'w' });
      this.ownsStream = true;
    }
    this.stream.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
  }

  private fail(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' && !this.ownsStream) this.closedByReader = true;
    else this.failure ??= new OutputError(this.path && this.path !== '-' ? this.path : 'stdout', code, error);
  }

  /** True once the reader closed the pipe: the caller may stop producing. */
  get closed(): boolean {
    return this.closedByReader;
  }

  async write(value: unknown): Promise<void> {
    return this.writeLine(JSON.stringify(value));
  }

  /** Writes one line already serialized (no newline inside; the queue's collect copies lines as they are). */
  async writeLine(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closedByReader) return;
    this.lines++;
    let accepted: boolean;
    try {
      accepted = this.stream.write(`${text}\n`);
    } catch (error) {
      // Writes to a pipe are synchronous on Linux: a closed pipe throws here instead of emitting.
      this.fail(error);
      if (this.failure) throw this.failure;
      return;
    }
    if (!accepted) await this.drained();
    if (this.failure) throw this.failure;
  }

  /** Waits for room in the stream, or for its end (an error is handled by the constructor's listener). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }

  /** Flushes and closes a file; throws the `OutputError` if the output failed at any point. */
  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.ownsStream || this.closedByReader) return;
    if (this.stream.destroyed) {
      if (this.failure) throw this.failure;
      return;
    }
    this.stream.end();
    try {
      await once(this.stream, 'finish');
    } catch (error) {
      this.fail(error);
    }
    if (this.failure) throw this.failure;
  }
}
