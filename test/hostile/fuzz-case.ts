/**
 * @file One fuzz case from (seed, index): a starting point (fuzz-seeds.ts), one to three mutations
 * (JSON-aware, CSV, byte-level, Bulk folder), and read options drawn with them (unit, a forced
 * format that may not match the content, small attachment and line limits, batch size).
 *
 * Why derived per index: case N is the same bytes whichever other cases run, so a failure is
 * reproduced with its seed and index alone (`FUZZ_SEED=… npx vitest run test/hostile/fuzz.test.ts -t '#N '`).
 */
import type { AnalyzeOptions } from '../../src/pipeline/analyze.js';
import { INPUT_FORMATS } from '../../src/io/types.js';
import { Random } from '../../src/util/random.js';
import { mutateJson } from './fuzz-json-mutations.js';
import { type DraftFile, type RawTable, SEED_KINDS, type SeedKind, seedDraft, serialize } from './fuzz-seeds.js';
import { type CaseFile, mutateBytes, mutateCsv, mutateFolder } from './fuzz-text-mutations.js';

export interface FuzzCase {
  index: number;
  kind: SeedKind;
  /** What was done, for the test's name. */
  description: string;
  files: CaseFile[];
  /** The input path relative to the case's input folder ('.' for the folder itself). */
  input: string;
  read: NonNullable<AnalyzeOptions['read']>;
  batchSize: number;
}

/** Printable ASCII only, so a case's name cannot move a terminal's cursor or reverse its text. */
const printable = (text: string): string =>
  text.replace(/[^\x20-\x7e]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

const isJson = (f: DraftFile) => f.form === 'lines' || f.form === 'document';

/** One structured mutation of the draft (JSON-aware or CSV), or undefined when none applied. */
function mutateDraft(rng: Random, files: DraftFile[], raw: RawTable): string | undefined {
  const json = files.filter(isJson);
  if (json.length > 0) {
    // a few tries: a mutation may find nothing to change (no attachment, no date)
    for (let attempt = 0; attempt < 5; attempt++) {
      const file = rng.pick(json);
      const root = { v: file.form === 'lines' ? file.values : file.form === 'document' ? file.value : undefined };
      const what = mutateJson(rng, root, raw);
      if (file.form === 'document') file.value = root.v;
      if (what) return what;
    }
    return undefined;
  }
  const csv = files.find((f) => f.form === 'csv');
  return csv?.form === 'csv' ? mutateCsv(rng, csv.rows) : undefined;
}

export function fuzzCase(seed: number, index: number): FuzzCase {
  const rng = Random.derive(seed, 'fuzz', index);
  const kind = SEED_KINDS[rng.weightedIndex([35, 15, 15, 20, 15])] as SeedKind;
  const draft = seedDraft(rng, kind);
  const raw: RawTable = new Map();
  const done: string[] = [];
  const mutations = rng.intBetween(1, 3);
  // structured mutations first (they need the parsed values), then bytes and files
  const plan = Array.from({ length: mutations }, () => rng.weightedIndex([6, 3, draft.input === 'folder' ? 1 : 0])).sort();
  const structured = plan.filter((s) => s === 0).length;
  for (let i = 0; i < structured; i++) {
    const what = mutateDraft(rng, draft.files, raw);
    if (what) done.push(what);
  }
  const files: CaseFile[] = draft.files.map((f) => ({ name: f.name, bytes: serialize(f, raw) }));
  for (const step of plan.filter((s) => s !== 0)) {
    done.push(step === 1 ? mutateBytes(rng, rng.pick(files)) : mutateFolder(rng, files));
  }
  const read: FuzzCase['read'] = {
    unit: rng.chance(0.25) ? 'encounter' : 'patient',
    ...(rng.chance(0.08) ? { format: rng.pick(INPUT_FORMATS) } : {}),
    ...(rng.chance(0.08) ? { maxAttachmentBytes: rng.pick([0, 100, 4096]) } : {}),
    ...(rng.chance(0.08) ? { maxLineBytes: rng.pick([1, 1024, 16_384]) } : {}),
  };
  const options = Object.entries(read).map(([k, v]) => `${k}=${String(v)}`);
  return {
    index,
    kind,
    description: printable(`${kind} [${options.join(' ')}]: ${done.length > 0 ? done.join('; ') : 'no mutation applied'}`),
    files,
    input: draft.input === 'folder' ? '.' : (files[0] as CaseFile).name,
    read,
    batchSize: rng.pick([1, 2, 4]),
  };
}
