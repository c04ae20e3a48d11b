"""@file The import step: start the recipe from a Hugging Face BERT checkpoint folder (real weights).

    /usr/bin/python3 -m training.hf_checkpoint --config full --init-from ~/models/Bio_ClinicalBERT

Why: a user who has real weights (Bio_ClinicalBERT, downloaded elsewhere) should get a package of
the same form as the default one, fine-tuned and exported by the same later steps. This step
replaces stage 1's `tokenizer`, `mlm` and `random-init` steps (build.sh --init-from) and writes
exactly what they write, so no later step knows the difference:

- tokenizer/{tokenizer.json,tokenizer_config.json,vocab.txt,tokenizer_metrics.json} from the
  folder's vocab.txt, in the package's Hugging Face format. Special ids are the vocabulary's own
  (a Hugging Face vocabulary has [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103).
  Case follows tokenizer_config.json `do_lower_case`; without that file it is inferred from the
  vocabulary (a cased vocabulary such as Bio_ClinicalBERT's has upper-case entries).
- pretrained.pt (model.save_checkpoint format, so model.load_encoder reads it): every encoder
  weight mapped by name onto MiniBert; the masked-LM head (`cls.predictions.*`) too when the
  folder has it. The pooler (`bert.pooler.dense`) is kept in the checkpoint info as
  `hf_pooler_state_dict`; text_stage.py builds a fresh pooler and does not read it (yet).
- random_init.pt: the same architecture with fresh seeded weights (as `mlm.py --random-init`
  draws them), so the text stage's pretraining-effect comparison still means something.
- mlm_metrics.json / random_init_metrics.json: held-out masked-token loss of the fresh weights
  ("before") and of the imported ones ("after"), and `source`: the folder's name and the sha256
  of its files, never an absolute path.

Nothing comes from `transformers` or `safetensors` (neither is on this machine): config.json is
checked here, pytorch_model.bin is read by torch.load(weights_only=True) and model.safetensors by
the small reader below. Anything the recipe's MiniBert cannot represent is refused with a
CheckpointError naming the key or the setting: a missing, unexpected or misshapen encoder weight,
an activation other than the exact (erf) GELU, relative position embeddings, a sharded checkpoint.
Every check runs before anything is written.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import struct
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .common import RecipeError, log, peak_rss_mb, read_json, sha256_file, write_json
from .config import SPECIAL_TOKENS, ModelConfig, RecipeConfig, get_config
from .wordpiece import SpecialIds

WEIGHT_FILES = ('model.safetensors', 'pytorch_model.bin')  # in transformers' order of preference
SHARD_INDEXES = ('model.safetensors.index.json', 'pytorch_model.bin.index.json')
SUPPORTED_ACTIVATIONS = ('gelu',)
SUPPORTED_MODEL_TYPES = ('bert',)
REQUIRED_INTS = ('vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size',
                 'max_position_embeddings', 'type_vocab_size')
# A vocabulary is taken as cased when at least this share of its ordinary entries has an upper-case letter.
CASED_SHARE = 0.01
SOURCE_KIND = 'hf-import'

# safetensors dtype -> numpy dtype (little-endian). BF16 has no numpy dtype: it is widened to F32 exactly.
SAFETENSORS_DTYPES = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I64': '<i8', 'I32': '<i4',
                      'I16': '<i2', 'I8': 'i1', 'U8': 'u1', 'BOOL': '?'}
MAX_HEADER_BYTES = 100 * 1024 * 1024

# Hugging Face BertModel module path -> MiniBert module path (parameter names weight/bias follow).
EMBEDDING_MODULES = ('embeddings.word_embeddings', 'embeddings.position_embeddings',
                     'embeddings.token_type_embeddings', 'embeddings.LayerNorm')
LAYER_MODULES = {
    'attention.self.query': 'attention.query',
    'attention.self.key': 'attention.key',
    'attention.self.value': 'attention.value',
    'attention.output.dense': 'attention_output',
    'attention.output.LayerNorm': 'attention_norm',
    'intermediate.dense': 'intermediate',
    'output.dense': 'output',
    'output.LayerNorm': 'output_norm',
}
_LAYER_RE = re.compile(r'^encoder\.layer\.(\d+)\.(.+)$')
# Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta.
_LEGACY_PARAMS = {'gamma': 'weight', 'beta': 'bias'}
MLM_HEAD_KEYS = {
    'cls.predictions.transform.dense.weight': 'dense.weight',
    'cls.predictions.transform.dense.bias': 'dense.bias',
    'cls.predictions.transform.LayerNorm.weight': 'LayerNorm.weight',
    'cls.predictions.transform.LayerNorm.bias': 'LayerNorm.bias',
    'cls.predictions.bias': 'bias',
}


class CheckpointError(RecipeError):
    """A checkpoint folder the recipe cannot import; `code` says which check failed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class MappedWeights:
    """A checkpoint's tensors sorted by where they go."""
    encoder: dict                      # MiniBert state dict (float32)
    mlm_head: dict | None              # MlmHead parameters (float32), None when not usable
    mlm_head_status: str
    pooler: dict | None                # {'weight', 'bias'} of bert.pooler.dense, or None
    ignored: list[str] = field(default_factory=list)
    dtypes: list[str] = field(default_factory=list)


