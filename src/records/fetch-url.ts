/**
 * @file Fetch one attachment by http(s) URL — only ever called when the user passed
 * `--allow-network`; without it the tool makes no request at all.
 *
 * Why a module of its own: fetching is the one place record assembly touches the network, so its
 * limits live together: a timeout, the same size cap as inline data (checked against
 * Content-Length first, then while streaming, so an oversized or endless body is cut off early),
 * no credentials, and failures reported by host and status only. The path and query are left out
 * of messages because they often carry patient or record identifiers.
 *
 * Where a request may go is checked here too, because a record is untrusted input: redirects are
 * followed by hand (at most MAX_REDIRECTS hops, http/https only) and every hop is checked again;
 * loopback, link-local, private, unspecified, multicast and cloud-metadata addresses are refused
 * unless `--allow-private-network`. The check is on the RESOLVED addresses (every address a name
 * resolves to), inside the socket's own `lookup`, so the connection goes to the address that was
 * checked (no DNS rebinding between check and connect). node:http is used rather than global
 * fetch because undici's Agent (to pass a lookup) is not importable without the `undici` package.
 *
 * RecordFetcher holds what is per record: a wall-clock budget over all of a record's fetches (so
 * four URLs that trickle a byte a second cannot hold one record for minutes) and a bound on how
 * many of its fetches run at once; a URL fetched twice in one record is fetched once.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export const FETCH_TIMEOUT_MS = 30_000;
/** Default wall-clock budget for all URL fetches of one record (`--fetch-budget-s`). */
export const DEFAULT_FETCH_BUDGET_MS = 30_000;
/** Fetches of one record running at once. */
export const FETCH_CONCURRENCY = 4;
export const MAX_REDIRECTS = 5;

export type FetchResult = { ok: true; bytes: Uint8Array; contentType?: string } | { ok: false; reason: string };

export interface FetchOptions {
  /** Loopback, link-local, private and metadata addresses are reachable (`--allow-private-network`). */
  allowPrivateNetwork?: boolean;
  timeoutMs?: number;
  /** Aborts the fetch when the record's budget is spent. */
  budget?: AbortSignal;
  /** Said in the message when `budget` aborts, e.g. `the record's fetch budget of 30 s`. */
  budgetName?: string;
  /** Which resolved addresses are refused; default isPrivateAddress (none with allowPrivateNetwork). Tests narrow it. */
  refuse?: (address: string) => boolean;
}

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, holds the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local, holds the metadata address fd00:ec2::254
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96], // NAT64 of IPv4 addresses
  ['2002::', 16], // 6to4 of IPv4 addresses
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True for an address a record may not make the tool connect to without `--allow-private-network`. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address: refuse
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return BLOCKED.check(mapped[1], 'ipv4');
  if (/^::ffff:/i.test(bare)) return true; // mapped, written in hex: refuse rather than decode
  return BLOCKED.check(bare, 'ipv6');
}

class RefusedAddress extends Error {
  readonly code = 'PRIVATE_ADDRESS';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A socket `lookup` that resolves every address of the name and refuses private ones. */
function checkedLookup(refuse: (address: string) => boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.some((a) => refuse(a.address))) return callback(new RefusedAddress(`${hostname} resolves to a private address`), []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), []);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function once(url: URL, refuse: (address: string) => boolean, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      signal,
      lookup: checkedLookup(refuse) as never,
      headers: { accept: '*/*', 'user-agent': 'clinicalbert' },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

/** GET `url` with a size cap, following at most MAX_REDIRECTS checked redirects; never throws. */
export async function fetchAttachment(url: string, maxBytes: number, options: FetchOptions = {}): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const refuse = options.refuse ?? (options.allowPrivateNetwork ? () => false : isPrivateAddress);
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.budget) signals.push(options.budget);
  const signal = AbortSignal.any(signals);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return { ok: false, reason: 'fetching from an invalid URL refused' };
  }
  let host = current.host;
  const failed = (error: unknown): FetchResult => {
    const { code, name } = error as { code?: string; name?: string };
    let why = code ?? name ?? 'error';
    if (options.budget?.aborted) why = `${options.budgetName ?? 'the fetch budget'} is spent`;
    else if (signal.aborted) why = `no answer in ${timeoutMs / 1000} s`;
    return { ok: false, reason: `fetching from ${host} failed (${why})` };
  };
  let response: IncomingMessage | undefined;
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      return { ok: false, reason: `redirect from ${host} to a ${current.protocol.replace(':', '')}: URL refused` };
    }
    if (current.username || current.password) return { ok: false, reason: `URL with credentials for ${current.host} refused` };
    // an address written in the URL is never looked up, so it is checked here
    const literal = current.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && refuse(literal)) {
      return { ok: false, reason: `fetching from ${current.host} refused (private address; pass --allow-private-network)` };
    }
    host = current.host;
    try {
      response = await once(current, refuse, signal);
    } catch (error) {
      if (error instanceof RefusedAddress) {
        return { ok: false, reason: `fetching from ${host} refused (private address; pass --allow-private-network)` };
      }
      return failed(error);
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      if (hop >= MAX_REDIRECTS) return { ok: false, reason: `fetching from ${host} failed (more than ${MAX_REDIRECTS} redirects)` };
      try {
        current = new URL(location, current);
      } catch {
        return { ok: false, reason: `fetching from ${host} failed (invalid redirect)` };
      }
      continue;
    }
    break;
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.destroy();
    return { ok: false, reason: `fetching from ${host} failed (HTTP ${status})` };
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return { ok: false, reason: `attachment of ${mb(declared)} from ${host} exceeds the ${mb(maxBytes)} limit` };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        response.destroy();
        return { ok: false, reason: `attachment from ${host} exceeds the ${mb(maxBytes)} limit` };
      }
      chunks.push(chunk);
    }
  } catch (error) {
    return failed(error);
  }
  if (signal.aborted) return failed(signal.reason);
  const bytes = Buffer.concat(chunks, total);
  const contentType = response.headers['content-type'];
  return contentType ? { ok: true, bytes, contentType } : { ok: true, bytes };
}

/**
 * The fetches of one record: a wall-clock budget over all of them, started at the first fetch,
 * at most FETCH_CONCURRENCY at once, each URL fetched once.
 */
export class RecordFetcher {
  private readonly results = new Map<string, Promise<FetchResult>>();
  private budget?: AbortSignal;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxBytes: number,
    private readonly options: { allowPrivateNetwork: boolean; budgetMs: number; concurrency?: number },
  ) {}

  fetch(url: string): Promise<FetchResult> {
    let result = this.results.get(url);
    if (!result) {
      result = this.run(url);
      this.results.set(url, result);
    }
    return result;
  }

  private async run(url: string): Promise<FetchResult> {
    this.budget ??= AbortSignal.timeout(this.options.budgetMs);
    if ((this.options.concurrency ?? FETCH_CONCURRENCY) <= this.running) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      const budgetName = `the record's fetch budget of ${this.options.budgetMs / 1000} s`;
      if (this.budget.aborted) return { ok: false, reason: `fetching from ${hostOf(url)} skipped (${budgetName} is spent)` };
      return await fetchAttachment(url, this.maxBytes, {
        allowPrivateNetwork: this.options.allowPrivateNetwork,
        budget: this.budget,
        budgetName,
      });
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
