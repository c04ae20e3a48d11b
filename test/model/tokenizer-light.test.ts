/**
 * The tokenizer from the light dependency (@huggingface/tokenizers, src/model/tokenizer.ts) gives
 * what it gave through transformers.js (`BertTokenizer`, as before issue 12): the same ids on every
 * note of the corpus (all MTSamples transcriptions and descriptions, 15 MB, and the ConText
 * sentences), untruncated, and the same encoding as the model reads it (ids truncated with [SEP]
 * last, tokens and offsets) on every 20th note and on strings chosen to be awkward (accents, CJK,
 * emoji, controls, special tokens typed in the text, a final sigma). Offsets are computed by
 * src/model/tokenizer.ts from the text and the tokens, not by either library, so the same ids
 * give the same offsets; the sample checks that plumbing end to end. (Tokenizing the corpus once
 * takes ~10 s on one core; this test does it twice.)
 *
 * The corpus is ../shared/corpus; without it only the awkward strings are checked (said in the
 * test name). Failures name the source and the note, never its text (notes are patient data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Tokenizer as LightTokenizer } from '@huggingface/tokenizers';
import { BertTokenizer } from '@huggingface/transformers';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeOffsets, type Encoding, loadTokenizer, type NormalizerOptions, type Tokenizer } from '../../src/model/tokenizer.js';
import { MODEL_DIR, REPO_ROOT } from '../support/cli.js';

const CORPUS = resolve(REPO_ROOT, '../shared/corpus/text');
const HAS_CORPUS = existsSync(join(CORPUS, 'mtsamples', 'mtsamples.csv.gz'));
const HAS_TOKENIZER = existsSync(join(MODEL_DIR, 'tokenizer.json'));
const CORPUS_NOTE = HAS_CORPUS ? '' : ` [corpus SKIPPED: no ${CORPUS}]`;

interface Note {
  source: string;
  text: string;
}

function corpusNotes(): Note[] {
  if (!HAS_CORPUS) return [];
  const notes: Note[] = [];
  const mtsamples = parse(gunzipSync(readFileSync(join(CORPUS, 'mtsamples', 'mtsamples.csv.gz'))), { columns: true }) as Record<
    string,
    string
  >[];
  for (const row of mtsamples) {
    for (const field of ['transcription', 'description'] as const) {
      if (row[field]) notes.push({ source: `mtsamples note ${row.note_id} ${field}`, text: row[field] });
    }
  }
  const context = join(CORPUS, 'negex-context', 'context-annotations-dev.tsv');
  if (existsSync(context)) {
    readFileSync(context, 'utf8')
      .split('\n')
      .slice(1)
      .forEach((line, i) => {
        const sentence = line.split('\t')[2];
        if (sentence) notes.push({ source: `negex-context row ${i + 1}`, text: sentence });
      });
  }
  return notes;
}

const AWKWARD: Note[] = [
  'Café au lait spots; naïve T-cells; Ångström; façade',
  'ΣΊΣΥΦΟΣ ὀδυσσεύς — final sigma: ΟΔΟΣ',
  '患者は胸痛を訴える。肺炎 (pneumonia) 疑い',
  'Pain 8/10 😷🫁 ↑HR ≥ 120 bpm, SpO₂ 91%',
  'tab\there\r\nnull\u0000byte \u200b zero-width \ufeff bom \u00ad soft hyphen',
  'typed specials: [CLS] [SEP] [MASK] [PAD] [UNK] and [sep]',
  'x'.repeat(500),
  '',
  '   ',
  'résumé RÉSUMÉ İstanbul ß ﬁ ligature Ⅻ ½',
].map((text, i) => ({ source: `awkward string ${i + 1}`, text }));

/** Encoding as src/model/tokenizer.ts computed it with transformers.js (before issue 12). */
function transformersEncode(
  hf: BertTokenizer,
  vocab: string[],
  sep: number,
  literalSpecials: string[],
  normalizer: NormalizerOptions,
  text: string,
  maxLength: number,
): Encoding {
  const full = hf.encode(text, { add_special_tokens: true });
  const ids = full.length > maxLength ? [...full.slice(0, maxLength - 1), sep] : full;
  const encoding: Encoding = { ids, tokens: ids.map((id) => vocab[id] ?? '[UNK]') };
  const spans = computeOffsets(
    text,
    full.slice(1, -1).map((id) => vocab[id] ?? '[UNK]'),
    literalSpecials,
    normalizer,
  );
  if (spans) encoding.offsets = [[0, 0], ...spans.slice(0, ids.length - 2), [0, 0]];
  return encoding;
}

describe.skipIf(!HAS_TOKENIZER)(`the tokenizer from @huggingface/tokenizers matches transformers.js${CORPUS_NOTE}`, () => {
  let light: Tokenizer;
  let lightRaw: LightTokenizer;
  let hf: BertTokenizer;
  let vocab: string[];
  let literalSpecials: string[];
  const notes = [...AWKWARD, ...corpusNotes()];

  beforeAll(async () => {
    light = await loadTokenizer(MODEL_DIR);
    const json = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
      added_tokens?: { content: string }[];
    };
    const config = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer_config.json'), 'utf8')) as object;
    hf = new BertTokenizer(json, config);
    lightRaw = new LightTokenizer(json, config);
    vocab = [];
    for (const [token, id] of Object.entries(json.model.vocab)) vocab[id] = token;
    literalSpecials = (json.added_tokens ?? []).map((t) => t.content);
  });

  it('reads the whole corpus', () => {
    if (HAS_CORPUS) expect(notes.length).toBeGreaterThan(10_000);
  });

  it('gives the same ids on every note, untruncated', () => {
    const differences: string[] = [];
    for (const note of notes) {
      const after: number[] = lightRaw.encode(note.text, { add_special_tokens: true }).ids;
      const before = hf.encode(note.text, { add_special_tokens: true });
      const at = after.findIndex((id, i) => id !== before[i]);
      if (at >= 0 || after.length !== before.length) {
        differences.push(`${note.source}: first difference at token ${at >= 0 ? at : Math.min(after.length, before.length)}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('gives the same ids, tokens and offsets as the model reads them (every 20th note and the awkward strings)', () => {
    const sample = [...AWKWARD, ...notes.slice(AWKWARD.length).filter((_, i) => i % 20 === 0)];
    const differences: string[] = [];
    let withOffsets = 0;
    for (const note of sample) {
      const before = transformersEncode(
        hf,
        vocab,
        light.specialIds.sep,
        literalSpecials,
        light.normalizer,
        note.text,
        light.modelMaxLength,
      );
      const after = light.encode(note.text, light.modelMaxLength, { offsets: true });
      if (JSON.stringify(after) !== JSON.stringify(before)) differences.push(`${note.source}: encoding differs`);
      if (after.offsets) withOffsets++;
    }
    expect(differences).toEqual([]);
    // offsets are laid on nearly every note; where they are not, both left them out alike
    expect(withOffsets).toBeGreaterThan(sample.length * 0.9);
    if (HAS_CORPUS) expect(sample.length).toBeGreaterThan(500);
  });
});
