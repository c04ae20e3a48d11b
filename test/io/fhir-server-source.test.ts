/**
 * @file `analyze --fhir`: records read from a real FHIR server (test/support/fhir-server.ts,
 * started here on a loopback port) give the same prediction lines as the same Bundles read from a
 * file, whether the server is searched (with paging), read by `$everything` or by per-type
 * searches, or exported with Bulk Data `$export` (with `--output-format fhir` too: the same
 * Bundles). Throttling, server errors, slow answers and cut downloads are retried; a 401, 403 or
 * 404 is a clear error (exit 1) naming the URL and status, never the token; a redirect off the
 * server's origin is refused; `--state` passes `_since` on the next run and does not advance after
 * a failure; an export's download folder is private, PID-named and removed, and a killed run's
 * stale one is removed. The CLI runs as a child process (asynchronously, so this process can
 * serve it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBundles } from '../support/samples.js';
import { cliAsync, type CliResult, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, withoutSource } from '../support/cli.js';
import { TestFhirServer } from '../support/fhir-server.js';
import { tempFolder } from './corpus.js';

const { lines: LINES, bundles: BUNDLES } = sampleBundles(6);

function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cliAsync(['analyze', ...args, '--model', MODEL_DIR, '--no-timing', '--batch-size', '4'], env);
}

const comparable = withoutSource;

/** Per patient, the RiskAssessment and MedicationRequests of each `--output-format fhir` Bundle. */
function predictionsByPatient(stdout: string): Map<string, { riskAssessment: unknown; medicationRequests: unknown[] }> {
  const out = new Map<string, { riskAssessment: unknown; medicationRequests: unknown[] }>();
  for (const bundle of jsonLines(stdout)) {
    const resources = (bundle.entry as { resource: Record<string, unknown> }[]).map((e) => e.resource);
    const riskAssessment = resources.find((r) => r.resourceType === 'RiskAssessment') as Record<string, unknown>;
    const patient = (riskAssessment.subject as { reference: string }).reference;
    out.set(patient, { riskAssessment, medicationRequests: resources.filter((r) => r.resourceType === 'MedicationRequest') });
  }
  return out;
}

let tmp = '';
let remove = () => {};
let fromFile: string[] = [];
const servers: TestFhirServer[] = [];

async function server(options: ConstructorParameters<typeof Object>[0] = {}): Promise<TestFhirServer> {
  const s = await TestFhirServer.start(options as never);
  await s.loadBundles(BUNDLES);
  servers.push(s);
  return s;
}

beforeAll(async () => {
  ({ dir: tmp, remove } = tempFolder('cb-fhir-source-'));
  if (!HAS_MODEL) return;
  const file = join(tmp, 'six.ndjson');
  writeFileSync(file, `${LINES.join('\n')}\n`);
  const r = await run([file]);
  expect(r.status, r.stderr).toBe(0);
  fromFile = comparable(r.stdout);
  expect(fromFile).toHaveLength(6);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  remove();
});