@dataclass
class HfCheckpoint:
    folder: Path
    model_config: ModelConfig
    vocab: list[str]
    special: SpecialIds
    lowercase: bool
    strip_accents: bool | None
    lowercase_source: str
    weights_path: Path
    weights: MappedWeights


# ---------------------------------------------------------------- config.json

def _read_json_file(path: Path, code: str) -> dict:
    if not path.is_file():
        raise CheckpointError('HF_FOLDER', f'{path} not found: a Hugging Face BERT folder has config.json, vocab.txt '
                                           f'and {" or ".join(WEIGHT_FILES)}')
    try:
        data = json.loads(path.read_text(encoding='utf-8'))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(code, f'{path} is not valid JSON: {e}') from e
    if not isinstance(data, dict):
        raise CheckpointError(code, f'{path} must hold a JSON object, got {type(data).__name__}')
    return data


def _positive_int(raw: dict, key: str, path: Path) -> int:
    if key not in raw:
        raise CheckpointError('HF_CONFIG', f'{path}: {key} is missing; a BERT config needs {", ".join(REQUIRED_INTS)}')
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CheckpointError('HF_CONFIG', f'{path}: {key} must be a positive integer, got {value!r}')
    return value


def _unit_float(raw: dict, key: str, default: float, path: Path, low: float, high: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value < high):
        raise CheckpointError('HF_CONFIG', f'{path}: {key} must be a number in [{low}, {high}), got {value!r}')
    return float(value)


def read_model_config(folder: Path) -> ModelConfig:
    """The MiniBert shape of a Hugging Face BERT config.json, refusing what MiniBert cannot compute."""
    path = folder / 'config.json'
    raw = _read_json_file(path, 'HF_CONFIG')
    model_type = raw.get('model_type', 'bert')  # configs from 2019 (Bio_ClinicalBERT) have no model_type
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise CheckpointError('HF_CONFIG', f'{path}: model_type {model_type!r} is not supported; supported: '
                                           f'{", ".join(SUPPORTED_MODEL_TYPES)}')
    act = raw.get('hidden_act', 'gelu')
    if act not in SUPPORTED_ACTIVATIONS:
        raise CheckpointError('HF_CONFIG', f'{path}: hidden_act {act!r} is not supported; supported: '
                                           f'{", ".join(SUPPORTED_ACTIVATIONS)} (the exact erf GELU MiniBert computes)')
    position = raw.get('position_embedding_type', 'absolute')
    if position != 'absolute':
        raise CheckpointError('HF_CONFIG', f'{path}: position_embedding_type {position!r} is not supported; supported: absolute')
    for flag in ('is_decoder', 'add_cross_attention'):
        if raw.get(flag):
            raise CheckpointError('HF_CONFIG', f'{path}: {flag} is true; only encoder-only BERT checkpoints are supported')
    ints = {key: _positive_int(raw, key, path) for key in REQUIRED_INTS}
    if ints['hidden_size'] % ints['num_attention_heads']:
        raise CheckpointError('HF_CONFIG', f'{path}: hidden_size {ints["hidden_size"]} is not a multiple of '
                                           f'num_attention_heads {ints["num_attention_heads"]}')
    eps = _unit_float(raw, 'layer_norm_eps', 1e-12, path, 0.0, 1.0)
    if eps == 0.0:
        raise CheckpointError('HF_CONFIG', f'{path}: layer_norm_eps must be positive, got {eps!r}')
    pad = raw.get('pad_token_id', 0)
    if isinstance(pad, bool) or not isinstance(pad, int) or not 0 <= pad < ints['vocab_size']:
        raise CheckpointError('HF_CONFIG', f'{path}: pad_token_id must be an id below vocab_size {ints["vocab_size"]}, got {pad!r}')
    return ModelConfig(
        vocab_size=ints['vocab_size'], hidden_size=ints['hidden_size'], num_layers=ints['num_hidden_layers'],
        num_heads=ints['num_attention_heads'], intermediate_size=ints['intermediate_size'],
        max_position_embeddings=ints['max_position_embeddings'], type_vocab_size=ints['type_vocab_size'],
        dropout=_unit_float(raw, 'hidden_dropout_prob', 0.1, path, 0.0, 1.0), layer_norm_eps=eps,
        initializer_range=_unit_float(raw, 'initializer_range', 0.02, path, 0.0, 1.0), pad_token_id=pad,
    )


