"""@file The tokenizer step: train the vocabulary and write the Hugging Face tokenizer files.

Writes tokenizer.json (model WordPiece, BertNormalizer, BertPreTokenizer, TemplateProcessing
[CLS] $A [SEP], no padding or truncation), tokenizer_config.json (BertTokenizer,
model_max_length) and vocab.txt into training/work/<config>/tokenizer/, plus
tokenizer_metrics.json with the unknown-token rate on held-out MTSamples. transformers.js loads
a local model only from tokenizer.json; vocab.txt is for Python tools that want it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .common import RecipeError, log, peak_rss_mb, read_json, sha256_file, write_json
from .config import SPECIAL_TOKENS, UNK_ID, RecipeConfig, TokenizerConfig, get_config
from .corpus import Document, load_checked
from .wordpiece import PREFIX, WordPieceEncoder, count_words, train_wordpiece

TOKENIZER_FILES = ('tokenizer.json', 'tokenizer_config.json', 'vocab.txt')


def tokenizer_dir(cfg: RecipeConfig) -> Path:
    return cfg.work_dir / 'tokenizer'


def tokenizer_json(vocab: list[str], tcfg: TokenizerConfig, lowercase: bool = True,
                   strip_accents: bool | None = True) -> dict:
    """The Hugging Face tokenizer.json. Special ids come from `vocab` (the recipe's own vocabulary has
    them at 0..4, an imported BERT vocabulary elsewhere); `lowercase`/`strip_accents` go to the
    BertNormalizer (the defaults are the recipe's: lower-case, accents stripped)."""
    cls, sep = SPECIAL_TOKENS[2], SPECIAL_TOKENS[3]
    ids = {tok: i for i, tok in enumerate(vocab)}

    def special(tok: str, type_id: int) -> dict:
        return {'SpecialToken': {'id': tok, 'type_id': type_id}}

    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [
            {'id': ids[tok], 'content': tok, 'single_word': False, 'lstrip': False, 'rstrip': False,
             'normalized': False, 'special': True}
            for tok in SPECIAL_TOKENS
        ],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': strip_accents, 'lowercase': lowercase},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [special(cls, 0), {'Sequence': {'id': 'A', 'type_id': 0}}, special(sep, 0)],
            'pair': [special(cls, 0), {'Sequence': {'id': 'A', 'type_id': 0}}, special(sep, 0),
                     {'Sequence': {'id': 'B', 'type_id': 1}}, special(sep, 1)],
            'special_tokens': {tok: {'id': tok, 'ids': [ids[tok]], 'tokens': [tok]} for tok in (cls, sep)},
        },
        'decoder': {'type': 'WordPiece', 'prefix': PREFIX, 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': SPECIAL_TOKENS[UNK_ID], 'continuing_subword_prefix': PREFIX,
                  'max_input_chars_per_word': tcfg.max_input_chars_per_word,
                  'vocab': {tok: i for i, tok in enumerate(vocab)}},
    }


def tokenizer_config_json(tcfg: TokenizerConfig, vocab: list[str], lowercase: bool = True,
                          strip_accents: bool | None = True) -> dict:
    pad, unk, cls, sep, mask = SPECIAL_TOKENS
    ids = {tok: i for i, tok in enumerate(vocab)}
    return {
        'tokenizer_class': 'BertTokenizer',
        'do_lower_case': lowercase,
        'strip_accents': strip_accents,
        'tokenize_chinese_chars': True,
        'model_max_length': tcfg.model_max_length,
        'padding_side': 'right',
        'clean_up_tokenization_spaces': True,
        'pad_token': pad, 'unk_token': unk, 'cls_token': cls, 'sep_token': sep, 'mask_token': mask,
        'added_tokens_decoder': {
            str(ids[tok]): {'content': tok, 'lstrip': False, 'normalized': False, 'rstrip': False,
                            'single_word': False, 'special': True}
            for tok in SPECIAL_TOKENS
        },
    }


def write_tokenizer(out_dir: Path, vocab: list[str], tcfg: TokenizerConfig, lowercase: bool = True,
                    strip_accents: bool | None = True) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    # Compact JSON keeps the committed file small; sort_keys would reorder the vocab, so not here.
    with open(out_dir / 'tokenizer.json', 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab, tcfg, lowercase, strip_accents), f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    write_json(out_dir / 'tokenizer_config.json', tokenizer_config_json(tcfg, vocab, lowercase, strip_accents))
    with open(out_dir / 'vocab.txt', 'w', encoding='utf-8') as f:
        f.write(''.join(tok + '\n' for tok in vocab))


