/**
 * @file Writes JSON Lines to stdout or a file, waiting when the stream is full (so a slow consumer
 * such as `| jq` holds the pipeline back instead of filling memory) and stopping quietly when the
 * reader goes away (`| head`): a closed pipe is the reader's choice, not an error.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class JsonLinesSink {
  private readonly stream: Writable;
  private readonly ownsStream: boolean;
  private closedByReader = false;
  lines = 0;

  /** `path` undefined or `-` writes to stdout. */
  constructor(readonly path?: string) {
    if (!path || path === '-') {
      this.stream = process.stdout;
      this.ownsStream = false;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      this.stream = createWriteStream(path, { encoding: 'utf8' });
      this.ownsStream = true;
    }
    this.stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closedByReader = true;
      else throw error;
    });
  }

  /** True once the reader closed the pipe: the caller may stop producing. */
  get closed(): boolean {
    return this.closedByReader;
  }

  async write(value: unknown): Promise<void> {
    if (this.closedByReader) return;
    this.lines++;
    let accepted: boolean;
    try {
      accepted = this.stream.write(`${JSON.stringify(value)}\n`);
    } catch (error) {
      // Writes to a pipe are synchronous on Linux: a closed pipe throws here instead of emitting.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      this.closedByReader = true;
      return;
    }
    if (!accepted) await this.drained();
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

  async close(): Promise<void> {
    if (!this.ownsStream || this.closedByReader) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
