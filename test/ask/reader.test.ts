import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import {
  applyHead,
  FEATURE_SIZE,
  MENTION_PIECES,
  type PieceTokenizer,
  DEFAULT_READER_ENCODER,
  parseReaderHead,
  poolFeatures,
  PREFIX_PIECES,
  type ReaderHead,
  readBatch,
  readerInput,
  SUFFIX_PIECES,
  topClass,
} from '../../src/ask/reader.js';

/** One piece per word: the word's number ("w12" -> 12). */
const words: PieceTokenizer = {
  specialIds: { cls: 101, sep: 102, pad: 0 },
  pieces: (text) =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => Number(w.slice(1))),
};

const sentence = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `w${from + i}`).join(' ');

describe('readerInput', () => {
  it('lays out [CLS] prefix mention suffix [SEP] with their ranges', () => {
    const text = 'w1 w2 w3 w4 w5';
    const start = text.indexOf('w3');
    const r = readerInput(words, text, start, start + 'w3 w4'.length);
    expect(r.ids).toEqual([101, 1, 2, 3, 4, 5, 102]);
    expect(r.prefix).toEqual([1, 3]);
    expect(r.mention).toEqual([3, 5]);
    expect(r.suffix).toEqual([5, 6]);
  });

  it('keeps the last prefix pieces, the first mention and suffix pieces', () => {
    const before = sentence(1, 61); // 60 words
    const mention = sentence(100, 120); // 20 words
    const after = sentence(200, 260); // 60 words
    const text = `${before} ${mention} ${after}`;
    const start = before.length + 1;
    const r = readerInput(words, text, start, start + mention.length);
    expect(r.ids.length).toBe(2 + PREFIX_PIECES + MENTION_PIECES + SUFFIX_PIECES);
    expect(r.ids.slice(r.prefix[0], r.prefix[1])).toEqual(Array.from({ length: 48 }, (_, i) => 13 + i));
    expect(r.ids.slice(r.mention[0], r.mention[1])).toEqual(Array.from({ length: 16 }, (_, i) => 100 + i));
    expect(r.ids.slice(r.suffix[0], r.suffix[1])).toEqual(Array.from({ length: 48 }, (_, i) => 200 + i));
    expect(r.ids.at(-1)).toBe(102);
  });

  it('gives empty ranges for a mention at either end and refuses a bad span', () => {
    const r = readerInput(words, 'w7', 0, 2);
    expect(r.ids).toEqual([101, 7, 102]);
    expect(r.prefix).toEqual([1, 1]);
    expect(r.suffix).toEqual([2, 2]);
    expect(() => readerInput(words, 'w7', 1, 5)).toThrow(/span/);
  });
});

describe('poolFeatures', () => {
  it('pools CLS, mention, near and whole prefix and suffix; zeros for an empty part', () => {
    // hidden 2; token i has embedding [i, 10 * i]; sequence of 14: CLS, 10 prefix, 2 mention, 0 suffix, SEP
    const hidden = 2;
    const emb = Array.from({ length: 14 * hidden }, (_, k) => (k % 2 === 0 ? k / 2 : 5 * k - 5));
    const f = poolFeatures(emb, { prefix: [1, 11], mention: [11, 13], suffix: [13, 13] }, hidden);
    expect(f.length).toBe(6 * hidden);
    expect(Array.from(f.slice(0, 2))).toEqual([0, 0]); // CLS is token 0
    expect(Array.from(f.slice(2, 4))).toEqual([11.5, 115]); // mention tokens 11, 12
    expect(Array.from(f.slice(4, 6))).toEqual([6.5, 65]); // near prefix: tokens 3..10
    expect(Array.from(f.slice(6, 8))).toEqual([0, 0]); // no suffix
    expect(Array.from(f.slice(8, 10))).toEqual([5.5, 55]); // all prefix: tokens 1..10
    expect(Array.from(f.slice(10, 12))).toEqual([0, 0]);
  });

  it('reads the sequence at its batch offset', () => {
    const hidden = 1;
    const emb = [9, 9, 9, 1, 2, 3, 4]; // second sequence starts at 3
    const f = poolFeatures(emb, { prefix: [1, 1], mention: [1, 2], suffix: [2, 4] }, hidden, 3);
    expect(Array.from(f)).toEqual([1, 2, 0, 3.5, 0, 3.5]);
  });
});

