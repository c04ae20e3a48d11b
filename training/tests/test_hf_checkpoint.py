"""@file Importing a Hugging Face BERT checkpoint folder (training/hf_checkpoint.py), on tiny
checkpoints that this test writes in exactly the Hugging Face layout: config.json, vocab.txt
([PAD]=0, [unused..], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103), tokenizer_config.json, and
BertForPreTraining key names in pytorch_model.bin or model.safetensors (F32, F16, BF16).

Checked against things the import does not compute itself: the tensors as written, a numpy
implementation of BERT's forward pass on the Hugging Face weights, and a from-the-description
WordPiece (BasicTokenizer + greedy longest match over vocab.txt) for the token ids.
"""
import json
import math
import re
import struct
import tempfile
import unicodedata
import unittest
from pathlib import Path

import numpy as np
import torch

from training.common import write_json
from training.config import MlmConfig, TokenizerConfig
from training.hf_checkpoint import (CheckpointError, build_models, expected_shapes, map_weights, read_checkpoint,
                                    read_case, read_safetensors, weights_source)
from training.mlm import IGNORE, mask_tokens
from training.model import MiniBert, load_encoder, save_checkpoint
from training.tokenizer_files import encoder_from_file, write_tokenizer

HF_SPECIALS = ['[PAD]'] + [f'[unused{i}]' for i in range(99)] + ['[UNK]', '[CLS]', '[SEP]', '[MASK]']
WORDS = ['patient', 'denies', 'chest', 'pain', 'the', 'bp', '120', '80', 'no', 'fever', 'x', 'ray', 'caf', 'na',
         '##s', '##e', '##ive', '##ain', '##ray', '##80', '##ï', '##é', 'p', 'c', 'r', '##a']
PUNCT = ['.', ',', '/', '-', ':', '%', '(', ')']
CASED_WORDS = ['Patient', 'The', 'BP', 'No', 'Fever', 'X', 'Caf', 'Na', 'P', 'C']
SENTENCES = [
    'Patient denies chest pain.',
    'The patient: BP 120/80, no fevers (x-ray clear).',
    'Café au lait; naïve pains 12080%',
    'PATIENT Denies CHEST-PAIN, xray',
    '',
]


def hf_vocab(cased: bool) -> list[str]:
    return HF_SPECIALS + WORDS + PUNCT + (CASED_WORDS if cased else [])


def hf_config(n_vocab: int, **overrides) -> dict:
    config = {'architectures': ['BertForPreTraining'], 'model_type': 'bert', 'hidden_size': 16, 'num_hidden_layers': 2,
              'num_attention_heads': 4, 'intermediate_size': 32, 'max_position_embeddings': 24, 'type_vocab_size': 2,
              'vocab_size': n_vocab, 'layer_norm_eps': 1e-12, 'hidden_act': 'gelu', 'hidden_dropout_prob': 0.1,
              'attention_probs_dropout_prob': 0.1, 'initializer_range': 0.02, 'pad_token_id': 0}
    config.update(overrides)
    return config


