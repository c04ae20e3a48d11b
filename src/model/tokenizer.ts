/**
 * @file Loads a model package's WordPiece tokenizer and turns text into token ids, the same ids
 * the training recipe (training/wordpiece.py) computed.
 *
 * Why build the tokenizer from the two JSON files ourselves instead of `AutoTokenizer`: reading
 * them with `fs` cannot touch the network or the transformers.js cache, and a missing or broken
 * file becomes a `ClinicalBertError` naming the path. The tokenization itself is
 * @huggingface/tokenizers' (`Tokenizer`), the code transformers.js 4 tokenizes with, without the
 * rest of transformers.js (0.25–0.4 s to import, and an onnxruntime-web of its own): the same ids
 * and offsets on every MTSamples note (test/model/tokenizer-light.test.ts), and the package works
 * unchanged with any tool that reads `tokenizer.json`.
 *
 * Truncation keeps `[SEP]` last (as Hugging Face's Python tokenizers do and the recipe does);
 * transformers.js's own `truncation: true` cuts it off, so no truncation of the library is used.
 *
 * Offsets are optional and computed here, because the library does not report them: the text
 * is normalized one character at a time with the tokenizer.json normalizer's own `lowercase` and
 * `strip_accents` (a cased vocabulary, e.g. one imported from Bio_ClinicalBERT, keeps both case
 * and accents), keeping where each normalized character came from, split
 * into words with the tokenizer's own rules, and each word's pieces are laid over it. The pieces
 * must spell the normalized word exactly; if they do not (a rare context-dependent case such as a
 * final Greek sigma), offsets are left out rather than guessed.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import { ClinicalBertError, quote } from '../util/errors.js';

/** [start, end) in UTF-16 code units of the input text, so `text.slice(start, end)` is the token's source. */
export type Offset = [number, number];

export interface Encoding {
  ids: number[];
  tokens: string[];
  /** One span per token; the [CLS] and [SEP] the tokenizer adds get [0, 0]. */
  offsets?: Offset[];
}

export interface EncodeOptions {
  /** Also compute character offsets (slower; for explanations). */
  offsets?: boolean;
}

/** The BertNormalizer settings that change characters (clean_text and CJK padding are always on). */
export interface NormalizerOptions {
  lowercase: boolean;
  stripAccents: boolean;
}

/** The recipe's own tokenizer: lower-case, accents stripped. */
export const UNCASED: NormalizerOptions = { lowercase: true, stripAccents: true };

export interface SpecialIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

export interface Tokenizer {
  readonly modelDir: string;
  readonly vocabSize: number;
  /** The longest sequence the model accepts (tokenizer_config.json `model_max_length`). */
  readonly modelMaxLength: number;
  readonly specialIds: SpecialIds;
  /** The normalizer's case and accent handling (tokenizer.json), which offsets follow. */
  readonly normalizer: NormalizerOptions;
  /** Ids with [CLS] first and [SEP] last, at most `maxLength` (default: modelMaxLength) of them. */
  encode(text: string, maxLength?: number, options?: EncodeOptions): Encoding;
  /** Word-piece ids of `text` with no [CLS]/[SEP] and no length limit (for windows cut by the caller). */
  pieces(text: string): number[];
}

/**
 * What is used of @huggingface/tokenizers' `Tokenizer`, typed here: the package's own declarations
 * import without file extensions, which TypeScript's NodeNext resolution does not follow (so they
 * would type it as `any`).
 */
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}

const SPECIAL_NAMES = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;
const CONTINUATION = '##';

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; continuing_subword_prefix?: string };
  added_tokens?: { id: number; content: string }[];
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null } | null;
}

