/**
 * `analyze --fhir` writing back and authenticating, against the real test FHIR server
 * (test/support/fhir-server.ts): `--fhir-write-back` stores one RiskAssessment per record with
 * the right subject, MedicationRequests that reference it, and the model Device once however many
 * runs; a failed write-back is a FHIR_WRITE_BACK dead letter (exit 3) with the line still on
 * stdout. SMART Backend Services with RS384 and ES384 keys (the server verifies the assertion),
 * a refused assertion (clear error, no secret on stderr), an expired one, a token fetched again
 * after a 401. An incremental export gives whole records: the changed patient's record equals a
 * full read of that patient.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBundles } from '../support/samples.js';
import { clientAssertion, readSmartKey, SmartBackendAuth } from '../../src/io/smart-auth.js';
import { cliAsync, type CliResult, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, withoutSource } from '../support/cli.js';
import { type TestServerOptions, TestFhirServer } from '../support/fhir-server.js';
import { tempFolder } from './corpus.js';

const { bundles: BUNDLES, patientIds: PATIENT_IDS } = sampleBundles(6);

function run(args: string[]): Promise<CliResult> {
  return cliAsync(['analyze', ...args, '--model', MODEL_DIR, '--no-timing', '--batch-size', '4']);
}

let tmp = '';
let remove = () => {};
const servers: TestFhirServer[] = [];
async function server(options: TestServerOptions = {}): Promise<TestFhirServer> {
  const s = await TestFhirServer.start(options);
  await s.loadBundles(BUNDLES);
  servers.push(s);
  return s;
}

/** A key pair as JWKs: the private one in a JWKS file, the public one for the server. */
function keyPair(alg: 'RS384' | 'ES384', kid: string): { file: string; publicJwk: JsonWebKey & { kid: string; alg: string }; d: string } {
  const { privateKey, publicKey } =
    alg === 'RS384' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const priv = { ...privateKey.export({ format: 'jwk' }), kid, alg };
  const file = join(tmp, `${kid}.jwks.json`);
  writeFileSync(file, JSON.stringify({ keys: [priv] }));
  return { file, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg }, d: String(priv.d) };
}

beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-fhir-write-'));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  remove();
});