# ---------------------------------------------------------------- vocabulary and case

def read_vocab(path: Path) -> list[str]:
    """vocab.txt as transformers' BertTokenizer reads it: one token a line, the line's index its id."""
    if not path.is_file():
        raise CheckpointError('HF_FOLDER', f'{path} not found: the vocabulary is needed for the tokenizer')
    try:
        with open(path, encoding='utf-8') as f:
            vocab = [line.rstrip('\n') for line in f]
    except UnicodeDecodeError as e:
        raise CheckpointError('HF_VOCAB', f'{path} is not UTF-8: {e}') from e
    seen: dict[str, int] = {}
    for i, tok in enumerate(vocab):
        if tok == '':
            raise CheckpointError('HF_VOCAB', f'{path}: line {i + 1} is empty')
        if tok in seen:
            raise CheckpointError('HF_VOCAB', f'{path}: {tok!r} is on lines {seen[tok] + 1} and {i + 1}')
        seen[tok] = i
    try:
        SpecialIds.of(seen)
    except ValueError as e:
        raise CheckpointError('HF_VOCAB', f'{path}: {e}') from e
    return vocab


def cased_share(vocab: list[str]) -> float:
    """Share of ordinary entries (not [PAD]-style specials) with an upper-case letter."""
    ordinary = [t for t in vocab if not (t.startswith('[') and t.endswith(']'))]
    return sum(1 for t in ordinary if any(ch.isupper() for ch in t)) / max(len(ordinary), 1)


def read_case(folder: Path, vocab: list[str]) -> tuple[bool, bool | None, str]:
    """(lowercase, strip_accents, where that came from): tokenizer_config.json, else the vocabulary."""
    path = folder / 'tokenizer_config.json'
    if not path.exists():
        share = cased_share(vocab)
        lowercase = share < CASED_SHARE
        return lowercase, None, (f'inferred from vocab.txt ({100 * share:.1f}% of entries have upper-case letters; '
                                 'no tokenizer_config.json)')
    raw = _read_json_file(path, 'HF_TOKENIZER_CONFIG')
    lowercase = raw.get('do_lower_case', True)  # BertTokenizer's default
    strip = raw.get('strip_accents')
    if not isinstance(lowercase, bool):
        raise CheckpointError('HF_TOKENIZER_CONFIG', f'{path}: do_lower_case must be true or false, got {lowercase!r}')
    if strip is not None and not isinstance(strip, bool):
        raise CheckpointError('HF_TOKENIZER_CONFIG', f'{path}: strip_accents must be true, false or null, got {strip!r}')
    if raw.get('tokenize_chinese_chars', True) is not True:
        raise CheckpointError('HF_TOKENIZER_CONFIG', f'{path}: tokenize_chinese_chars {raw["tokenize_chinese_chars"]!r} is '
                                                     'not supported; supported: true (the runtime always splits CJK characters)')
    source = 'tokenizer_config.json' if 'do_lower_case' in raw else "tokenizer_config.json (BertTokenizer's default)"
    return lowercase, strip, source


# ---------------------------------------------------------------- weight files

def find_weight_file(folder: Path) -> Path:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    for index in SHARD_INDEXES:
        if (folder / index).is_file():
            raise CheckpointError('HF_FOLDER', f'{folder / index}: sharded checkpoints are not supported; save the model '
                                               'as one model.safetensors or pytorch_model.bin')
    raise CheckpointError('HF_FOLDER', f'{folder}: no weights; expected one of {", ".join(WEIGHT_FILES)}')


