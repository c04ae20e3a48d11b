"""@file The multimodal model: text model (mini BERT + pooler + specialty head), image CNN, audio CNN
with a fixed log-mel front end, and the fusion head with cross-attention over graph entities.

Why four modules rather than one: they are exported as four ONNX graphs so the runtime can skip
an encoder when a record lacks that modality and rerun only the cheap fusion head for modality
ablations. Everything is written with export in mind (opset 17, torch 1.13): no `arange` in
forward, attention masks as additive biases, padding handled by masks rather than by shapes, and
a learned "null" entity so the fusion's attention is never over an empty set.

Modality presence enters the fusion only through `modality_mask` (text, image, audio, entities):
each embedding is multiplied by its mask bit and masked entities are hidden from attention, so a
record without a modality and a record whose modality was switched off are the same input. That
is what makes the runtime's modality ablations (explanations) exact.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .model import MiniBert


# ---------------------------------------------------------------- text

POOLINGS = ('cls', 'cls_mean')


class TfidfBag(nn.Module):
    """Linear read-outs of the TF-IDF vector of the window's word pieces, beside the transformer.

    The vector is the baselines' (baselines.Tfidf): tf = 1 + log(count), idf = log((1 + N) /
    (1 + df)) + 1 from the training windows, special tokens and pieces never seen in training at
    0, L2-normalised. Each read-out is a multinomial logistic regression fitted on it by full-batch
    L-BFGS before the transformer is fine-tuned (text_stage.py), then frozen, so the transformer
    learns what word counts miss. Computed with an equality matrix over the window (no scatter), so
    it exports to ONNX opset 17 as Equal, ReduceSum, Log, Gather and MatMul.
    """

    def __init__(self, vocab_size: int, outputs: dict[str, int]):
        super().__init__()
        self.register_buffer('idf', torch.zeros(vocab_size))
        self.tables = nn.ModuleDict({name: nn.Embedding(vocab_size, n) for name, n in outputs.items()})
        self.biases = nn.ParameterDict({name: nn.Parameter(torch.zeros(n)) for name, n in outputs.items()})
        for table in self.tables.values():
            nn.init.zeros_(table.weight)
        for p in self.parameters():
            p.requires_grad_(False)

    def position_weights(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """[B, L]: weight of each position, so that the positions of one piece add up to its TF-IDF value."""
        m = attention_mask.to(torch.float32)
        same = (input_ids.unsqueeze(-1) == input_ids.unsqueeze(1)).to(torch.float32) * m.unsqueeze(1)
        count = (same.sum(dim=-1) * m).clamp(min=1.0)
        value = (1.0 + torch.log(count)) * self.idf[input_ids] * m
        norm = torch.sqrt((value * value / count).sum(dim=1, keepdim=True)).clamp(min=1e-12)
        return value / count / norm

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        w = self.position_weights(input_ids, attention_mask).unsqueeze(-1)
        return {name: (table(input_ids) * w).sum(dim=1) + self.biases[name] for name, table in self.tables.items()}


class TextModel(nn.Module):
    """The encoder with a BERT-style pooler (-> dense -> tanh) and the specialty head.

    Pooling `cls` reads the [CLS] vector, as BERT does; `cls_mean` reads [CLS] beside the mean of
    every token's last hidden state (padding excluded). With a small encoder and a few thousand
    labelled notes the mean carries the note's words much better than [CLS] alone.
    `aux_diagnosis` reads the same pooled vector and is trained on generated and real notes so
    that the pooled vector carries what the fusion head needs; it is not exported.
    """

    def __init__(self, bert: MiniBert, n_specialties: int, n_aux: int, dropout: float, pooling: str = 'cls',
                 bag: bool = False):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f'pooling {pooling!r} is not one of {", ".join(POOLINGS)}')
        hidden = bert.config.hidden_size
        self.bert = bert
        self.pooling = pooling
        self.hidden = hidden
        # The TF-IDF read-outs (fitted and frozen by text_stage.py); the diagnosis one reaches the fusion.
        self.bag = TfidfBag(bert.config.vocab_size, {'specialty': n_specialties, 'diagnosis': n_aux}) if bag else None
        self.pooler = nn.Linear(hidden * (2 if pooling == 'cls_mean' else 1), hidden)
        self.dropout = nn.Dropout(dropout)
        self.specialty = nn.Linear(hidden, n_specialties)
        self.aux_diagnosis = nn.Linear(hidden, n_aux)
        for layer in (self.pooler, self.specialty, self.aux_diagnosis):
            nn.init.normal_(layer.weight, std=bert.config.initializer_range)
            nn.init.zeros_(layer.bias)

    def _pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == 'cls':
            return torch.tanh(self.pooler(hidden[:, 0]))
        m = attention_mask.to(hidden.dtype).unsqueeze(-1)
        mean = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return torch.tanh(self.pooler(torch.cat([hidden[:, 0], mean], dim=-1)))

    @property
    def embedding_dim(self) -> int:
        """Width of `text_embedding`: the pooled vector, then (with the bag) the TF-IDF diagnosis log-probabilities."""
        return self.hidden + (self.aux_diagnosis.out_features if self.bag is not None else 0)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids, attention_mask)
        return self._pool(hidden, attention_mask)

    def bag_outputs(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor] | None:
        if self.bag is None:
            return None
        out = self.bag(input_ids, attention_mask)
        return {'specialty': out['specialty'], 'diagnosis': torch.log_softmax(out['diagnosis'], dim=-1)}

    def heads(self, pooled: torch.Tensor, bag: dict[str, torch.Tensor] | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(specialty logits, auxiliary diagnosis logits): each head on the pooled vector, plus its TF-IDF read-out."""
        specialty, diagnosis = self.specialty(pooled), self.aux_diagnosis(pooled)
        if bag is not None:
            specialty, diagnosis = specialty + bag['specialty'], diagnosis + bag['diagnosis']
        return specialty, diagnosis

    def embed(self, pooled: torch.Tensor, bag: dict[str, torch.Tensor] | None) -> torch.Tensor:
        return pooled if bag is None else torch.cat([pooled, bag['diagnosis']], dim=-1)

    def embedding(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """What the fusion head reads (`text_embedding`)."""
        return self.embed(self.pooled(input_ids, attention_mask), self.bag_outputs(input_ids, attention_mask))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        """(text_embedding, token_embeddings, specialty_logits, attentions [layers, batch, heads, seq, seq])."""
        hidden, attentions = self.bert(input_ids, attention_mask, output_attentions=True)
        pooled = self._pool(hidden, attention_mask)
        bag = self.bag_outputs(input_ids, attention_mask)
        specialty, _ = self.heads(pooled, bag)
        return self.embed(pooled, bag), hidden, specialty, torch.stack(attentions, dim=0)


# ---------------------------------------------------------------- image

def _conv_block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.GELU())