describe.skipIf(!HAS_MODEL)(`analyze --fhir --fhir-write-back${MODEL_NOTE}`, () => {
  it('stores one RiskAssessment per record, MedicationRequests referencing it, and the Device once across runs', async () => {
    const s = await server();
    const r = await run(['--fhir', s.base, '--fhir-write-back']);
    expect(r.status, r.stderr).toBe(0);
    // stdout still gets the records' Bundles (FHIR output is implied)
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(6);
    expect(out.every((b) => b.resourceType === 'Bundle' && b.type === 'collection')).toBe(true);
    expect(r.stderr).toMatch(/written back 6, write-back failed 0/);
    expect(s.requests.filter((q) => q.method === 'POST' && q.path === '/fhir')).toHaveLength(6);

    const risks = await s.all('RiskAssessment');
    expect(risks).toHaveLength(6);
    expect(risks.map((x) => (x.subject as { reference: string }).reference).sort()).toEqual(
      PATIENT_IDS.map((id) => `Patient/${id}`).sort(),
    );
    const riskIds = new Set(risks.map((x) => `RiskAssessment/${x.id}`));
    const requests = await s.all('MedicationRequest');
    const proposals = requests.filter((m) => m.intent === 'proposal');
    expect(proposals.length).toBeGreaterThan(0);
    for (const m of proposals) {
      const reason = (m.reasonReference as { reference: string }[])[0]?.reference ?? '';
      expect(riskIds.has(reason)).toBe(true);
      const risk = risks.find((x) => `RiskAssessment/${x.id}` === reason);
      expect(m.subject).toEqual(risk?.subject);
    }
    const devices = await s.all('Device');
    expect(devices).toHaveLength(1);
    for (const x of risks) expect((x.performer as { reference: string }).reference).toBe(`Device/${devices[0]?.id}`);
    expect((await s.all('Provenance')).length).toBe(6);

    const again = await run(['--fhir', s.base, '--fhir-write-back', '--quiet']);
    expect(again.status, again.stderr).toBe(0);
    expect(await s.all('Device')).toHaveLength(1);
    expect(await s.all('RiskAssessment')).toHaveLength(12);
  });

  it('a write-back the server refuses is a FHIR_WRITE_BACK dead letter naming the URL and status; the lines still go out', async () => {
    const s = await server();
    s.fault({ kind: '500', path: /^\/fhir$/, times: 100 });
    const dead = join(tmp, 'write-dead.jsonl');
    const r = await run(['--fhir', s.base, '--fhir-write-back', '--fhir-retries', '2', '--dead-letter', dead]);
    expect(r.status, r.stderr).toBe(3);
    expect(jsonLines(r.stdout)).toHaveLength(6);
    const letters = jsonLines(readFileSync(dead, 'utf8'));
    expect(letters, r.stderr).toHaveLength(6);
    for (const l of letters) {
      expect(l.code).toBe('FHIR_WRITE_BACK');
      expect(String(l.reason)).toContain(`POST ${s.base}`);
      expect(String(l.reason)).toContain('500');
    }
    expect(letters.map((l) => l.recordId).sort()).toEqual([...PATIENT_IDS].sort());
    expect(r.stderr).toMatch(/written back 0, write-back failed 6/);
    expect(await s.all('RiskAssessment')).toHaveLength(0);
  });

  it('checks its flags: write-back needs --fhir, SMART needs both the client id and the key', async () => {
    const a = await run(['samples/records.ndjson', '--fhir-write-back']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--fhir-write-back needs --fhir');
    const b = await run(['--fhir', 'http://127.0.0.1:9/fhir', '--fhir-client-id', 'x']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('needs both --fhir-client-id and --fhir-key');
    const noKid = join(tmp, 'no-kid.json');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    writeFileSync(noKid, JSON.stringify(privateKey.export({ format: 'jwk' })));
    const c = await run(['--fhir', 'http://127.0.0.1:9/fhir', '--fhir-client-id', 'x', '--fhir-key', noKid]);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('no "kid"');
  });
});

describe.skipIf(!HAS_MODEL)(`analyze --fhir with SMART Backend Services${MODEL_NOTE}`, () => {
  it('RS384: discovers the token endpoint, gets a token with system/*.read, reads the server with it', async () => {
    const k = keyPair('RS384', 'rsa-1');
    const s = await server({ smart: { clientId: 'cb-app', keys: [k.publicJwk] } });
    const r = await run(['--fhir', s.base, '--fhir-client-id', 'cb-app', '--fhir-key', k.file]);
    expect(r.status, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(6);
    expect(s.tokenRequests).toEqual([{ ok: true, scope: 'system/*.read', alg: 'RS384' }]);
    expect(s.requestsTo('/.well-known/smart-configuration')).toHaveLength(1);
    const fhirCalls = s.requests.filter(
      (q) => q.path.startsWith('/fhir/') && !q.path.includes('.well-known') && !q.path.endsWith('/metadata'),
    );
    expect(fhirCalls.every((q) => q.authorization?.startsWith('Bearer at-'))).toBe(true);
    expect(r.stderr).not.toMatch(/at-[0-9a-f]{8}-/);
  });

  it('ES384 with write-back: asks system/*.write too, and writes with the same token', async () => {
    const k = keyPair('ES384', 'ec-1');
    const s = await server({ smart: { clientId: 'cb-app', keys: [k.publicJwk] } });
    const r = await run(['--fhir', s.base, '--fhir-client-id', 'cb-app', '--fhir-key', k.file, '--fhir-write-back', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(s.tokenRequests).toEqual([{ ok: true, scope: 'system/*.read system/*.write', alg: 'ES384' }]);
    expect(await s.all('RiskAssessment')).toHaveLength(6);
  });

  it('fetches a new token once after a 401 and tries again', async () => {
    const k = keyPair('ES384', 'ec-2');
    const s = await server({ smart: { clientId: 'cb-app', keys: [k.publicJwk] } });
    s.fault({ kind: '401', path: /\/fhir\/Patient$/ });
    const r = await run(['--fhir', s.base, '--fhir-client-id', 'cb-app', '--fhir-key', k.file]);
    expect(r.status, r.stderr).toBe(0);
    expect(s.tokenRequests.filter((t) => t.ok)).toHaveLength(2);
    expect(s.requestsTo('/fhir/Patient').map((q) => q.status)).toEqual([401, 200]);
    expect(r.stderr).toContain('fetching a new access token');
  });

  it('a refused assertion (the server holds another key) is a clear error naming the token URL; no secret on stderr', async () => {
    const k = keyPair('RS384', 'rsa-2');
    const other = keyPair('RS384', 'rsa-2-other');
    const s = await server({ smart: { clientId: 'cb-app', keys: [{ ...other.publicJwk, kid: 'rsa-2' }] } });
    const r = await run(['--fhir', s.base, '--fhir-client-id', 'cb-app', '--fhir-key', k.file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[SMART_TOKEN_REFUSED]');
    expect(r.stderr).toContain(`${new URL(s.base).origin}/auth/token`);
    expect(r.stderr).toContain('400: invalid_client (bad signature)');
    expect(r.stderr).not.toContain(k.d);
    expect(r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT
    expect(r.stdout).toBe('');
    expect(s.tokenRequests).toEqual([{ ok: false, reason: 'bad signature', alg: 'RS384' }]);
  });
});

describe('SMART Backend Services (in process)', () => {
  it('the server refuses an expired assertion; the auth caches its token until invalidated', async () => {
    const k = keyPair('ES384', 'ec-3');
    const s = await TestFhirServer.start({ smart: { clientId: 'cb-app', keys: [k.publicJwk], wellKnown: false } });
    servers.push(s);
    const key = readSmartKey(k.file);
    const tokenUrl = `${new URL(s.base).origin}/auth/token`;
    const expired = clientAssertion(key, 'cb-app', tokenUrl, Date.now() - 10 * 60 * 1000);
    const answer = await fetch(tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/*.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: expired,
      }),
    });
    expect(answer.status).toBe(400);
    expect(s.tokenRequests.at(-1)?.reason).toBe('the assertion has expired');

    // no smart-configuration here: the endpoint comes from the CapabilityStatement (none there
    // either on this test server), so discovery fails clearly; a named --fhir-token-url works
    const lost = new SmartBackendAuth({ base: s.base, clientId: 'cb-app', key, scope: 'system/*.read', maxAttempts: 1 });
    await expect(lost.authorization()).rejects.toMatchObject({ code: 'SMART_NO_TOKEN_ENDPOINT' });
    const auth = new SmartBackendAuth({ base: s.base, clientId: 'cb-app', key, scope: 'system/*.read', tokenUrl });
    const first = await auth.authorization();
    expect(await auth.authorization()).toBe(first);
    expect(s.tokenRequests.filter((t) => t.ok)).toHaveLength(1);
    auth.invalidate();
    expect(await auth.authorization()).not.toBe(first);
    expect(s.tokenRequests.filter((t) => t.ok)).toHaveLength(2);
  });
});

describe.skipIf(!HAS_MODEL)(`analyze --fhir-export with _since gives whole records${MODEL_NOTE}`, () => {
  it("the second --state run's record for the changed patient equals a full read of that patient", async () => {
    const s = await server({ pollsBeforeReady: 0 });
    const state = join(tmp, 'whole.state.json');
    const first = await run(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(first.status, first.stderr).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const id = PATIENT_IDS[2] as string;
    await s.put({
      resourceType: 'Condition',
      id: 'new-condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }] },
      subject: { reference: `Patient/${id}` },
    });
    const second = await run(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(second.status, second.stderr).toBe(0);
    const lines = jsonLines(second.stdout);
    expect(lines.map((l) => l.id)).toEqual([id]);
    expect(second.stderr).toContain('1 patient(s) changed');

    const full = await run(['--fhir', s.base]);
    expect(full.status, full.stderr).toBe(0);
    const wanted = full.stdout
      .trim()
      .split('\n')
      .filter((l) => (JSON.parse(l) as { id: string }).id === id)
      .join('\n');
    expect(withoutSource(second.stdout)).toEqual(withoutSource(wanted));
    // a whole record: its demographics and the conditions it had before, not just the new one
    const line = lines[0] as { subject?: { ageYears?: number }; inputs: Record<string, unknown> };
    expect(line.subject?.ageYears).toBeDefined();
  });
});
