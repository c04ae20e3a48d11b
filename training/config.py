"""@file The recipe's two configurations, `full` (the committed model) and `ci` (a fast smoke run).

Why dataclasses and not YAML/JSON: the recipe runs on Debian's Python with no third-party parser,
and a typo in a field name should fail at import, not silently fall back to a default. The two
configs differ only in size (corpus, vocabulary, steps); every other choice is shared so that the
ci run exercises exactly the code paths of the full run.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = REPO_ROOT / 'training'
# Intermediate artefacts; CLINICALBERT_WORK_ROOT moves them (a test, or a build from imported
# weights) so that a run never touches training/work/. A relative value is taken from the repository root.
WORK_ROOT = REPO_ROOT / os.environ['CLINICALBERT_WORK_ROOT'] if os.environ.get('CLINICALBERT_WORK_ROOT') else TRAINING_DIR / 'work'
# Splits do not depend on the config: ci and full must hold out the same documents.
SPLITS_DIR = WORK_ROOT / 'splits'


def repo_relative(path) -> str:
    """A path as the recipe prints and passes it: relative to the repository root (with `..` when the
    work root is elsewhere, e.g. CLINICALBERT_WORK_ROOT=/tmp/work), so commands run from the root."""
    return os.path.relpath(Path(path).resolve(), REPO_ROOT)

SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(len(SPECIAL_TOKENS))


@dataclass(frozen=True)
class CorpusConfig:
    # None means "everything available". Budgets are in characters of document text.
    general_max_chars: int | None = None
    mtsamples_max_groups: int | None = None
    abstracts_max_docs: int | None = None
    # Share of general-English documents held out for the MLM evaluation.
    general_heldout_fraction: float = 0.05


@dataclass(frozen=True)
class TokenizerConfig:
    vocab_size: int = 12000
    # Characters kept as initial symbols (most frequent first); words with other characters are
    # left out of merge training and encode to [UNK].
    limit_alphabet: int = 400
    # Symbols that clinical text uses but the corpus may lack; they get ids instead of [UNK].
    always_include: str = '\u00b1\u2265\u2264\u00b5\u03bc\u00b0\u00d7\u00f7\u2192\u2190\u2191\u2193\u00bd\u00bc\u00be\u00b2\u00b3\u00b7\u2022'
    min_word_freq: int = 2
    min_pair_freq: int = 2
    max_input_chars_per_word: int = 100
    model_max_length: int = 256


@dataclass(frozen=True)
class ModelConfig:
    """The mini BERT's shape. Shared with the fine-tuning and export stages."""
    vocab_size: int = 12000
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1024
    max_position_embeddings: int = 256
    type_vocab_size: int = 2
    dropout: float = 0.1
    layer_norm_eps: float = 1e-12
    initializer_range: float = 0.02
    pad_token_id: int = PAD_ID


@dataclass(frozen=True)
class MlmConfig:
    seq_len: int = 128
    batch_size: int = 32
    steps: int = 1500
    lr: float = 1e-3
    warmup_fraction: float = 0.06
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    mask_prob: float = 0.15
    # Of the chosen positions: 80% [MASK], 10% a random token, 10% unchanged (BERT's recipe).
    mask_token_fraction: float = 0.8
    random_token_fraction: float = 0.1
    # Fraction of training sequences drawn from clinical text (MTSamples, abstracts, extra text).
    clinical_share: float = 0.6
    eval_sequences: int = 256
    log_every: int = 25


@dataclass(frozen=True)
class RecipeConfig:
    name: str
    seed: int = 20240611
    threads: int = 2
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    mlm: MlmConfig = field(default_factory=MlmConfig)

    @property
    def work_dir(self) -> Path:
        return WORK_ROOT / self.name

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _full() -> RecipeConfig:
    return RecipeConfig(name='full')


def _ci() -> RecipeConfig:
    base = _full()
    return dataclasses.replace(
        base,
        name='ci',
        corpus=CorpusConfig(general_max_chars=1_500_000, mtsamples_max_groups=500, abstracts_max_docs=600),
        tokenizer=dataclasses.replace(base.tokenizer, vocab_size=4000),
        model=dataclasses.replace(base.model, vocab_size=4000),
        mlm=dataclasses.replace(base.mlm, steps=40, eval_sequences=32, log_every=10),
    )


CONFIGS = {'full': _full, 'ci': _ci}


def get_config(name: str) -> RecipeConfig:
    """The named config, with the thread count overridable by CLINICALBERT_TRAIN_THREADS."""
    if name not in CONFIGS:
        raise ValueError(f'unknown config {name!r}; valid configs: {", ".join(sorted(CONFIGS))}')
    cfg = CONFIGS[name]()
    threads = os.environ.get('CLINICALBERT_TRAIN_THREADS')
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f'CLINICALBERT_TRAIN_THREADS must be a positive integer, got {threads!r}')
        cfg = dataclasses.replace(cfg, threads=int(threads))
    return cfg