describe.skipIf(!HAS_MODEL)(`analyze --fhir (search)${MODEL_NOTE}`, () => {
  it('pages through Patient with next links, reads each with $everything, and predicts as from the file', async () => {
    const s = await server({ maxCount: 4 });
    const r = await run(['--fhir', s.base]);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFile);
    const lines = jsonLines(r.stdout);
    // source.file of a server record is the patient's URL
    for (const l of lines) expect((l.source as { file: string }).file).toBe(`${s.base}/Patient/${String(l.id)}`);
    const patientPages = s.requestsTo('/fhir/Patient');
    expect(patientPages.length).toBe(2);
    expect(patientPages[1]?.query._offset).toBe('4');
    // one $everything per patient, each paged too (14 resources, 4 a page)
    expect(s.requestsTo('/$everything').filter((q) => q.query._offset === undefined)).toHaveLength(6);
    expect(s.requestsTo('/$everything').length).toBeGreaterThan(6);
    expect(s.requests.some((q) => q.path === '/fhir/Condition')).toBe(false);
  });

  it('falls back to per-type searches when the CapabilityStatement offers no $everything', async () => {
    const s = await server({ everything: false });
    const r = await run(['--fhir', `${s.base}/`]);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFile);
    expect(s.requestsTo('/$everything')).toHaveLength(0);
    const conditions = s.requests.filter((q) => q.path === '/fhir/Condition');
    expect(conditions).toHaveLength(6);
    expect(conditions[0]?.query.patient).toMatch(/^Patient\//);
    expect(r.stderr).toContain('per-type searches');
  });

  it('retries a 429 (honouring Retry-After), a 500 and a slow answer, and still predicts the same', async () => {
    const s = await server();
    s.fault({ kind: '429', path: /\/Patient$/, retryAfter: 1 });
    s.fault({ kind: '500', path: /\$everything$/ });
    s.fault({ kind: 'slow', path: /\/metadata$/, delayMs: 2500 });
    const r = await run(['--fhir', s.base, '--fhir-timeout', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFile);
    const first = s.requestsTo('/fhir/Patient');
    expect(first.map((q) => q.status)).toEqual([429, 200]);
    expect((first[1]?.at ?? 0) - (first[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(s.requests.filter((q) => q.status === 500)).toHaveLength(1);
    expect(s.requestsTo('/metadata')).toHaveLength(2);
    expect(r.stderr).toMatch(/429; try 2 of 5/);
  });

  it('stops on a 401 with the URL and an exit code, never printing the token', async () => {
    const s = await server({ token: 'right-token' });
    const r = await run(['--fhir', s.base, '--fhir-token-env', 'CB_TEST_TOKEN'], { CB_TEST_TOKEN: 'secret-wrong-token' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('401 Unauthorized');
    expect(r.stderr).toContain(`${s.base}/`);
    expect(r.stderr).toContain('[FHIR_UNAUTHORIZED]');
    expect(r.stderr).not.toContain('secret-wrong-token');
    expect(r.stdout).toBe('');
    expect(s.requests.every((q) => q.authorization === 'Bearer secret-wrong-token')).toBe(true);
  });

  it('stops on a 403 with the URL, the status and exit 1, never printing the token', async () => {
    const s = await server({ token: 'allowed-token' });
    s.fault({ kind: '403', path: /\/Patient$/ });
    const r = await run(['--fhir', s.base, '--fhir-token-env', 'CB_TEST_TOKEN'], { CB_TEST_TOKEN: 'allowed-token' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`403 Forbidden to GET ${s.base}/Patient?_count=50`);
    expect(r.stderr).toContain('[FHIR_FORBIDDEN]');
    expect(r.stderr).not.toContain('allowed-token');
    expect(r.stdout).toBe('');
    // not retried
    expect(s.requestsTo('/fhir/Patient')).toHaveLength(1);
  });

  it('stops on a 404 (a wrong base URL, an export kick-off not found) with the URL, the status and exit 1', async () => {
    const s = await server();
    const wrong = `${new URL(s.base).origin}/not-fhir`;
    const r = await run(['--fhir', wrong, '--fhir-token-env', 'CB_TEST_TOKEN'], { CB_TEST_TOKEN: 'a-token-404' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`404 Not Found to GET ${wrong}/Patient?_count=50`);
    expect(r.stderr).toContain('[FHIR_NOT_FOUND]');
    expect(r.stderr).not.toContain('a-token-404');
    expect(r.stdout).toBe('');
    const e = await run(['--fhir', s.base, '--fhir-export', 'group/g1']);
    expect(e.status).toBe(1);
    expect(e.stderr).toContain(`404 Not Found to GET ${s.base}/Group/g1/$export?_outputFormat=`);
    expect(e.stderr).toContain('[FHIR_NOT_FOUND]');
    expect(e.stdout).toBe('');
  });

  it('refuses a redirect to another origin', async () => {
    const s = await server();
    s.fault({ kind: 'redirect', path: /\/Patient$/, location: 'http://localhost:9/fhir/Patient' });
    const r = await run(['--fhir', s.base]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[FHIR_REDIRECT]');
    expect(r.stdout).toBe('');
  });

  it('checks its flags: --state needs --fhir-export, --fhir takes no inputs', async () => {
    const a = await run(['--fhir', 'http://127.0.0.1:9/fhir', '--state', join(tmp, 'x.json')]);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--state applies to Bulk Data exports');
    const b = await run(['--fhir', 'http://127.0.0.1:9/fhir', 'samples/records.ndjson']);
    expect(b.status).toBe(2);
    const c = await run(['--fhir-export', 'system', 'samples/records.ndjson']);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('--fhir-export needs --fhir');
  });
});

describe.skipIf(!HAS_MODEL)(`analyze --fhir --fhir-export${MODEL_NOTE}`, () => {
  it('kicks off, polls, downloads (a cut file retried), reads the export like a Bulk folder, and deletes the job', async () => {
    const s = await server({ token: 'export-token', pollsBeforeReady: 2, pollRetryAfter: 1 });
    const tokenFile = join(tmp, 'token.txt');
    writeFileSync(tokenFile, 'export-token\n');
    s.fault({ kind: 'cut', path: /\/_files\/.*Observation/ });
    const r = await run(['--fhir', s.base, '--fhir-export', 'system', '--fhir-token-file', tokenFile]);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFile);
    const kickoff = s.requestsTo('/$export');
    expect(kickoff).toHaveLength(1);
    expect(kickoff[0]?.prefer).toBe('respond-async');
    const polls = s.requests.filter((q) => q.path.includes('/_export/') && q.method === 'GET');
    expect(polls.map((q) => q.status)).toEqual([202, 202, 200]);
    expect((polls[1]?.at ?? 0) - (polls[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(s.requests.filter((q) => q.path.includes('/_export/') && q.method === 'DELETE')).toHaveLength(1);
    const observation = s.requests.filter((q) => q.path.endsWith('/Observation.ndjson'));
    expect(observation).toHaveLength(2);
    expect(s.requests.every((q) => q.authorization === 'Bearer export-token')).toBe(true);
    expect(r.stderr).toContain('export in progress: in progress (1/2)');
    for (const l of jsonLines(r.stdout)) expect((l.source as { file: string }).file).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/_files\//);
  });

  it("downloads into a private PID-named folder that it removes, and removes a killed run's stale one", async () => {
    const s = await server({ pollsBeforeReady: 0 });
    const tmpdir = join(tmp, 'tmpdir-export');
    // a folder left by a killed run: its PID (above Linux's pid_max) runs no more
    const stale = join(tmpdir, 'clinicalbert-fhir-99999999-AbCdEf');
    mkdirSync(join(stale, 'files'), { recursive: true });
    writeFileSync(join(stale, 'files', '000000.Patient.ndjson'), '{}\n');
    // slow downloads, so the folder can be looked at while the run holds it
    s.fault({ kind: 'slow', path: /\/_files\//, delayMs: 1500 });
    const running = run(['--fhir', s.base, '--fhir-export', 'system'], { TMPDIR: tmpdir });
    const until = Date.now() + 60_000;
    while (!s.requests.some((q) => q.path.includes('/_files/')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const during = readdirSync(tmpdir).filter((n) => n.startsWith('clinicalbert-fhir-'));
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^clinicalbert-fhir-\d+-\w{6}$/);
    expect(statSync(join(tmpdir, during[0] as string)).mode & 0o777).toBe(0o700);
    const r = await running;
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFile);
    // ours only: on some machines the image library (sharp's libvips) leaves files of its own in TMPDIR
    expect(readdirSync(tmpdir).filter((n) => n.startsWith('clinicalbert-'))).toEqual([]);
  });

  it('--output-format fhir: the same RiskAssessments and MedicationRequests per patient as from the file (the issue\'s "done when")', async () => {
    const file = join(tmp, 'six-fhir.ndjson');
    writeFileSync(file, `${LINES.join('\n')}\n`);
    const local = await run([file, '--output-format', 'fhir']);
    expect(local.status, local.stderr).toBe(0);
    const s = await server({ pollsBeforeReady: 0 });
    const r = await run(['--fhir', s.base, '--fhir-export', 'system', '--output-format', 'fhir']);
    expect(r.status, r.stderr).toBe(0);
    const fromServer = predictionsByPatient(r.stdout);
    expect(fromServer.size).toBe(6);
    expect(fromServer).toEqual(predictionsByPatient(local.stdout));
    // nothing to normalise: the Bundles carry no source position, their fullUrls derive from the
    // model and the record id, and the basis names resources as Type/id either way
    const bundles = (stdout: string) => stdout.trim().split('\n').sort();
    expect(bundles(r.stdout)).toEqual(bundles(local.stdout));
  });

  it('fails, with nothing written, when a file cannot be downloaded whole', async () => {
    const s = await server({ pollsBeforeReady: 0 });
    s.fault({ kind: 'cut', path: /\/_files\//, times: 100 });
    const state = join(tmp, 'cut.state.json');
    const r = await run([
      '--fhir',
      s.base,
      '--fhir-export',
      'patient',
      '--state',
      state,
      '--fhir-type',
      'Patient,Condition',
      '--fhir-retries',
      '2',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[FHIR_DOWNLOAD_INCOMPLETE]');
    expect(r.stdout).toBe('');
    expect(existsSync(state)).toBe(false);
    expect(s.requestsTo('/Patient/$export')[0]?.query._type).toBe('Patient,Condition');
    // the job is deleted on the server even so
    expect(s.requests.filter((q) => q.method === 'DELETE')).toHaveLength(1);
  });

  it('--state: the second run passes _since and reads only what changed; a failed run does not advance it', async () => {
    const s = await server({ pollsBeforeReady: 0 });
    const state = join(tmp, 'nightly.state.json');
    const first = await run(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(first.status, first.stderr).toBe(0);
    expect(jsonLines(first.stdout)).toHaveLength(6);
    const t1 = JSON.parse(readFileSync(state, 'utf8')) as { transactionTime: string; server: string };
    expect(t1.server).toBe(s.base);
    expect(s.requestsTo('/$export')[0]?.query._since).toBeUndefined();

    // a new condition for one patient after the first export
    await new Promise((resolve) => setTimeout(resolve, 20));
    const patient = (BUNDLES[2]?.entry as { resource: { id: string } }[] | undefined)?.[0]?.resource ?? { id: '?' };
    await s.put({
      resourceType: 'Condition',
      id: 'new-condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }] },
      subject: { reference: `Patient/${patient.id}` },
    });

    // a failed run in between: the state stays
    s.fault({ kind: '500', path: /\/_export\//, times: 100 });
    const failed = await run(['--fhir', s.base, '--fhir-export', 'system', '--state', state, '--fhir-retries', '2']);
    expect(failed.status).toBe(1);
    expect(JSON.parse(readFileSync(state, 'utf8')).transactionTime).toBe(t1.transactionTime);
    s.clearFaults();

    const second = await run(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(second.status, second.stderr).toBe(0);
    const kickoffs = s.requestsTo('/$export');
    expect(kickoffs.at(-1)?.query._since).toBe(t1.transactionTime);
    expect(jsonLines(second.stdout).map((l) => l.id)).toEqual([patient.id]);
    const t2 = JSON.parse(readFileSync(state, 'utf8')) as { transactionTime: string };
    expect(Date.parse(t2.transactionTime)).toBeGreaterThan(Date.parse(t1.transactionTime));
  });
});