describe('reader head', () => {
  const head: ReaderHead = parseReaderHead({
    format: 1,
    classes: ['affirmed', 'negated'],
    featureMean: [1, 0],
    featureStd: [2, 1],
    layers: [
      {
        weight: [
          [1, 0],
          [0, -1],
        ],
        bias: [0, 0],
        activation: 'relu',
      },
      {
        weight: [
          [1, 0],
          [0, 1],
        ],
        bias: [0, Math.log(2)],
        activation: 'none',
      },
    ],
  });

  it('standardises, applies the layers with ReLU and softmax', () => {
    // x = [(3-1)/2, (5-0)/1] = [1, 5]; layer 1: relu([1, -5]) = [1, 0]; layer 2: [1, ln 2]
    const p = applyHead(head, [3, 5]);
    expect(p[0]).toBeCloseTo(Math.E / (Math.E + 2), 10);
    expect(p[1]).toBeCloseTo(2 / (Math.E + 2), 10);
    expect(topClass(head, p)).toEqual({ assertion: 'affirmed', probability: p[0] });
    // negative first input: relu keeps the second -> negated wins
    const q = applyHead(head, [1, -3]);
    expect(topClass(head, q).assertion).toBe('negated');
    expect(() => applyHead(head, [1])).toThrow(/features/);
  });

  it('refuses heads whose shapes do not chain or whose classes are not assertions', () => {
    const base = { format: 1, classes: ['affirmed'], featureMean: [0], featureStd: [1] };
    expect(() => parseReaderHead({ ...base, layers: [{ weight: [[1, 2]], bias: [0], activation: 'none' }] })).toThrow(/weight row/);
    expect(() => parseReaderHead({ ...base, classes: ['maybe'], layers: [] })).toThrow(/classes/);
    expect(() => parseReaderHead({ ...base, layers: [{ weight: [[1], [1]], bias: [0, 0], activation: 'none' }] })).toThrow(/outputs/);
    expect(() => parseReaderHead({ ...base, featureStd: [0], layers: [] })).toThrow(/deviations/);
    expect(FEATURE_SIZE).toBe(1536);
  });

  it('reads the encoder the head was fitted on, the shipped text encoder by default', () => {
    const base = {
      format: 1,
      classes: ['affirmed'],
      featureMean: [0],
      featureStd: [1],
      layers: [{ weight: [[1]], bias: [0], activation: 'none' }],
    };
    expect(parseReaderHead(base).encoder).toBe(DEFAULT_READER_ENCODER);
    expect(DEFAULT_READER_ENCODER).toBe('onnx/text_encoder.int8.onnx');
    expect(parseReaderHead({ ...base, encoder: 'onnx/reader_encoder.int8.onnx' }).encoder).toBe('onnx/reader_encoder.int8.onnx');
    expect(() => parseReaderHead({ ...base, encoder: '../x.onnx' })).toThrow(/encoder/);
    expect(() => parseReaderHead({ ...base, encoder: 7 })).toThrow(/encoder/);
  });
});

describe('readBatch', () => {
  it('pads with [PAD], masks the padding and pools each sequence of the batch', async () => {
    class FakeTensor {
      constructor(
        readonly type: string,
        readonly data: BigInt64Array,
        readonly dims: number[],
      ) {}
    }
    const seen: Record<string, FakeTensor> = {};
    // hidden 1: each token's embedding is its id
    const session = {
      run: async (feeds: Record<string, FakeTensor>, outputs: string[]) => {
        Object.assign(seen, feeds);
        expect(outputs).toEqual(['token_embeddings']);
        const ids = feeds.input_ids as FakeTensor;
        return { token_embeddings: { dims: [...ids.dims, 1], data: Float32Array.from(ids.data, (v) => Number(v)) } };
      },
    };
    const results = await readBatch(session as never, FakeTensor as never, words, [
      { sentence: 'w1 w2 w3', start: 3, end: 5 },
      { sentence: 'w4', start: 0, end: 2 },
    ]);
    expect(seen.input_ids?.dims).toEqual([2, 5]);
    expect(Array.from(seen.input_ids?.data ?? [], Number)).toEqual([101, 1, 2, 3, 102, 101, 4, 102, 0, 0]);
    expect(Array.from(seen.attention_mask?.data ?? [], Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(results[0]?.features ?? [])).toEqual([101, 2, 1, 3, 1, 3]);
    expect(Array.from(results[1]?.features ?? [])).toEqual([101, 4, 0, 0, 0, 0]);
    expect(results[0]?.probabilities).toBeUndefined();
  });
});

describe('with the package tokenizer', () => {
  it('cuts the same pieces as a whole-sentence encoding when the mention sits on word boundaries', async () => {
    const tokenizer = await loadTokenizer('models/clinicalbert-mini');
    const text = 'Patient denies chest pain or shortness of breath.';
    expect(tokenizer.pieces(text)).toEqual(tokenizer.encode(text).ids.slice(1, -1));
    expect(tokenizer.pieces('')).toEqual([]);
    const start = text.indexOf('chest pain');
    const r = readerInput(tokenizer, text, start, start + 'chest pain'.length);
    expect(r.ids).toEqual(tokenizer.encode(text).ids);
    expect(r.ids.slice(r.mention[0], r.mention[1])).toEqual(tokenizer.pieces('chest pain'));
  });
});
