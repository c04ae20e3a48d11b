/**
 * @file A learnt note reader (experimental, not used by the answers yet): the package's own int8
 * text encoder reads one sentence around an entity mention and a small head, trained by
 * training/reader.py, says how the sentence states the entity, as one of ASSERTIONS.
 *
 * Why this shape: the text encoder ships already (onnx/text_encoder.int8.onnx), so a reader that
 * reuses it unchanged adds only a small head (`reader.json`, about 1 MB of JSON for 1536 -> 64 -> 5)
 * to the package. The features must be the same at training and at run time, so they are computed
 * here only: the training script (training/reader_pairs.ts) calls `readBatch` to dump them, and the Python side
 * only fits the head on the dump. The rule reader (src/ask/assertion.ts) remains what the answers
 * use; the learnt one's measured figures on the ConText dev sentences are in training/reader.py
 * (below the rules on "now": 83.5 % @ 94.6 % frozen, 91.0 % @ 92.2 % with the fine-tuned encoder of
 * training/reader_finetune.py, against the rules' 98.8 % @ 92.0 %).
 *
 * Input (`readerInput`): [CLS] + the last 48 word pieces before the mention + the first 16 of the
 * mention + the first 48 after it + [SEP], each part tokenised on its own (no special tokens).
 * Features (`poolFeatures`, 6 x 256): the [CLS] vector, the mean over the mention's pieces, the
 * means over the 8 pieces right before and right after the mention, and the means over all the
 * prefix and all the suffix pieces (zeros for an empty part).
 * Encoder: reader.json's `encoder` names the package's ONNX file the head was fitted on: the shipped
 * text encoder (the default), or `onnx/reader_encoder.int8.onnx`, that encoder fine-tuned with the head
 * by training/reader_finetune.py (the same inputs and token_embeddings output, int8 the same way).
 * Head (`applyHead`): standardise with the head's mean and deviation, then dense layers (ReLU or
 * none), softmax over its classes.
 */
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { ClinicalBertError, quote } from '../util/errors.js';
import { ASSERTIONS, type Assertion } from './types.js';

export const PREFIX_PIECES = 48;
export const MENTION_PIECES = 16;
export const SUFFIX_PIECES = 48;
/** Pieces right next to the mention pooled on their own. */
export const NEAR_PIECES = 8;
export const HIDDEN_SIZE = 256;
/** Pooled vectors per mention. */
export const POOLS = 6;
export const FEATURE_SIZE = POOLS * HIDDEN_SIZE;
/** The head file inside the model package. */
export const READER_FILE = 'reader.json';
/** The encoder a head without an `encoder` field was fitted on (package-relative). */
export const DEFAULT_READER_ENCODER = 'onnx/text_encoder.int8.onnx';

/** What the reader needs of src/model/tokenizer.ts's Tokenizer. */
export interface PieceTokenizer {
  readonly specialIds: { cls: number; sep: number; pad: number };
  pieces(text: string): number[];
}

/** A half-open range [from, to) of token positions. */
export type Range = readonly [number, number];

export interface ReaderInput {
  ids: number[];
  prefix: Range;
  mention: Range;
  suffix: Range;
}

/** The token ids of one sentence around the mention at [start, end), and where each part lies. */
export function readerInput(tokenizer: PieceTokenizer, sentence: string, start: number, end: number): ReaderInput {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > sentence.length) {
    throw new ClinicalBertError(`reader: bad mention span [${start}, ${end}) in a sentence of ${sentence.length} characters`, {
      code: 'READER_INPUT',
    });
  }
  const before = tokenizer.pieces(sentence.slice(0, start)).slice(-PREFIX_PIECES);
  const mention = tokenizer.pieces(sentence.slice(start, end)).slice(0, MENTION_PIECES);
  const after = tokenizer.pieces(sentence.slice(end)).slice(0, SUFFIX_PIECES);
  const p0 = 1;
  const m0 = p0 + before.length;
  const s0 = m0 + mention.length;
  const s1 = s0 + after.length;
  return {
    ids: [tokenizer.specialIds.cls, ...before, ...mention, ...after, tokenizer.specialIds.sep],
    prefix: [p0, m0],
    mention: [m0, s0],
    suffix: [s0, s1],
  };
}

