"""@file training/reader.py's pure parts: the held-out split, answers and their scoring (as src/ask/qa-score.ts), F1, standardising, class weights, the head's forward pass and ConText figures."""
import unittest

import numpy as np

from training.reader import (CLASSES, answers_score, balanced_accuracy, class_answer, class_weights, evaluate_classes, f1,
                             head_forward, held_out, judge, standardiser, yes_no_score)


class ReaderTest(unittest.TestCase):
    def test_held_out_is_stable_and_about_the_fraction(self):
        groups = [f'real-{i}' for i in range(2000)]
        picked = [held_out(g) for g in groups]
        self.assertEqual(picked, [held_out(g) for g in groups])
        self.assertTrue(0.15 < sum(picked) / len(picked) < 0.25)
        self.assertFalse(any(held_out(g, 0.0) for g in groups))

    def test_answers_and_judging(self):
        self.assertEqual(class_answer('affirmed', 'now'), 'yes')
        self.assertEqual(class_answer('historical', 'now'), 'unknown')
        self.assertEqual(class_answer('historical', 'past'), 'yes')
        self.assertEqual(class_answer('negated', 'past'), 'no')
        self.assertEqual(class_answer(None, 'now'), 'unknown')
        self.assertEqual(class_answer('family', 'now'), 'unknown')
        self.assertEqual(judge('no', 'not-yes'), (True, True))
        self.assertEqual(judge('yes', 'not-yes'), (True, False))
        self.assertEqual(judge('unknown', 'yes'), (False, False))
        s = yes_no_score(['yes', 'no', 'unknown', 'yes'], ['yes', 'not-yes', 'no', 'no'])
        self.assertEqual((s['answered'], s['correct'], s['precision'], s['coverage']), (3, 2, 0.6667, 0.75))

    def test_f1_and_balanced_accuracy(self):
        s = f1([True, True, False, False], [True, False, True, False])
        self.assertEqual((s['tp'], s['fp'], s['fn'], s['f1']), (1, 1, 1, 0.5))
        self.assertEqual(balanced_accuracy(np.array([0, 0, 1, 0]), np.array([0, 0, 1, 1])), 0.75)

    def test_standardiser_and_weights(self):
        mean, std = standardiser(np.array([[1.0, 5.0], [3.0, 5.0]]))
        np.testing.assert_allclose(mean, [2.0, 5.0])
        np.testing.assert_allclose(std, [1.0, 1.0])  # the constant feature gets 1
        w = class_weights(np.array([0, 0, 0, 1]), 3)
        self.assertEqual(w[2], 0.0)
        self.assertAlmostEqual(w[1] / w[0], 3.0)
        self.assertAlmostEqual(w[:2].mean(), 1.0)

    def test_head_forward_matches_the_typescript_test(self):
        # the same head and input as test/ask/reader.test.ts
        head = {'featureMean': [1, 0], 'featureStd': [2, 1], 'layers': [
            {'weight': [[1, 0], [0, -1]], 'bias': [0, 0], 'activation': 'relu'},
            {'weight': [[1, 0], [0, 1]], 'bias': [0, np.log(2)], 'activation': 'none'}]}
        p = head_forward(head, np.array([[3.0, 5.0]]))[0]
        self.assertAlmostEqual(p[0], np.e / (np.e + 2))
        self.assertAlmostEqual(p[1], 2 / (np.e + 2))

    def test_context_figures(self):
        rows = [
            {'label': 'affirmed', 'negation': 'Affirmed', 'temporality': 'Recent', 'truthNow': 'yes', 'truthPast': 'not-yes'},
            {'label': 'negated', 'negation': 'Negated', 'temporality': 'Recent', 'truthNow': 'no', 'truthPast': 'not-yes'},
            {'label': 'historical', 'negation': 'Affirmed', 'temporality': 'Historical', 'truthNow': None, 'truthPast': 'yes'},
        ]
        e = evaluate_classes(['affirmed', 'affirmed', None], rows)
        self.assertEqual(e['accuracy'], 0.3333)
        self.assertEqual((e['now']['asked'], e['now']['answered'], e['now']['correct']), (2, 2, 1))
        self.assertEqual((e['past']['answered'], e['past']['correct']), (0, 0))
        self.assertEqual(e['perClass']['negated']['accuracy'], 0.0)
        self.assertIsNone(e['perClass']['family']['accuracy'])
        self.assertEqual(e['negationF1']['fn'], 1)
        a = answers_score(['yes', 'no', 'yes'], ['no', 'no', 'yes'], rows)
        self.assertEqual((a['now']['correct'], a['past']['correct']), (2, 3))
        self.assertEqual(len(CLASSES), 5)


if __name__ == '__main__':
    unittest.main()