class ImageEncoder(nn.Module):
    """A small CNN for the normalised 1x64x64 chest image."""

    def __init__(self, dim: int):
        super().__init__()
        self.features = nn.Sequential(
            _conv_block(1, 16, stride=2),   # 32x32
            _conv_block(16, 32), nn.MaxPool2d(2),  # 16x16
            _conv_block(32, 64), nn.MaxPool2d(2),  # 8x8
            _conv_block(64, 96),
        )
        self.project = nn.Linear(96, dim)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.features(image)
        return self.project(x.mean(dim=(2, 3)))


# ---------------------------------------------------------------- audio

def hann_window(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)  # periodic, as torch.hann_window


def mel_filterbank(n_fft: int, n_mels: int, sample_rate: int) -> np.ndarray:
    """HTK-style triangular mel filters [n_mels, n_fft // 2 + 1] from 0 Hz to Nyquist."""
    def to_mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def to_hz(m):
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    freqs = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    points = to_hz(np.linspace(to_mel(0.0), to_mel(sample_rate / 2.0), n_mels + 2))
    bank = np.zeros((n_mels, freqs.size))
    for i in range(n_mels):
        left, centre, right = points[i], points[i + 1], points[i + 2]
        rising = (freqs - left) / (centre - left)
        falling = (right - freqs) / (right - centre)
        bank[i] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


