"""@file An experiment, not a recipe step: how MTSamples specialty accuracy moves with the length of MLM
pretraining, to say with a measurement (not a guess) what would close the gap to TF-IDF.

Why a separate tool: the committed model is pretrained for `MlmConfig.steps` on 2 CPU cores
(~40 minutes); 16 times more is out of reach there but takes minutes on a GPU. The experiment uses
the recipe's own pieces — the same packed sequences, masking, optimiser and schedule as `mlm.py`,
the same encoder, pooling and specialty fine-tuning as `text_stage.py` (specialty only: the
auxiliary diagnosis tasks need the generated and real-note features) — and varies one thing, the
number of MLM steps. Two sub-commands:

    # here, with the recipe's corpus and tokenizer (Debian's PyTorch): the data, as token ids only
    /usr/bin/python3 -m training.pretraining_scale pack --config full --out .gpu/scale.npz
    # anywhere with PyTorch (a GPU makes it minutes): pretrain and fine-tune per budget, write JSON
    python3 -m training.pretraining_scale run --pack .gpu/scale.npz --steps 0,1500,6000,24000 --device cuda --out scale.json

The pack holds token ids of the pretraining documents (the training half of MTSamples, the
abstracts and the general English, in the recipe's order: the run packs and shuffles them exactly
as mlm.py does) and of the specialty documents (train, validation and test halves with their labels); it is an intermediate
file for the run, never committed. Numbers from another PyTorch version or device differ from the
recipe's CPU run in the last digits; compare budgets within one run.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np


def _flat(docs_ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(d) for d in docs_ids]).astype(np.int64)
    return (np.concatenate([np.array(d, dtype=np.int16) for d in docs_ids]) if docs_ids else np.zeros(0, np.int16)), offsets


class _Encoded:
    """Stands in for the WordPieceEncoder inside mlm.pack_sequences: the documents are already ids."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray, cls_id: int, sep_id: int):
        self.flat, self.offsets, self.cls_id, self.sep_id = flat, offsets, cls_id, sep_id

    def encode(self, index: int, add_special_tokens: bool = False) -> list[int]:
        return self.flat[self.offsets[index]:self.offsets[index + 1]].astype(np.int64).tolist()


class _Doc:
    def __init__(self, index: int):
        self.text = index


def pack(cfg_name: str, out: Path) -> None:
    """Token ids of the pretraining documents (in the recipe's order) and of the specialty documents."""
    from .common import setup_torch
    from .config import get_config
    from .corpus import load_checked
    from .mm_config import get_mm_config
    from .text_stage import specialty_split
    from .tokenizer_files import load_encoder

    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    setup_torch(cfg.threads, cfg.seed)
    corpus = load_checked(cfg, None)
    encoder = load_encoder(cfg)
    if len(encoder.vocab) >= 2**15:
        raise SystemExit('the pack stores ids as int16; this vocabulary is too large')
    arrays = {}
    for name, docs in (('clinical', corpus.clinical_train), ('general', corpus.general_train), ('eval', corpus.mtsamples_val)):
        arrays[f'{name}_ids'], arrays[f'{name}_offsets'] = _flat([encoder.encode(d.text, add_special_tokens=False) for d in docs])
    classes, _, spec = specialty_split(cfg, mm)
    for name, (ids, mask, y) in spec.items():
        arrays[f'spec_{name}_ids'] = ids.astype(np.int16)
        arrays[f'spec_{name}_mask'] = mask.astype(np.int8)
        arrays[f'spec_{name}_y'] = y
    meta = {'config': cfg_name, 'model': cfg.model.__dict__ | {'vocab_size': len(encoder.vocab)}, 'mlm': cfg.mlm.__dict__,
            'text': mm.text.__dict__, 'classes': classes, 'seed': cfg.seed,
            'special': {'pad': encoder.special.pad, 'unk': encoder.special.unk, 'cls': encoder.special.cls,
                        'sep': encoder.special.sep, 'mask': encoder.special.mask}}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    print(f'pack: {len(corpus.clinical_train)} clinical and {len(corpus.general_train)} general documents, specialty '
          f'{", ".join(f"{k} {len(v[2])}" for k, v in spec.items())} -> {out} ({out.stat().st_size / 2**20:.1f} MiB)', file=sys.stderr)