def read_safetensors(path: Path) -> tuple[dict, dict[str, str]]:
    """({name: torch tensor}, {name: stored dtype}) from a .safetensors file.

    Format: 8-byte little-endian header length N, N bytes of JSON ({name: {dtype, shape,
    data_offsets: [begin, end]}}, plus an optional __metadata__), then the raw little-endian data,
    which the offsets (relative to the end of the header) must cover exactly, without gaps.
    F16 stays float16 (converted with everything else later); BF16 is widened to float32 exactly.
    """
    import torch

    size = path.stat().st_size
    with open(path, 'rb') as f:
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: {size} bytes is too short for a safetensors header')
        n = struct.unpack('<Q', head)[0]
        if n > min(size - 8, MAX_HEADER_BYTES):
            raise CheckpointError('HF_SAFETENSORS', f'{path}: header length {n} does not fit a file of {size} bytes')
        try:
            header = json.loads(f.read(n).decode('utf-8'))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: the header is not valid JSON: {e}') from e
    if not isinstance(header, dict):
        raise CheckpointError('HF_SAFETENSORS', f'{path}: the header must be a JSON object')
    body_len = size - 8 - n
    body = np.memmap(path, dtype=np.uint8, mode='r', offset=8 + n, shape=(body_len,)) if body_len else np.zeros(0, np.uint8)
    tensors, dtypes, spans = {}, {}, []
    for name, spec in header.items():
        if name == '__metadata__':
            continue
        try:
            dtype, shape, (begin, end) = spec['dtype'], [int(d) for d in spec['shape']], spec['data_offsets']
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: tensor {name!r} needs dtype, shape and data_offsets [begin, end]') from e
        if dtype not in SAFETENSORS_DTYPES:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: tensor {name!r} has dtype {dtype!r}; supported: '
                                                    f'{", ".join(SAFETENSORS_DTYPES)}')
        np_dtype = np.dtype(SAFETENSORS_DTYPES[dtype])
        count = math.prod(shape)
        if any(d < 0 for d in shape) or not (isinstance(begin, int) and isinstance(end, int)) \
                or not 0 <= begin <= end <= body_len or end - begin != count * np_dtype.itemsize:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: tensor {name!r} ({dtype} {shape}) has data_offsets '
                                                    f'[{begin}, {end}] that do not fit it or the {body_len}-byte data')
        array = np.frombuffer(body[begin:end].tobytes(), dtype=np_dtype)
        if dtype == 'BF16':
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = torch.from_numpy(array.astype(array.dtype.newbyteorder('='), copy=True).reshape(shape))
        dtypes[name] = dtype
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise CheckpointError('HF_SAFETENSORS', f'{path}: tensor {name!r} starts at byte {begin}, expected {at} '
                                                    '(the data must be covered without gaps or overlaps)')
        at = end
    if at != body_len:
        raise CheckpointError('HF_SAFETENSORS', f'{path}: the tensors cover {at} of {body_len} data bytes')
    return tensors, dtypes


def read_weight_file(path: Path) -> tuple[dict, dict[str, str]]:
    """({name: tensor}, {name: stored dtype}) from model.safetensors or pytorch_model.bin."""
    import torch

    if path.suffix == '.safetensors':
        return read_safetensors(path)
    try:
        # weights_only: a checkpoint from elsewhere must not run code while it is unpickled.
        state = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many types (UnpicklingError, RuntimeError, ...)
        raise CheckpointError('HF_WEIGHTS', f'{path}: torch.load could not read it as a state dict: {e}') from e
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise CheckpointError('HF_WEIGHTS', f'{path}: expected a state dict (parameter name -> tensor)')
    return state, {k: str(v.dtype).replace('torch.', '') for k, v in state.items()}


# ---------------------------------------------------------------- name mapping

def _module_param(key: str) -> tuple[str, str]:
    module, _, param = key.rpartition('.')
    if module.endswith('LayerNorm'):
        param = _LEGACY_PARAMS.get(param, param)
    return module, param


def encoder_name(key: str) -> str | None:
    """The MiniBert parameter for a Hugging Face BertModel key (without `bert.`), or None."""
    module, param = _module_param(key)
    if module in EMBEDDING_MODULES:
        return f'{module}.{param}'
    m = _LAYER_RE.match(module)
    if m and m.group(2) in LAYER_MODULES:
        return f'layers.{int(m.group(1))}.{LAYER_MODULES[m.group(2)]}.{param}'
    return None


def _float32(torch, key: str, tensor):
    if not tensor.is_floating_point():
        raise CheckpointError('HF_DTYPE', f'weight {key!r} has dtype {tensor.dtype}; expected a floating-point tensor')
    out = tensor.detach().to(torch.float32).contiguous()
    if not bool(torch.isfinite(out).all()):
        raise CheckpointError('HF_DTYPE', f'weight {key!r} has non-finite values')
    return out