def load_vocab(tokenizer_json_path: Path) -> list[str]:
    """The vocabulary in id order, read back from tokenizer.json (the file the runtime reads)."""
    data = read_json(tokenizer_json_path)
    mapping = data['model']['vocab']
    vocab = [''] * len(mapping)
    for tok, i in mapping.items():
        vocab[i] = tok
    if '' in vocab:
        raise RecipeError(f'{tokenizer_json_path}: vocabulary ids are not contiguous')
    return vocab


def encoder_from_file(path: Path) -> WordPieceEncoder:
    """The Python encoder for a tokenizer.json: its vocabulary (special ids included), its
    normalizer's lowercase/strip_accents and its max_input_chars_per_word, as the runtime reads them."""
    data = read_json(path)
    normalizer = data.get('normalizer') or {}
    if normalizer.get('type') != 'BertNormalizer':
        raise RecipeError(f'{path}: normalizer must be a BertNormalizer, got type {normalizer.get("type")!r}')
    try:
        return WordPieceEncoder(load_vocab(path), data['model'].get('max_input_chars_per_word', 100),
                                lowercase=bool(normalizer.get('lowercase')), strip_accents=normalizer.get('strip_accents'))
    except ValueError as e:
        raise RecipeError(f'{path}: {e}') from e


def load_encoder(cfg: RecipeConfig) -> WordPieceEncoder:
    path = tokenizer_dir(cfg) / 'tokenizer.json'
    if not path.exists():
        raise RecipeError(f'{path} not found: run the tokenizer step first')
    return encoder_from_file(path)


def unk_stats(encoder: WordPieceEncoder, docs: list[Document]) -> dict:
    tokens = unk = words = 0
    for doc in docs:
        toks = encoder.tokenize(doc.text)
        tokens += len(toks)
        unk += sum(1 for t in toks if t == SPECIAL_TOKENS[UNK_ID])  # the token string, whatever its id
        words += sum(1 for t in toks if not t.startswith(PREFIX))
    return {'documents': len(docs), 'tokens': tokens, 'unk_tokens': unk,
            'unk_rate': round(unk / max(tokens, 1), 6), 'tokens_per_word': round(tokens / max(words, 1), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Train the WordPiece vocabulary and write tokenizer files.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--extra-text', type=Path)
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    tcfg = cfg.tokenizer
    started = time.time()
    corpus = load_checked(cfg, args.extra_text)
    counts = count_words(d.text for d in corpus.general_train + corpus.clinical_train)
    log('tokenizer', f'{len(counts):,} distinct words, {sum(counts.values()):,} words; training to {tcfg.vocab_size:,}')
    t0 = time.time()
    vocab = train_wordpiece(counts, tcfg.vocab_size, tcfg.limit_alphabet, tcfg.min_word_freq, tcfg.min_pair_freq,
                            tcfg.always_include)
    train_s = time.time() - t0
    out = tokenizer_dir(cfg)
    write_tokenizer(out, vocab, tcfg)
    encoder = load_encoder(cfg)
    metrics = {
        'config': cfg.name,
        'vocab_size': len(vocab),
        'vocab_size_target': tcfg.vocab_size,
        'distinct_words': len(counts),
        'train_seconds': round(train_s, 1),
        'wall_seconds': round(time.time() - started, 1),
        'peak_rss_mb': peak_rss_mb(),
        'tokenizer_json_sha256': sha256_file(out / 'tokenizer.json'),
        'unicode_version': __import__('unicodedata').unidata_version,
        'heldout': {
            'mtsamples_val': unk_stats(encoder, corpus.mtsamples_val),
            'general_heldout': unk_stats(encoder, corpus.general_heldout),
        },
    }
    write_json(out / 'tokenizer_metrics.json', metrics)
    val = metrics['heldout']['mtsamples_val']
    log('tokenizer', f'vocab {len(vocab):,} in {train_s:.1f}s; MTSamples val: {val["tokens"]:,} tokens, '
                     f'UNK rate {val["unk_rate"]:.4%}, {val["tokens_per_word"]} tokens/word')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'tokenizer: {e}', file=sys.stderr)
        sys.exit(1)
