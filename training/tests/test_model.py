"""@file The mini BERT: shapes, the padding mask, the position-id buffer and checkpoint round trips."""
import os
import tempfile
import unittest

import torch

from training.config import MlmConfig, ModelConfig
from training.mlm import IGNORE, mask_tokens, pack_sequences
from training.model import BertForMaskedLM, load_encoder, save_checkpoint
from training.wordpiece import WordPieceEncoder
from training.corpus import Document

SMALL = ModelConfig(vocab_size=50, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64, max_position_embeddings=16)


class ModelTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = BertForMaskedLM(SMALL).eval()

    def test_shapes_and_attentions(self):
        ids = torch.randint(5, 50, (3, 10))
        hidden, attentions = self.model.bert(ids, torch.ones_like(ids), output_attentions=True)
        self.assertEqual(tuple(hidden.shape), (3, 10, 32))
        self.assertEqual(len(attentions), 2)
        self.assertEqual(tuple(attentions[0].shape), (3, 4, 10, 10))

    def test_padding_does_not_change_real_tokens(self):
        ids = torch.randint(5, 50, (1, 6))
        padded = torch.cat([ids, torch.zeros(1, 4, dtype=torch.long)], dim=1)
        mask = torch.cat([torch.ones(1, 6), torch.zeros(1, 4)], dim=1).long()
        a = self.model.bert(ids, torch.ones_like(ids))
        b = self.model.bert(padded, mask)[:, :6]
        self.assertTrue(torch.allclose(a, b, atol=1e-5))

    def test_position_ids_are_a_buffer_outside_the_state_dict(self):
        self.assertIn('position_ids', dict(self.model.bert.embeddings.named_buffers()))
        self.assertFalse(any('position_ids' in k for k in self.model.state_dict()))

    def test_checkpoint_round_trip(self):
        ids = torch.randint(5, 50, (2, 8))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'x.pt')
            save_checkpoint(path, self.model, kind='test')
            encoder, info = load_encoder(path)
        self.assertEqual(info['kind'], 'test')
        self.assertTrue(torch.equal(encoder.eval()(ids), self.model.bert(ids)))

    def test_mlm_loss_is_near_log_vocab_at_init(self):
        ids = torch.randint(5, 50, (4, 12))
        labels = ids.clone()
        loss = self.model(ids, torch.ones_like(ids), labels)
        self.assertAlmostEqual(float(loss), float(torch.log(torch.tensor(50.0))), delta=0.5)


class DeterminismTest(unittest.TestCase):
    def _train(self):
        from training.mlm import build_optimizer
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(7)
        model = BertForMaskedLM(SMALL)
        cfg = MlmConfig(batch_size=4, seq_len=16)
        optimizer, scheduler = build_optimizer(torch, model, cfg, 3)
        gen = torch.Generator().manual_seed(3)
        ids = torch.randint(5, 50, (4, 16), generator=gen)
        for _ in range(3):
            x, y = mask_tokens(torch, ids, gen, cfg, 50)
            loss = model(x, torch.ones_like(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        return model.state_dict()

    def test_same_seed_same_weights(self):
        a, b = self._train(), self._train()
        self.assertEqual(a.keys(), b.keys())
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)


class MaskingTest(unittest.TestCase):
    def test_masks_about_15_percent_and_never_specials(self):
        cfg = MlmConfig()
        ids = torch.randint(5, 1000, (64, 128))
        ids[:, 0] = 2
        ids[:, -1] = 3
        inputs, labels = mask_tokens(torch, ids, torch.Generator().manual_seed(1), cfg, 1000)
        picked = labels != IGNORE
        self.assertAlmostEqual(picked.float().mean().item(), 0.15 * 126 / 128, delta=0.01)
        self.assertFalse(picked[:, 0].any() or picked[:, -1].any())
        masked = (inputs == 4) & picked
        self.assertAlmostEqual(masked.sum().item() / picked.sum().item(), 0.8, delta=0.03)
        self.assertTrue(torch.equal(labels[picked], ids[picked]))
        self.assertTrue(torch.equal(inputs[~picked], ids[~picked]))

    def test_pack_sequences_makes_full_cls_sep_sequences(self):
        vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b']
        enc = WordPieceEncoder(vocab)
        docs = [Document(f'd{i}', 't', 'a b a b a') for i in range(5)]
        seqs = pack_sequences(enc, docs, seq_len=8, count=3, seed=1)
        self.assertEqual(len(seqs), 3)
        for s in seqs:
            self.assertEqual(len(s), 8)
            self.assertEqual((s[0], s[-1]), (2, 3))
        # Without a seed the documents are used once, in order, and never repeated.
        self.assertEqual(len(pack_sequences(enc, docs, seq_len=8, count=100)), 5)


if __name__ == '__main__':
    unittest.main()