/** Add the mean of rows [from, to) of `emb` (row `i` at `base + i * hidden`) into `out` at `at`; zeros when empty. */
function meanInto(out: Float32Array, at: number, emb: ArrayLike<number>, base: number, hidden: number, from: number, to: number): void {
  if (to <= from) return;
  const n = to - from;
  for (let i = from; i < to; i++) {
    const row = base + i * hidden;
    for (let h = 0; h < hidden; h++) out[at + h] = (out[at + h] as number) + (emb[row + h] as number);
  }
  for (let h = 0; h < hidden; h++) out[at + h] = (out[at + h] as number) / n;
}

/**
 * The 6 x hidden features of one sequence of a token_embeddings tensor (`emb`, the sequence's
 * first value at `base`, rows of `hidden` values): [CLS], mention, near prefix, near suffix, all
 * prefix, all suffix.
 */
export function poolFeatures(
  emb: ArrayLike<number>,
  input: Pick<ReaderInput, 'prefix' | 'mention' | 'suffix'>,
  hidden = HIDDEN_SIZE,
  base = 0,
): Float32Array {
  const out = new Float32Array(POOLS * hidden);
  const [p0, p1] = input.prefix;
  const [m0, m1] = input.mention;
  const [s0, s1] = input.suffix;
  meanInto(out, 0, emb, base, hidden, 0, 1);
  meanInto(out, hidden, emb, base, hidden, m0, m1);
  meanInto(out, 2 * hidden, emb, base, hidden, Math.max(p0, p1 - NEAR_PIECES), p1);
  meanInto(out, 3 * hidden, emb, base, hidden, s0, Math.min(s1, s0 + NEAR_PIECES));
  meanInto(out, 4 * hidden, emb, base, hidden, p0, p1);
  meanInto(out, 5 * hidden, emb, base, hidden, s0, s1);
  return out;
}

export interface HeadLayer {
  weight: number[][];
  bias: number[];
  activation: 'relu' | 'none';
}

export interface ReaderHead {
  format: 1;
  /**
   * The package-relative ONNX text encoder whose token_embeddings the head was fitted on (the
   * runtime must run this one). parseReaderHead always sets it (DEFAULT_READER_ENCODER when the
   * file has none); optional so that heads built in code need not name it.
   */
  encoder?: string;
  classes: Assertion[];
  featureMean: number[];
  featureStd: number[];
  layers: HeadLayer[];
  provenance?: Record<string, unknown>;
}

const isNumbers = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Check a parsed reader.json: shapes chain from the features to one output per class. */
export function parseReaderHead(json: unknown, where = READER_FILE): ReaderHead {
  const bad = (why: string): never => {
    throw new ClinicalBertError(`${where}: ${why}`, { code: 'READER_HEAD_INVALID' });
  };
  if (typeof json !== 'object' || json === null) return bad('expected an object');
  const head = json as Partial<ReaderHead>;
  if (head.format !== 1) bad(`format must be 1, got ${quote(head.format ?? null)}`);
  const encoder = head.encoder ?? DEFAULT_READER_ENCODER;
  if (typeof encoder !== 'string' || !/^onnx\/[\w.-]+\.onnx$/.test(encoder))
    bad(`encoder must be a package-relative "onnx/<name>.onnx" file, got ${quote(encoder)}`);
  const classes = head.classes;
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => (ASSERTIONS as readonly string[]).includes(c)))
    return bad(`classes must be assertions (${ASSERTIONS.join(', ')})`);
  if (!Array.isArray(head.featureMean) || head.featureMean.length === 0) return bad('featureMean must be a list of numbers');
  const size = head.featureMean.length;
  if (!isNumbers(head.featureMean, size) || !isNumbers(head.featureStd, size) || head.featureStd.some((s) => s <= 0))
    return bad(`featureMean and featureStd must be ${size} finite numbers, deviations positive`);
  if (!Array.isArray(head.layers) || head.layers.length === 0) return bad('layers must be a non-empty list');
  let width = size;
  for (const [i, layer] of head.layers.entries()) {
    if (!Array.isArray(layer?.weight) || layer.weight.length === 0) return bad(`layer ${i}: weight must be [out][in]`);
    const out = layer.weight.length;
    if (!layer.weight.every((row) => isNumbers(row, width))) bad(`layer ${i}: every weight row must hold ${width} numbers`);
    if (!isNumbers(layer.bias, out)) bad(`layer ${i}: bias must hold ${out} numbers`);
    if (layer.activation !== 'relu' && layer.activation !== 'none') bad(`layer ${i}: activation must be "relu" or "none"`);
    width = out;
  }
  if (width !== classes.length) bad(`the last layer gives ${width} outputs for ${classes.length} classes`);
  return { ...(head as ReaderHead), encoder };
}