def fast_pack(flat: np.ndarray, offsets: np.ndarray, seq_len: int, count: int, seed: int, cls_id: int, sep_id: int) -> np.ndarray:
    """mlm.pack_sequences on pre-encoded documents, in numpy: the same stream (documents in each
    epoch's seeded shuffle, each followed by [SEP], the remainder carried over), cut into the same
    sequences ([CLS] + seq_len - 2 ids + [SEP]). The test in training/tests checks they are equal."""
    import random

    body = seq_len - 2
    need = count * body
    docs = [np.append(flat[offsets[i]:offsets[i + 1]].astype(np.int64), sep_id) for i in range(len(offsets) - 1)]
    if not docs or count == 0:
        return np.zeros((0, seq_len), dtype=np.int64)
    parts, have, epoch = [], 0, 0
    while have < need:
        order = list(range(len(docs)))
        random.Random(f'{seed}/{epoch}').shuffle(order)
        for i in order:
            parts.append(docs[i])
            have += len(docs[i])
            if have >= need:
                break
        epoch += 1
    stream = np.concatenate(parts)[:need].reshape(count, body)
    out = np.empty((count, seq_len), dtype=np.int64)
    out[:, 0] = cls_id
    out[:, 1:-1] = stream
    out[:, -1] = sep_id
    return out


def mlm_sequences(data, meta: dict, steps: int):
    """The recipe's training sequences for `steps` steps (mlm.py's packing, shuffle and order)."""
    import torch

    mcfg = meta['mlm']
    special = meta['special']
    total = steps * mcfg['batch_size']
    n_clinical = round(total * mcfg['clinical_share'])
    seqs = [fast_pack(data[f'{name}_ids'], data[f'{name}_offsets'], mcfg['seq_len'], count, seed, special['cls'], special['sep'])
            for name, count, seed in (('clinical', n_clinical, meta['seed']), ('general', total - n_clinical, meta['seed'] + 1))]
    train = torch.from_numpy(np.concatenate(seqs))
    return train[torch.randperm(train.shape[0], generator=torch.Generator().manual_seed(meta['seed'] + 3))] if len(train) else train


