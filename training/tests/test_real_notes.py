"""@file The weak-label rule, the naming-sentence removal, the real-note records and the open-set
measures, on small hand-made fixtures (no corpus, no Node)."""
import base64
import unittest

import numpy as np

from training.open_set import (abstention_score, at_threshold, auroc, closed_set_topk, coverage_curve, softmax,
                               youden_threshold)
from training.real_notes import (RealNote, label_line, note_bundle, part_records, remove_naming_sentences,
                                 sentence_spans, weak_label)

LABELS = {'condition:J17', 'condition:I48.91', 'condition:D64.9'}


def m(entity, start=0, end=1, negated=False, historical=False, family=False):
    return {'entity': entity, 'type': 'condition', 'course': 'acute', 'start': start, 'end': end,
            'negated': negated, 'historical': historical, 'family': family}


class WeakLabelTest(unittest.TestCase):
    def test_title_wins_over_description(self):
        labels, source, category = weak_label([[m('condition:J17')]], [[m('condition:D64.9')]], [], LABELS)
        self.assertEqual((labels, source, category), (['condition:J17'], 'title', 'named'))

    def test_titles_ignore_history_but_not_negation(self):
        self.assertEqual(weak_label([[m('condition:J17', historical=True)]], [], [], LABELS)[2], 'named')
        self.assertEqual(weak_label([[m('condition:J17', negated=True)]], [], [], LABELS)[2], 'unnamed')

    def test_description_needs_an_affirmed_current_mention(self):
        for flags in ({'negated': True}, {'historical': True}, {'family': True}):
            labels, source, category = weak_label([], [[m('condition:D64.9', **flags)]], [], LABELS)
            self.assertEqual(category, 'unnamed', flags)
        self.assertEqual(weak_label([], [[m('condition:D64.9')]], [], LABELS), (['condition:D64.9'], 'description', 'named'))

    def test_several_rows_and_several_labels(self):
        # Two titles of one transcription naming the same label: still one label.
        self.assertEqual(weak_label([[m('condition:J17')], [m('condition:J17')]], [], [], LABELS)[2], 'named')
        labels, _, category = weak_label([[m('condition:J17'), m('condition:I48.91')]], [], [], LABELS)
        self.assertEqual((labels, category), (['condition:I48.91', 'condition:J17'], 'multiple'))

    def test_only_labels_count_and_the_body_decides_out_of_label(self):
        finding = {**m('finding:E_66'), 'type': 'finding', 'course': None}
        self.assertEqual(weak_label([[finding]], [], [], LABELS)[2], 'unnamed')
        self.assertEqual(weak_label([], [], [m('condition:J17')], LABELS)[2], 'body-only')
        self.assertEqual(weak_label([], [], [m('condition:J17', negated=True)], LABELS)[2], 'unnamed')
        self.assertEqual(weak_label([], [], [m('condition:J17', historical=True)], LABELS)[2], 'unnamed')


class NamingRemovalTest(unittest.TestCase):
    def test_sentences(self):
        text = 'First one. Second one!\nThird line without stop\n\nFourth? Fifth.'
        self.assertEqual([text[s:e] for s, e in sentence_spans(text)],
                         ['First one.', 'Second one!', 'Third line without stop', 'Fourth?', 'Fifth.'])

    def test_every_sentence_naming_the_label_goes_any_flags(self):
        text = 'Palpitations for a week. Known atrial fibrillation. No pneumonia. Rate control with metoprolol.\nAFib again.'
        mentions = [m('condition:I48.91', text.index('atrial'), text.index('atrial') + 19),
                    m('condition:J17', text.index('pneumonia'), text.index('pneumonia') + 9, negated=True),
                    m('condition:I48.91', text.index('AFib'), text.index('AFib') + 4, negated=True)]
        out, removed = remove_naming_sentences(text, mentions, 'condition:I48.91')
        self.assertEqual(removed, 2)
        self.assertEqual(out, 'Palpitations for a week.\nNo pneumonia.\nRate control with metoprolol.')
        self.assertEqual(remove_naming_sentences(text, mentions, 'condition:D64.9'),
                         ('Palpitations for a week.\nKnown atrial fibrillation.\nNo pneumonia.\nRate control with metoprolol.\nAFib again.', 0))