def _check_shape(key: str, tensor, expected) -> None:
    if tuple(tensor.shape) != tuple(expected):
        raise CheckpointError('HF_SHAPE', f'weight {key!r} has shape {list(tensor.shape)}, expected {list(expected)} '
                                          'from config.json')


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """MiniBert's state-dict shapes for `cfg`, without allocating the model (a BERT-base is 440 MB)."""
    h, i = cfg.hidden_size, cfg.intermediate_size
    shapes = {'embeddings.word_embeddings.weight': (cfg.vocab_size, h),
              'embeddings.position_embeddings.weight': (cfg.max_position_embeddings, h),
              'embeddings.token_type_embeddings.weight': (cfg.type_vocab_size, h),
              'embeddings.LayerNorm.weight': (h,), 'embeddings.LayerNorm.bias': (h,)}
    for n in range(cfg.num_layers):
        for module, (out_dim, in_dim) in {'attention.query': (h, h), 'attention.key': (h, h), 'attention.value': (h, h),
                                          'attention_output': (h, h), 'intermediate': (i, h), 'output': (h, i)}.items():
            shapes[f'layers.{n}.{module}.weight'] = (out_dim, in_dim)
            shapes[f'layers.{n}.{module}.bias'] = (out_dim,)
        for norm in ('attention_norm', 'output_norm'):
            shapes[f'layers.{n}.{norm}.weight'] = (h,)
            shapes[f'layers.{n}.{norm}.bias'] = (h,)
    return shapes


def _mlm_head(torch, heads: dict, cfg: ModelConfig, word_embeddings) -> tuple[dict | None, str]:
    """MlmHead parameters from `cls.predictions.*` (float32), or None and why not."""
    present = [k for k in MLM_HEAD_KEYS if k in heads]
    if not present:
        return None, 'absent: the masked-LM head was freshly initialised'
    if len(present) < len(MLM_HEAD_KEYS):
        raise CheckpointError('HF_MISSING_WEIGHT', 'the masked-LM head is incomplete: it lacks '
                                                   f'{", ".join(k for k in MLM_HEAD_KEYS if k not in heads)}')
    h = cfg.hidden_size
    shapes = {'dense.weight': (h, h), 'dense.bias': (h,), 'LayerNorm.weight': (h,), 'LayerNorm.bias': (h,),
              'bias': (cfg.vocab_size,)}
    state = {}
    for hf_key, ours in MLM_HEAD_KEYS.items():
        key, tensor = heads[hf_key]
        tensor = _float32(torch, key, tensor)
        _check_shape(key, tensor, shapes[ours])
        state[ours] = tensor
    if 'cls.predictions.decoder.weight' in heads:
        key, tensor = heads['cls.predictions.decoder.weight']
        tensor = _float32(torch, key, tensor)
        if tuple(tensor.shape) != tuple(word_embeddings.shape) or not torch.equal(tensor, word_embeddings):
            return None, ('not used: its decoder is not tied to the word embeddings, as MiniBert requires; '
                          'the masked-LM head was freshly initialised')
    if 'cls.predictions.decoder.bias' in heads:
        key, tensor = heads['cls.predictions.decoder.bias']
        if not torch.equal(_float32(torch, key, tensor), state['bias']):
            return None, ('not used: cls.predictions.decoder.bias differs from cls.predictions.bias; '
                          'the masked-LM head was freshly initialised')
    return state, 'mapped from cls.predictions'


