"""@file Settings of the multimodal stages (fine-tuning, export, evaluation), per recipe config.

Why a file beside config.py rather than inside it: config.py belongs to the pretraining stage and
describes the corpus, tokenizer and mini BERT; these settings describe the generated records, the
encoders, the fusion head and their training. Like config.py they are frozen dataclasses, so a
misspelt field fails at import, and `ci` differs from `full` only in sizes (records, epochs), never
in code paths.

Split seeds are the same in both configs: the generator draws patient i of a seed the same way
whatever the patient count, so the ci test split is the first 200 patients of the full test split.
Different seeds per split give different patients (patient ids are drawn from the seed's stream);
the synth step checks that no patient id occurs in two splits.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .config import get_config

# Shapes shared with the Node featurizer (training/featurize.ts, src/model/features.ts).
MAX_LENGTH = 256
MAX_ENTITIES = 64
IMAGE_SIZE = 64
IMAGE_MEAN = 0.5
IMAGE_STD = 0.25
SAMPLE_RATE = 16000
AUDIO_SECONDS = 2
# The log-mel front end inside the audio graph: 25 ms windows every 10 ms, 64 mel bands to 8 kHz.
N_FFT = 400
HOP_LENGTH = 160
MEL_BINS = 64
# Entity flags written by the featurizer (src/model/features.ts ENTITY_FLAGS): pad + 6 kinds.
ENTITY_FLAG_NAMES = ('pad', 'mentioned', 'negated', 'family', 'historical', 'coded', 'abnormal')
MODALITIES = ('text', 'image', 'audio', 'entities')
ONNX_OPSET = 17


@dataclass(frozen=True)
class SynthSplit:
    name: str
    seed: int
    patients: int


@dataclass(frozen=True)
class TextStageConfig:
    """Fine-tuning of the text encoder: MTSamples specialty, plus diagnosis from generated notes."""
    epochs: int = 3
    batch_size: int = 16
    lr: float = 2e-4
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    dropout: float = 0.1
    # Specialty classes need at least this many training documents; the rest are merged as "Other".
    min_specialty_docs: int = 20
    # None = every MTSamples training document; ci takes a subset.
    max_specialty_train_docs: int | None = None
    # None = every validation and test document; ci takes the first ones (its scores are smoke only).
    max_specialty_eval_docs: int | None = None
    # Generated training notes used (once each) for the auxiliary diagnosis head, which teaches
    # the [CLS] vector what the fusion head needs from text. The head is not exported.
    aux_records: int = 2000
    eval_batch_size: int = 32
    # How the pooled text vector is made (mm_model.POOLINGS): [CLS] alone, or [CLS] beside the token mean.
    pooling: str = 'cls_mean'
    # Real training notes (real_notes.py) in the auxiliary diagnosis task, every epoch: all named notes
    # and their naming-removed copies, and this share of the unnamed (out-of-label) ones.
    real_unnamed_share: float = 0.25
    # Named real notes (and their naming-removed copies) are this many times in every epoch's plan.
    real_named_repeats: int = 3
    # TF-IDF read-outs beside the transformer (mm_model.TfidfBag), fitted by L-BFGS and frozen.
    bag: bool = True
    bag_penalties: tuple[float, ...] = (1e-4, 1e-3, 1e-2)
    bag_min_df: int = 2


@dataclass(frozen=True)
class FusionStageConfig:
    """The image and audio CNNs and the fusion head, trained on frozen text embeddings."""
    epochs: int = 12
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    dropout: float = 0.1
    # Probability of hiding each present modality from a training record (modality dropout).
    modality_dropout: float = 0.2
    # Probability of hiding each single linked entity (so no one mention is relied on).
    entity_dropout: float = 0.1
    # Weight of the auxiliary image/audio pattern heads (training only, not exported).
    pattern_loss_weight: float = 0.5
    # Real training notes (text and linked entities only) are seen this many times per epoch, the
    # named ones (and their naming-removed copies) `real_named_repeats` times more: they are few
    # beside the notes that name no label, and the in-label answer must not drown in "none".
    real_repeats: int = 3
    real_named_repeats: int = 3
    # Label-mention augmentation of generated records (their notes never name the diagnosis): the
    # true label's entity is added as "mentioned" with this probability, as "coded" with the next,
    # and other labels' entities as negated / historical / family distractors with the third.
    mention_injection: float = 0.25
    coded_injection: float = 0.05
    distractor_injection: float = 0.3
    mention_lr_scale: float = 10.0
    # Share of real out-of-label training notes given one affirmed label mention (and that answer).
    real_mention_injection: float = 0.25
    embed_dim: int = 128  # image and audio embedding size
    fusion_dim: int = 128
    fusion_heads: int = 4
    trunk_dim: int = 256


@dataclass(frozen=True)
class RealNotesConfig:
    """Weak-labelled MTSamples notes (real_notes.py): how many out-of-label notes each part keeps."""
    # None = every unnamed (out-of-label) note of the split; ci keeps fewer for training.
    max_unnamed_train: int | None = None
    max_unnamed_eval: int | None = None


@dataclass(frozen=True)
class MultimodalConfig:
    name: str
    splits: tuple[SynthSplit, ...]
    text: TextStageConfig = field(default_factory=TextStageConfig)
    fusion: FusionStageConfig = field(default_factory=FusionStageConfig)
    real: RealNotesConfig = field(default_factory=RealNotesConfig)
    # Share of generated patients with no acute condition or one outside the label set
    # (`clinicalbert synth --open-set`): their right answer is "none of these".
    open_set_fraction: float = 0.15
    # Test records whose features and outputs go into the package for the Node parity test.
    parity_records: int = 4

    def split(self, name: str) -> SynthSplit:
        for s in self.splits:
            if s.name == name:
                return s
        raise KeyError(name)


SPLIT_SEEDS = {'train': 1001, 'val': 2002, 'test': 3003}


def _splits(train: int, val: int, test: int) -> tuple[SynthSplit, ...]:
    counts = {'train': train, 'val': val, 'test': test}
    return tuple(SynthSplit(name, SPLIT_SEEDS[name], counts[name]) for name in ('train', 'val', 'test'))


def _full() -> MultimodalConfig:
    return MultimodalConfig(name='full', splits=_splits(8000, 1000, 1000))


def _ci() -> MultimodalConfig:
    base = _full()
    return dataclasses.replace(
        base,
        name='ci',
        splits=_splits(800, 200, 200),
        text=dataclasses.replace(base.text, epochs=1, max_specialty_train_docs=192, max_specialty_eval_docs=96, aux_records=160),
        fusion=dataclasses.replace(base.fusion, epochs=12),
        real=RealNotesConfig(max_unnamed_train=300),
    )


CONFIGS = {'full': _full, 'ci': _ci}


def get_mm_config(name: str) -> MultimodalConfig:
    get_config(name)  # same names and the same error for an unknown one
    return CONFIGS[name]()