class RecordsTest(unittest.TestCase):
    def note(self, group, split, category, labels=(), text='Note text about pneumonia.'):
        n = RealNote(id=f'mtsamples-g{group}', group=group, split=split, text=text, titles=[], descriptions=[], specialties=())
        n.labels, n.category, n.source = list(labels), category, 'title' if labels else ''
        n.text_mentions = [m('condition:J17', text.index('pneumonia'), text.index('pneumonia') + 9)] if labels else []
        return n

    def test_bundle_holds_the_note_and_nothing_else(self):
        bundle = note_bundle('mtsamples-g7', 'Fever and cough.')
        types = [e['resource']['resourceType'] for e in bundle['entry']]
        self.assertEqual(types, ['Patient', 'DocumentReference'])
        data = bundle['entry'][1]['resource']['content'][0]['attachment']['data']
        self.assertEqual(base64.b64decode(data).decode(), 'Fever and cough.')

    def test_parts(self):
        names = {'condition:J17': 'Pneumonia'}
        notes = [self.note(1, 'train', 'named', ['condition:J17']), self.note(2, 'train', 'unnamed'),
                 self.note(3, 'train', 'body-only'), self.note(4, 'test', 'named', ['condition:J17']),
                 self.note(5, 'test', 'unnamed'), self.note(6, 'train', 'multiple', ['condition:J17', 'condition:D64.9'])]
        train = part_records(notes, 'train', names, None)
        self.assertEqual([r[0] for r in train], ['mtsamples-g1', 'mtsamples-g2', 'mtsamples-g1~removed'])
        self.assertEqual(train[2][1], '')  # the only sentence named the label
        self.assertEqual(train[0][2]['condition'], {'id': 'condition:J17', 'name': 'Pneumonia'})
        self.assertIsNone(train[1][2]['condition'])
        self.assertEqual(train[1][2]['openSet'], {'kind': 'real-note'})
        test = part_records(notes, 'test', names, None)
        self.assertEqual(sorted(r[0] for r in test), ['mtsamples-g4', 'mtsamples-g5'])
        removed = part_records(notes, 'test_removed', names, None)
        self.assertEqual([r[0] for r in removed], ['mtsamples-g4'])
        self.assertEqual(removed[0][2]['realNote']['naming_sentences_removed'], 1)
        self.assertEqual(len(part_records(notes, 'train', names, 0)), 2)
        line = label_line('x', notes[0], names)
        self.assertEqual(line['labelsVersion'], 2)
        self.assertEqual(line['recommendedDrugs'], [])


class OpenSetMeasuresTest(unittest.TestCase):
    def test_auroc_by_hand(self):
        self.assertEqual(auroc(np.array([0.9, 0.8]), np.array([0.1, 0.2])), 1.0)
        self.assertEqual(auroc(np.array([0.1]), np.array([0.9])), 0.0)
        # pos {0.5, 0.9}, neg {0.5, 0.1}: pairs (0.5,0.5)=1/2, (0.5,0.1)=1, (0.9,0.5)=1, (0.9,0.1)=1 -> 3.5/4
        self.assertAlmostEqual(auroc(np.array([0.5, 0.9]), np.array([0.5, 0.1])), 0.875)
        self.assertIsNone(auroc(np.array([]), np.array([0.3])))

    def test_closed_set_ignores_none(self):
        probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.1, 0.4]])
        self.assertEqual(closed_set_topk(probs, np.array([1, 0]), 1), 1.0)
        with self.assertRaises(ValueError):
            closed_set_topk(probs, np.array([2, 0]), 1)
        self.assertTrue(np.allclose(abstention_score(probs), [0.7, 0.4]))
        self.assertTrue(np.allclose(softmax(np.log(probs)), probs))

    def test_coverage_curve_by_hand(self):
        score = np.array([0.1, 0.2, 0.2, 0.9])
        correct = np.array([True, False, True, False])
        curve = coverage_curve(score, correct, points=4)
        # 1 answered: 1/1; 2 is not achievable (tie at 0.2), so 25% -> k=1 and 50% -> k=1 or 3: nearest
        # with ties to the smaller; 75% -> k=3 (2/3); 100% -> k=4 (2/4).
        self.assertEqual([(p['coverage'], p['accuracy'], p['threshold']) for p in curve],
                         [(0.25, 1.0, 0.2), (0.25, 1.0, 0.2), (0.75, 0.6667, 0.9), (1.0, 0.5, 1.0)])

    def test_threshold_and_rates(self):
        probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.6, 0.3], [0.2, 0.1, 0.7], [0.1, 0.1, 0.8]])
        truth = np.array([0, 0, 2, 2])
        in_label = np.array([True, True, False, False])
        r = at_threshold(probs, truth, in_label, 0.5)
        self.assertEqual((r['abstained_out_of_label'], r['abstained_in_label'], r['coverage']), (1.0, 0.0, 0.5))
        self.assertEqual((r['answered_top1'], r['answered_top3']), (0.5, 1.0))
        t, j = youden_threshold([(abstention_score(probs), in_label)])
        self.assertEqual((t, j), (0.7, 1.0))


if __name__ == '__main__':
    unittest.main()


class PretrainingScalePackTest(unittest.TestCase):
    def test_fast_pack_is_mlm_pack_sequences(self):
        from training.mlm import pack_sequences
        from training.pretraining_scale import _Doc, _Encoded, _flat, fast_pack

        rng = np.random.default_rng(0)
        docs = [rng.integers(5, 50, size=int(n)).tolist() for n in rng.integers(0, 40, size=23)]
        flat, offsets = _flat(docs)
        enc = _Encoded(flat, offsets, cls_id=2, sep_id=3)
        for count, seed in ((1, 7), (17, 7), (60, 11)):
            want = pack_sequences(enc, [_Doc(i) for i in range(len(docs))], 16, count, seed=seed)
            got = fast_pack(flat, offsets, 16, count, seed, 2, 3)
            self.assertEqual(got.tolist(), want)