interface TokenizerConfigJson {
  model_max_length?: number;
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ClinicalBertError(`${what} not found or unreadable: ${path}`, { code: 'TOKENIZER_MISSING', cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ClinicalBertError(`${what} is not valid JSON: ${path}`, { code: 'TOKENIZER_INVALID', cause: error });
  }
}

/** Load the tokenizer of the model package in `modelDir` (tokenizer.json + tokenizer_config.json). */
export async function loadTokenizer(modelDir: string): Promise<Tokenizer> {
  const dir = resolve(modelDir);
  const jsonPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  const tokenizerJson = await readJson<TokenizerJson>(jsonPath, 'tokenizer.json');
  const config = await readJson<TokenizerConfigJson>(configPath, 'tokenizer_config.json');

  const model = tokenizerJson.model;
  if (model?.type !== 'WordPiece' || typeof model.vocab !== 'object' || model.vocab === null) {
    throw new ClinicalBertError(`${jsonPath}: expected a WordPiece model with a vocab, got model type ${quote(model?.type ?? null)}`, {
      code: 'TOKENIZER_INVALID',
    });
  }
  const vocab: string[] = [];
  for (const [token, id] of Object.entries(model.vocab)) vocab[id] = token;
  const specialIds = {} as SpecialIds;
  for (const [key, token] of Object.entries(SPECIAL_NAMES) as [keyof SpecialIds, string][]) {
    const id = model.vocab[token];
    if (id === undefined) {
      throw new ClinicalBertError(`${jsonPath}: the vocabulary has no ${token} token`, { code: 'TOKENIZER_INVALID' });
    }
    specialIds[key] = id;
  }
  // As tokenizers.js reads it: strip_accents null/absent follows lowercase.
  const normalizer = tokenizerJson.normalizer;
  if (normalizer?.type !== 'BertNormalizer') {
    throw new ClinicalBertError(
      `${jsonPath}: expected a BertNormalizer, got normalizer type ${quote(normalizer?.type ?? null)}; valid: "BertNormalizer"`,
      { code: 'TOKENIZER_INVALID' },
    );
  }
  const lowercase = normalizer.lowercase === true;
  const options: NormalizerOptions = {
    lowercase,
    stripAccents: lowercase ? normalizer.strip_accents !== false : normalizer.strip_accents === true,
  };
  const modelMaxLength = config.model_max_length;
  if (typeof modelMaxLength !== 'number' || !Number.isInteger(modelMaxLength) || modelMaxLength < 2) {
    throw new ClinicalBertError(`${configPath}: model_max_length must be an integer of at least 2, got ${quote(modelMaxLength ?? null)}`, {
      code: 'TOKENIZER_INVALID',
    });
  }

  let hf: HfTokenizer;
  try {
    hf = new LibraryTokenizer(tokenizerJson, config) as HfTokenizer;
  } catch (error) {
    throw new ClinicalBertError(`${jsonPath}: @huggingface/tokenizers could not build the tokenizer`, {
      code: 'TOKENIZER_INVALID',
      cause: error,
    });
  }
  const literalSpecials = (tokenizerJson.added_tokens ?? []).map((t) => t.content);
  return new WordPieceTokenizer(dir, hf, vocab, specialIds, modelMaxLength, literalSpecials, options);
}

class WordPieceTokenizer implements Tokenizer {
  readonly vocabSize: number;

  constructor(
    readonly modelDir: string,
    private readonly hf: HfTokenizer,
    private readonly vocab: string[],
    readonly specialIds: SpecialIds,
    readonly modelMaxLength: number,
    private readonly literalSpecials: string[],
    readonly normalizer: NormalizerOptions,
  ) {
    this.vocabSize = vocab.length;
  }

  pieces(text: string): number[] {
    if (typeof text !== 'string') {
      throw new ClinicalBertError(`pieces: text must be a string, got ${typeof text}`, { code: 'TOKENIZER_INPUT' });
    }
    return text === '' ? [] : [...this.hf.encode(text, { add_special_tokens: false }).ids];
  }

