/**
 * @file Node/Python tokenizer parity: the ids Node computes for the reference sentences must be
 * the ids the training recipe computed (training/tokenizer_reference.py), or the model would see
 * different tokens at inference than in training.
 *
 * The package folder is CLINICALBERT_MODEL_DIR, or the default package (models/clinicalbert-mini).
 * The recipe copies the reference beside the tokenizer (reference/tokenizer_reference.json).
 * Skips, saying why, when the package has no tokenizer yet. Failures name case ids and token
 * positions, never the text (house rule: no note text in logs).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import { defaultModelDir } from '../../src/util/version.js';

interface ReferenceCase {
  id: string;
  text: string;
  max_length: number;
  ids: number[];
}

interface Reference {
  format: number;
  tokenizer_json_sha256: string;
  cases: ReferenceCase[];
}

const modelDir = resolve(process.env.CLINICALBERT_MODEL_DIR ?? defaultModelDir());
const tokenizerPath = join(modelDir, 'tokenizer.json');
const referencePath = join(modelDir, 'reference', 'tokenizer_reference.json');
const ready = existsSync(tokenizerPath) && existsSync(referencePath);
const skipReason = `no tokenizer.json + reference/tokenizer_reference.json in ${modelDir} (build one with training/build.sh, or set CLINICALBERT_MODEL_DIR)`;

if (!ready) console.warn(`tokenizer parity skipped: ${skipReason}`);

/** First position where two id lists differ, or -1. */
function firstDifference(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe.skipIf(!ready)(`tokenizer parity with the Python recipe (${modelDir})${ready ? '' : ` [SKIPPED: ${skipReason}]`}`, () => {
  const reference = ready ? (JSON.parse(readFileSync(referencePath, 'utf8')) as Reference) : undefined;
  const cases = reference?.cases ?? [];

  it('uses a reference made for this tokenizer.json', () => {
    const sha = createHash('sha256').update(readFileSync(tokenizerPath)).digest('hex');
    expect(reference?.format).toBe(1);
    expect(reference?.tokenizer_json_sha256).toBe(sha);
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it('gives the same ids as Python on every reference sentence', async () => {
    const tokenizer = await loadTokenizer(modelDir);
    const mismatches: string[] = [];
    for (const c of cases) {
      const ids = tokenizer.encode(c.text, c.max_length).ids;
      const at = firstDifference(ids, c.ids);
      if (at >= 0) mismatches.push(`${c.id} at token ${at} (node ${ids[at]}, python ${c.ids[at]}; lengths ${ids.length}/${c.ids.length})`);
    }
    expect(mismatches).toEqual([]);
  });

  it('lays offsets that spell the tokens on the plain-ASCII sentences', async () => {
    const tokenizer = await loadTokenizer(modelDir);
    let checked = 0;
    for (const c of cases) {
      const { tokens, offsets } = tokenizer.encode(c.text, c.max_length, { offsets: true });
      if (!/^[\x20-\x7e]*$/.test(c.text)) continue;
      expect(offsets, `offsets missing for ${c.id}`).toBeDefined();
      const spans = offsets ?? [];
      expect(spans).toHaveLength(tokens.length);
      for (let i = 1; i < tokens.length - 1; i++) {
        const token = tokens[i] ?? '';
        const [start, end] = spans[i] ?? [0, 0];
        const source = c.text.slice(start, end);
        if (token === '[UNK]' || /^\[[A-Z]+\]$/.test(token)) continue;
        const spelled = tokenizer.normalizer.lowercase ? source.toLowerCase() : source;
        expect(spelled, `${c.id} token ${i}`).toBe(token.replace(/^##/, ''));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('loads offline through AutoTokenizer from the absolute folder with the same ids', async () => {
    const saved = { allowRemoteModels: env.allowRemoteModels, allowLocalModels: env.allowLocalModels };
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    try {
      const auto = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
      const mismatched = cases
        .filter((c) => c.max_length === 256 && c.ids.length < 256)
        .filter((c) => firstDifference(auto.encode(c.text), c.ids) >= 0)
        .map((c) => c.id);
      expect(mismatched).toEqual([]);
    } finally {
      env.allowRemoteModels = saved.allowRemoteModels;
      env.allowLocalModels = saved.allowLocalModels;
    }
  });
});
