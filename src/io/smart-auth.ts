/**
 * @file SMART Backend Services auth for `--fhir` (`--fhir-client-id ID --fhir-key FILE`): access
 * tokens by the OAuth client_credentials grant with a signed JWT assertion, as bulk-data servers
 * (and most EHRs) require for unattended, system-level clients.
 *
 * Why its own module: a cron job holds no long-lived bearer token, only a private key registered
 * with the server. Here the key (a JWK, or a JWKS whose first private RS384/ES384 key is used; a
 * `kid` is required) is read once; the token endpoint comes from
 * `[base]/.well-known/smart-configuration`, else from the CapabilityStatement's
 * `oauth-uris` security extension; the assertion is a JWT signed with node:crypto (header
 * alg/kid/typ, claims iss = sub = client id, aud = token URL, exp in 4 minutes, a random jti) and
 * the token is cached until shortly before its `expires_in`. The token endpoint must be on the
 * `--fhir` origin unless the user names it with `--fhir-token-url` (consent to that origin too).
 * Errors name the token URL and the status and the server's OAuth `error`, never the assertion,
 * the key or a token.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError, quote } from '../util/errors.js';
import { type FhirAuth, FhirHttp, type FhirHttpOptions, FhirServerError } from './fhir-http.js';

export type SmartAlg = 'RS384' | 'ES384';

export interface SmartKey {
  key: KeyObject;
  kid: string;
  alg: SmartAlg;
}

export interface SmartAuthOptions extends Pick<FhirHttpOptions, 'timeoutMs' | 'maxAttempts' | 'backoffMs' | 'onRetry'> {
  /** The `--fhir` base URL. */
  base: string;
  clientId: string;
  key: SmartKey;
  /** Space-separated scopes, e.g. `system/*.read system/*.write`. */
  scope: string;
  /** Token endpoint named by the user (`--fhir-token-url`): no discovery, and its origin is allowed. */
  tokenUrl?: string;
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Lifetime of an assertion: under the 5 minutes the SMART spec allows. */
const ASSERTION_SECONDS = 240;
const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/** The private key of a JWK or JWKS file, or a UsageError saying what is wrong with it (never its content). */
export function readSmartKey(path: string): SmartKey {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--fhir-key: cannot read ${quote(path)} as JSON${code ? ` (${code})` : ''}`, { code: 'SMART_KEY_INVALID' });
  }
  const keys = Array.isArray((json as { keys?: unknown }).keys) ? (json as { keys: unknown[] }).keys : [json];
  const fits = (k: JsonWebKey & { alg?: string; kid?: string }): SmartAlg | undefined => {
    if (typeof k !== 'object' || k === null || typeof k.d !== 'string') return undefined;
    const alg = k.alg ?? (k.kty === 'RSA' ? 'RS384' : k.kty === 'EC' && k.crv === 'P-384' ? 'ES384' : undefined);
    if (alg === 'RS384' && k.kty === 'RSA') return 'RS384';
    if (alg === 'ES384' && k.kty === 'EC' && k.crv === 'P-384') return 'ES384';
    return undefined;
  };
  const jwk = keys.find((k) => fits(k as JsonWebKey) !== undefined) as (JsonWebKey & { kid?: string }) | undefined;
  if (!jwk) {
    throw new UsageError(`--fhir-key ${quote(path)} holds no private RS384 (RSA) or ES384 (EC P-384) key`, { code: 'SMART_KEY_INVALID' });
  }
  if (typeof jwk.kid !== 'string' || !jwk.kid) {
    throw new UsageError(`--fhir-key ${quote(path)}: the key has no "kid" (the server finds its public key by it)`, {
      code: 'SMART_KEY_INVALID',
    });
  }
  try {
    const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...material } = jwk as JsonWebKey & Record<string, unknown>;
    return { key: createPrivateKey({ key: material as JsonWebKey, format: 'jwk' }), kid: jwk.kid, alg: fits(jwk) as SmartAlg };
  } catch {
    throw new UsageError(`--fhir-key ${quote(path)}: the key does not load (a broken JWK)`, { code: 'SMART_KEY_INVALID' });
  }
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A signed client assertion (JWT) for the token endpoint `aud`. */
export function clientAssertion(key: SmartKey, clientId: string, aud: string, now = Date.now()): string {
  const header = b64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({ iss: clientId, sub: clientId, aud, exp: Math.floor(now / 1000) + ASSERTION_SECONDS, jti: randomUUID() }),
  );
  const input = `${header}.${claims}`;
  const signature =
    key.alg === 'ES384'
      ? sign('sha384', Buffer.from(input), { key: key.key, dsaEncoding: 'ieee-p1363' })
      : sign('sha384', Buffer.from(input), key.key);
  return `${input}.${b64url(signature)}`;
}

/** Access tokens on demand, cached until shortly before they expire. */
export class SmartBackendAuth implements FhirAuth {
  readonly hint =
    'the access token from the SMART token endpoint was refused even after a new one (--fhir-client-id, --fhir-key, --fhir-scope)';
  private readonly http: FhirHttp;
  private tokenUrl: string | undefined;
  private cached: { header: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: SmartAuthOptions) {
    this.http = new FhirHttp({
      base: options.base,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    this.tokenUrl = options.tokenUrl;
  }

  async authorization(): Promise<string> {
    if (this.cached && Date.now() < this.cached.until) return this.cached.header;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** The token endpoint: named by the user, else from smart-configuration, else from the CapabilityStatement. */
  private async endpoint(): Promise<string> {
    if (this.tokenUrl) return this.tokenUrl;
    let found: unknown;
    const wellKnown = `${this.http.base}/.well-known/smart-configuration`;
    try {
      found = (await this.http.json(wellKnown, { headers: { accept: 'application/json' } })).body.token_endpoint;
    } catch (error) {
      if (!(error instanceof FhirServerError) || (error.code !== 'FHIR_NOT_FOUND' && error.code !== 'FHIR_HTTP_ERROR')) throw error;
    }
    if (typeof found !== 'string') {
      const statement = (await this.http.json(`${this.http.base}/metadata`)).body;
      for (const rest of (statement.rest as { security?: { extension?: unknown[] } }[] | undefined) ?? []) {
        for (const ext of (rest.security?.extension ?? []) as { url?: string; extension?: { url?: string; valueUri?: string }[] }[]) {
          if (ext.url !== OAUTH_URIS) continue;
          found ??= ext.extension?.find((e) => e.url === 'token')?.valueUri;
        }
      }
    }
    if (typeof found !== 'string') {
      throw new FhirServerError(
        `the FHIR server names no token endpoint (neither ${wellKnown} nor the CapabilityStatement's oauth-uris); pass it with --fhir-token-url`,
        { code: 'SMART_NO_TOKEN_ENDPOINT', url: wellKnown },
      );
    }
    let url: URL;
    try {
      url = new URL(found, `${this.http.base}/`);
    } catch {
      throw new FhirServerError(`the FHIR server's token endpoint is not a URL: ${quote(found)}`, { code: 'FHIR_BAD_URL', url: wellKnown });
    }
    if (url.origin !== this.http.origin) {
      throw new FhirServerError(
        `the FHIR server's token endpoint ${url.toString()} is on another origin than ${this.http.origin}; pass it with --fhir-token-url to allow it`,
        { code: 'FHIR_OTHER_ORIGIN', url: url.toString() },
      );
    }
    this.tokenUrl = url.toString();
    return this.tokenUrl;
  }

  private async fetchToken(): Promise<string> {
    const tokenUrl = await this.endpoint();
    const { clientId, key, scope } = this.options;
    // one HTTP layer per token origin: the --fhir one, or the origin the user allowed
    const http = new URL(tokenUrl).origin === this.http.origin ? this.http : new FhirHttp({ ...this.options, base: tokenUrl });
    const answer = await http.form(tokenUrl, {
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: ASSERTION_TYPE,
      // a new assertion per try (its jti must not be reused)
      client_assertion: () => clientAssertion(key, clientId, tokenUrl),
    });
    const body = answer.body as {
      access_token?: unknown;
      token_type?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (answer.status < 200 || answer.status >= 300 || typeof body.access_token !== 'string' || !body.access_token) {
      const said = typeof body.error === 'string' ? `: ${body.error.slice(0, 60)}` : '';
      const why = typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : '';
      throw new FhirServerError(
        `the SMART token endpoint ${tokenUrl} answered ${answer.status}${said}${why}${answer.status < 300 ? ' without an access_token' : ''}: check --fhir-client-id, --fhir-key (its kid and public key registered with the server) and --fhir-scope`,
        { code: 'SMART_TOKEN_REFUSED', url: tokenUrl, status: answer.status },
      );
    }
    if (/[\r\n]/.test(body.access_token)) {
      throw new FhirServerError(`the SMART token endpoint ${tokenUrl} gave an access token with a line break`, {
        code: 'SMART_TOKEN_REFUSED',
        url: tokenUrl,
        status: answer.status,
      });
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    // renew a little early: a tenth of the lifetime, between 5 s and 60 s
    const early = Math.min(60, Math.max(5, seconds / 10));
    const header = `Bearer ${body.access_token}`;
    this.cached = { header, until: Date.now() + Math.max(0, seconds - early) * 1000 };
    this.options.onRetry?.(`SMART access token from ${tokenUrl}, valid ${Math.round(seconds)} s`);
    return header;
  }
}
