/**
 * @file The test FHIR server loaded with Bundles of the shared corpus (Synthea patients with
 * notes as DocumentReferences and DiagnosticReports, and an Inferno US Core patient with a Media, a
 * Medication and reference data; all with `urn:uuid:` references rewritten to `Type/id` as a
 * transaction would): `analyze --fhir` gives
 * the same prediction lines (apart from `source`) as `analyze` on the same files, whether each
 * patient is read by `$everything` or by per-type searches. The issue asks for the test server to
 * be "loaded with the samples and the corpus's Synthea bundles": the samples are
 * test/io/fhir-server-source.test.ts, this is the corpus. Skipped, with a message, without the
 * corpus or the model.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, type CliResult, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT, withoutSource } from '../support/cli.js';
import { corpusBundles, TestFhirServer } from '../support/fhir-server.js';
import { CORPUS_NOTE, HAS_CORPUS, NOTES_BUNDLES } from './corpus.js';

/** Two small Synthea patients and the Inferno US Core patient (Media, Medication, reference data). */
const NAMES = ['Beatris270_', 'Edythe31_', 'inferno_uscore_bundle_patient_85'];
const pick = (name: string) => NAMES.some((n) => name.startsWith(n));

function run(args: string[]): Promise<CliResult> {
  return cliAsync(['analyze', ...args, '--model', MODEL_DIR, '--no-timing']);
}

const comparable = withoutSource;

const READY = HAS_CORPUS && HAS_MODEL;
let fromFiles: string[] = [];
const servers: TestFhirServer[] = [];

async function loaded(everything: boolean): Promise<TestFhirServer> {
  const s = await TestFhirServer.start({ everything });
  servers.push(s);
  const bundles = corpusBundles(REPO_ROOT, NAMES.length, pick);
  expect(bundles).toHaveLength(NAMES.length);
  await s.loadBundles(bundles);
  return s;
}

beforeAll(async () => {
  if (!READY) return;
  const files = NAMES.map((n) => join(NOTES_BUNDLES, `${n}*.json`));
  const r = await run(files);
  expect(r.status, r.stderr).toBe(0);
  fromFiles = comparable(r.stdout);
  expect(fromFiles).toHaveLength(NAMES.length);
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe.skipIf(!READY)(`analyze --fhir on the corpus's Synthea Bundles${CORPUS_NOTE}${MODEL_NOTE}`, () => {
  it('reads each patient by $everything and predicts as from the files', async () => {
    const s = await loaded(true);
    const r = await run(['--fhir', s.base]);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(r.stdout)).toEqual(fromFiles);
    // the test server's $everything leaves the Medication out (as some servers do): read by reference
    expect(s.requests.filter((q) => q.path.startsWith('/fhir/Medication/'))).toHaveLength(1);
  });

  it('reads each patient by per-type searches (no $everything) and predicts as from the files', async () => {
    const s = await loaded(false);
    const r = await run(['--fhir', s.base]);
    expect(r.status, r.stderr).toBe(0);
    expect(s.requestsTo('/$everything')).toHaveLength(0);
    expect(comparable(r.stdout)).toEqual(fromFiles);
  });
});
