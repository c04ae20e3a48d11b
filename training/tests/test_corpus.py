"""@file Corpus helpers, and the MTSamples split's promise: one transcription, one split."""
import unittest

from training.corpus import (build_mtsamples_split, clean_mtsamples_text, corpus_root, is_prose,
                             mtsamples_group_key, read_mtsamples_rows)


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

    def test_split_groups_rows_with_the_same_transcription(self):
        rows = [
            {'note_id': '1', 'transcription': 'Same  TEXT here.'},
            {'note_id': '2', 'transcription': 'same text here.'},
            {'note_id': '3', 'transcription': ''},
        ] + [{'note_id': str(i), 'transcription': f'note number {i}'} for i in range(4, 400)]
        split = build_mtsamples_split(rows, 'sha')
        by_id = {r['note_id']: r for r in split['rows']}
        self.assertEqual(by_id['1']['group'], by_id['2']['group'])
        self.assertEqual(by_id['1']['split'], by_id['2']['split'])
        self.assertTrue(by_id['3']['empty'])
        fractions = {s: split['counts'][s]['groups'] / 398 for s in ('train', 'val', 'test')}
        self.assertAlmostEqual(fractions['train'], 0.8, delta=0.07)
        self.assertEqual(build_mtsamples_split(rows, 'sha'), split)
        self.assertEqual(mtsamples_group_key(' A\n b '), 'a b')


@unittest.skipUnless((corpus_root() / 'text/mtsamples/mtsamples.csv.gz').exists(), 'shared corpus not found (../shared/corpus)')
class MtsamplesSplitTest(unittest.TestCase):
    def test_no_transcription_crosses_splits(self):
        rows = read_mtsamples_rows()
        split = build_mtsamples_split(rows, 'sha')
        seen = {}
        for row, entry in zip(rows, split['rows']):
            key = mtsamples_group_key(row['transcription'])
            if entry['empty']:
                continue
            self.assertEqual(seen.setdefault(key, entry['split']), entry['split'])
        self.assertGreater(split['counts']['test']['groups'], 150)


if __name__ == '__main__':
    unittest.main()