def map_weights(state: dict, model_cfg: ModelConfig, dtypes: dict[str, str] | None = None) -> MappedWeights:
    """Sort a Hugging Face BERT state dict onto MiniBert (every encoder weight, exactly), the MLM
    head and the pooler; other heads (cls.seq_relationship, classifier, ...) are listed as ignored.

    Accepts keys with the `bert.` prefix (BertForPreTraining, BertForMaskedLM, ...) or without
    (BertModel). Raises CheckpointError on a missing, unexpected, duplicated or misshapen encoder weight.
    """
    import torch

    expected = expected_shapes(model_cfg)
    prefix = 'bert.' if any(k.startswith('bert.') for k in state) else ''
    encoder: dict = {}
    source_of: dict[str, str] = {}
    heads: dict = {}
    pooler: dict = {}
    ignored: list[str] = []
    for key in sorted(state):
        inner = key[len(prefix):] if key.startswith(prefix) else None
        if inner is None:
            if key.startswith(('embeddings.', 'encoder.', 'pooler.')):
                raise CheckpointError('HF_UNEXPECTED_WEIGHT', f'encoder weight {key!r} lacks the {prefix!r} prefix '
                                                              'that the other encoder weights have')
            heads['.'.join(_module_param(key))] = (key, state[key])
            continue
        if inner == 'embeddings.position_ids':
            ignored.append(key)  # a buffer (0..max_position-1), not a weight; MiniBert builds its own
            continue
        if inner.startswith(('embeddings.', 'encoder.')):
            target = encoder_name(inner)
            if target is None or target not in expected:
                raise CheckpointError('HF_UNEXPECTED_WEIGHT', f'unexpected encoder weight {key!r}: MiniBert has no '
                                                              f'parameter for it (config.json says {model_cfg.num_layers} layers)')
            if target in encoder:
                raise CheckpointError('HF_UNEXPECTED_WEIGHT', f'{key!r} and {source_of[target]!r} are the same weight')
            tensor = _float32(torch, key, state[key])
            _check_shape(key, tensor, expected[target])
            encoder[target] = tensor
            source_of[target] = key
        elif inner.startswith('pooler.'):
            module, param = _module_param(inner)
            if module != 'pooler.dense' or param not in ('weight', 'bias'):
                raise CheckpointError('HF_UNEXPECTED_WEIGHT', f'unexpected pooler weight {key!r}; expected pooler.dense.weight/bias')
            pooler[param] = (key, state[key])
        else:
            heads['.'.join(_module_param(inner))] = (key, state[key])
    missing = [hf for hf, ours in _hf_names(model_cfg).items() if ours not in encoder]
    if missing:
        raise CheckpointError('HF_MISSING_WEIGHT', f'the checkpoint lacks {len(missing)} encoder weight(s): '
                                                   f'{", ".join(prefix + k for k in missing[:8])}{" ..." if len(missing) > 8 else ""}')

    pooler_state = None
    if pooler:
        if set(pooler) != {'weight', 'bias'}:
            raise CheckpointError('HF_MISSING_WEIGHT', f'the pooler has only {", ".join(k for k, _ in pooler.values())}')
        pooler_state = {}
        for param, (key, tensor) in sorted(pooler.items()):
            tensor = _float32(torch, key, tensor)
            _check_shape(key, tensor, (model_cfg.hidden_size,) * (2 if param == 'weight' else 1))
            pooler_state[param] = tensor

    head_state, status = _mlm_head(torch, heads, model_cfg, encoder['embeddings.word_embeddings.weight'])
    used = set(MLM_HEAD_KEYS) | {'cls.predictions.decoder.weight', 'cls.predictions.decoder.bias'} if head_state else set()
    ignored += [key for name, (key, _) in heads.items() if name not in used]
    return MappedWeights(encoder=encoder, mlm_head=head_state, mlm_head_status=status, pooler=pooler_state,
                         ignored=sorted(ignored), dtypes=sorted(set((dtypes or {}).values())))


def _hf_names(model_cfg: ModelConfig) -> dict[str, str]:
    """Hugging Face BertModel key -> MiniBert key, for naming missing weights as the user's file would."""
    names = {}
    for module in EMBEDDING_MODULES:
        for param in ('weight', 'bias') if module.endswith('LayerNorm') else ('weight',):
            names[f'{module}.{param}'] = f'{module}.{param}'
    for i in range(model_cfg.num_layers):
        for hf, ours in LAYER_MODULES.items():
            for param in ('weight', 'bias'):
                names[f'encoder.layer.{i}.{hf}.{param}'] = f'layers.{i}.{ours}.{param}'
    return names


# ---------------------------------------------------------------- the whole folder

