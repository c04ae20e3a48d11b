"""@file The multimodal stages' building blocks: modality masks, the log-mel front end, the
naive-Bayes ceiling, TF-IDF, the metrics, the specialty label rule and the parity tensor encoding."""
import base64
import math
import unittest
from collections import Counter

import numpy as np
import torch

from training.baselines import Tfidf, fit_logistic, naive_bayes_scores
from training.metrics import best_threshold, macro_f1, micro_f1, topk_accuracy
from training.mm_model import AudioEncoder, Fusion, LogMel, mel_filterbank
from training.parity import encode
from training.specialty_data import OTHER, SpecialtyDoc, primary_label, specialty_classes


def small_fusion() -> Fusion:
    torch.manual_seed(0)
    # Labels 0..3 are entities 2, 5, 7, 9; label 4 is "none" (no entity).
    return Fusion(n_entities=10, n_flags=7, text_dim=8, media_dim=6, dim=16, heads=4, trunk_dim=12,
                  n_diagnoses=5, n_severities=5, n_drugs=3, dropout=0.0, label_entities=[2, 5, 7, 9, 0]).eval()


class LabelMentionTest(unittest.TestCase):
    def test_mentions_count_label_entities_per_flag(self):
        model = small_fusion()
        ids = torch.tensor([[2, 3, 5, 0], [9, 9, 0, 0]])
        flags = torch.tensor([[1, 1, 2, 0], [1, 4, 0, 0]])
        valid = (ids > 0).float()
        mentions = model.label_mentions(ids, flags, valid)
        self.assertEqual(tuple(mentions.shape), (2, 5, 7))
        self.assertEqual(mentions[0, 0, 1].item(), 1.0)   # entity 2 (label 0) mentioned
        self.assertEqual(mentions[0, 1, 2].item(), 1.0)   # entity 5 (label 1) negated
        self.assertEqual(mentions[0].sum().item(), 2.0)   # entity 3 names no label
        self.assertEqual(mentions[1, 3, 1].item() + mentions[1, 3, 4].item(), 2.0)
        self.assertEqual(mentions[:, 4].sum().item(), 0.0)  # "none" is never named; padding never counts
        self.assertEqual(model.label_mentions(ids, flags, torch.zeros_like(valid)).sum().item(), 0.0)

    def test_the_shared_weight_moves_every_named_label_alike(self):
        model = small_fusion()
        with torch.no_grad():
            model.mention_weight[1] = 3.0
        b = 2
        base = [torch.zeros(b, 8), torch.zeros(b, 6), torch.zeros(b, 6)]
        # Record 0 names label 0, record 1 names label 2; the same flag, the same trunk input.
        ids = torch.tensor([[2], [7]])
        flags = torch.tensor([[1], [1]])
        with torch.no_grad():
            named = model(*base, ids, flags, torch.ones(b, 4))[0]
            model.mention_weight[1] = 0.0
            plain = model(*base, ids, flags, torch.ones(b, 4))[0]
        diff = named - plain
        self.assertAlmostEqual(diff[0, 0].item(), 3.0, places=5)
        self.assertAlmostEqual(diff[1, 2].item(), 3.0, places=5)
        self.assertAlmostEqual(diff[0, 1:].abs().sum().item(), 0.0, places=5)


class TextPoolingTest(unittest.TestCase):
    def test_cls_mean_ignores_padding(self):
        from training.config import ModelConfig
        from training.model import MiniBert
        from training.mm_model import TextModel

        torch.manual_seed(0)
        cfg = ModelConfig(vocab_size=30, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                          max_position_embeddings=16, dropout=0.0)
        model = TextModel(MiniBert(cfg), n_specialties=3, n_aux=4, dropout=0.0, pooling='cls_mean').eval()
        ids = torch.tensor([[2, 7, 8, 3, 0, 0]])
        with torch.no_grad():
            padded = model.pooled(ids, (ids > 0).long())
            trimmed = model.pooled(ids[:, :4], torch.ones(1, 4, dtype=torch.long))
            out = model(ids, (ids > 0).long())
        self.assertTrue(torch.allclose(padded, trimmed, atol=1e-5))
        self.assertTrue(torch.allclose(out[0], padded, atol=1e-6))
        with self.assertRaises(ValueError):
            TextModel(MiniBert(cfg), 3, 4, 0.0, pooling='max')


