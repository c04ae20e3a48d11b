"""@file The normalizer and pre-tokenizer follow tokenizers.js (not Python's own str predicates)."""
import unittest

from training.normalize import is_punctuation, normalize, pre_tokenize


class NormalizeTest(unittest.TestCase):
    def test_lowercases_and_strips_accents(self):
        self.assertEqual(normalize('Café MÉNIÈRE naïve'), 'cafe meniere naive')
        self.assertEqual(normalize('e\u0301'), 'e')

    def test_control_characters_vanish_but_tab_newline_cr_become_spaces(self):
        # \x0b and \x0c are Cc in Unicode, so tokenizers.js drops them instead of making spaces.
        self.assertEqual(normalize('a\x0bb\x0cc'), 'abc')
        self.assertEqual(normalize('a\tb\nc\rd'), 'a b c d')
        self.assertEqual(normalize('a\x00b\ufffdc\ufeffd\u200be'), 'abcde')
        self.assertEqual(normalize('a\x85b\x1cc'), 'abc')

    def test_javascript_whitespace_becomes_space(self):
        self.assertEqual(normalize('a\u00a0b\u3000c\u2028d'), 'a b c d')

    def test_cjk_padding_only_in_the_bmp(self):
        self.assertEqual(normalize('x\u4e2dy'), 'x \u4e2d y')
        self.assertEqual(normalize('x\U00020000y'), 'x\U00020000y')

    def test_punctuation_is_unicode_p_plus_ascii_symbols(self):
        for ch in '%+$^`~|<>=\u2013\u201c\u3002':
            self.assertTrue(is_punctuation(ch), ch)
        for ch in '\u00b0\u00b1\u00b5\u2265a1':
            self.assertFalse(is_punctuation(ch), ch)

    def test_pre_tokenize_splits_words_and_single_punctuation(self):
        self.assertEqual(pre_tokenize(normalize('BP 120/80, O2 sat 92%...')),
                         ['bp', '120', '/', '80', ',', 'o2', 'sat', '92', '%', '.', '.', '.'])
        self.assertEqual(pre_tokenize(normalize('  38.5\u00b0C  ')), ['38', '.', '5\u00b0c'])
        self.assertEqual(pre_tokenize(''), [])


if __name__ == '__main__':
    unittest.main()
