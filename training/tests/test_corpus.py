"""@file Corpus helpers, and the MTSamples split's promise: one transcription, one split, the parity rule."""
import unittest

from training.corpus import (build_mtsamples_split, clean_mtsamples_text, corpus_root, is_prose,
                             mtsamples_group_key, mtsamples_half, read_mtsamples_rows)


class CorpusHelpersTest(unittest.TestCase):
    def test_clean_mtsamples_separators(self):
        raw = 'PREOPERATIVE DIAGNOSIS: , Right inguinal hernia. ,POSTOPERATIVE DIAGNOSIS:,  Hernia.'
        self.assertEqual(clean_mtsamples_text(raw),
                         'PREOPERATIVE DIAGNOSIS: Right inguinal hernia. POSTOPERATIVE DIAGNOSIS: Hernia.')

    def test_is_prose(self):
        self.assertTrue(is_prose('The patient was taken to the operating room and placed supine on the table.'))
        self.assertFalse(is_prose('>>> x = compile(source, "<string>", "exec") and then run it'))
        self.assertFalse(is_prose('--all -a --almost-all -A --author -b --escape -C'))
        self.assertFalse(is_prose('Too short to count.'))

    def test_half_is_decided_by_the_smallest_note_id(self):
        self.assertEqual(mtsamples_half([7, 4, 9]), 'test')
        self.assertEqual(mtsamples_half([8, 3]), 'train')
        self.assertEqual(mtsamples_half([2]), 'test')
        with self.assertRaises(ValueError):
            mtsamples_half([])

    def test_split_groups_rows_with_the_same_transcription(self):
        rows = [
            {'note_id': '5', 'transcription': 'Same  TEXT here.'},
            {'note_id': '2', 'transcription': ' same text here.\n'},
            {'note_id': '3', 'transcription': ''},
            {'note_id': '11', 'transcription': 'Odd one.'},
            {'note_id': '12', 'transcription': 'odd one.'},
        ] + [{'note_id': str(i), 'transcription': f'note number {i}'} for i in range(20, 420)]
        split = build_mtsamples_split(rows, 'sha')
        by_id = {r['note_id']: r for r in split['rows']}
        # Note 5's text also sits under note 2: the smallest id (2, even) sends both to test.
        self.assertEqual(by_id['5']['group'], by_id['2']['group'])
        self.assertEqual(by_id['5']['split'], 'test')
        self.assertEqual(by_id['2']['split'], 'test')
        # 11 and 12 carry one text: 11 is the smallest, odd -> the training half (train or val).
        self.assertEqual(by_id['11']['split'], by_id['12']['split'])
        self.assertIn(by_id['11']['split'], ('train', 'val'))
        self.assertTrue(by_id['3']['empty'])
        for i in range(20, 420):
            entry = by_id[str(i)]
            if i % 2 == 0:
                self.assertEqual(entry['split'], 'test')
            else:
                self.assertIn(entry['split'], ('train', 'val'))
        odd = split['counts']['train']['groups'] + split['counts']['val']['groups']
        self.assertAlmostEqual(split['counts']['val']['groups'] / odd, 0.15, delta=0.06)
        self.assertEqual(build_mtsamples_split(rows, 'sha'), split)
        self.assertEqual(mtsamples_group_key(' A\n b '), 'a b')


@unittest.skipUnless((corpus_root() / 'text/mtsamples/mtsamples.csv.gz').exists(), 'shared corpus not found (../shared/corpus)')
class MtsamplesSplitTest(unittest.TestCase):
    def test_no_transcription_falls_on_both_sides(self):
        rows = read_mtsamples_rows()
        split = build_mtsamples_split(rows, 'sha')
        for key_of in (lambda t: t.strip(), mtsamples_group_key):
            side: dict[str, str] = {}
            for row, entry in zip(rows, split['rows']):
                if entry['empty']:
                    continue
                half = 'test' if entry['split'] == 'test' else 'train'
                self.assertEqual(side.setdefault(key_of(row['transcription']), half), half)
        groups = {s: len({e['group'] for e in split['rows'] if e['split'] == s and not e['empty']}) for s in ('train', 'val', 'test')}
        self.assertEqual(groups['test'], 1166)
        self.assertEqual(groups['train'] + groups['val'], 1191)
        # Every test group's smallest note_id is even.
        smallest: dict[int, int] = {}
        for entry in split['rows']:
            if not entry['empty']:
                smallest[entry['group']] = min(smallest.get(entry['group'], 10**9), int(entry['note_id']))
        for entry in split['rows']:
            if not entry['empty']:
                self.assertEqual(entry['split'] == 'test', smallest[entry['group']] % 2 == 0)


if __name__ == '__main__':
    unittest.main()