def read_checkpoint(folder: Path) -> HfCheckpoint:
    """Everything the import needs, checked; reads but never writes."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError('HF_FOLDER', f'{folder} is not a folder; --init-from takes a Hugging Face BERT checkpoint folder')
    model_cfg = read_model_config(folder)
    vocab = read_vocab(folder / 'vocab.txt')
    special = SpecialIds.of({tok: i for i, tok in enumerate(vocab)})
    if len(vocab) != model_cfg.vocab_size:
        raise CheckpointError('HF_VOCAB', f'{folder / "vocab.txt"} has {len(vocab)} tokens but config.json says vocab_size '
                                          f'{model_cfg.vocab_size}')
    if special.pad != model_cfg.pad_token_id:
        raise CheckpointError('HF_VOCAB', f'[PAD] is id {special.pad} in vocab.txt but config.json pad_token_id is '
                                          f'{model_cfg.pad_token_id}')
    lowercase, strip_accents, case_source = read_case(folder, vocab)
    weights_path = find_weight_file(folder)
    state, dtypes = read_weight_file(weights_path)
    weights = map_weights(state, model_cfg, dtypes)
    return HfCheckpoint(folder=folder, model_config=model_cfg, vocab=vocab, special=special, lowercase=lowercase,
                        strip_accents=strip_accents, lowercase_source=case_source, weights_path=weights_path,
                        weights=weights)


def source_info(ckpt: HfCheckpoint) -> dict:
    """Where the weights came from, without the absolute path (which may name the user's home)."""
    folder = ckpt.folder.resolve()
    return {
        'kind': SOURCE_KIND,
        'folder': folder.name,
        'weights_file': ckpt.weights_path.name,
        'weights_sha256': sha256_file(ckpt.weights_path),
        'weights_dtypes': ckpt.weights.dtypes,
        'config_sha256': sha256_file(folder / 'config.json'),
        'vocab_sha256': sha256_file(folder / 'vocab.txt'),
        'tokenizer_config_sha256': sha256_file(folder / 'tokenizer_config.json') if (folder / 'tokenizer_config.json').exists() else None,
        'lowercase': ckpt.lowercase,
        'strip_accents': ckpt.strip_accents,
        'lowercase_source': ckpt.lowercase_source,
        'special_ids': dict(zip(SPECIAL_TOKENS, ckpt.special.all())),
        'mlm_head': ckpt.weights.mlm_head_status,
        'pooler': ('kept in pretrained.pt as hf_pooler_state_dict; not loaded by the text stage' if ckpt.weights.pooler
                   else 'absent'),
        'ignored_keys': ckpt.weights.ignored,
    }


def build_models(torch, ckpt: HfCheckpoint):
    """(fresh, imported) BertForMaskedLM. Call after setup_torch(threads, cfg.seed): the fresh model is
    then drawn exactly as `mlm.py --random-init` draws it for this shape. The imported model's MLM
    head keeps fresh weights only when the checkpoint has no usable head."""
    from .model import BertForMaskedLM

    fresh = BertForMaskedLM(ckpt.model_config)
    imported = BertForMaskedLM(ckpt.model_config)
    imported.bert.load_state_dict(ckpt.weights.encoder, strict=True)
    if ckpt.weights.mlm_head is not None:
        head = imported.mlm
        with torch.no_grad():
            for name, tensor in ckpt.weights.mlm_head.items():
                head.get_parameter(name).copy_(tensor)
    return fresh, imported


def weights_source(work_dir: Path) -> dict | None:
    """The imported weights' source when this work folder's stage 1 was an import, else None.

    Read from mlm_metrics.json, which the mlm step and the import step both (over)write, so a
    later ordinary build in the same folder is never taken for an import."""
    path = Path(work_dir) / 'mlm_metrics.json'
    if not path.exists():
        return None
    metrics = read_json(path)
    return metrics.get('source') if metrics.get('kind') == SOURCE_KIND else None


# ---------------------------------------------------------------- the step

def run(cfg: RecipeConfig, folder: Path, extra_text: Path | None) -> dict:
    from .common import setup_torch
    from .corpus import load_checked
    from .mlm import evaluate, mask_tokens, pack_sequences
    from .mm_config import MAX_LENGTH
    from .model import save_checkpoint
    from .tokenizer_files import load_encoder, tokenizer_dir, unk_stats, write_tokenizer

    started = time.time()
    ckpt = read_checkpoint(folder)
    mc = ckpt.model_config
    needed = max(cfg.tokenizer.model_max_length, MAX_LENGTH, cfg.mlm.seq_len)
    if mc.max_position_embeddings < needed:
        raise CheckpointError('HF_CONFIG', f'max_position_embeddings {mc.max_position_embeddings} is below the {needed} '
                                           'positions the recipe and the runtime use')
    source = source_info(ckpt)
    log('import', f'{source["folder"]}/{source["weights_file"]}: {mc.num_layers} layers, hidden {mc.hidden_size}, '
                  f'{mc.num_heads} heads, vocab {mc.vocab_size:,}, {"uncased" if ckpt.lowercase else "cased"} '
                  f'({ckpt.lowercase_source}); MLM head {ckpt.weights.mlm_head_status}; '
                  f'{len(ckpt.weights.ignored)} keys ignored')

    torch = setup_torch(cfg.threads, cfg.seed)
    fresh, imported = build_models(torch, ckpt)
    n_params = sum(p.numel() for p in imported.parameters())

    corpus = load_checked(cfg, extra_text)
    work = cfg.work_dir
    tok_dir = tokenizer_dir(cfg)
    write_tokenizer(tok_dir, ckpt.vocab, cfg.tokenizer, ckpt.lowercase, ckpt.strip_accents)
    encoder = load_encoder(cfg)  # read back from tokenizer.json, as every later step does
    tok_sha = sha256_file(tok_dir / 'tokenizer.json')
    write_json(tok_dir / 'tokenizer_metrics.json', {
        'config': cfg.name, 'vocab_size': len(ckpt.vocab), 'source': source, 'tokenizer_json_sha256': tok_sha,
        'unicode_version': __import__('unicodedata').unidata_version,
        'heldout': {'mtsamples_val': unk_stats(encoder, corpus.mtsamples_val),
                    'general_heldout': unk_stats(encoder, corpus.general_heldout)},
    })

    mcfg = cfg.mlm
    eval_sets = {}
    for name, docs in (('mtsamples_val', corpus.mtsamples_val), ('general_heldout', corpus.general_heldout)):
        ids = torch.tensor(pack_sequences(encoder, docs, mcfg.seq_len, mcfg.eval_sequences), dtype=torch.long)
        gen = torch.Generator().manual_seed(cfg.seed + (1 if name == 'mtsamples_val' else 2))
        eval_sets[name] = mask_tokens(torch, ids, gen, mcfg, mc.vocab_size, encoder.special)
    before = {name: evaluate(torch, fresh, x, y, mcfg.batch_size) for name, (x, y) in eval_sets.items()}
    after = ({name: evaluate(torch, imported, x, y, mcfg.batch_size) for name, (x, y) in eval_sets.items()}
             if ckpt.weights.mlm_head is not None else {name: None for name in eval_sets})
    log('import', 'held-out MLM loss, fresh -> imported: ' + ', '.join(
        f'{k} {before[k]["loss"]} -> {after[k]["loss"] if after[k] else "n/a (no MLM head)"}' for k in eval_sets))

    info = {'recipe_config': cfg.name, 'tokenizer_json_sha256': tok_sha, 'corpus_digest': corpus.digest(), 'seed': cfg.seed,
            'source': source}
    random_path = work / 'random_init.pt'
    save_checkpoint(random_path, fresh, kind='random-init', steps=0, **info)
    write_json(work / 'random_init_metrics.json', {
        'config': cfg.name, 'kind': 'random-init', 'parameters': n_params, 'eval': {'before': before},
        'checkpoint': str(random_path), 'checkpoint_sha256': sha256_file(random_path), **info,
        'wall_seconds': round(time.time() - started, 1), 'peak_rss_mb': peak_rss_mb()})
    path = work / 'pretrained.pt'
    save_checkpoint(path, imported, kind=SOURCE_KIND, steps=0, hf_pooler_state_dict=ckpt.weights.pooler, **info)
    return {
        'config': cfg.name, 'kind': SOURCE_KIND, 'parameters': n_params, 'threads': torch.get_num_threads(), 'steps': 0,
        'eval': {name: {'before': before[name], 'after': after[name]} for name in eval_sets},
        'model_config': asdict(mc),
        'wall_seconds': round(time.time() - started, 1), 'peak_rss_mb': peak_rss_mb(),
        'checkpoint': str(path), 'checkpoint_sha256': sha256_file(path), **info,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Import a Hugging Face BERT checkpoint folder as the recipe\'s stage 1.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--init-from', type=Path, required=True,
                        help='folder with config.json, vocab.txt and model.safetensors or pytorch_model.bin')
    parser.add_argument('--extra-text', type=Path)
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    metrics = run(cfg, args.init_from, args.extra_text)
    write_json(cfg.work_dir / 'mlm_metrics.json', metrics)
    log('import', f'wrote {cfg.work_dir / "pretrained.pt"}, random_init.pt and the tokenizer '
                  f'(wall {metrics["wall_seconds"]}s, peak RSS {metrics["peak_rss_mb"]} MB)')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'import: {e}', file=sys.stderr)
        sys.exit(1)