class FusionTest(unittest.TestCase):
    def inputs(self, b=3, e=4):
        g = torch.Generator().manual_seed(1)
        ids = torch.tensor([[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]])[:b, :e]
        return [torch.randn(b, 8, generator=g), torch.randn(b, 6, generator=g), torch.randn(b, 6, generator=g),
                ids, (ids > 0).long() * 2, torch.ones(b, 4)]

    def test_a_masked_modality_is_the_same_as_a_missing_one(self):
        model = small_fusion()
        x = self.inputs()
        for m, index in ((0, 0), (1, 1), (2, 2)):
            masked = [t.clone() for t in x]
            masked[5][:, m] = 0
            zeroed = [t.clone() for t in masked]
            zeroed[index] = torch.zeros_like(zeroed[index])
            with torch.no_grad():
                a, b = model(*masked), model(*zeroed)
            for u, v in zip(a, b):
                self.assertTrue(torch.allclose(u, v, atol=1e-6))
            with torch.no_grad():
                full = model(*x)
            self.assertFalse(torch.allclose(full[0], a[0], atol=1e-4), f'modality {m} has no effect at all')

    def test_masked_entities_are_the_same_as_no_entities(self):
        model = small_fusion()
        x = self.inputs()
        masked = [t.clone() for t in x]
        masked[5][:, 3] = 0
        none = [t.clone() for t in masked]
        none[3] = torch.zeros_like(none[3])
        none[4] = torch.zeros_like(none[4])
        with torch.no_grad():
            a, b = model(*masked), model(*none)
        for u, v in zip(a, b):
            self.assertTrue(torch.allclose(u, v, atol=1e-6))
        self.assertEqual(float(a[3].abs().max()), 0.0)

    def test_attention_is_zero_on_padding_and_at_most_one_per_record(self):
        model = small_fusion()
        x = self.inputs()
        with torch.no_grad():
            attention = model(*x)[3]
        self.assertEqual(tuple(attention.shape), (3, 4))
        self.assertTrue(torch.all(attention[x[3] == 0] == 0))
        self.assertTrue(torch.all(attention.sum(dim=1) <= 1 + 1e-6))
        self.assertTrue(torch.all(attention[x[3] > 0] > 0))

    def test_outputs_do_not_depend_on_batch_mates_or_padding_width(self):
        model = small_fusion()
        x = self.inputs()
        with torch.no_grad():
            batch = model(*x)
            alone = model(*[t[1:2] for t in x[:3]], x[3][1:2, :1], x[4][1:2, :1], x[5][1:2])
        self.assertTrue(torch.allclose(batch[0][1:2], alone[0], atol=1e-5))
        self.assertTrue(torch.allclose(batch[3][1:2, :1], alone[3], atol=1e-6))