class LogMel(nn.Module):
    """Raw waveform [batch, samples] -> log-mel [batch, 1, mels, frames], as fixed convolutions.

    The short-time Fourier transform is a strided Conv1d whose kernels are Hann-windowed cosines
    and sines; power goes through a fixed mel matrix and a log. No parameters are trained, and
    the graph takes any number of samples (frames = (samples - n_fft) // hop + 1).
    """

    def __init__(self, n_fft: int, hop: int, n_mels: int, sample_rate: int):
        super().__init__()
        bins = n_fft // 2 + 1
        n = np.arange(n_fft)
        k = np.arange(bins)[:, None]
        window = hann_window(n_fft)
        cos = np.cos(2.0 * np.pi * k * n / n_fft) * window
        sin = -np.sin(2.0 * np.pi * k * n / n_fft) * window
        self.bins = bins
        self.hop = hop
        self.register_buffer('stft', torch.tensor(np.concatenate([cos, sin])[:, None, :], dtype=torch.float32))
        self.register_buffer('mel', torch.tensor(mel_filterbank(n_fft, n_mels, sample_rate), dtype=torch.float32))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        spec = F.conv1d(audio.unsqueeze(1), self.stft, stride=self.hop)  # [B, 2*bins, frames]
        real, imag = spec[:, :self.bins], spec[:, self.bins:]
        power = real * real + imag * imag
        mel = torch.matmul(self.mel, power)  # [B, mels, frames]
        return torch.log(mel + 1e-6).unsqueeze(1)


class AudioEncoder(nn.Module):
    """Log-mel front end, then a small CNN over (mel, time), averaged into one vector."""

    def __init__(self, dim: int, n_fft: int, hop: int, n_mels: int, sample_rate: int):
        super().__init__()
        self.frontend = LogMel(n_fft, hop, n_mels, sample_rate)
        self.cnn = nn.Sequential(
            nn.BatchNorm2d(1),
            _conv_block(1, 16, stride=2),            # 32 x 99
            _conv_block(16, 32), nn.MaxPool2d(2),    # 16 x 49
            _conv_block(32, 64), nn.MaxPool2d(2),    # 8 x 24
            _conv_block(64, 96),
        )
        self.project = nn.Linear(96, dim)

    def from_logmel(self, logmel: torch.Tensor) -> torch.Tensor:
        return self.project(self.cnn(logmel).mean(dim=(2, 3)))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.from_logmel(self.frontend(audio))


# ---------------------------------------------------------------- fusion