def hf_state(config: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """A BertForPreTraining state dict with Hugging Face's key names, values large enough to matter."""
    rng = np.random.default_rng(seed)
    h, i, v = config['hidden_size'], config['intermediate_size'], config['vocab_size']

    def w(*shape, scale=0.3):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    state = {
        'bert.embeddings.word_embeddings.weight': w(v, h, scale=1.0),
        'bert.embeddings.position_embeddings.weight': w(config['max_position_embeddings'], h),
        'bert.embeddings.token_type_embeddings.weight': w(config['type_vocab_size'], h),
        'bert.embeddings.LayerNorm.weight': 1 + w(h, scale=0.1), 'bert.embeddings.LayerNorm.bias': w(h, scale=0.1),
        'bert.embeddings.position_ids': np.arange(config['max_position_embeddings'], dtype=np.int64)[None],
        'bert.pooler.dense.weight': w(h, h), 'bert.pooler.dense.bias': w(h),
        'cls.predictions.transform.dense.weight': w(h, h), 'cls.predictions.transform.dense.bias': w(h),
        'cls.predictions.transform.LayerNorm.weight': 1 + w(h, scale=0.1),
        'cls.predictions.transform.LayerNorm.bias': w(h, scale=0.1),
        'cls.predictions.bias': w(v), 'cls.seq_relationship.weight': w(2, h), 'cls.seq_relationship.bias': w(2),
    }
    state['cls.predictions.decoder.weight'] = state['bert.embeddings.word_embeddings.weight'].copy()
    state['cls.predictions.decoder.bias'] = state['cls.predictions.bias'].copy()
    for n in range(config['num_hidden_layers']):
        p = f'bert.encoder.layer.{n}.'
        for name in ('attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'):
            state[p + name + '.weight'], state[p + name + '.bias'] = w(h, h), w(h)
        state[p + 'intermediate.dense.weight'], state[p + 'intermediate.dense.bias'] = w(i, h), w(i)
        state[p + 'output.dense.weight'], state[p + 'output.dense.bias'] = w(h, i), w(h)
        for name in ('attention.output.LayerNorm', 'output.LayerNorm'):
            state[p + name + '.weight'], state[p + name + '.bias'] = 1 + w(h, scale=0.1), w(h, scale=0.1)
    return state


def write_safetensors(path: Path, arrays: dict[str, np.ndarray], float_dtype: str = 'F32') -> None:
    """The safetensors layout, written from its description (not by the reader under test)."""
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(arrays):
        a = arrays[name]
        if a.dtype == np.int64:
            code, raw = 'I64', a.astype('<i8').tobytes()
        elif float_dtype == 'F32':
            code, raw = 'F32', a.astype('<f4').tobytes()
        elif float_dtype == 'F16':
            code, raw = 'F16', a.astype('<f2').tobytes()
        else:
            code, raw = 'BF16', (a.astype('<f4').view('<u4') >> 16).astype('<u2').tobytes()
        header[name] = {'dtype': code, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode('utf-8')
    head += b' ' * (-len(head) % 8)
    path.write_bytes(struct.pack('<Q', len(head)) + head + b''.join(blobs))


def as_stored(a: np.ndarray, float_dtype: str) -> np.ndarray:
    """The float32 values a reader must give back for `a` written as `float_dtype`."""
    if float_dtype == 'F16':
        return a.astype(np.float16).astype(np.float32)
    if float_dtype == 'BF16':
        return ((a.astype('<f4').view('<u4') >> 16) << 16).astype('<u4').view('<f4')
    return a


def write_folder(folder: Path, *, cased: bool = False, weights: str = 'bin', float_dtype: str = 'F32',
                 tokenizer_config: bool = True, config_overrides: dict | None = None, state: dict | None = None) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    vocab = hf_vocab(cased)
    config = hf_config(len(vocab), **(config_overrides or {}))
    state = hf_state(config) if state is None else state
    (folder / 'config.json').write_text(json.dumps(config), encoding='utf-8')
    (folder / 'vocab.txt').write_text(''.join(t + '\n' for t in vocab), encoding='utf-8')
    if tokenizer_config:
        (folder / 'tokenizer_config.json').write_text(json.dumps({'do_lower_case': not cased, 'model_max_length': 512}))
    if weights == 'bin':
        torch.save({k: torch.from_numpy(v.copy()) for k, v in state.items()}, folder / 'pytorch_model.bin')
    else:
        write_safetensors(folder / 'model.safetensors', state, float_dtype)
    return state


# ---------------------------------------------------------------- independent references

def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def numpy_bert(state: dict, config: dict, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BERT's forward pass (post-LayerNorm, erf GELU) in float64 on the Hugging Face weights."""
    w = {k[len('bert.'):]: v.astype(np.float64) for k, v in state.items() if k.startswith('bert.')}
    eps, heads = config['layer_norm_eps'], config['num_attention_heads']
    b, s = ids.shape
    h = config['hidden_size']
    d = h // heads

    def lin(x, name):
        return x @ w[name + '.weight'].T + w[name + '.bias']

    x = w['embeddings.word_embeddings.weight'][ids] + w['embeddings.position_embeddings.weight'][:s][None] \
        + w['embeddings.token_type_embeddings.weight'][0]
    x = layer_norm(x, w['embeddings.LayerNorm.weight'], w['embeddings.LayerNorm.bias'], eps)
    bias = (1.0 - mask[:, None, None, :].astype(np.float64)) * -10000.0
    for n in range(config['num_hidden_layers']):
        p = f'encoder.layer.{n}.'

        def split(t):
            return t.reshape(b, s, heads, d).transpose(0, 2, 1, 3)

        q, k, v = (split(lin(x, p + f'attention.self.{m}')) for m in ('query', 'key', 'value'))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, h)
        x = layer_norm(x + lin(context, p + 'attention.output.dense'), w[p + 'attention.output.LayerNorm.weight'],
                       w[p + 'attention.output.LayerNorm.bias'], eps)
        hidden = gelu(lin(x, p + 'intermediate.dense'))
        x = layer_norm(x + lin(hidden, p + 'output.dense'), w[p + 'output.LayerNorm.weight'], w[p + 'output.LayerNorm.bias'], eps)
    return x


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or unicodedata.category(ch).startswith('P')


def reference_ids(text: str, vocab: list[str], lowercase: bool) -> list[int]:
    """BERT's BasicTokenizer + WordpieceTokenizer over vocab.txt, for plain (control-free) text."""
    ids = {t: i for i, t in enumerate(vocab)}
    if lowercase:
        text = ''.join(c for c in unicodedata.normalize('NFD', text.lower()) if unicodedata.category(c) != 'Mn')
    words = []
    for chunk in text.split():
        current = ''
        for ch in chunk:
            if _is_punct(ch):
                words += [current] if current else []
                words.append(ch)
                current = ''
            else:
                current += ch
        words += [current] if current else []
    out = [ids['[CLS]']]
    for word in words:
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start and (word[start:end] if start == 0 else '##' + word[start:end]) not in ids:
                end -= 1
            if end == start:
                pieces = ['[UNK]']
                break
            pieces.append(word[start:end] if start == 0 else '##' + word[start:end])
            start = end
        out += [ids[p] for p in pieces]
    return out + [ids['[SEP]']]


# ---------------------------------------------------------------- tests

class ImportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def _import(self, folder: Path):
        ckpt = read_checkpoint(folder)
        torch.manual_seed(0)
        fresh, imported = build_models(torch, ckpt)
        return ckpt, fresh.eval(), imported.eval()

    def test_every_tensor_lands_and_the_forward_pass_matches_numpy(self):
        for weights, float_dtype in (('bin', 'F32'), ('safetensors', 'F32'), ('safetensors', 'F16'), ('safetensors', 'BF16')):
            with self.subTest(weights=weights, dtype=float_dtype):
                folder = self.root / f'{weights}-{float_dtype}'
                written = write_folder(folder, weights=weights, float_dtype=float_dtype)
                state = {k: as_stored(v, float_dtype) if v.dtype == np.float32 else v for k, v in written.items()}
                ckpt, fresh, imported = self._import(folder)
                self.assertEqual(ckpt.weights_path.name, 'pytorch_model.bin' if weights == 'bin' else 'model.safetensors')
                ours = imported.bert.state_dict()
                self.assertEqual(len(ours), len(expected_shapes(ckpt.model_config)))
                hf_of = {'embeddings.word_embeddings.weight': 'bert.embeddings.word_embeddings.weight'}
                for n in range(2):
                    hf_of[f'layers.{n}.attention.query.weight'] = f'bert.encoder.layer.{n}.attention.self.query.weight'
                    hf_of[f'layers.{n}.attention_norm.bias'] = f'bert.encoder.layer.{n}.attention.output.LayerNorm.bias'
                    hf_of[f'layers.{n}.output.weight'] = f'bert.encoder.layer.{n}.output.dense.weight'
                for key, tensor in ours.items():  # every MiniBert tensor equals the written one (by the mapping)
                    hf = hf_of.get(key)
                    if hf:
                        np.testing.assert_array_equal(tensor.numpy(), state[hf], err_msg=key)
                    self.assertFalse(torch.equal(tensor, fresh.bert.state_dict()[key]), key)
                head = imported.mlm
                np.testing.assert_array_equal(head.dense.weight.detach().numpy(), state['cls.predictions.transform.dense.weight'])
                np.testing.assert_array_equal(head.LayerNorm.bias.detach().numpy(), state['cls.predictions.transform.LayerNorm.bias'])
                np.testing.assert_array_equal(head.bias.detach().numpy(), state['cls.predictions.bias'])
                self.assertIs(head.decoder_weight, imported.bert.embeddings.word_embeddings.weight)
                np.testing.assert_array_equal(ckpt.weights.pooler['weight'].numpy(), state['bert.pooler.dense.weight'])
                self.assertEqual(ckpt.weights.ignored, ['bert.embeddings.position_ids', 'cls.seq_relationship.bias',
                                                        'cls.seq_relationship.weight'])

                ids = np.array([[101, 104, 105, 106, 107, 102, 0, 0], [101, 120, 121, 110, 111, 112, 113, 102]])
                mask = (ids != 0).astype(np.int64)
                mask[1, -1] = 1
                expected = numpy_bert(state, hf_config(ckpt.model_config.vocab_size), ids, mask)
                with torch.no_grad():
                    got = imported.bert(torch.from_numpy(ids), torch.from_numpy(mask)).double().numpy()
                self.assertLess(float(np.abs(got - expected).max()), 2e-5)

    def test_all_mapped_tensors_equal_their_sources(self):
        written = write_folder(self.root / 'hf', weights='safetensors')
        ckpt, _, imported = self._import(self.root / 'hf')
        from training.hf_checkpoint import _hf_names
        ours = imported.bert.state_dict()
        names = _hf_names(ckpt.model_config)
        self.assertEqual(set(names.values()), set(ours))
        for hf, mine in names.items():
            np.testing.assert_array_equal(ours[mine].numpy(), written['bert.' + hf], err_msg=hf)

    def test_unprefixed_bertmodel_keys_and_legacy_layernorm_names(self):
        state = {k[len('bert.'):]: v for k, v in hf_state(hf_config(len(hf_vocab(False)))).items() if k.startswith('bert.')}
        state = {re.sub(r'LayerNorm\.weight$', 'LayerNorm.gamma', re.sub(r'LayerNorm\.bias$', 'LayerNorm.beta', k)): v
                 for k, v in state.items()}
        write_folder(self.root / 'hf', state=state)
        ckpt, _, imported = self._import(self.root / 'hf')
        np.testing.assert_array_equal(imported.bert.embeddings.LayerNorm.weight.detach().numpy(), state['embeddings.LayerNorm.gamma'])
        self.assertIsNone(ckpt.weights.mlm_head)
        self.assertIn('absent', ckpt.weights.mlm_head_status)

    def test_the_checkpoint_format_round_trips_through_load_encoder(self):
        write_folder(self.root / 'hf')
        ckpt, _, imported = self._import(self.root / 'hf')
        path = self.root / 'pretrained.pt'
        save_checkpoint(path, imported, kind='hf-import', steps=0, hf_pooler_state_dict=ckpt.weights.pooler)
        encoder, info = load_encoder(path)
        self.assertEqual(info['kind'], 'hf-import')
        self.assertEqual(info['model_config']['pad_token_id'], 0)
        ids = torch.tensor([[101, 110, 111, 102]])
        with torch.no_grad():
            self.assertTrue(torch.equal(encoder.eval()(ids), imported.bert(ids)))

    def test_expected_shapes_are_minibert_shapes(self):
        write_folder(self.root / 'hf')
        cfg = read_checkpoint(self.root / 'hf').model_config
        self.assertEqual(expected_shapes(cfg), {k: tuple(v.shape) for k, v in MiniBert(cfg).state_dict().items()})


class TokenizerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def _tokenizer(self, cased: bool, tokenizer_config: bool = True):
        vocab = hf_vocab(cased)
        folder = self.root / f'hf-{cased}-{tokenizer_config}'
        folder.mkdir()
        (folder / 'vocab.txt').write_text(''.join(t + '\n' for t in vocab), encoding='utf-8')
        if tokenizer_config:
            (folder / 'tokenizer_config.json').write_text(json.dumps({'do_lower_case': not cased}))
        lowercase, strip, _ = read_case(folder, vocab)
        out = folder / 'tokenizer'
        write_tokenizer(out, vocab, TokenizerConfig(), lowercase, strip)
        return vocab, lowercase, out

    def test_ids_match_vocab_txt_wordpiece_cased_and_uncased(self):
        for cased in (False, True):
            vocab, lowercase, out = self._tokenizer(cased)
            self.assertEqual(lowercase, not cased)
            encoder = encoder_from_file(out / 'tokenizer.json')
            for text in SENTENCES:
                with self.subTest(cased=cased, text=text):
                    self.assertEqual(encoder.encode(text), reference_ids(text, vocab, lowercase))
            self.assertNotEqual(encoder.encode(SENTENCES[0]), reference_ids(SENTENCES[0], vocab, not lowercase))

    def test_tokenizer_files_carry_the_vocabularys_special_ids(self):
        _, _, out = self._tokenizer(True)
        data = json.loads((out / 'tokenizer.json').read_text(encoding='utf-8'))
        self.assertEqual({t['content']: t['id'] for t in data['added_tokens']},
                         {'[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103})
        self.assertEqual(data['post_processor']['special_tokens']['[CLS]']['ids'], [101])
        self.assertEqual(data['normalizer']['lowercase'], False)
        config = json.loads((out / 'tokenizer_config.json').read_text(encoding='utf-8'))
        self.assertEqual(config['do_lower_case'], False)
        self.assertEqual(sorted(config['added_tokens_decoder']), ['0', '100', '101', '102', '103'])
        self.assertEqual((out / 'vocab.txt').read_text(encoding='utf-8'), ''.join(t + '\n' for t in hf_vocab(True)))
        encoder = encoder_from_file(out / 'tokenizer.json')
        self.assertEqual(encoder.encode('Patient [MASK]'), [101, hf_vocab(True).index('Patient'), 103, 102])

    def test_normalize_keeps_case_and_accents_for_a_cased_vocabulary(self):
        from training.normalize import normalize
        self.assertEqual(normalize('Caf\u00e9 M\u00c9NI\u00c8RE\x0bx', lowercase=False), 'Caf\u00e9 M\u00c9NI\u00c8REx')
        self.assertEqual(normalize('Caf\u00e9 M\u00c9NI\u00c8RE', lowercase=False, strip_accents=True), 'Cafe MENIERE')
        self.assertEqual(normalize('Caf\u00e9', lowercase=True, strip_accents=False), 'caf\u00e9')
        self.assertEqual(normalize('Caf\u00e9 M\u00c9NI\u00c8RE'), 'cafe meniere')

    def test_case_is_inferred_from_the_vocabulary_without_tokenizer_config(self):
        self.assertEqual(self._tokenizer(True, tokenizer_config=False)[1], False)
        self.assertEqual(self._tokenizer(False, tokenizer_config=False)[1], True)

    def test_masking_uses_the_vocabularys_special_ids(self):
        vocab, _, out = self._tokenizer(False)
        encoder = encoder_from_file(out / 'tokenizer.json')
        ids = torch.randint(104, len(vocab), (32, 24), generator=torch.Generator().manual_seed(0))
        ids[:, 0], ids[:, -1], ids[:, -2] = 101, 102, 0
        inputs, labels = mask_tokens(torch, ids, torch.Generator().manual_seed(1), MlmConfig(), len(vocab), encoder.special)
        picked = labels != IGNORE
        self.assertFalse(picked[:, 0].any() or picked[:, -1].any() or picked[:, -2].any())
        self.assertGreater(int((inputs[picked] == 103).sum()), 0)
        self.assertFalse(bool(((inputs == 4) & picked).any()))
        self.assertGreaterEqual(int(inputs[picked].min()), 103)


class ErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.folder = Path(self.tmp.name) / 'hf'

    def tearDown(self):
        self.tmp.cleanup()

    def assertFails(self, code: str, pattern: str):
        with self.assertRaises(CheckpointError) as caught:
            read_checkpoint(self.folder)
        self.assertEqual(caught.exception.code, code)
        self.assertRegex(str(caught.exception), pattern)

    def test_missing_encoder_weight_is_named(self):
        state = hf_state(hf_config(len(hf_vocab(False))))
        del state['bert.encoder.layer.1.attention.self.key.bias']
        write_folder(self.folder, state=state)
        self.assertFails('HF_MISSING_WEIGHT', r"bert\.encoder\.layer\.1\.attention\.self\.key\.bias")

    def test_wrong_shape_is_named_with_both_shapes(self):
        state = hf_state(hf_config(len(hf_vocab(False))))
        state['bert.encoder.layer.0.intermediate.dense.weight'] = state['bert.encoder.layer.0.intermediate.dense.weight'][:, :8]
        write_folder(self.folder, state=state, weights='safetensors')
        self.assertFails('HF_SHAPE', r"'bert\.encoder\.layer\.0\.intermediate\.dense\.weight' has shape \[32, 8\], expected \[32, 16\]")

    def test_unexpected_encoder_weight_is_named(self):
        state = hf_state(hf_config(len(hf_vocab(False))))
        state['bert.encoder.layer.2.output.dense.bias'] = np.zeros(16, np.float32)
        write_folder(self.folder, state=state)
        self.assertFails('HF_UNEXPECTED_WEIGHT', r"'bert\.encoder\.layer\.2\.output\.dense\.bias'.*2 layers")

    def test_unsupported_activation_lists_what_is_supported(self):
        write_folder(self.folder, config_overrides={'hidden_act': 'gelu_new'})
        self.assertFails('HF_CONFIG', r"hidden_act 'gelu_new' is not supported; supported: gelu")

    def test_other_config_errors(self):
        write_folder(self.folder, config_overrides={'model_type': 'roberta'})
        self.assertFails('HF_CONFIG', r"model_type 'roberta' is not supported; supported: bert")
        write_folder(self.folder, config_overrides={'position_embedding_type': 'relative_key'})
        self.assertFails('HF_CONFIG', r"position_embedding_type 'relative_key'.*supported: absolute")
        write_folder(self.folder, config_overrides={'vocab_size': 7})
        self.assertFails('HF_VOCAB', r'has 138 tokens but config.json says vocab_size 7')

    def test_broken_safetensors_and_missing_files(self):
        write_folder(self.folder, weights='safetensors')
        path = self.folder / 'model.safetensors'
        data = path.read_bytes()
        path.write_bytes(data[:-4])
        self.assertFails('HF_SAFETENSORS', r'do not fit|cover')
        path.unlink()
        self.assertFails('HF_FOLDER', r'no weights; expected one of model\.safetensors, pytorch_model\.bin')
        (self.folder / 'vocab.txt').unlink()
        self.assertFails('HF_FOLDER', r'vocab\.txt not found')

    def test_safetensors_reader_round_trips_dtypes(self):
        self.folder.mkdir()
        arrays = {'a': np.arange(6, dtype=np.float32).reshape(2, 3) / 7, 'b': np.array([[3]], dtype=np.int64)}
        for dtype in ('F32', 'F16', 'BF16'):
            write_safetensors(self.folder / 'x.safetensors', arrays, dtype)
            tensors, dtypes = read_safetensors(self.folder / 'x.safetensors')
            self.assertEqual(dtypes, {'a': dtype, 'b': 'I64'})
            np.testing.assert_array_equal(tensors['a'].float().numpy(), as_stored(arrays['a'], dtype))
            self.assertEqual(tensors['b'].tolist(), [[3]])


class SourceTest(unittest.TestCase):
    def test_weights_source_only_for_an_import(self):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            self.assertIsNone(weights_source(work))
            write_json(work / 'mlm_metrics.json', {'kind': 'mlm-pretrained', 'steps': 40})
            self.assertIsNone(weights_source(work))
            write_json(work / 'mlm_metrics.json', {'kind': 'hf-import', 'source': {'folder': 'tiny', 'weights_sha256': 'ab'}})
            self.assertEqual(weights_source(work), {'folder': 'tiny', 'weights_sha256': 'ab'})

    def test_map_weights_refuses_integer_encoder_weights(self):
        config = hf_config(len(hf_vocab(False)))
        state = {k: torch.from_numpy(v.copy()) for k, v in hf_state(config).items()}
        state['bert.embeddings.LayerNorm.bias'] = torch.zeros(16, dtype=torch.int32)
        from training.hf_checkpoint import read_model_config
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / 'config.json').write_text(json.dumps(config))
            cfg = read_model_config(Path(tmp))
        with self.assertRaises(CheckpointError) as caught:
            map_weights(state, cfg)
        self.assertEqual(caught.exception.code, 'HF_DTYPE')


if __name__ == '__main__':
    unittest.main()
