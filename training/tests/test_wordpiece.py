"""@file The WordPiece trainer's merges and the encoder's greedy longest-match behaviour."""
import unittest
from collections import Counter

from training.config import SPECIAL_TOKENS
from training.wordpiece import WordPieceEncoder, count_words, train_wordpiece


class TrainerTest(unittest.TestCase):
    def test_specials_first_then_characters_then_merges(self):
        counts = count_words(['hug hugs hugging pug pugs'] * 5 + ['bun'] * 3)
        vocab = train_wordpiece(counts, vocab_size=200, limit_alphabet=50)
        self.assertEqual(vocab[:5], list(SPECIAL_TOKENS))
        self.assertIn('a', vocab)
        self.assertIn('##z', vocab)
        # "u"+"##g" occurs in every hug/pug word and is the most frequent pair, so "##ug" comes first.
        first_merge = next(t for t in vocab[5:] if len(t.replace('##', '')) > 1)
        self.assertEqual(first_merge, '##ug')
        self.assertIn('hug', vocab)
        self.assertIn('pugs', vocab)
        self.assertNotIn('##~', vocab)  # punctuation never gets a ## form

    def test_deterministic_and_stops_at_the_target_size(self):
        counts = count_words(['the patient was seen today and the patient is stable'] * 4)
        a = train_wordpiece(counts, vocab_size=125, limit_alphabet=50)
        b = train_wordpiece(Counter(dict(reversed(list(counts.items())))), vocab_size=125, limit_alphabet=50)
        self.assertEqual(a, b)
        self.assertEqual(len(a), 125)
        self.assertEqual(len(set(a)), len(a))

    def test_rare_characters_fall_outside_the_alphabet_unless_asked_for(self):
        counts = Counter({'abc': 10, '\u00e6\u00e6': 1})
        vocab = train_wordpiece(counts, vocab_size=300, limit_alphabet=2)
        self.assertNotIn('\u00e6', vocab)
        vocab = train_wordpiece(counts, vocab_size=300, limit_alphabet=2, always_include='\u00b1\u00b2')
        self.assertIn('\u00b1', vocab)
        self.assertIn('##\u00b2', vocab)


class EncoderTest(unittest.TestCase):
    def setUp(self):
        self.vocab = list(SPECIAL_TOKENS) + ['un', '##aff', '##able', 'the', '!', 'a', '##a', 'x', '-', 'ray']
        self.enc = WordPieceEncoder(self.vocab)

    def test_greedy_longest_match(self):
        self.assertEqual(self.enc.tokenize('The unaffable!'), ['the', 'un', '##aff', '##able', '!'])

    def test_unknown_words_and_over_long_words(self):
        self.assertEqual(self.enc.tokenize('zebra x-ray'), ['[UNK]', 'x', '-', 'ray'])
        self.assertEqual(self.enc.tokenize('a' * 100), ['a'] + ['##a'] * 99)
        self.assertEqual(self.enc.tokenize('a' * 101), ['[UNK]'])

    def test_literal_special_tokens_stay_whole(self):
        self.assertEqual(self.enc.tokenize('the [MASK] [mask]'), ['the', '[MASK]', '[UNK]', '[UNK]', '[UNK]'])

    def test_encode_adds_cls_sep_and_truncation_keeps_sep(self):
        ids = self.enc.encode('the the the')
        self.assertEqual(ids, [2, 8, 8, 8, 3])
        self.assertEqual(self.enc.encode('the the the', max_length=4), [2, 8, 8, 3])
        self.assertEqual(self.enc.encode('the', max_length=2), [2, 3])
        with self.assertRaises(ValueError):
            self.enc.encode('the', max_length=1)

    def test_special_ids_come_from_the_vocabulary(self):
        # A Hugging Face layout ([UNK] after [PAD], specials not at 0..4) is read, not refused.
        enc = WordPieceEncoder(['[PAD]', 'the', '[UNK]', '[CLS]', '[SEP]', '[MASK]'])
        self.assertEqual((enc.special.pad, enc.special.unk, enc.special.cls, enc.special.sep, enc.special.mask), (0, 2, 3, 4, 5))
        self.assertEqual(enc.encode('the zebra'), [3, 1, 2, 4])

    def test_rejects_a_vocab_without_a_special_token(self):
        with self.assertRaisesRegex(ValueError, r'no \[MASK\]'):
            WordPieceEncoder(['[UNK]', '[PAD]', '[CLS]', '[SEP]', 'the'])


if __name__ == '__main__':
    unittest.main()