/** Read and check the head file. */
export async function loadReaderHead(path: string): Promise<ReaderHead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ClinicalBertError(`reader head not found or unreadable: ${path}`, { code: 'READER_HEAD_MISSING', cause: error });
  }
  try {
    return parseReaderHead(JSON.parse(text), path);
  } catch (error) {
    if (error instanceof ClinicalBertError) throw error;
    throw new ClinicalBertError(`${path} is not valid JSON`, { code: 'READER_HEAD_INVALID', cause: error });
  }
}

/** Softmax probabilities of the head's classes (in `head.classes` order) for one feature vector. */
export function applyHead(head: ReaderHead, features: ArrayLike<number>): number[] {
  if (features.length !== head.featureMean.length) {
    throw new ClinicalBertError(`reader: ${features.length} features for a head of ${head.featureMean.length}`, { code: 'READER_INPUT' });
  }
  let x: number[] = Array.from(features, (v, i) => (v - (head.featureMean[i] as number)) / (head.featureStd[i] as number));
  for (const layer of head.layers) {
    const y = layer.bias.slice();
    for (const [o, row] of layer.weight.entries()) {
      let sum = y[o] as number;
      for (let i = 0; i < row.length; i++) sum += (row[i] as number) * (x[i] as number);
      y[o] = layer.activation === 'relu' && sum < 0 ? 0 : sum;
    }
    x = y;
  }
  const top = Math.max(...x);
  const exp = x.map((v) => Math.exp(v - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

/** The head's most probable class and its probability. */
export function topClass(head: ReaderHead, probabilities: readonly number[]): { assertion: Assertion; probability: number } {
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if ((probabilities[i] as number) > (probabilities[best] as number)) best = i;
  return { assertion: head.classes[best] as Assertion, probability: probabilities[best] as number };
}

/** One mention to read: the sentence and the mention's [start, end) in it. */
export interface ReaderItem {
  sentence: string;
  start: number;
  end: number;
}

export interface ReaderResult {
  features: Float32Array;
  /** With a head: its class probabilities, in `head.classes` order. */
  probabilities?: number[];
}

/** The ORT module's Tensor class (passed in, so that this file loads without the native module). */
type TensorClass = typeof ort.Tensor;

/**
 * Read a batch of mentions with the text encoder `session` (inputs input_ids and attention_mask,
 * int64; output token_embeddings): right-padded with [PAD], masked, pooled, and through `head`
 * when given.
 */
export async function readBatch(
  session: ort.InferenceSession,
  Tensor: TensorClass,
  tokenizer: PieceTokenizer,
  items: readonly ReaderItem[],
  head?: ReaderHead,
): Promise<ReaderResult[]> {
  if (items.length === 0) return [];
  const inputs = items.map((it) => readerInput(tokenizer, it.sentence, it.start, it.end));
  const seq = Math.max(...inputs.map((i) => i.ids.length));
  const ids = new BigInt64Array(items.length * seq).fill(BigInt(tokenizer.specialIds.pad));
  const mask = new BigInt64Array(items.length * seq);
  for (const [b, input] of inputs.entries()) {
    for (const [t, id] of input.ids.entries()) {
      ids[b * seq + t] = BigInt(id);
      mask[b * seq + t] = 1n;
    }
  }
  const out = await session.run(
    { input_ids: new Tensor('int64', ids, [items.length, seq]), attention_mask: new Tensor('int64', mask, [items.length, seq]) },
    ['token_embeddings'],
  );
  const emb = out.token_embeddings;
  if (emb?.dims.length !== 3 || emb.dims[0] !== items.length || emb.dims[1] !== seq) {
    throw new ClinicalBertError(`reader: unexpected token_embeddings shape ${quote(emb?.dims ?? null)}`, { code: 'READER_OUTPUT' });
  }
  const hidden = emb.dims[2] as number;
  const data = emb.data as Float32Array;
  return inputs.map((input, b) => {
    const features = poolFeatures(data, input, hidden, b * seq * hidden);
    return head ? { features, probabilities: applyHead(head, features) } : { features };
  });
}
