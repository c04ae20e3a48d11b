/**
 * `clinicalbert ask --fhir` against the real test FHIR server (test/support/fhir-server.ts, started
 * here on a loopback port with six sample records): one valid answer line per patient
 * (schema/answer.schema.json), citing coded resources, the same answers as from the file, whether
 * the server is searched or exported with Bulk Data `$export`; `--state` advances as analyze's
 * does. Usage: no `--fhir-write-back` on ask (unknown option, exit 2), `--fhir` takes no inputs,
 * `--kg` reads no server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerLine } from '../../src/ask/types.js';
import { answerSchemaValidator, sampleBundles } from '../support/samples.js';
import { cliAsync, type CliResult, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, withoutSource } from '../support/cli.js';
import { TestFhirServer } from '../support/fhir-server.js';

const validate = answerSchemaValidator();

const { lines: LINES, bundles: BUNDLES, patientIds: PATIENT_IDS } = sampleBundles(6);
const QUESTION = 'What medications is the patient on?';

const tmp = mkdtempSync(join(tmpdir(), 'cb-ask-fhir-'));
const servers: TestFhirServer[] = [];
let fromFile: string[] = [];

function ask(args: string[]): Promise<CliResult> {
  return cliAsync(['ask', QUESTION, ...args, '--model', MODEL_DIR]);
}

async function server(options: { pollsBeforeReady?: number } = {}): Promise<TestFhirServer> {
  const s = await TestFhirServer.start(options);
  await s.loadBundles(BUNDLES);
  servers.push(s);
  return s;
}

/**
 * The answer lines, each valid against the schema; the patients with medications (three of the
 * six samples) answered from coded MedicationRequests that each value cites, the others unknown.
 */
function answers(r: CliResult): AnswerLine[] {
  expect(r.status, r.stderr).toBe(0);
  const lines = jsonLines(r.stdout) as unknown as AnswerLine[];
  let coded = 0;
  for (const line of lines) {
    expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    expect(line.question).toMatchObject({ intent: 'medications', kind: 'values' });
    if (line.answer === 'unknown') {
      expect(line.answeredFrom).toBe('none');
      continue;
    }
    expect(line.answeredFrom).toBe('coded');
    const values = line.answer as { display: string; evidence: number[] }[];
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) {
      expect(v.evidence.length).toBeGreaterThan(0);
      for (const i of v.evidence) expect(line.evidence[i]).toMatchObject({ from: 'coded', resourceType: 'MedicationRequest' });
    }
    coded++;
  }
  expect(coded).toBe(3);
  return lines;
}

beforeAll(async () => {
  if (!HAS_MODEL) return;
  const file = join(tmp, 'six.ndjson');
  writeFileSync(file, `${LINES.join('\n')}\n`);
  fromFile = withoutSource((await ask([file])).stdout);
  expect(fromFile).toHaveLength(6);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ask --fhir: usage', () => {
  it('has the --fhir* read flags but no --fhir-write-back (unknown option, exit 2); --fhir takes no inputs; --kg reads no server', async () => {
    const help = (await cliAsync(['ask', '--help'])).stdout;
    expect(help).toMatch(/--fhir <base>/);
    expect(help).toMatch(/--fhir-export <level>/);
    expect(help).toMatch(/--state <file>/);
    expect(help).not.toContain('--fhir-write-back');
    expect((await cliAsync(['analyze', '--help'])).stdout).toContain('--fhir-write-back');

    const writeBack = await cliAsync(['ask', QUESTION, '--fhir', 'http://127.0.0.1:9/fhir', '--fhir-write-back']);
    expect(writeBack.status).toBe(2);
    expect(writeBack.stderr).toMatch(/unknown option '--fhir-write-back'/);
    expect(writeBack.stdout).toBe('');

    const withInputs = await cliAsync(['ask', QUESTION, '--fhir', 'http://127.0.0.1:9/fhir', 'samples/records.ndjson']);
    expect(withInputs.status).toBe(2);
    expect(withInputs.stderr).toContain('--fhir reads the server instead of files; leave out the inputs');

    const stray = await cliAsync(['ask', QUESTION, '--fhir-export', 'system', 'samples/records.ndjson']);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('--fhir-export needs --fhir');

    const kg = await cliAsync(['ask', '--kg', 'What treats hypertension?', '--fhir', 'http://127.0.0.1:9/fhir']);
    expect(kg.status).toBe(2);
    expect(kg.stderr).toContain('--kg answers from the knowledge graph alone: leave out --fhir');

    const none = await cliAsync(['ask', QUESTION]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no inputs: .*--fhir <base URL>/);
  });
});

describe.skipIf(!HAS_MODEL)(`ask --fhir${MODEL_NOTE}`, () => {
  it('search: one valid answer line per patient, citing coded MedicationRequests, as from the file', async () => {
    const s = await server();
    const r = await ask(['--fhir', s.base]);
    const lines = answers(r);
    expect(lines.map((l) => l.id).sort()).toEqual([...PATIENT_IDS].sort());
    for (const l of lines) expect(l.source?.file).toBe(`${s.base}/Patient/${String(l.id)}`);
    expect(withoutSource(r.stdout)).toEqual(fromFile);
    expect(r.stderr).toMatch(/ask: read 6, written 6 /);
    expect(s.requestsTo('/$everything').length).toBeGreaterThanOrEqual(6);
  });

  it('--fhir-export patient: the same answers from a Bulk Data export, whose job is deleted', async () => {
    const s = await server({ pollsBeforeReady: 0 });
    const r = await ask(['--fhir', s.base, '--fhir-export', 'patient']);
    const lines = answers(r);
    expect(lines.map((l) => l.id).sort()).toEqual([...PATIENT_IDS].sort());
    expect(withoutSource(r.stdout)).toEqual(fromFile);
    expect(s.requestsTo('/Patient/$export')).toHaveLength(1);
    expect(s.requests.filter((q) => q.method === 'DELETE')).toHaveLength(1);
  });

  it('--state: written after a whole export, passed as _since next time, as analyze does', async () => {
    const s = await server({ pollsBeforeReady: 0 });
    const state = join(tmp, 'ask.state.json');
    const first = await ask(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(answers(first)).toHaveLength(6);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { transactionTime: string; server: string };
    expect(saved.server).toBe(s.base);
    expect(first.stderr).toContain(`state: next export since ${saved.transactionTime}`);
    const second = await ask(['--fhir', s.base, '--fhir-export', 'system', '--state', state]);
    expect(second.status, second.stderr).toBe(0);
    expect(s.requestsTo('/$export').at(-1)?.query._since).toBe(saved.transactionTime);
  });
});
