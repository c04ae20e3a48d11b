"""@file training/reader_finetune.py's pure parts: pooling weights (as src/ask/reader.ts poolFeatures), padding (as readBatch), length batches, the choice rule; reader.py's probability agreement."""
import unittest

import numpy as np

from training.reader import probs_agreement
from training.reader_finetune import better, length_batches, limited, pad_batch, pool_weights
from training.reader_manifest import upsert_files


class ReaderFinetuneTest(unittest.TestCase):
    def test_pool_weights_match_pool_features(self):
        # reader.test.ts: token values [1, 2, 3, 4], prefix [1, 1), mention [1, 2), suffix [2, 4) -> [1, 2, 0, 3.5, 0, 3.5]
        w = pool_weights([{'prefix': [1, 1], 'mention': [1, 2], 'suffix': [2, 4]}], 4)
        np.testing.assert_allclose(w[0] @ np.array([1.0, 2.0, 3.0, 4.0]), [1, 2, 0, 3.5, 0, 3.5])

    def test_pool_weights_near_pieces(self):
        # 10 prefix pieces at 1..10, mention 11, 10 suffix pieces 12..21: the near pools take 8 each
        w = pool_weights([{'prefix': [1, 11], 'mention': [11, 12], 'suffix': [12, 22]}], 24)[0]
        x = np.arange(24, dtype=float)
        np.testing.assert_allclose(w @ x, [0, 11, np.mean(range(3, 11)), np.mean(range(12, 20)), np.mean(range(1, 11)),
                                           np.mean(range(12, 22))])
        self.assertEqual(w[:, 22:].sum(), 0)  # [SEP] and padding never pooled

    def test_pad_batch(self):
        ids, mask = pad_batch([{'ids': [2, 5, 3]}, {'ids': [2, 3]}])
        self.assertEqual(ids.tolist(), [[2, 5, 3], [2, 3, 0]])
        self.assertEqual(mask.tolist(), [[1, 1, 1], [1, 1, 0]])
        self.assertEqual(ids.dtype, np.int64)

    def test_length_batches_cover_everything_once(self):
        lengths = [int(v) for v in np.random.default_rng(1).integers(3, 90, 500)]
        batches = length_batches(lengths, 32, np.random.default_rng(5))
        flat = sorted(i for b in batches for i in b)
        self.assertEqual(flat, list(range(500)))
        self.assertTrue(all(len(b) <= 32 for b in batches))
        self.assertEqual(batches, length_batches(lengths, 32, np.random.default_rng(5)))

    def test_limited_is_a_seeded_sorted_sample(self):
        tr = np.arange(10, 1010)
        a = limited(tr, 300, 5005)
        self.assertEqual(len(a), 300)
        self.assertEqual(len(set(a.tolist())), 300)
        self.assertTrue(set(a.tolist()) <= set(tr.tolist()))
        self.assertEqual(a.tolist(), sorted(a.tolist()))
        self.assertGreater(a.max(), 700)  # not the first N
        self.assertEqual(a.tolist(), limited(tr, 300, 5005).tolist())
        self.assertEqual(limited(tr, 5000, 5005).tolist(), tr.tolist())

    def test_choice_rule_and_agreement(self):
        self.assertTrue(better(0.5, None))
        self.assertTrue(better(0.61, 0.6))
        self.assertFalse(better(0.6, 0.6))
        a = np.array([[0.9, 0.1], [0.4, 0.6]])
        b = np.array([[0.8, 0.2], [0.7, 0.3]])
        s = probs_agreement(a, b)
        self.assertEqual((s['rows'], s['topSame'], s['maxProbDiff']), (2, 0.5, 0.3))

    def test_manifest_upsert(self):
        files = [{'path': 'kg.json', 'sha256': 'a', 'bytes': 1}, {'path': 'reader.json', 'sha256': 'old', 'bytes': 2}]
        out = upsert_files(files, [{'path': 'reader.json', 'sha256': 'new', 'bytes': 3}, {'path': 'onnx/r.onnx', 'sha256': 'b', 'bytes': 4}])
        self.assertEqual([f['path'] for f in out], ['kg.json', 'onnx/r.onnx', 'reader.json'])
        self.assertEqual(out[2]['sha256'], 'new')


if __name__ == '__main__':
    unittest.main()
