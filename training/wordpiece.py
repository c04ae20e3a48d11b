"""@file A WordPiece vocabulary trainer and an encoder that gives the runtime's token ids.

Why our own: Debian has no `tokenizers` package and nothing can be installed from PyPI. The
trainer follows the Hugging Face WordPiece trainer (which is a BPE trainer with a `##`
continuation prefix): start from single characters, repeatedly merge the most frequent adjacent
pair of symbols over the word counts, and keep every merged string as a vocabulary entry. The
encoder reproduces transformers.js 4.3.2 exactly (special-token literals split first, then
normalize, pre-tokenize, greedy longest-match-first WordPiece, [CLS] ... [SEP]); the Node parity
test checks it on the reference sentences the recipe writes.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import astuple, dataclass
from typing import Iterable

from .config import SPECIAL_TOKENS, UNK_ID
from .normalize import is_punctuation, normalize, pre_tokenize

PREFIX = '##'
_SPECIAL_RE = re.compile('|'.join(re.escape(t) for t in sorted(SPECIAL_TOKENS, key=len, reverse=True)))


def count_words(texts: Iterable[str]) -> Counter:
    counts: Counter = Counter()
    for text in texts:
        counts.update(pre_tokenize(normalize(text)))
    return counts


def train_wordpiece(word_counts: Counter, vocab_size: int, limit_alphabet: int,
                    min_word_freq: int = 2, min_pair_freq: int = 2, always_include: str = '') -> list[str]:
    """The vocabulary, in id order: specials, single characters, `##` characters, then merges.

    Ties between equally frequent pairs break on the pair's strings, so the result depends only
    on the counts. Every printable lower-case ASCII character is in the alphabet, so plain ASCII
    text never encodes to [UNK], and so is every character of `always_include`.
    """
    char_counts: Counter = Counter()
    for word, count in word_counts.items():
        for ch in word:
            char_counts[ch] += count
    ranked = sorted(char_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    alphabet = {ch for ch, _ in ranked[:limit_alphabet]}
    alphabet |= {chr(cp) for cp in range(0x21, 0x7F) if chr(cp) == chr(cp).lower()}
    alphabet |= {ch for ch in normalize(always_include) if not ch.isspace()}

    vocab: list[str] = list(SPECIAL_TOKENS)
    singles = sorted(alphabet)
    vocab += singles
    vocab += [PREFIX + ch for ch in singles if not is_punctuation(ch)]
    known = set(vocab)

    # Symbols are ints for speed; sym_str maps back to the vocabulary string.
    sym_id: dict[str, int] = {}
    sym_str: list[str] = []

    def intern(s: str) -> int:
        i = sym_id.get(s)
        if i is None:
            i = sym_id[s] = len(sym_str)
            sym_str.append(s)
        return i

    words: list[list[int]] = []
    counts: list[int] = []
    for word, count in sorted(word_counts.items()):
        if count < min_word_freq or len(word) < 2 or not set(word) <= alphabet:
            continue
        words.append([intern(word[0])] + [intern(PREFIX + ch) for ch in word[1:]])
        counts.append(count)

    pair_counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for wi, syms in enumerate(words):
        c = counts[wi]
        for pair in zip(syms, syms[1:]):
            pair_counts[pair] = pair_counts.get(pair, 0) + c
            where.setdefault(pair, set()).add(wi)

    def entry(pair: tuple[int, int]) -> tuple:
        return (-pair_counts[pair], sym_str[pair[0]], sym_str[pair[1]], pair)

    heap = [entry(p) for p in pair_counts]
    heapq.heapify(heap)

    while len(vocab) < vocab_size and heap:
        neg, _, _, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg:
            continue  # stale entry: the count changed and a fresh entry was pushed
        if -neg < min_pair_freq:
            break
        a, b = pair
        merged_str = sym_str[a] + sym_str[b][len(PREFIX):]
        merged = intern(merged_str)
        if merged_str not in known:
            known.add(merged_str)
            vocab.append(merged_str)
        touched: set[tuple[int, int]] = set()
        for wi in sorted(where.pop(pair, ())):
            syms = words[wi]
            if len(syms) < 2:
                continue
            c = counts[wi]
            new: list[int] = []
            i = 0
            changed = False
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    new.append(merged)
                    i += 2
                    changed = True
                else:
                    new.append(syms[i])
                    i += 1
            if not changed:
                continue
            for p in zip(syms, syms[1:]):
                pair_counts[p] -= c
                touched.add(p)
            for p in zip(new, new[1:]):
                pair_counts[p] = pair_counts.get(p, 0) + c
                where.setdefault(p, set()).add(wi)
                touched.add(p)
            words[wi] = new
        for p in touched:
            n = pair_counts.get(p, 0)
            if n <= 0:
                pair_counts.pop(p, None)
                where.pop(p, None)
            elif p != pair:
                heapq.heappush(heap, entry(p))
        pair_counts.pop(pair, None)
    return vocab


@dataclass(frozen=True)
class SpecialIds:
    """Where the five special tokens sit in a vocabulary.

    The recipe's own vocabulary puts them first ([PAD]=0 ... [MASK]=4, config.PAD_ID..MASK_ID);
    Hugging Face BERT vocabularies put [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103. So
    every id is read from the vocabulary, never assumed.
    """
    pad: int
    unk: int
    cls: int
    sep: int
    mask: int

    @classmethod
    def of(cls, ids: dict[str, int]) -> 'SpecialIds':
        missing = [tok for tok in SPECIAL_TOKENS if tok not in ids]
        if missing:
            raise ValueError(f'the vocabulary has no {", ".join(missing)}; a BERT vocabulary needs all of {", ".join(SPECIAL_TOKENS)}')
        return cls(*(ids[tok] for tok in SPECIAL_TOKENS))

    def all(self) -> tuple[int, ...]:
        return astuple(self)


class WordPieceEncoder:
    """Token ids for text, exactly as transformers.js 4.3.2 computes them from our tokenizer.json.

    `lowercase` and `strip_accents` are the tokenizer.json normalizer's (see normalize.normalize);
    the defaults are the recipe's own tokenizer.
    """

    def __init__(self, vocab: list[str], max_input_chars_per_word: int = 100, lowercase: bool = True,
                 strip_accents: bool | None = None):
        self.vocab = vocab
        self.ids = {tok: i for i, tok in enumerate(vocab)}
        if len(self.ids) != len(vocab):
            raise ValueError('vocabulary has duplicate entries')
        self.special = SpecialIds.of(self.ids)
        self.cls_id, self.sep_id = self.special.cls, self.special.sep
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.max_chars = max_input_chars_per_word
        self._cache: dict[str, list[str]] = {}

    def word_pieces(self, word: str) -> list[str]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        pieces: list[str] = []
        if len(word) > self.max_chars:
            pieces = [SPECIAL_TOKENS[UNK_ID]]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    sub = word[start:end] if start == 0 else PREFIX + word[start:end]
                    if sub in self.ids:
                        found = sub
                        break
                    end -= 1
                if found is None:
                    pieces = [SPECIAL_TOKENS[UNK_ID]]
                    break
                pieces.append(found)
                start = end
        if len(self._cache) < 500_000:
            self._cache[word] = pieces
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Tokens without [CLS]/[SEP]. Literal special tokens in the text stay whole, as in the runtime."""
        tokens: list[str] = []
        pos = 0
        for m in _SPECIAL_RE.finditer(text):
            tokens += self._tokenize_plain(text[pos:m.start()])
            tokens.append(m.group(0))
            pos = m.end()
        tokens += self._tokenize_plain(text[pos:])
        return tokens

    def _tokenize_plain(self, text: str) -> list[str]:
        out: list[str] = []
        for word in pre_tokenize(normalize(text, self.lowercase, self.strip_accents)):
            out += self.word_pieces(word)
        return out

    def encode(self, text: str, max_length: int | None = None, add_special_tokens: bool = True) -> list[int]:
        """Ids with [CLS] ... [SEP]. With max_length the text is cut and [SEP] kept last (as the runtime's encode does)."""
        ids = [self.ids[t] for t in self.tokenize(text)]
        if not add_special_tokens:
            return ids if max_length is None else ids[:max_length]
        if max_length is not None:
            if max_length < 2:
                raise ValueError(f'max_length must be at least 2, got {max_length}')
            ids = ids[:max_length - 2]
        return [self.cls_id] + ids + [self.sep_id]