  encode(text: string, maxLength: number = this.modelMaxLength, options: EncodeOptions = {}): Encoding {
    if (typeof text !== 'string') {
      throw new ClinicalBertError(`encode: text must be a string, got ${typeof text}`, { code: 'TOKENIZER_INPUT' });
    }
    if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > this.modelMaxLength) {
      throw new ClinicalBertError(`encode: maxLength must be an integer from 2 to ${this.modelMaxLength}, got ${quote(maxLength)}`, {
        code: 'TOKENIZER_MAX_LENGTH',
      });
    }
    const full = this.hf.encode(text, { add_special_tokens: true }).ids;
    const truncated = full.length > maxLength;
    const ids = truncated ? [...full.slice(0, maxLength - 1), this.specialIds.sep] : full;
    const tokens = ids.map((id) => this.vocab[id] ?? SPECIAL_NAMES.unk);
    const encoding: Encoding = { ids, tokens };
    if (options.offsets) {
      // Offsets are laid over the whole text (between [CLS] and [SEP]), then cut like the ids.
      const inner = full.slice(1, -1).map((id) => this.vocab[id] ?? SPECIAL_NAMES.unk);
      const spans = computeOffsets(text, inner, this.literalSpecials, this.normalizer);
      if (spans) encoding.offsets = [[0, 0], ...spans.slice(0, ids.length - 2), [0, 0]];
    }
    return encoding;
  }
}

// The character classes of @huggingface/tokenizers 0.2.0 (BertNormalizer, BertPreTokenizer).
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\s$/;
const MARK = /\p{Mn}/gu;

function isChineseBmp(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Spans for `tokens` (no [CLS]/[SEP]) over `text`, or undefined when they cannot be laid exactly. */
export function computeOffsets(
  text: string,
  tokens: string[],
  literalSpecials: string[],
  normalizer: NormalizerOptions = UNCASED,
): Offset[] | undefined {
  const spans: Offset[] = [];
  let next = 0;
  const specials = [...literalSpecials].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const sections: { start: number; end: number; special: boolean }[] = [];
  let pos = 0;
  if (specials.length > 0) {
    for (const m of text.matchAll(new RegExp(specials.join('|'), 'g'))) {
      if (m.index > pos) sections.push({ start: pos, end: m.index, special: false });
      sections.push({ start: m.index, end: m.index + m[0].length, special: true });
      pos = m.index + m[0].length;
    }
  }
  if (pos < text.length) sections.push({ start: pos, end: text.length, special: false });

  for (const section of sections) {
    if (section.special) {
      if (tokens[next] !== text.slice(section.start, section.end)) return undefined;
      spans.push([section.start, section.end]);
      next++;
      continue;
    }
    // Normalize one character at a time, remembering each output unit's source span.
    let normalized = '';
    const from: number[] = [];
    const to: number[] = [];
    const emit = (out: string, start: number, end: number): void => {
      normalized += out;
      for (let k = 0; k < out.length; k++) {
        from.push(start);
        to.push(end);
      }
    };
    let offset = section.start;
    for (const ch of text.slice(section.start, section.end)) {
      const start = offset;
      offset += ch.length;
      const cp = ch.charCodeAt(0);
      if (ch !== '\t' && ch !== '\n' && ch !== '\r' && (cp === 0 || cp === 0xfffd || CONTROL.test(ch))) continue;
      if (WHITESPACE.test(ch)) {
        emit(' ', start, offset);
        continue;
      }
      let out = ch.length === 1 && isChineseBmp(cp) ? ` ${ch} ` : ch;
      if (normalizer.lowercase) out = out.toLowerCase();
      if (normalizer.stripAccents) out = out.normalize('NFD').replace(MARK, '');
      emit(out, start, offset);
    }
    for (const word of normalized.matchAll(PRE_TOKEN)) {
      const wordStart = word.index;
      const wordEnd = wordStart + word[0].length;
      const first = tokens[next];
      if (first === undefined) return undefined;
      if (first === SPECIAL_NAMES.unk) {
        spans.push([from[wordStart] ?? 0, to[wordEnd - 1] ?? 0]);
        next++;
        continue;
      }
      let at = wordStart;
      let piece: string | undefined = first;
      let isFirst = true;
      while (piece !== undefined && (isFirst || piece.startsWith(CONTINUATION)) && at < wordEnd) {
        const body = isFirst ? piece : piece.slice(CONTINUATION.length);
        if (normalized.slice(at, at + body.length) !== body || body.length === 0) return undefined;
        spans.push([from[at] ?? 0, to[at + body.length - 1] ?? 0]);
        at += body.length;
        next++;
        isFirst = false;
        piece = tokens[next];
      }
      if (at !== wordEnd) return undefined;
    }
  }
  return next === tokens.length ? spans : undefined;
}
