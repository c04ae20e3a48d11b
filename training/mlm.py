"""@file The pretraining step: masked-language modelling of the mini BERT on the recipe's corpus.

Writes training/work/<config>/pretrained.pt (state dict + model config, see model.save_checkpoint)
and mlm_metrics.json: held-out MLM loss and perplexity before and after training on the MTSamples
validation groups and on held-out general English, tokens/s, wall time, peak RSS. With
--random-init it writes random_init.pt and random_init_metrics.json instead: the same seeded
initial weights without training, the baseline the specialty stage compares against.

Data: documents are tokenized, joined with [SEP] and cut into full sequences of seq_len
([CLS] + seq_len-2 tokens + [SEP]), so no compute goes to padding. A fixed share of sequences is
clinical (MTSamples train groups, abstracts, extra text), the rest general English. Masks are
drawn per batch (15% of non-special tokens: 80% [MASK], 10% random token, 10% unchanged) from a
seeded generator; evaluation masks are fixed once, so before and after see the same positions.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

from .common import RecipeError, log, peak_rss_mb, setup_torch, sha256_file, write_json
from .config import CLS_ID, MASK_ID, PAD_ID, SEP_ID, UNK_ID, RecipeConfig, get_config
from .corpus import Document, load_checked
from .tokenizer_files import load_encoder, tokenizer_dir
from .wordpiece import SpecialIds, WordPieceEncoder

# The recipe's own vocabulary; an imported one (hf_checkpoint.py) passes the encoder's `special`.
RECIPE_SPECIAL_IDS = SpecialIds(PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID)

IGNORE = -100


def pack_sequences(encoder: WordPieceEncoder, docs: list[Document], seq_len: int, count: int,
                   seed: int | None = None) -> list[list[int]]:
    """`count` full sequences from `docs` (in a seeded shuffled order, repeating if needed; in the given order if seed is None)."""
    body = seq_len - 2
    out: list[list[int]] = []
    buffer: list[int] = []
    epoch = 0
    while len(out) < count:
        order = list(docs)
        if seed is not None:
            random.Random(f'{seed}/{epoch}').shuffle(order)
        elif epoch > 0:
            break  # evaluation sets never repeat
        for doc in order:
            buffer += encoder.encode(doc.text, add_special_tokens=False)
            buffer.append(encoder.sep_id)
            while len(buffer) >= body and len(out) < count:
                out.append([encoder.cls_id] + buffer[:body] + [encoder.sep_id])
                buffer = buffer[body:]
            if len(out) >= count:
                break
        epoch += 1
        if not docs:
            break
    return out


def mask_tokens(torch, ids, generator, cfg, vocab_size: int, specials: SpecialIds = RECIPE_SPECIAL_IDS):
    """BERT masking of a batch of ids: returns (inputs, labels) with labels -100 where not chosen.

    Special tokens are never chosen. Random replacement tokens are drawn from the ids above the
    highest special id: the recipe's whole vocabulary but its 5 specials, and for a Hugging Face
    vocabulary everything after [MASK]=103 (so also not its first [unused] block).
    """
    special_ids = specials.all()
    low = max(special_ids) + 1
    if low >= vocab_size:
        raise ValueError(f'no ordinary token above the special ids {special_ids} in a vocabulary of {vocab_size}')
    special = torch.isin(ids, torch.tensor(special_ids, dtype=ids.dtype))
    prob = torch.full(ids.shape, cfg.mask_prob)
    prob[special] = 0.0
    picked = torch.bernoulli(prob, generator=generator).bool()
    if not picked.any():
        picked[0, 1] = True  # never an empty loss; position 1 is always a real token
    labels = ids.masked_fill(~picked, IGNORE)
    r = torch.rand(ids.shape, generator=generator)
    inputs = ids.clone()
    inputs[picked & (r < cfg.mask_token_fraction)] = specials.mask
    randomize = picked & (r >= cfg.mask_token_fraction) & (r < cfg.mask_token_fraction + cfg.random_token_fraction)
    random_ids = torch.randint(low, vocab_size, ids.shape, generator=generator)
    inputs[randomize] = random_ids[randomize]
    return inputs, labels


def evaluate(torch, model, inputs, labels, batch_size: int) -> dict:
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, inputs.shape[0], batch_size):
            x, y = inputs[i:i + batch_size], labels[i:i + batch_size]
            total += float(model(x, torch.ones_like(x), y, reduction='sum'))
            count += int((y != IGNORE).sum())
    model.train()
    loss = total / max(count, 1)
    return {'loss': round(loss, 4), 'perplexity': round(math.exp(loss), 2), 'masked_tokens': count}


def build_optimizer(torch, model, cfg, steps: int):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim < 2 or 'norm' in name.lower() else decay).append(param)
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': cfg.weight_decay},
                                   {'params': no_decay, 'weight_decay': 0.0}],
                                  lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)
    warmup = max(1, int(steps * cfg.warmup_fraction))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (steps - step) / max(1, steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def run(cfg: RecipeConfig, extra_text: Path | None, random_init: bool) -> dict:
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed)
    from .model import BertForMaskedLM, save_checkpoint

    mcfg = cfg.mlm
    corpus = load_checked(cfg, extra_text)
    encoder = load_encoder(cfg)
    model_cfg = replace(cfg.model, vocab_size=len(encoder.vocab))
    model = BertForMaskedLM(model_cfg)
    n_params = sum(p.numel() for p in model.parameters())
    log('mlm', f'{n_params:,} parameters, vocab {model_cfg.vocab_size:,}, {torch.get_num_threads()} threads')

    t0 = time.time()
    eval_sets = {}
    for name, docs in (('mtsamples_val', corpus.mtsamples_val), ('general_heldout', corpus.general_heldout)):
        seqs = pack_sequences(encoder, docs, mcfg.seq_len, mcfg.eval_sequences)
        ids = torch.tensor(seqs, dtype=torch.long)
        gen = torch.Generator().manual_seed(cfg.seed + (1 if name == 'mtsamples_val' else 2))
        eval_sets[name] = mask_tokens(torch, ids, gen, mcfg, model_cfg.vocab_size, encoder.special)
    total = 0 if random_init else mcfg.steps * mcfg.batch_size
    n_clinical = round(total * mcfg.clinical_share)
    clinical = pack_sequences(encoder, corpus.clinical_train, mcfg.seq_len, n_clinical, seed=cfg.seed)
    general = pack_sequences(encoder, corpus.general_train, mcfg.seq_len, total - n_clinical, seed=cfg.seed + 1)
    tokenize_s = time.time() - t0
    log('mlm', f'tokenized in {tokenize_s:.1f}s: {len(clinical):,} clinical + {len(general):,} general training sequences, '
               f'eval {", ".join(f"{k} {v[0].shape[0]}" for k, v in eval_sets.items())}')

    before = {name: evaluate(torch, model, x, y, mcfg.batch_size) for name, (x, y) in eval_sets.items()}
    log('mlm', 'before: ' + ', '.join(f'{k} loss {v["loss"]}' for k, v in before.items()))
    work = cfg.work_dir
    tok_sha = sha256_file(tokenizer_dir(cfg) / 'tokenizer.json')
    info = {'recipe_config': cfg.name, 'tokenizer_json_sha256': tok_sha, 'corpus_digest': corpus.digest(), 'seed': cfg.seed}

    if random_init:
        path = work / 'random_init.pt'
        save_checkpoint(path, model, kind='random-init', steps=0, **info)
        return {'config': cfg.name, 'kind': 'random-init', 'parameters': n_params, 'eval': {'before': before},
                'checkpoint': str(path), 'checkpoint_sha256': sha256_file(path), **info,
                'wall_seconds': round(time.time() - started, 1), 'peak_rss_mb': peak_rss_mb()}

    train = torch.tensor(clinical + general, dtype=torch.long)
    order = torch.randperm(train.shape[0], generator=torch.Generator().manual_seed(cfg.seed + 3))
    train = train[order]
    mask_gen = torch.Generator().manual_seed(cfg.seed + 4)
    optimizer, scheduler = build_optimizer(torch, model, mcfg, mcfg.steps)
    model.train()
    log_path = work / 'mlm_log.jsonl'
    log_lines = []
    losses = []
    t_train = time.time()
    for step in range(mcfg.steps):
        batch = train[step * mcfg.batch_size:(step + 1) * mcfg.batch_size]
        inputs, labels = mask_tokens(torch, batch, mask_gen, mcfg, model_cfg.vocab_size, encoder.special)
        loss = model(inputs, torch.ones_like(inputs), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), mcfg.grad_clip)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss))
        if (step + 1) % mcfg.log_every == 0 or step + 1 == mcfg.steps:
            elapsed = time.time() - t_train
            rate = (step + 1) * mcfg.batch_size * mcfg.seq_len / elapsed
            recent = sum(losses[-mcfg.log_every:]) / len(losses[-mcfg.log_every:])
            line = {'step': step + 1, 'loss': round(recent, 4), 'lr': scheduler.get_last_lr()[0],
                    'tokens_per_second': round(rate), 'elapsed_seconds': round(elapsed, 1)}
            log_lines.append(line)
            log('mlm', f'step {step + 1}/{mcfg.steps} loss {recent:.3f} lr {line["lr"]:.2e} {rate:,.0f} tokens/s')
    train_s = time.time() - t_train
    with open(log_path, 'w', encoding='utf-8') as f:
        f.write(''.join(json.dumps(line) + '\n' for line in log_lines))

    after = {name: evaluate(torch, model, x, y, mcfg.batch_size) for name, (x, y) in eval_sets.items()}
    log('mlm', 'after: ' + ', '.join(f'{k} loss {v["loss"]} (ppl {v["perplexity"]})' for k, v in after.items()))
    path = work / 'pretrained.pt'
    save_checkpoint(path, model, kind='mlm-pretrained', steps=mcfg.steps, **info)
    tail = losses[-mcfg.log_every:]
    return {
        'config': cfg.name, 'kind': 'mlm-pretrained', 'parameters': n_params, 'threads': torch.get_num_threads(),
        'steps': mcfg.steps, 'batch_size': mcfg.batch_size, 'seq_len': mcfg.seq_len, 'lr': mcfg.lr,
        'train': {'sequences': int(train.shape[0]), 'clinical_sequences': len(clinical), 'general_sequences': len(general),
                  'tokens': int(train.numel()), 'seconds': round(train_s, 1),
                  'tokens_per_second': round(train.numel() / train_s), 'final_loss': round(sum(tail) / len(tail), 4)},
        'eval': {name: {'before': before[name], 'after': after[name]} for name in eval_sets},
        'tokenize_seconds': round(tokenize_s, 1), 'wall_seconds': round(time.time() - started, 1),
        'peak_rss_mb': peak_rss_mb(), 'checkpoint': str(path), 'checkpoint_sha256': sha256_file(path),
        'log': str(log_path), **info,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Pretrain the mini BERT with masked-language modelling.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--extra-text', type=Path)
    parser.add_argument('--random-init', action='store_true', help='write the untrained baseline (random_init.pt) instead')
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    metrics = run(cfg, args.extra_text, args.random_init)
    name = 'random_init_metrics.json' if args.random_init else 'mlm_metrics.json'
    write_json(cfg.work_dir / name, metrics)
    log('mlm', f'wrote {cfg.work_dir / name} (wall {metrics["wall_seconds"]}s, peak RSS {metrics["peak_rss_mb"]} MB)')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'mlm: {e}', file=sys.stderr)
        sys.exit(1)