class LogMelTest(unittest.TestCase):
    def test_filterbank_rows_are_triangles_covering_the_band(self):
        bank = mel_filterbank(400, 64, 16000)
        self.assertEqual(bank.shape, (64, 201))
        self.assertTrue(np.all(bank >= 0) and np.all(bank.max(axis=1) > 0.3))  # no empty band
        centres = bank.argmax(axis=1)
        self.assertTrue(np.all(np.diff(centres) >= 0))

    def test_a_tone_peaks_in_its_mel_band_and_any_length_works(self):
        front = LogMel(400, 160, 64, 16000)
        t = np.arange(16000) / 16000.0
        for hz in (300.0, 2000.0):
            tone = torch.tensor(np.sin(2 * np.pi * hz * t)[None, :], dtype=torch.float32)
            mel = front(tone)
            self.assertEqual(tuple(mel.shape), (1, 1, 64, (16000 - 400) // 160 + 1))
            band = int(mel[0, 0].mean(dim=1).argmax())
            expected = int(mel_filterbank(400, 64, 16000)[:, int(round(hz / 40))].argmax())
            self.assertLessEqual(abs(band - expected), 1)

    def test_stft_power_matches_numpy(self):
        front = LogMel(400, 160, 64, 16000)
        x = np.random.default_rng(0).standard_normal(1200).astype(np.float32)
        spec = torch.nn.functional.conv1d(torch.tensor(x)[None, None], front.stft, stride=160)[0].numpy()
        power = spec[:201] ** 2 + spec[201:] ** 2
        window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
        ref = np.abs(np.fft.rfft(x[160:560] * window)) ** 2
        self.assertTrue(np.allclose(power[:, 1], ref, rtol=1e-3, atol=1e-3))

    def test_audio_encoder_takes_raw_waveforms_of_any_length(self):
        enc = AudioEncoder(16, 400, 160, 64, 16000).eval()
        with torch.no_grad():
            self.assertEqual(tuple(enc(torch.zeros(2, 32000)).shape), (2, 16))
            self.assertEqual(tuple(enc(torch.zeros(1, 8000)).shape), (1, 16))


class BaselineTest(unittest.TestCase):
    GRAPH = {
        'entities': [
            {'id': 'condition:A', 'type': 'condition', 'course': 'acute', 'prior': 0.7},
            {'id': 'condition:B', 'type': 'condition', 'course': 'acute', 'prior': 0.3},
            {'id': 'finding:x', 'type': 'finding'},
            {'id': 'antecedent:y', 'type': 'antecedent'},
        ],
        'edges': [
            {'source': 'finding:x', 'type': 'symptom_of', 'target': 'condition:B', 'p': 0.9},
            {'source': 'antecedent:y', 'type': 'risk_factor_for', 'target': 'condition:A', 'p': 0.5},
        ],
        'background': {'findingRate': 0.1, 'antecedentRate': 0.2},
    }
    DIAG = [{'id': 'condition:A'}, {'id': 'condition:B'}]

    def test_naive_bayes_scores_are_the_log_joint_probabilities(self):
        labels = [{'presentEvidences': ['finding:x']}, {'presentEvidences': []}]
        s = naive_bayes_scores(self.GRAPH, self.DIAG, labels)
        a_x = math.log(0.7) + math.log(0.1) + math.log(0.5)
        b_x = math.log(0.3) + math.log(0.9) + math.log(0.8)
        self.assertAlmostEqual(s[0, 0], a_x, places=9)
        self.assertAlmostEqual(s[0, 1], b_x, places=9)
        self.assertAlmostEqual(s[1, 1], math.log(0.3) + math.log(0.1) + math.log(0.8), places=9)

    def test_naive_bayes_beats_the_prior_on_patients_sampled_from_the_graph(self):
        rng = np.random.default_rng(3)
        p = {'condition:A': {'finding:x': 0.1, 'antecedent:y': 0.5}, 'condition:B': {'finding:x': 0.9, 'antecedent:y': 0.2}}
        labels, truth = [], []
        for _ in range(2000):
            c = 0 if rng.random() < 0.7 else 1
            cid = self.DIAG[c]['id']
            labels.append({'presentEvidences': [e for e, q in p[cid].items() if rng.random() < q]})
            truth.append(c)
        truth = np.array(truth)
        nb = topk_accuracy(naive_bayes_scores(self.GRAPH, self.DIAG, labels), truth, 1)
        self.assertGreater(nb, float(np.mean(truth == 0)) + 0.1)

    def test_tfidf_uses_sublinear_tf_and_smoothed_idf(self):
        tfidf = Tfidf(['chest pain chest', 'chest cough', 'fever'], min_df=1)
        x = tfidf.transform(['chest chest pain'])
        j_chest, j_pain = tfidf.vocab['chest'], tfidf.vocab['pain']
        idf_chest = math.log(4 / 3) + 1
        idf_pain = math.log(4 / 2) + 1
        ratio = (1 + math.log(2)) * idf_chest / idf_pain
        self.assertAlmostEqual(x[0, j_chest] / x[0, j_pain], ratio, places=5)
        self.assertAlmostEqual(float(np.linalg.norm(x[0])), 1.0, places=5)

    def test_logistic_regression_separates_separable_data(self):
        x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
        y = np.array([0, 0, 1, 1])
        w, b = fit_logistic(torch, x, y, 2, 1e-3)
        self.assertTrue(np.array_equal((x @ w + b).argmax(axis=1), y))


class MetricTest(unittest.TestCase):
    def test_topk_macro_and_micro(self):
        scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
        truth = np.array([2, 0, 1])
        self.assertAlmostEqual(topk_accuracy(scores, truth, 1), 1 / 3)
        self.assertAlmostEqual(topk_accuracy(scores, truth, 2), 1.0)
        # class 0: tp1 -> F1 1; class 1: fp1 fn1 -> 0; class 2: fp1 fn1 -> 0
        self.assertAlmostEqual(macro_f1(scores.argmax(axis=1), truth), 1 / 3)
        pred = np.array([[1, 0], [1, 1]])
        gold = np.array([[1, 1], [0, 1]])
        self.assertAlmostEqual(micro_f1(pred, gold), 2 * 2 / (2 * 2 + 1 + 1))

    def test_best_threshold_prefers_the_lowest_of_equals(self):
        probs = np.array([[0.9, 0.1], [0.8, 0.3]])
        gold = np.array([[1, 0], [1, 0]])
        self.assertEqual(best_threshold(probs, gold), 0.35)


class SpecialtyLabelTest(unittest.TestCase):
    def test_most_specific_kept_class_wins_and_rare_ones_become_other(self):
        train = [SpecialtyDoc(str(i), '', s) for i, s in enumerate(
            [('Surgery', 'Urology')] * 3 + [('Surgery',)] * 2 + [('Rare',)])]
        classes, counts = specialty_classes(train, min_docs=3)
        self.assertEqual(classes, ['Surgery', 'Urology', OTHER])
        self.assertEqual(counts, Counter({'Surgery': 5, 'Urology': 3, 'Rare': 1}))
        self.assertEqual(primary_label(train[0], classes, counts), classes.index('Urology'))
        self.assertEqual(primary_label(train[3], classes, counts), classes.index('Surgery'))
        self.assertEqual(primary_label(train[5], classes, counts), classes.index(OTHER))


class ParityEncodingTest(unittest.TestCase):
    def test_tensors_round_trip_exactly_as_little_endian_bytes(self):
        a = np.array([[1.5, -2.25e-7], [3.0, np.float32(1 / 3)]], dtype=np.float32)
        enc = encode(a)
        self.assertEqual((enc['dtype'], enc['shape']), ('float32', [2, 2]))
        back = np.frombuffer(base64.b64decode(enc['data']), dtype='<f4').reshape(2, 2)
        self.assertTrue(np.array_equal(a, back))
        ids = encode(np.array([[2, 3, 0]], dtype=np.int64))
        self.assertEqual(np.frombuffer(base64.b64decode(ids['data']), dtype='<i8').tolist(), [2, 3, 0])



class TfidfBagTest(unittest.TestCase):
    def test_bag_is_the_dense_tfidf_vector_times_the_table(self):
        from training.mm_model import TfidfBag
        from training.text_stage import fit_idf, tfidf_rows

        torch.manual_seed(0)
        ids = np.array([[2, 7, 7, 9, 3, 0, 0], [2, 9, 11, 3, 0, 0, 0], [2, 5, 5, 5, 7, 3, 0]])
        mask = (ids > 0).astype(np.int64)
        idf = fit_idf([(ids, mask)], vocab_size=12, specials=[0, 1, 2, 3, 4], min_df=1)
        self.assertEqual(idf[2], 0.0)
        self.assertGreater(idf[5], idf[7])  # 5 in one window, 7 in two
        x = tfidf_rows(ids, mask, idf)
        self.assertTrue(np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-6))
        # tf is sublinear: piece 5 three times in row 2 weighs (1 + log 3) * idf[5] before normalising.
        self.assertAlmostEqual(x[2, 5] / x[2, 7], (1 + np.log(3)) * idf[5] / idf[7], places=5)
        bag = TfidfBag(12, {'a': 4}).eval()
        w = torch.randn(12, 4)
        with torch.no_grad():
            bag.idf.copy_(torch.from_numpy(idf))
            bag.tables['a'].weight.copy_(w)
        padded = bag(torch.from_numpy(ids), torch.from_numpy(mask))['a']
        self.assertTrue(torch.allclose(padded, torch.from_numpy(x) @ w, atol=1e-5))
        trimmed = bag(torch.from_numpy(ids[:, :6]), torch.from_numpy(mask[:, :6]))['a']
        self.assertTrue(torch.allclose(trimmed, padded, atol=1e-6))
        self.assertFalse(any(p.requires_grad for p in bag.parameters()))

    def test_text_embedding_carries_the_bag_and_the_fusion_reads_it_under_the_text_mask(self):
        from training.config import ModelConfig
        from training.model import MiniBert
        from training.mm_model import TextModel

        torch.manual_seed(0)
        cfg = ModelConfig(vocab_size=30, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                          max_position_embeddings=16, dropout=0.0)
        text = TextModel(MiniBert(cfg), n_specialties=3, n_aux=5, dropout=0.0, pooling='cls_mean', bag=True).eval()
        self.assertEqual(text.embedding_dim, 16 + 5)
        ids = torch.tensor([[2, 7, 8, 3]])
        with torch.no_grad():
            out = text(ids, torch.ones_like(ids))
        self.assertEqual(tuple(out[0].shape), (1, 21))
        self.assertTrue(torch.allclose(out[0][:, 16:].exp().sum(dim=1), torch.ones(1), atol=1e-5))
        fusion = Fusion(n_entities=10, n_flags=7, text_dim=16, media_dim=6, dim=16, heads=4, trunk_dim=12, n_diagnoses=5,
                        n_severities=5, n_drugs=3, dropout=0.0, label_entities=[2, 5, 7, 9, 0], text_bag=5).eval()
        te = torch.zeros(2, 21)
        te[0, 16 + 1] = 2.0
        args = [torch.zeros(2, 6), torch.zeros(2, 6), torch.zeros(2, 1, dtype=torch.long), torch.zeros(2, 1, dtype=torch.long)]
        with torch.no_grad():
            fusion.bag_scale.fill_(1.5)
            on = fusion(te, *args[:2], *args[2:], torch.ones(2, 4))[0]
            off = fusion(te, *args[:2], *args[2:], torch.tensor([[0.0, 1, 1, 1], [0.0, 1, 1, 1]]))[0]
        self.assertAlmostEqual((on[0, 1] - on[1, 1]).item(), 3.0, places=5)
        self.assertAlmostEqual((off[0, 1] - off[1, 1]).item(), 0.0, places=5)


class AugmentationTest(unittest.TestCase):
    def test_compact_keeps_order_and_moves_holes_back(self):
        from training.fusion_stage import compact_entities
        ids, flags = compact_entities(np.array([[5, 0, 7, 0, 9]]), np.array([[1, 0, 2, 0, 5]]))
        self.assertEqual(ids.tolist(), [[5, 7, 9, 0, 0]])
        self.assertEqual(flags.tolist(), [[1, 2, 5, 0, 0]])

    def test_generated_records_get_their_label_named_and_distractors(self):
        from types import SimpleNamespace
        from training.fusion_stage import FLAG, inject_label_mentions
        cfg = SimpleNamespace(mention_injection=1.0, coded_injection=0.0, distractor_injection=1.0)
        rng = np.random.default_rng(0)
        ids, flags = inject_label_mentions(rng, np.zeros((50, 6), dtype=np.int64), np.zeros((50, 6), dtype=np.int64),
                                           np.array([1] * 25 + [3] * 25), [11, 12, 13, 0], 3, cfg)
        for r in range(25):
            self.assertIn((12, FLAG['mentioned']), list(zip(ids[r], flags[r])))
        others = [(e, f) for r in range(50) for e, f in zip(ids[r], flags[r]) if e and (r >= 25 or e != 12)]
        self.assertTrue(others)
        self.assertTrue(all(f in (FLAG['negated'], FLAG['historical'], FLAG['family']) for _, f in others))
        self.assertTrue(all(e != 0 for e, _ in others))  # "none" (entity 0) is never injected
        for r in range(25, 50):  # open-set records: no label named as present
            self.assertNotIn(FLAG['mentioned'], flags[r].tolist())

    def test_real_notes_named_become_that_label(self):
        from training.fusion_stage import FLAG, name_labels_in_real_notes
        rng = np.random.default_rng(1)
        ids = np.array([[4, 0, 0], [4, 0, 0], [4, 8, 9]])
        flags = np.array([[1, 0, 0], [1, 0, 0], [1, 1, 1]])
        new_ids, new_flags, target = name_labels_in_real_notes(rng, ids, flags, np.array([0, 3, 3]), [11, 12, 13, 0], 3, 1.0)
        self.assertEqual(target[0], 0)  # in-label notes keep their answer
        self.assertNotEqual(target[1], 3)
        self.assertIn(([11, 12, 13][target[1]], FLAG['mentioned']), list(zip(new_ids[1], new_flags[1])))
        self.assertEqual(target[2], 3)  # no free slot: left as it is
        self.assertEqual(new_ids[2].tolist(), [4, 8, 9])


if __name__ == '__main__':
    unittest.main()