def run(pack_path: Path, budgets: list[int], device: str, out: Path) -> dict:
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    import torch

    from .config import ModelConfig, MlmConfig
    from .metrics import accuracy, macro_f1
    from .mlm import build_optimizer, mask_tokens
    from .mm_data import trim
    from .mm_model import TextModel
    from .model import BertForMaskedLM
    from .wordpiece import SpecialIds

    data = np.load(pack_path)
    meta = json.loads(bytes(data['meta']).decode())
    model_cfg = ModelConfig(**meta['model'])
    mcfg = MlmConfig(**meta['mlm'])
    tcfg = meta['text']
    specials = SpecialIds(**meta['special'])
    # On CUDA a few backward kernels have no deterministic variant: warn rather than stop.
    torch.use_deterministic_algorithms(True, warn_only=device != 'cpu')
    if device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    from .mlm import pack_sequences

    enc = _Encoded(data['eval_ids'], data['eval_offsets'], meta['special']['cls'], meta['special']['sep'])
    eval_ids = torch.tensor(pack_sequences(enc, [_Doc(i) for i in range(len(data['eval_offsets']) - 1)], mcfg.seq_len,
                                           mcfg.eval_sequences), dtype=torch.long)
    spec = {s: (data[f'spec_{s}_ids'].astype(np.int64), data[f'spec_{s}_mask'].astype(np.int64), data[f'spec_{s}_y'])
            for s in ('train', 'val', 'test')}
    results = {'pack': pack_path.name, 'device': device, 'torch': torch.__version__, 'budgets': {}}
    if device == 'cuda':
        results['gpu'] = torch.cuda.get_device_name(0)
    for steps in budgets:
        train_all = mlm_sequences(data, meta, steps)
        torch.manual_seed(meta['seed'])
        mlm = BertForMaskedLM(model_cfg).to(device)
        t0 = time.time()
        gen = torch.Generator().manual_seed(meta['seed'] + 4)
        eval_gen = torch.Generator().manual_seed(meta['seed'] + 1)
        ex, ey = mask_tokens(torch, eval_ids, eval_gen, mcfg, model_cfg.vocab_size, specials)
        if steps:
            optimizer, scheduler = build_optimizer(torch, mlm, mcfg, steps)
            mlm.train()
            for step in range(steps):
                batch = train_all[step * mcfg.batch_size:(step + 1) * mcfg.batch_size]
                inputs, labels = mask_tokens(torch, batch, gen, mcfg, model_cfg.vocab_size, specials)
                inputs, labels = inputs.to(device), labels.to(device)
                loss = mlm(inputs, torch.ones_like(inputs), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(mlm.parameters(), mcfg.grad_clip)
                optimizer.step()
                scheduler.step()
        mlm.eval()
        with torch.no_grad():
            total, count = 0.0, 0
            for i in range(0, ex.shape[0], 64):
                x, y = ex[i:i + 64].to(device), ey[i:i + 64].to(device)
                total += float(mlm(x, torch.ones_like(x), y, reduction='sum'))
                count += int((y != -100).sum())
        mlm_s = time.time() - t0
        # Specialty fine-tuning as text_stage.py does it (specialty task only).
        torch.manual_seed(meta['seed'] + 101)
        model = TextModel(mlm.bert, len(meta['classes']), 2, tcfg['dropout'], tcfg['pooling']).to(device)
        ids, mask, y = spec['train']
        bs = tcfg['batch_size']
        n_batches = math.ceil(len(y) / bs)
        total_steps = n_batches * tcfg['epochs']
        decay = [p for n, p in model.named_parameters() if not (p.ndim < 2 or 'norm' in n.lower())]
        no_decay = [p for n, p in model.named_parameters() if p.ndim < 2 or 'norm' in n.lower()]
        opt = torch.optim.AdamW([{'params': decay, 'weight_decay': tcfg['weight_decay']}, {'params': no_decay, 'weight_decay': 0.0}],
                                lr=tcfg['lr'], betas=(0.9, 0.98), eps=1e-6)
        warmup = max(1, int(total_steps * tcfg['warmup_fraction']))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total_steps - s) / max(1, total_steps - warmup)))
        rng = np.random.default_rng(meta['seed'] + 102)

        def predict(split):
            model.eval()
            xi, xm, _ = spec[split]
            preds = []
            with torch.no_grad():
                for s in range(0, len(xi), 64):
                    a, m = trim(xi[s:s + 64], xm[s:s + 64])
                    logits = model.specialty(model.pooled(torch.from_numpy(a).to(device), torch.from_numpy(m).to(device)))
                    preds.append(logits.argmax(dim=1).cpu().numpy())
            model.train()
            return np.concatenate(preds)

        best = (-1.0, None)
        model.train()
        for _ in range(tcfg['epochs']):
            order = rng.permutation(len(y))
            for b in range(n_batches):
                rows = order[b * bs:(b + 1) * bs]
                a, m = trim(ids[rows], mask[rows])
                pooled = model.dropout(model.pooled(torch.from_numpy(a).to(device), torch.from_numpy(m).to(device)))
                loss = torch.nn.functional.cross_entropy(model.specialty(pooled), torch.from_numpy(y[rows]).to(device))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), tcfg['grad_clip'])
                opt.step()
                sched.step()
            val = accuracy(predict('val'), spec['val'][2])
            if val > best[0]:
                best = (val, {k: v.detach().clone() for k, v in model.state_dict().items()})
        model.load_state_dict(best[1])
        test_pred = predict('test')
        entry = {'mlm_steps': steps, 'mlm_eval_loss': round(total / max(count, 1), 4),
                 'specialty_val_accuracy': round(best[0], 4),
                 'specialty_test_accuracy': round(accuracy(test_pred, spec['test'][2]), 4),
                 'specialty_test_macro_f1': round(macro_f1(test_pred, spec['test'][2]), 4),
                 'mlm_seconds': round(mlm_s, 1), 'seconds': round(time.time() - t0, 1)}
        results['budgets'][str(steps)] = entry
        print(json.dumps(entry), file=sys.stderr, flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + '\n', encoding='utf-8')
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='MLM pretraining length against specialty accuracy (an experiment).')
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('pack')
    p.add_argument('--config', default='full')
    p.add_argument('--out', type=Path, required=True)
    r = sub.add_parser('run')
    r.add_argument('--pack', type=Path, required=True)
    r.add_argument('--steps', required=True, help='comma-separated MLM step budgets, e.g. 0,1500,6000,24000')
    r.add_argument('--device', default='cpu')
    r.add_argument('--out', type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == 'pack':
        pack(args.config, args.out)
    else:
        run(args.pack, [int(s) for s in args.steps.split(',')], args.device, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
