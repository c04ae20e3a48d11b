"""@file BERT text normalization and pre-tokenization, written to match what the runtime does.

The runtime tokenizes with @huggingface/tokenizers 0.2.0 (pure JavaScript; the tokenizer of
transformers.js 4.3.2, which the runtime used before). Its BertNormalizer and BertPreTokenizer differ in small ways from the
Rust `tokenizers` library and from Python's `str` predicates, and every difference would change
token ids between training and inference. So this module copies the JavaScript rules, not
Python's:

- clean_text drops U+0000, U+FFFD and every Cc/Cf/Co/Cs character except tab, LF and CR (so
  vertical tab, form feed and U+FEFF vanish rather than becoming spaces), then maps JavaScript's
  `\\s` (Zs, tab, LF, VT, FF, CR, U+2028, U+2029, U+FEFF) to a space. Python's `\\s` and
  `str.isspace` differ (U+001C..U+001F, U+0085) and are never used here.
- CJK padding looks at UTF-16 code units, so only the BMP ranges can match (the supplementary
  ideographs of the JavaScript table are dead code there, and here).
- lower-casing uses full case mapping, then NFD and removal of every Mn character; with
  `lowercase: false` (cased vocabularies) neither happens unless `strip_accents` is true.
- pre-tokenization splits on JavaScript `\\s` and isolates each punctuation character, where
  punctuation is \\p{P} plus all ASCII symbols (so `%`, `+`, `$`, `^` split, but `°`, `±`, `µ`
  do not).

Character classes come from Python's unicodedata (Unicode 14.0 on Python 3.11); Node 20 uses a
newer Unicode version, which matters only for characters assigned after 14.0.
"""
from __future__ import annotations

import re
import unicodedata

# Tokenizers.js: PUNCTUATION_REGEX = "\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E".
_ASCII_PUNCT = [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)]
_JS_SPACE_EXTRA = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x2028, 0x2029, 0xFEFF)
_CJK_BMP = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)]


def _char_class(cps: list[int]) -> str:
    """A regex character class body for a sorted list of code points, as ranges."""
    parts = []
    start = prev = None
    for cp in cps:
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            parts.append((start, prev))
            start = prev = cp
    if start is not None:
        parts.append((start, prev))
    return ''.join(f'\\U{a:08x}' if a == b else f'\\U{a:08x}-\\U{b:08x}' for a, b in parts)


def _build_classes() -> dict[str, str]:
    control, space, punct, mn = [], [], [], []
    ascii_punct = {cp for a, b in _ASCII_PUNCT for cp in range(a, b + 1)}
    for cp in range(0x110000):
        cat = unicodedata.category(chr(cp))
        if (cat in ('Cc', 'Cf', 'Co', 'Cs') and cp not in (0x09, 0x0A, 0x0D)) or cp in (0, 0xFFFD):
            control.append(cp)
        if cat == 'Zs' or cp in _JS_SPACE_EXTRA:
            space.append(cp)
        if cat.startswith('P') or cp in ascii_punct:
            punct.append(cp)
        if cat == 'Mn':
            mn.append(cp)
    return {'control': _char_class(control), 'space': _char_class(space),
            'punct': _char_class(punct), 'mn': _char_class(mn)}


_CLASSES = _build_classes()
_CONTROL_RE = re.compile(f'[{_CLASSES["control"]}]+')
_SPACE_RE = re.compile(f'[{_CLASSES["space"]}]')
_CJK_RE = re.compile('[' + ''.join(f'\\u{a:04x}-\\u{b:04x}' for a, b in _CJK_BMP) + ']')
_MN_RE = re.compile(f'[{_CLASSES["mn"]}]+')
_PRETOKEN_RE = re.compile(f'[^{_CLASSES["space"]}{_CLASSES["punct"]}]+|[{_CLASSES["punct"]}]')
_PUNCT_RE = re.compile(f'[{_CLASSES["punct"]}]')


def strips_accents(lowercase: bool, strip_accents: bool | None) -> bool:
    """Whether accents go: `strip_accents` None follows `lowercase` (tokenizers.js, and Hugging Face's BertNormalizer)."""
    return strip_accents is not False if lowercase else bool(strip_accents)


def normalize(text: str, lowercase: bool = True, strip_accents: bool | None = None) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents) as tokenizers.js does it.

    The defaults are the recipe's own tokenizer (lower-case, accents stripped). A cased vocabulary
    (for example Bio_ClinicalBERT's, imported by hf_checkpoint.py) passes lowercase=False, which keeps
    case and, unless strip_accents is True, accents.
    """
    text = _CONTROL_RE.sub('', text)
    text = _SPACE_RE.sub(' ', text)
    text = _CJK_RE.sub(lambda m: f' {m.group(0)} ', text)
    if lowercase:
        text = text.lower()
    if strips_accents(lowercase, strip_accents) and not text.isascii():
        text = _MN_RE.sub('', unicodedata.normalize('NFD', text))
    return text


def pre_tokenize(normalized: str) -> list[str]:
    """BertPreTokenizer: runs of non-space non-punctuation, and single punctuation characters."""
    return _PRETOKEN_RE.findall(normalized)


def is_punctuation(char: str) -> bool:
    return _PUNCT_RE.fullmatch(char) is not None
