/**
 * @file The dead-letter output: one JSON line per record that could not be processed at all, with
 * where it came from and why. Reasons name files, lines and ids, never record content.
 */
import type { SourcePosition } from './types.js';
import { JsonLinesSink } from './jsonl-sink.js';

export interface DeadLetter {
  file: string;
  line?: number;
  entry?: number;
  recordId?: string;
  /** Stable machine-readable code, e.g. `INVALID_JSON`, `NO_PATIENT`, `INFERENCE_FAILED`. */
  code: string;
  reason: string;
}

export class DeadLetterSink {
  private readonly sink?: JsonLinesSink;
  count = 0;
  readonly byCode: Record<string, number> = {};

  /**
   * Without a path, dead letters are only counted (and reported in the summary). `append` adds to
   * the file (`--resume`), and `byCode` starts from the codes already in it.
   */
  constructor(path?: string, options: { append?: boolean; byCode?: Record<string, number> } = {}) {
    if (path) this.sink = new JsonLinesSink(path, { append: options.append === true });
    Object.assign(this.byCode, options.byCode ?? {});
  }

  async write(position: SourcePosition, code: string, reason: string, recordId?: string): Promise<DeadLetter> {
    const letter: DeadLetter = {
      file: position.file,
      ...(position.line !== undefined ? { line: position.line } : {}),
      ...(position.entry !== undefined ? { entry: position.entry } : {}),
      ...(recordId ? { recordId } : {}),
      code,
      reason,
    };
    this.count++;
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    await this.sink?.write(letter);
    return letter;
  }

  /** Writes a letter already made (the queue's collect copies its units' letters as they are). */
  async copy(letter: DeadLetter): Promise<void> {
    this.count++;
    this.byCode[letter.code] = (this.byCode[letter.code] ?? 0) + 1;
    await this.sink?.write(letter);
  }

  close(): Promise<void> {
    return this.sink?.close() ?? Promise.resolve();
  }
}
