/**
 * @file Unit tests for src/model/tokenizer.ts on a tiny hand-made package, so they run without
 * the trained model: piece splitting, truncation that keeps [SEP], offsets, and the errors for
 * missing or broken files and bad arguments.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOffsets, loadTokenizer, type Tokenizer } from '../../src/model/tokenizer.js';
import { ClinicalBertError } from '../../src/util/errors.js';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = [
  'un',
  '##aff',
  '##able',
  'the',
  'cafe',
  '!',
  ',',
  '/',
  '%',
  '1',
  '##2',
  '##0',
  '8',
  '##0',
  'o',
  '##2',
  'sat',
  'x',
  '-',
  'ray',
];

/** The same shape of tokenizer.json that training/tokenizer_files.py writes (cased: as for an imported cased vocabulary). */
function tokenizerJson(vocab: string[], cased = false): object {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: cased
      ? { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false }
      : { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

const vocab = [...SPECIALS, ...new Set(WORDS)];
const id = (token: string): number => {
  const i = vocab.indexOf(token);
  if (i < 0) throw new Error(`test vocab lacks ${token}`);
  return i;
};

let dir: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinicalbert-tok-'));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', model_max_length: 16 }));
  tokenizer = await loadTokenizer(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTokenizer', () => {
  it('reads the vocabulary size, max length and special ids', () => {
    expect(tokenizer.vocabSize).toBe(vocab.length);
    expect(tokenizer.modelMaxLength).toBe(16);
    expect(tokenizer.specialIds).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
  });

  it('names the missing file', async () => {
    const missing = join(dir, 'nope');
    const error = await loadTokenizer(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClinicalBertError);
    expect((error as ClinicalBertError).code).toBe('TOKENIZER_MISSING');
    expect((error as Error).message).toContain(join(missing, 'tokenizer.json'));
  });

  it('rejects broken JSON and a non-WordPiece model', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'clinicalbert-tok-bad-'));
    try {
      await writeFile(join(bad, 'tokenizer.json'), '{"model": ');
      await writeFile(join(bad, 'tokenizer_config.json'), '{"model_max_length": 8}');
      await expect(loadTokenizer(bad)).rejects.toMatchObject({ code: 'TOKENIZER_INVALID' });
      await writeFile(join(bad, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: {} } }));
      await expect(loadTokenizer(bad)).rejects.toThrow(/expected a WordPiece model.*"BPE"/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('encode', () => {
  it('splits words into the longest known pieces and wraps them in [CLS] ... [SEP]', () => {
    const { ids, tokens } = tokenizer.encode('The UNAFFABLE café!');
    expect(tokens).toEqual(['[CLS]', 'the', 'un', '##aff', '##able', 'cafe', '!', '[SEP]']);
    expect(ids).toEqual(tokens.map(id));
  });

  it('splits numbers and punctuation the way the recipe does', () => {
    expect(tokenizer.encode('120/80, O2 sat 8%').tokens).toEqual([
      '[CLS]',
      '1',
      '##2',
      '##0',
      '/',
      '8',
      '##0',
      ',',
      'o',
      '##2',
      'sat',
      '8',
      '%',
      '[SEP]',
    ]);
  });

  it('gives [UNK] for a word it cannot spell and keeps literal special tokens', () => {
    expect(tokenizer.encode('zebra [MASK] x-ray').tokens).toEqual(['[CLS]', '[UNK]', '[MASK]', 'x', '-', 'ray', '[SEP]']);
  });

  it('truncates to maxLength and keeps [SEP] last', () => {
    const full = tokenizer.encode('the the the the the the');
    expect(full.ids).toHaveLength(8);
    const cut = tokenizer.encode('the the the the the the', 5);
    expect(cut.tokens).toEqual(['[CLS]', 'the', 'the', 'the', '[SEP]']);
    expect(tokenizer.encode('the the the', 2).tokens).toEqual(['[CLS]', '[SEP]']);
    // The default limit is model_max_length (16 here).
    expect(tokenizer.encode('the '.repeat(40)).ids).toHaveLength(16);
  });

  it('rejects a maxLength outside 2..model_max_length, quoting it', () => {
    expect(() => tokenizer.encode('the', 1)).toThrow(/from 2 to 16, got "1"/);
    expect(() => tokenizer.encode('the', 17)).toThrow(ClinicalBertError);
    expect(() => tokenizer.encode('the', 2.5)).toThrow(/got "2.5"/);
  });

  it('maps each token back to its characters', () => {
    const text = '  The UNAFFABLE café! [MASK]';
    const { tokens, offsets } = tokenizer.encode(text, undefined, { offsets: true });
    expect(offsets).toBeDefined();
    const slices = (offsets ?? []).map(([s, e]) => text.slice(s, e));
    expect(tokens).toEqual(['[CLS]', 'the', 'un', '##aff', '##able', 'cafe', '!', '[MASK]', '[SEP]']);
    expect(slices).toEqual(['', 'The', 'UN', 'AFF', 'ABLE', 'café', '!', '[MASK]', '']);
  });

  it('cuts offsets with the ids', () => {
    const { ids, offsets } = tokenizer.encode('the cafe the cafe', 4, { offsets: true });
    expect(offsets).toEqual([
      [0, 0],
      [0, 3],
      [4, 8],
      [0, 0],
    ]);
    expect(ids).toHaveLength(4);
  });

  it('spans a whole unknown word with one [UNK]', () => {
    const text = 'x zebra!';
    const { tokens, offsets } = tokenizer.encode(text, undefined, { offsets: true });
    expect(tokens).toEqual(['[CLS]', 'x', '[UNK]', '!', '[SEP]']);
    expect(offsets?.[2]).toEqual([2, 7]);
  });
});

describe('a cased vocabulary with Hugging Face special ids', () => {
  // As an imported Bio_ClinicalBERT-style vocabulary: [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103.
  const cased = [
    '[PAD]',
    ...Array.from({ length: 99 }, (_, i) => `[unused${i}]`),
    '[UNK]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    'The',
    'the',
    'caf',
    '##é',
    '##e',
    'BP',
    'bp',
    '!',
  ];
  let casedDir: string;
  let casedTokenizer: Tokenizer;

  beforeAll(async () => {
    casedDir = await mkdtemp(join(tmpdir(), 'clinicalbert-tok-cased-'));
    await writeFile(join(casedDir, 'tokenizer.json'), JSON.stringify(tokenizerJson(cased, true)));
    await writeFile(join(casedDir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 16 }));
    casedTokenizer = await loadTokenizer(casedDir);
  });

  afterAll(async () => {
    await rm(casedDir, { recursive: true, force: true });
  });

  it('reads the special ids and keeps case and accents', () => {
    expect(casedTokenizer.specialIds).toEqual({ pad: 0, unk: 100, cls: 101, sep: 102, mask: 103 });
    expect(casedTokenizer.normalizer).toEqual({ lowercase: false, stripAccents: false });
    const { ids, tokens } = casedTokenizer.encode('The the BP café cafe bP [MASK]!');
    expect(tokens).toEqual(['[CLS]', 'The', 'the', 'BP', 'caf', '##é', 'caf', '##e', '[UNK]', '[MASK]', '!', '[SEP]']);
    expect(ids).toEqual(tokens.map((t) => cased.indexOf(t)));
  });

  it('lays offsets over the cased text', () => {
    const text = 'The café!';
    const { offsets } = casedTokenizer.encode(text, undefined, { offsets: true });
    expect((offsets ?? []).map(([s, e]) => text.slice(s, e))).toEqual(['', 'The', 'caf', 'é', '!', '']);
  });

  it('refuses a normalizer other than BertNormalizer, quoting it', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'clinicalbert-tok-norm-'));
    try {
      await writeFile(join(bad, 'tokenizer.json'), JSON.stringify({ ...tokenizerJson(cased, true), normalizer: { type: 'Lowercase' } }));
      await writeFile(join(bad, 'tokenizer_config.json'), '{"model_max_length": 8}');
      await expect(loadTokenizer(bad)).rejects.toThrow(/expected a BertNormalizer, got normalizer type "Lowercase"/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('computeOffsets', () => {
  it('refuses pieces that do not spell the text', () => {
    expect(computeOffsets('the cafe', ['the', 'cafx'], [])).toBeUndefined();
    expect(computeOffsets('the cafe', ['the'], [])).toBeUndefined();
    expect(computeOffsets('the', ['the', 'the'], [])).toBeUndefined();
  });

  it('skips control and zero-width characters and keeps UTF-16 positions past astral characters', () => {
    const text = '\u{1F642}the\u200bcafe';
    expect(computeOffsets(text, ['[UNK]', 'cafe'], [])).toBeUndefined();
    // U+200B is a format character (Cf): removed, so "the" and "cafe" join into one word.
    expect(computeOffsets('the\u200bcafe', ['thecafe'], [])).toEqual([[0, 8]]);
    expect(computeOffsets('\u{1F642} cafe', ['[UNK]', 'cafe'], [])).toEqual([
      [0, 2],
      [3, 7],
    ]);
  });

  it('follows the normalizer: lower-cased pieces do not spell cased text', () => {
    expect(computeOffsets('The', ['the'], [], { lowercase: false, stripAccents: false })).toBeUndefined();
    expect(computeOffsets('The', ['The'], [], { lowercase: false, stripAccents: false })).toEqual([[0, 3]]);
    expect(computeOffsets('Café', ['Cafe'], [], { lowercase: false, stripAccents: true })).toEqual([[0, 4]]);
  });
});