class Fusion(nn.Module):
    """Modality embeddings + linked entities -> diagnosis, severity and drug logits.

    Entities are embedded as (entity + how it was found). A query made from the other modalities
    attends over them (4 heads, plus a learned null slot that takes the weight when nothing is
    relevant or no entity is present); `entity_attention` is that attention averaged over heads.
    A masked sum of per-entity vectors runs beside it, because the evidence behaves additively
    (each present finding multiplies the odds of the conditions it belongs to), which a softmax
    average alone cannot count.

    Label mentions: when a record's linked entities include a diagnosis label's own entity (a note
    that names the condition, a coded Condition), `mention_weight[flag]` is added to that label's
    logit, one weight per flag shared by every label, and the counts per flag enter the trunk. A
    per-entity embedding could learn "pneumonia named -> pneumonia" only for labels seen named in
    training; a shared weight carries the rule to every label, including those real notes never
    named in the training data. `label_entities[l]` is label l's index in the entity vocabulary (0
    for the "none of these" label, which no entity names).
    """

    def __init__(self, n_entities: int, n_flags: int, text_dim: int, media_dim: int, dim: int, heads: int,
                 trunk_dim: int, n_diagnoses: int, n_severities: int, n_drugs: int, dropout: float,
                 label_entities: list[int] | None = None, text_bag: int = 0):
        super().__init__()
        if text_bag not in (0, n_diagnoses):
            raise ValueError(f'the text embedding carries {text_bag} TF-IDF diagnosis log-probabilities for {n_diagnoses} labels')
        # The last `text_bag` columns of text_embedding are the text encoder's TF-IDF diagnosis
        # log-probabilities: added to the diagnosis logits with a learnt scale (text modality only).
        self.text_bag = text_bag
        self.text_hidden = text_dim
        self.bag_scale = nn.Parameter(torch.zeros(1))
        if label_entities is not None and len(label_entities) != n_diagnoses:
            raise ValueError(f'{len(label_entities)} label entities for {n_diagnoses} diagnosis labels')
        self.register_buffer('label_entities', torch.tensor(label_entities or [0] * n_diagnoses, dtype=torch.long))
        self.register_buffer('flag_values', torch.tensor(list(range(n_flags)), dtype=torch.long))
        self.mention_weight = nn.Parameter(torch.zeros(n_flags))
        if dim % heads:
            raise ValueError(f'fusion dim {dim} is not a multiple of {heads} heads')
        self.heads = heads
        self.head_dim = dim // heads
        self.text_proj = nn.Linear(text_dim, dim)
        self.image_proj = nn.Linear(media_dim, dim)
        self.audio_proj = nn.Linear(media_dim, dim)
        self.presence = nn.Linear(4, dim)
        self.query_norm = nn.LayerNorm(dim)
        self.entity = nn.Embedding(n_entities, dim, padding_idx=0)
        self.flag = nn.Embedding(n_flags, dim, padding_idx=0)
        self.entity_norm = nn.LayerNorm(dim)
        self.null_entity = nn.Parameter(torch.zeros(1, 1, dim))
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.attn_out = nn.Linear(dim, dim)
        self.bag = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))
        self.trunk = nn.Sequential(
            nn.LayerNorm(5 * dim + n_flags), nn.Linear(5 * dim + n_flags, trunk_dim), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(trunk_dim, trunk_dim), nn.GELU(), nn.Dropout(dropout),
        )
        self.diagnosis = nn.Linear(trunk_dim, n_diagnoses)
        self.severity = nn.Linear(trunk_dim, n_severities)
        self.drugs = nn.Linear(trunk_dim, n_drugs)
        nn.init.normal_(self.entity.weight, std=0.02)
        nn.init.normal_(self.flag.weight, std=0.02)
        with torch.no_grad():
            self.entity.weight[0].zero_()
            self.flag.weight[0].zero_()

    def label_mentions(self, entity_ids: torch.Tensor, entity_flags: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """[B, L, F]: how many of the record's (valid) entities are label l's entity with flag f."""
        names_label = (entity_ids.unsqueeze(-1) == self.label_entities.view(1, 1, -1)).to(torch.float32) * valid.unsqueeze(-1)
        has_flag = (entity_flags.unsqueeze(-1) == self.flag_values.view(1, 1, -1)).to(torch.float32)
        return torch.matmul(names_label.transpose(1, 2), has_flag)

    def forward(self, text_embedding, image_embedding, audio_embedding, entity_ids, entity_flags, modality_mask):
        m_text = modality_mask[:, 0:1]
        m_image = modality_mask[:, 1:2]
        m_audio = modality_mask[:, 2:3]
        m_entities = modality_mask[:, 3:4]
        t = self.text_proj(text_embedding[:, :self.text_hidden]) * m_text
        i = self.image_proj(image_embedding) * m_image
        a = self.audio_proj(audio_embedding) * m_audio
        query = self.query_norm(t + i + a + self.presence(modality_mask))

        valid = (entity_ids > 0).to(torch.float32) * m_entities  # [B, E]
        u = self.entity_norm(self.entity(entity_ids) + self.flag(entity_flags))  # [B, E, D]
        b, e, d = u.shape
        keys = torch.cat([self.null_entity.expand(b, 1, d), u], dim=1)  # [B, E+1, D]
        bias = torch.cat([torch.zeros_like(valid[:, :1]), (1.0 - valid) * -10000.0], dim=1)  # [B, E+1]
        q = self.q(query).view(b, self.heads, 1, self.head_dim)
        k = self.k(keys).view(b, e + 1, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(keys).view(b, e + 1, self.heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + bias[:, None, None, :]
        weights = torch.softmax(scores, dim=-1)  # [B, H, 1, E+1]
        attended = self.attn_out(torch.matmul(weights, v).reshape(b, d))
        entity_attention = weights[:, :, 0, 1:].mean(dim=1)  # [B, E]
        bag = (self.bag(u) * valid.unsqueeze(-1)).sum(dim=1)

        mentions = self.label_mentions(entity_ids, entity_flags, valid)
        mention_logits = torch.matmul(mentions, self.mention_weight.unsqueeze(-1)).squeeze(-1)  # [B, L]
        h = self.trunk(torch.cat([t, i, a, attended, bag, mentions.sum(dim=1)], dim=1))
        diagnosis = self.diagnosis(h) + mention_logits
        if self.text_bag:
            diagnosis = diagnosis + self.bag_scale * text_embedding[:, self.text_hidden:] * m_text
        return diagnosis, self.severity(h), self.drugs(h), entity_attention


class MediaHeads(nn.Module):
    """Training-only heads that predict the shown image/audio pattern from its embedding.

    The generator records which pattern each image and recording shows; predicting it gives the
    CNNs a direct signal instead of only the diagnosis, which most patterns barely move.
    """

    def __init__(self, dim: int, n_image: int, n_audio: int):
        super().__init__()
        self.image = nn.Linear(dim, max(n_image, 1))
        self.audio = nn.Linear(dim, max(n_audio, 1))
