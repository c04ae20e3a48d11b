/**
 * @file Every request the FHIR server source (src/io/fhir-server.ts) makes: one origin, bounded
 * retries, typed errors.
 *
 * Why a layer of its own: `--fhir <base>` is the user's consent to talk to that one server, so
 * every URL (paging links, Content-Location, manifest outputs, redirects) is checked against the
 * base URL's origin before it is requested, and redirects are never followed blindly. Servers
 * throttle (429 with Retry-After) and fail transiently (5xx, cut connections, slow answers), so
 * those are retried with exponential backoff a bounded number of times; 401/403/404 and other
 * 4xx are not retried and become a `FhirServerError` naming the method, the URL and the status —
 * never the token. JSON requests go through fhir-kit-client (imported with the first request,
 * so runs that read files never load it); downloads stream with `fetch` (fhir-kit-client buffers
 * whole bodies) under a byte limit.
 *
 * Auth is a static bearer token (`token`) or a `FhirAuth` (SMART Backend Services,
 * src/io/smart-auth.ts) asked for the header before every try; a 401 makes such an auth fetch a
 * new token once and the request is tried again, a second 401 is the error.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'fhir-kit-client';
import { ClinicalBertError } from '../util/errors.js';

/** A request to the FHIR server failed; `url` and `status` say which and how (never a token). */
export class FhirServerError extends ClinicalBertError {
  readonly url: string;
  readonly status: number | undefined;
  constructor(message: string, options: { code: string; url: string; status?: number; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.url = options.url;
    this.status = options.status;
  }
}

/** Where the Authorization header comes from when it is not a fixed token (SMART Backend Services). */
export interface FhirAuth {
  /** `Bearer …`, from a cache or freshly fetched. */
  authorization(): Promise<string>;
  /** Forget the cached token (the server answered 401): the next `authorization()` fetches one. */
  invalidate(): void;
  /** How the user passes credentials, named in a 401 message. */
  readonly hint: string;
}

export interface FhirHttpOptions {
  /** Base URL of the server (`--fhir`); its origin is the only one requested. */
  base: string;
  /** Bearer token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** Tokens fetched on demand (SMART Backend Services); wins over `token`. */
  auth?: FhirAuth;
  /** Time allowed for one request, answer body included (default 60 s). */
  timeoutMs?: number;
  /** Tries per request when the server throttles, fails with 5xx or the connection breaks (default 5). */
  maxAttempts?: number;
  /** First backoff delay, doubled per try (default 1 s). */
  backoffMs?: number;
  /** Longest backoff delay and longest Retry-After honoured (default 120 s). */
  maxDelayMs?: number;
  /** Told about each retry (what failed, how long until the next try). */
  onRetry?: (message: string) => void;
}

export const DEFAULT_FHIR_TIMEOUT_MS = 60_000;
export const DEFAULT_FHIR_ATTEMPTS = 5;

type Json = Record<string, unknown>;

export interface JsonAnswer {
  status: number;
  body: Json;
  headers: Headers;
}

/** A non-2xx answer, handed from an attempt to the retry loop. */
interface Failed {
  failedStatus: number;
  headers: Headers | undefined;
  data: unknown;
}

const RETRIED_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class FhirHttp {
  readonly base: string;
  readonly origin: string;
  private client: Promise<{ client: Client; httpFor: typeof Client.httpFor }> | undefined;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: FhirHttpOptions) {
    this.base = options.base.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FHIR_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_FHIR_ATTEMPTS);
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 120_000;
  }

  /** The fhir-kit-client for this base, made on the first JSON request. */
  private kitClient(): Promise<{ client: Client; httpFor: typeof Client.httpFor }> {
    this.client ??= import('fhir-kit-client').then(({ Client: Kit }) => ({
      client: new Kit({
        baseUrl: this.base,
        // never follow a redirect blindly: it could leave the server the user named
        requestOptions: { redirect: 'manual' },
      }),
      httpFor: (body) => Kit.httpFor(body),
    }));
    return this.client;
  }

  /** The Authorization header value for the next try, if any. */
  private async authorization(): Promise<string | undefined> {
    if (this.options.auth) return this.options.auth.authorization();
    return this.options.token ? `Bearer ${this.options.token}` : undefined;
  }

  /** The URL (relative ones against `relativeTo`), or a `FHIR_OTHER_ORIGIN` error. */
  sameOrigin(url: string, what: string, relativeTo = `${this.base}/`): string {
    let parsed: URL;
    try {
      parsed = new URL(url, relativeTo);
    } catch (cause) {
      throw new FhirServerError(`the FHIR server gave ${what} that is not a URL: ${JSON.stringify(url.slice(0, 200))}`, {
        code: 'FHIR_BAD_URL',
        url: relativeTo,
        cause,
      });
    }
    if (parsed.origin !== this.origin) {
      throw new FhirServerError(
        `the FHIR server gave ${what} on another origin (${parsed.origin}); only ${this.origin} (--fhir) is contacted`,
        { code: 'FHIR_OTHER_ORIGIN', url: parsed.toString() },
      );
    }
    return parsed.toString();
  }

  /**
   * A JSON request (GET unless told; a POST sends `body` as application/fhir+json), retried on
   * 429/5xx/network errors. Any 2xx is returned.
   */
  async json(
    url: string,
    init: { method?: 'GET' | 'DELETE' | 'POST'; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<JsonAnswer> {
    const target = this.sameOrigin(url, 'a URL');
    const method = init.method ?? 'GET';
    const { client, httpFor } = await this.kitClient();
    return this.retrying<JsonAnswer>(method, target, async () => {
      const authorization = await this.authorization();
      try {
        const body = (await client.request(target, {
          method,
          options: {
            headers: {
              ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
              ...(init.headers ?? {}),
              ...(authorization ? { authorization } : {}),
            },
            signal: AbortSignal.timeout(this.timeoutMs),
          },
          ...(init.body !== undefined ? { body: init.body } : {}),
        })) as Json;
        const { response } = httpFor(body as never) as { response: Response };
        return { status: response.status, body, headers: response.headers };
      } catch (error) {
        const failed = error as { response?: { status?: number; data?: unknown }; config?: { headers?: Headers } };
        if (failed.response?.status !== undefined) {
          return { failedStatus: failed.response.status, headers: failed.config?.headers, data: failed.response.data };
        }
        throw error;
      }
    });
  }

  /**
   * An OAuth form POST (application/x-www-form-urlencoded, no Authorization), retried on
   * 429/5xx/network errors; a field given as a function is computed anew for every try. Any
   * other answer is returned, 4xx included, for the caller to explain (OAuth `error` bodies).
   */
  async form(url: string, fields: Record<string, string | (() => string)>): Promise<JsonAnswer> {
    const target = this.sameOrigin(url, 'a token endpoint');
    return this.retrying<JsonAnswer>('POST', target, async () => {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) body.set(k, typeof v === 'function' ? v() : v);
      const response = await fetch(target, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      let json: Json = {};
      try {
        json = text ? (JSON.parse(text) as Json) : {};
      } catch {
        json = {};
      }
      if (RETRIED_STATUS.has(response.status) || (response.status >= 300 && response.status < 400)) {
        return { failedStatus: response.status, headers: response.headers, data: json };
      }
      return { status: response.status, body: json, headers: response.headers };
    });
  }

  /**
   * Stream a file to `path` (NDJSON download), retried whole on 429/5xx and on a body cut short
   * (a connection closed before Content-Length bytes). Returns the bytes written.
   */
  async download(url: string, path: string, init: { bearer: boolean; maxBytes: number }): Promise<number> {
    const target = this.sameOrigin(url, 'an output file URL');
    return this.retrying<number>('GET', target, async () => {
      const authorization = init.bearer ? await this.authorization() : undefined;
      const response = await fetch(target, {
        redirect: 'manual',
        headers: {
          accept: 'application/fhir+ndjson',
          ...(authorization ? { authorization } : {}),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return { failedStatus: response.status, headers: response.headers, data: undefined };
      }
      const expected = Number(response.headers.get('content-length') ?? Number.NaN);
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > init.maxBytes) {
            done(
              new FhirServerError(`the file at ${target} is larger than the download limit (${init.maxBytes} bytes)`, {
                code: 'FHIR_DOWNLOAD_TOO_LARGE',
                url: target,
              }),
            );
            return;
          }
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(response.body as never), count, createWriteStream(path));
      } catch (error) {
        if (error instanceof FhirServerError) throw error;
        // the connection broke after the headers: the file on disk is partial
        throw Object.assign(new Error(`download cut short after ${bytes} bytes (${networkReason(error)})`), {
          code: 'FHIR_DOWNLOAD_INCOMPLETE',
          cause: error,
        });
      }
      if (Number.isFinite(expected) && bytes !== expected) {
        throw Object.assign(new Error(`download cut short: ${bytes} of ${expected} bytes`), { code: 'FHIR_DOWNLOAD_INCOMPLETE' });
      }
      return bytes;
    });
  }

  private async retrying<T>(method: string, url: string, attempt: () => Promise<T | Failed>): Promise<T> {
    let refreshed = false;
    for (let n = 1; ; n++) {
      let delay: number;
      let why: string;
      try {
        const out = await attempt();
        if (!(out && typeof out === 'object' && 'failedStatus' in out)) return out as T;
        const { failedStatus: status, headers, data } = out;
        if (status >= 300 && status < 400) {
          const location = headers?.get('location') ?? '';
          throw new FhirServerError(
            `the FHIR server redirected ${method} ${url} (${status}) to ${location.slice(0, 200) || 'nowhere'}; redirects are not followed: pass the final base URL to --fhir`,
            { code: 'FHIR_REDIRECT', url, status },
          );
        }
        if (status === 401 && this.options.auth && !refreshed) {
          // the token may have expired early (or been revoked): one new token, one more try
          refreshed = true;
          this.options.auth.invalidate();
          this.options.onRetry?.(`${method} ${url}: 401; fetching a new access token and trying again`);
          n--;
          continue;
        }
        if (!RETRIED_STATUS.has(status) || n >= this.maxAttempts) {
          throw httpError(method, url, status, data, n, this.options.auth?.hint);
        }
        delay = retryAfterMs(headers?.get('retry-after')) ?? this.backoff(n);
        why = `${status}`;
      } catch (error) {
        if (error instanceof FhirServerError) throw error;
        const reason = networkReason(error);
        if (n >= this.maxAttempts) {
          const incomplete = (error as { code?: string }).code === 'FHIR_DOWNLOAD_INCOMPLETE';
          throw new FhirServerError(
            `${method} ${url} failed after ${n} tries: ${reason}${incomplete ? ' (the file was never read whole, so nothing of it is used)' : ''}`,
            { code: incomplete ? 'FHIR_DOWNLOAD_INCOMPLETE' : reason === 'timed out' ? 'FHIR_TIMEOUT' : 'FHIR_NETWORK', url, cause: error },
          );
        }
        delay = this.backoff(n);
        why = reason;
      }
      delay = Math.min(delay, this.maxDelayMs);
      this.options.onRetry?.(`${method} ${url}: ${why}; try ${n + 1} of ${this.maxAttempts} in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
    }
  }

  private backoff(n: number): number {
    return Math.min(this.maxDelayMs, this.backoffMs * 2 ** (n - 1));
  }
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  if (e.code === 'FHIR_DOWNLOAD_INCOMPLETE') return e.message ?? 'download cut short';
  return e.cause?.code ?? e.code ?? e.message ?? 'network error';
}

/** The server's own short reason (OperationOutcome diagnostics), never more than a line. */
function serverReason(data: unknown): string {
  const issue = (data as { issue?: { diagnostics?: string; details?: { text?: string } }[] } | undefined)?.issue?.[0];
  const text = issue?.diagnostics ?? issue?.details?.text;
  return typeof text === 'string' && text ? `: ${text.slice(0, 200)}` : '';
}

function httpError(method: string, url: string, status: number, data: unknown, tries: number, authHint?: string): FhirServerError {
  const said = serverReason(data);
  if (status === 401) {
    return new FhirServerError(
      `the FHIR server answered 401 Unauthorized to ${method} ${url}${said}: ${authHint ?? 'the token is missing, wrong or expired (--fhir-token-env, --fhir-token-file)'}`,
      { code: 'FHIR_UNAUTHORIZED', url, status },
    );
  }
  if (status === 403) {
    return new FhirServerError(`the FHIR server answered 403 Forbidden to ${method} ${url}${said}: the token does not allow this`, {
      code: 'FHIR_FORBIDDEN',
      url,
      status,
    });
  }
  if (status === 404) {
    return new FhirServerError(`the FHIR server answered 404 Not Found to ${method} ${url}${said}`, {
      code: 'FHIR_NOT_FOUND',
      url,
      status,
    });
  }
  const retried = RETRIED_STATUS.has(status) ? ` (after ${tries} tries)` : '';
  return new FhirServerError(`the FHIR server answered ${status} to ${method} ${url}${retried}${said}`, {
    code: status === 429 ? 'FHIR_RATE_LIMITED' : 'FHIR_HTTP_ERROR',
    url,
    status,
  });
}
