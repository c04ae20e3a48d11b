/**
 * @file Messages for people and for cron logs, on stderr only (stdout carries data).
 *
 * `text` format colours only on a TTY; `json` format writes one object per line with a level and
 * an event name, for log collectors. Messages carry ids and positions, never record content.
 * Ids, fullUrls and file names come from input: in `text` format every control character of a
 * message is escaped (src/util/control-chars.ts), so a record id cannot drive the terminal or
 * forge a log line.
 */
import chalk from 'chalk';
import { escapeControl } from '../util/control-chars.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class Logger {
  private readonly color: boolean;

  constructor(
    readonly format: LogFormat,
    readonly quiet: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.color = format === 'text' && stream.isTTY === true && !process.env.NO_COLOR;
  }

  private emit(level: 'info' | 'warn' | 'error', event: string, message: string, data?: Record<string, unknown>): void {
    if (this.format === 'json') {
      this.stream.write(`${JSON.stringify({ level, event, message, ...(data ?? {}) })}\n`);
      return;
    }
    const prefix =
      level === 'info'
        ? ''
        : this.color
          ? level === 'warn'
            ? chalk.yellow('warning: ')
            : chalk.red('error: ')
          : `${level === 'warn' ? 'warning' : 'error'}: `;
    this.stream.write(`${prefix}${escapeControl(message)}\n`);
  }

  info(event: string, message: string, data?: Record<string, unknown>): void {
    if (!this.quiet) this.emit('info', event, message, data);
  }

  warn(event: string, message: string, data?: Record<string, unknown>): void {
    if (!this.quiet) this.emit('warn', event, message, data);
  }

  /** Errors are printed even with --quiet. */
  error(event: string, message: string, data?: Record<string, unknown>): void {
    this.emit('error', event, message, data);
  }
}
