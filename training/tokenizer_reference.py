"""@file The reference step: sentences with the token ids Python computes, for the Node parity test.

The runtime tokenizes in Node (transformers.js); training tokenizes in Python. The test in
test/model/tokenizer-parity.test.ts reads this file from the model package and checks that Node
gives the same ids. The sentences are held-out MTSamples snippets (validation and test groups,
never pretraining text), a few long notes cut at a max length (truncation keeps [SEP] last), and
hand-written edge cases: vital signs and doses, accents, hyphens, CJK, emoji, control and
zero-width characters, literal special tokens, over-long words.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .common import RecipeError, log, sha256_file, stable_unit, write_json
from .config import get_config
from .corpus import load_checked
from .tokenizer_files import load_encoder, tokenizer_dir

REFERENCE_NAME = 'tokenizer_reference.json'
SNIPPET_SALT = 'clinicalbert/reference-snippet/v1'

EDGE_CASES = [
    'BP 120/80 mmHg, HR 72 bpm, RR 16, T 98.6 F.',
    'O2 sat 92% on room air; SpO2 88\u201392% on 2 L NC.',
    "Caf\u00e9-au-lait spots noted; na\u00efve T cells; M\u00e9ni\u00e8re's disease.",
    'Follow-up in 2-3 weeks; x-ray of the left knee (AP/lateral).',
    's/p CABG x3 in 2009, EF 35-40%.',
    'Temp 38.5\u00b0C (101.3\u00b0F), weight 70 kg \u00b1 2 kg.',
    'Metformin 500 mg p.o. b.i.d.; lisinopril 10mg q.d.; insulin 5u/hr.',
    'HbA1c 7.2%, K+ 3.1 mEq/L, Na+ 138, Cl- 101, HCO3- 24.',
    'Dose \u2265 2 \u00b5g/kg/min, titrate to MAP > 65.',
    'Patient\u2019s daughter said: \u201cShe\u2019s been \u2018off\u2019 since Tuesday\u2026\u201d',
    'ICD-10 E11.9; SNOMED 44054006; LOINC 4548-4.',
    'Emoji test \U0001F642 and \U0001F469\u200d\u2695\ufe0f nurse.',
    '\u4e2d\u6587\u75c5\u5386\uff1a\u60a3\u8005\u53d1\u70ed\u4e09\u5929\u3002',
    'Tabs\tand\nnewlines\r\nand  double  spaces.',
    '   leading and trailing spaces   ',
    '',
    '[MASK] is a literal special token, so is [CLS] and [SEP].',
    'lower [mask] is not special; [MASK][MASK] twice; [SEP partial; [CLS ] spaced.',
    '[UNK]',
    'A very long token: ' + 'a' * 101 + ' end.',
    'Exactly one hundred: ' + 'b' * 100 + ' end.',
    'Pneumonoultramicroscopicsilicovolcanoconiosis is long but under the limit.',
    'Zero\u200bwidth space, soft\u00adhyphen and non\u00a0breaking space.',
    'I\u0307stanbul, \u0130stanbul, \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3, stra\u00dfe, \u00c5ngstr\u00f6m, \u00d8resund, \u0141\u00f3d\u017a.',
    '\ufb01brosis with ligature and full-width \uff21\uff22\uff23\uff11\uff12\uff13.',
    '\u2163 fluids, \u2460 first, \u00bd tablet, \u00b3 cubed, x\u00b2 + y\u00b2.',
    'Control chars \x00 null \x07 bell \x0b vtab \x0c formfeed \ufeff bom \ufffd replacement.',
    'Line separator\u2028paragraph\u2029next\x85nel\x1cfs\x1fus.',
    'Hyphenated well-known post-operative non-small-cell lung cancer.',
    'URLs like https://example.org/a?b=c&d=e#f and emails a.b@c.org.',
    'Numbers 1,234.56 and -0.5 and 3e-4 and 10^6 and 1/2.',
    'ALL CAPS HISTORY OF PRESENT ILLNESS: CHEST PAIN.',
    'Mixed $100, 50% off, #3 item, @home, ~approx, `code`, |pipe|, {brace}, <tag>, \\slash.',
    'Arabic \u200f\u0645\u0631\u062d\u0628\u0627\u200e with marks, Hebrew \u05e9\u05dc\u05d5\u05dd, Devanagari \u0928\u092e\u0938\u094d\u0924\u0947.',
    'Korean \ud55c\uad6d\uc5b4, Japanese \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8, Thai \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22.',
    'Greek letters \u03b1-blocker, \u03b22-agonist, \u03b3-GT, \u0394 change.',
    'Combining e\u0301 vs precomposed \u00e9 and n\u0303 vs \u00f1.',
    'Unknown symbols \u2318 \u2603 \u2665 \u2713 \u2717 \u2192 \u2190 \u2191 \u2193 \u21d2.',
    'Private use \ue000 char, astral math \U0001d538\U0001d553\U0001d554, Ext-B \U00020000\U00020001 chars.',
    "Dr. O'Neil's pt. (DOB 01/02/1960) c/o SOB & DOE.",
    'q6h PRN, qHS, NPO after midnight, I&O, ABG: pH 7.32/pCO2 48/pO2 60.',
    'Repeated punctuation!!! ??? ... --- *** ,,, ;;',
    'A_sentence_with_underscores and snake_case_words.',
    'Fractions: 1\u00bd cups; degrees 90\u00b0 angle; primes 5\u2032 10\u2033.',
    'Final sigma \u039f\u0394\u039f\u03a3 and \u03a3\u0391\u03a3 and \u03c3\u03c2.',
    'Turkish dotless \u0131 and dotted \u0130; capital sharp \u1e9e.',
    '\u3000Ideographic space\u3000inside\u3000.',
    'a',
    '9',
    'PREOPERATIVE DIAGNOSIS: , Right inguinal hernia. ,POSTOPERATIVE DIAGNOSIS:,  Right direct inguinal hernia.',
]


def _snippet(doc_id: str, text: str) -> str:
    """One to three sentences from a fixed place in the document, at most ~400 characters."""
    sentences = [s for s in re.split(r'(?<=[.!?])\s+', text) if s.strip()]
    if not sentences:
        return text[:400]
    start = int(stable_unit(SNIPPET_SALT, doc_id, 'start') * len(sentences))
    count = 1 + int(stable_unit(SNIPPET_SALT, doc_id, 'count') * 3)
    return ' '.join(sentences[start:start + count])[:400]


def build_cases(corpus, encoder, snippets: int = 150, long_notes: int = 8) -> list[dict]:
    cases = []
    held_out = corpus.mtsamples_val  # never the test half: no stage but the final evaluation reads it
    for doc in held_out[:snippets]:
        text = _snippet(doc.id, doc.text)
        cases.append({'id': f'{doc.id}#snippet', 'text': text, 'max_length': 256})
    for i, doc in enumerate(held_out[snippets:snippets + long_notes]):
        cases.append({'id': f'{doc.id}#long', 'text': doc.text[:4000], 'max_length': 64 if i % 2 else 256})
    for i, text in enumerate(EDGE_CASES):
        cases.append({'id': f'edge:{i}', 'text': text, 'max_length': 256})
    cases.append({'id': 'edge:truncate-2', 'text': 'Only the specials survive at max length two.', 'max_length': 2})
    for case in cases:
        case['ids'] = encoder.encode(case['text'], case['max_length'])
        case['tokens'] = [encoder.vocab[i] for i in case['ids']]
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Write tokenizer_reference.json for the Node parity test.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--extra-text', type=Path)
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    corpus = load_checked(cfg, args.extra_text)
    encoder = load_encoder(cfg)
    cases = build_cases(corpus, encoder)
    reference = {
        'format': 1,
        'description': ('Token ids computed by training/wordpiece.py (WordPieceEncoder.encode with max_length: '
                        'cut the text tokens, keep [CLS] first and [SEP] last) for the tokenizer.json beside '
                        'this folder. Sentences: held-out MTSamples snippets (CC0) and edge cases.'),
        'tokenizer_json_sha256': sha256_file(tokenizer_dir(cfg) / 'tokenizer.json'),
        'cases': cases,
    }
    write_json(cfg.work_dir / REFERENCE_NAME, reference, compact=True)
    unk = sum(1 for c in cases for t in c['tokens'] if t == '[UNK]')
    log('reference', f'{len(cases)} cases, {sum(len(c["ids"]) for c in cases):,} ids, {unk} [UNK]')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'reference: {e}', file=sys.stderr)
        sys.exit(1)
