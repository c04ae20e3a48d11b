"""@file The mini BERT encoder and its masked-language-model head, in plain torch.nn.

Written out by hand (no `transformers` on this machine, and no nn.TransformerEncoder) so the
later ONNX export (opset 17, the highest torch 1.13 can write) sees only MatMul, Softmax, Erf-GELU,
LayerNorm and Gather. Position ids are a registered buffer sliced to the sequence length, not an
`arange` computed in forward, because tracing `arange` with a symbolic length blocks FX static
quantization (see FINDINGS). Parameter names follow Hugging Face's BertModel where it costs
nothing, which makes mapping real BERT checkpoints onto this shape easier.

Every layer can return its attention probabilities (for attention-rollout explanations).
"""
from __future__ import annotations

import math
from dataclasses import asdict

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig

CHECKPOINT_FORMAT = 1


class Embeddings(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size, padding_idx=cfg.pad_token_id)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.dropout)
        self.register_buffer('position_ids', torch.arange(cfg.max_position_embeddings).unsqueeze(0), persistent=False)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        seq_len = input_ids.shape[1]
        position_ids = self.position_ids[:, :seq_len]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.hidden_size % cfg.num_heads:
            raise ValueError(f'hidden_size {cfg.hidden_size} is not a multiple of num_heads {cfg.num_heads}')
        self.num_heads = cfg.num_heads
        self.head_dim = cfg.hidden_size // cfg.num_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.dropout = nn.Dropout(cfg.dropout)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q, k, v = self._heads(self.query(x)), self._heads(self.key(x)), self._heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask_bias
        probs = torch.softmax(scores, dim=-1)
        context = torch.matmul(self.dropout(probs), v)
        b, _, s, _ = context.shape
        return context.transpose(1, 2).reshape(b, s, self.num_heads * self.head_dim), probs


class Layer(nn.Module):
    """Post-LayerNorm transformer block, as in BERT."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attention = SelfAttention(cfg)
        self.attention_output = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.attention_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.intermediate = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.output = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.output_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        context, probs = self.attention(x, mask_bias)
        x = self.attention_norm(x + self.dropout(self.attention_output(context)))
        hidden = F.gelu(self.intermediate(x))
        x = self.output_norm(x + self.dropout(self.output(hidden)))
        return x, probs


class MiniBert(nn.Module):
    """The text encoder: token ids and attention mask in, one vector per token out."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        self.embeddings = Embeddings(cfg)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.num_layers))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, output_attentions: bool = False):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        # 0 where attended, a large negative number where padded; -1e4 stays finite in fp16.
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        x = self.embeddings(input_ids, token_type_ids)
        attentions = []
        for layer in self.layers:
            x, probs = layer(x, mask_bias)
            if output_attentions:
                attentions.append(probs)
        return (x, attentions) if output_attentions else x


class MlmHead(nn.Module):
    def __init__(self, cfg: ModelConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.decoder_weight = word_embeddings.weight  # tied, as in BERT
        self.bias = nn.Parameter(torch.zeros(cfg.vocab_size))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(self.LayerNorm(F.gelu(self.dense(hidden))), self.decoder_weight, self.bias)


class BertForMaskedLM(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        self.bert = MiniBert(cfg)
        self.mlm = MlmHead(cfg, self.bert.embeddings.word_embeddings)
        self.apply(lambda m: init_weights(m, cfg))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor,
                reduction: str = 'mean') -> torch.Tensor:
        """Cross-entropy over the masked positions (labels != -100); the vocabulary head runs only there."""
        hidden = self.bert(input_ids, attention_mask)
        picked = labels != -100
        logits = self.mlm(hidden[picked])
        return F.cross_entropy(logits, labels[picked], reduction=reduction)


def init_weights(module: nn.Module, cfg: ModelConfig) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=cfg.initializer_range)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=cfg.initializer_range)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def save_checkpoint(path, model: BertForMaskedLM, **info) -> None:
    """State dict of the whole MLM model plus everything needed to rebuild it."""
    torch.save({'format': CHECKPOINT_FORMAT, 'model_config': asdict(model.config),
                'state_dict': model.state_dict(), **info}, path)


def load_encoder(path, map_location: str = 'cpu') -> tuple[MiniBert, dict]:
    """The encoder (without the MLM head) from a checkpoint written by save_checkpoint, and its info."""
    checkpoint = torch.load(path, map_location=map_location)
    if checkpoint.get('format') != CHECKPOINT_FORMAT:
        raise ValueError(f'{path}: unknown checkpoint format {checkpoint.get("format")!r}')
    cfg = ModelConfig(**checkpoint['model_config'])
    encoder = MiniBert(cfg)
    prefix = 'bert.'
    state = {k[len(prefix):]: v for k, v in checkpoint['state_dict'].items() if k.startswith(prefix)}
    encoder.load_state_dict(state)
    info = {k: v for k, v in checkpoint.items() if k != 'state_dict'}
    return encoder, info
