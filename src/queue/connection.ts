/**
 * @file `--redis URL` for the queue commands and workers: parsed into connection options for
 * BullMQ (ioredis), checked with one PING before anything is queued or run, and named in errors
 * without its password.
 *
 * Why a PING first: ioredis retries a refused connection forever by default, so a mistyped URL
 * would hang `queue submit` or a worker silently; here it is an error naming the URL (exit 1).
 */
import type { ConnectionOptions } from 'bullmq';
import { ClinicalBertError, quote, UsageError } from '../util/errors.js';

/** What a connection problem is called: code QUEUE_UNREACHABLE, exit 1. */
export class QueueUnreachable extends ClinicalBertError {
  constructor(url: string, cause: unknown) {
    super(`cannot reach Redis at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      code: 'QUEUE_UNREACHABLE',
      cause,
    });
  }
}

export interface RedisTarget {
  /** The URL with its password replaced by `***`, for messages and logs. */
  shown: string;
  connection: ConnectionOptions;
}

/** Tries of a lost connection before a command gives up (a worker's jobs come back to the queue). */
const RECONNECT_TRIES = 10;

/**
 * Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). `reconnect`: a
 * worker rides out a Redis restart (RECONNECT_TRIES); a one-shot command fails at once instead.
 */
export function parseRedisUrl(text: string, { reconnect = false } = {}): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--redis must be a URL such as redis://127.0.0.1:6379/0, got ${quote(text)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got ${quote(`${url.protocol}//${url.host}`)}`);
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new UsageError(`--redis database must be a number 0-15, got ${quote(db)}`);
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return {
    shown: shown.href,
    connection: {
      host: url.hostname || '127.0.0.1',
      port: url.port ? Number(url.port) : 6379,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ workers block on Redis: a command must wait for a reconnect, not fail after 20 tries
      maxRetriesPerRequest: null,
      connectTimeout: 5000,
      retryStrategy: (times: number) => (reconnect && times <= RECONNECT_TRIES ? Math.min(times * 200, 2000) : null),
    },
  };
}

/** Resolves once `ping` answers, or throws QueueUnreachable after `ms`. */
export async function checkReachable(
  target: RedisTarget,
  ping: () => Promise<unknown>,
  lastError: () => Error | undefined = () => undefined,
  ms = 5000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          const last = lastError();
          reject(new Error(`no answer in ${ms / 1000} s${last ? ` (${last.message})` : ''}`));
        }, ms);
      }),
    ]);
  } catch (error) {
    throw new QueueUnreachable(target.shown, error);
  } finally {
    clearTimeout(timer);
  }
}
