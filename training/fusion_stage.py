"""@file Multimodal fine-tuning: the image CNN, the audio CNN and the fusion head, on generated records.

The text encoder comes from text_stage.py (`text_pretrained.pt`) and is frozen here: each
record's pooled text vector is computed once per split (text_embeddings_<split>.npy, stamped with
the checkpoint's hash) and reused every epoch. The audio front end has no trained parameters, so
log-mel features are also computed once. What trains is everything after them.

Modality dropout: every present modality of a training record (text, image, audio, entities) is
hidden with probability `modality_dropout` per epoch, through the same `modality_mask` the runtime
uses, so the head learns to predict from any subset, and single linked entities are dropped with
probability `entity_dropout`. Losses: cross-entropy for diagnosis and severity, binary
cross-entropy (summed over drugs) for drugs, and, for the CNNs, cross-entropy on the image or
audio pattern each recording shows (training-only heads). The epoch with the best validation
top-1 diagnosis accuracy is kept; the drug threshold is the one with the best validation micro-F1.

Writes training/work/<config>/fusion.pt and fusion_metrics.json.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .common import RecipeError, log, peak_rss_mb, read_json, setup_torch, sha256_file, write_json
from .config import get_config
from .labelsets import Targets, diagnosis_labels, drug_labels, load_graph, pattern_vocab, severity_labels
from .metrics import best_threshold, micro_f1, r4, topk_accuracy
from .mm_config import (AUDIO_SECONDS, ENTITY_FLAG_NAMES, HOP_LENGTH, MEL_BINS, N_FFT, SAMPLE_RATE, MultimodalConfig,
                        get_mm_config)
from .mm_data import SplitData, trim, trim_entities
from .synth_data import KG_PATH


def load_text_model(torch, cfg):
    from .config import ModelConfig
    from .model import MiniBert
    from .mm_model import TextModel

    path = cfg.work_dir / 'text_pretrained.pt'
    if not path.exists():
        raise RecipeError(f'{path} not found: run the text step first')
    ckpt = torch.load(path, map_location='cpu')
    model = TextModel(MiniBert(ModelConfig(**ckpt['model_config'])), len(ckpt['classes']), ckpt['n_aux'], ckpt['dropout'])
    model.load_state_dict(ckpt['state_dict'])
    model.eval()
    return model, ckpt, path


def text_embeddings(torch, cfg, model, checkpoint_path, data: SplitData, batch_size: int = 64) -> np.ndarray:
    """Pooled text vectors of a split, cached on disk for this text checkpoint."""
    cache = cfg.work_dir / f'text_embeddings_{data.name}.npy'
    stamp_path = cache.with_suffix('.json')
    stamp = {'checkpoint_sha256': sha256_file(checkpoint_path), 'features': read_json(data.folder / 'stamp.json')}
    if cache.exists() and stamp_path.exists() and read_json(stamp_path) == stamp:
        return np.load(cache)
    t0 = time.time()
    out = np.zeros((len(data), model.pooler.out_features), dtype=np.float32)
    order = np.argsort(-data.attention_mask.sum(axis=1), kind='stable')
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            x, m = trim(data.input_ids[rows], data.attention_mask[rows])
            out[rows] = model.pooled(torch.from_numpy(x), torch.from_numpy(m)).numpy()
    np.save(cache, out)
    write_json(stamp_path, stamp)
    log('fusion', f'{data.name}: text embeddings of {len(data)} records in {time.time() - t0:.0f}s')
    return out


def logmel_features(torch, frontend, data: SplitData, batch_size: int = 64) -> dict[int, np.ndarray]:
    """Row -> log-mel [1, mels, frames] for rows with audio."""
    rows = np.flatnonzero(data.has_audio > 0)
    out = {}
    with torch.no_grad():
        for s in range(0, len(rows), batch_size):
            part = rows[s:s + batch_size]
            feats = frontend(torch.from_numpy(np.ascontiguousarray(data.audio[part]))).numpy()
            for r, f in zip(part, feats):
                out[int(r)] = f
    return out


class Prepared:
    """Everything the fusion stage needs of one split, in memory."""

    def __init__(self, torch, cfg, data: SplitData, text_model, text_path, frontend, targets: Targets):
        self.data = data
        self.n = len(data)
        self.text = text_embeddings(torch, cfg, text_model, text_path, data)
        self.mask = data.modality_mask()
        self.image_rows = {int(r) for r in np.flatnonzero(data.has_image > 0)}
        self.images = {r: np.array(data.image[r]) for r in self.image_rows}
        self.logmel = logmel_features(torch, frontend, data)
        self.targets = targets


def build_models(torch, mm: MultimodalConfig, n_entities, text_dim, n_diag, n_drugs, n_img, n_aud):
    from .mm_model import AudioEncoder, Fusion, ImageEncoder, MediaHeads

    f = mm.fusion
    image = ImageEncoder(f.embed_dim)
    audio = AudioEncoder(f.embed_dim, N_FFT, HOP_LENGTH, MEL_BINS, SAMPLE_RATE)
    fusion = Fusion(n_entities, len(ENTITY_FLAG_NAMES), text_dim, f.embed_dim, f.fusion_dim, f.fusion_heads, f.trunk_dim,
                    n_diag, 5, n_drugs, f.dropout)
    heads = MediaHeads(f.embed_dim, n_img, n_aud)
    return image, audio, fusion, heads


def forward_batch(torch, prep: Prepared, rows: np.ndarray, mask: np.ndarray, image_enc, audio_enc, fusion, embed_dim: int,
                  entity_keep: np.ndarray | None = None):
    """Fusion outputs for `rows` under `mask` [len(rows), 4]; embeddings only for rows whose modality is on."""
    b = len(rows)
    text = torch.from_numpy(prep.text[rows])
    img_emb = torch.zeros(b, embed_dim)
    aud_emb = torch.zeros(b, embed_dim)
    img_idx = [k for k, r in enumerate(rows) if mask[k, 1] > 0 and int(r) in prep.image_rows]
    aud_idx = [k for k, r in enumerate(rows) if mask[k, 2] > 0 and int(r) in prep.logmel]
    img_raw = aud_raw = None
    if img_idx:
        img_raw = image_enc(torch.from_numpy(np.stack([prep.images[int(rows[k])] for k in img_idx])))
        img_emb = img_emb.index_copy(0, torch.tensor(img_idx), img_raw)
    if aud_idx:
        aud_raw = audio_enc.from_logmel(torch.from_numpy(np.stack([prep.logmel[int(rows[k])] for k in aud_idx])))
        aud_emb = aud_emb.index_copy(0, torch.tensor(aud_idx), aud_raw)
    ids, flags = prep.data.entity_ids[rows], prep.data.entity_flags[rows]
    if entity_keep is not None:
        ids = ids * entity_keep
        flags = flags * entity_keep
    ids, flags = trim_entities(ids, flags)
    out = fusion(text, img_emb, aud_emb, torch.from_numpy(ids), torch.from_numpy(flags), torch.from_numpy(mask))
    return out, (img_idx, img_raw), (aud_idx, aud_raw)


def predict(torch, prep: Prepared, models, embed_dim: int, mask: np.ndarray | None = None, batch_size: int = 128) -> dict:
    image_enc, audio_enc, fusion = models
    for m in models:
        m.eval()
    mask = prep.mask if mask is None else mask
    diag, sev, drug = [], [], []
    with torch.no_grad():
        for s in range(0, prep.n, batch_size):
            rows = np.arange(s, min(s + batch_size, prep.n))
            (d, v, g, _), _, _ = forward_batch(torch, prep, rows, mask[rows], image_enc, audio_enc, fusion, embed_dim)
            diag.append(d.numpy())
            sev.append(v.numpy())
            drug.append(torch.sigmoid(g).numpy())
    for m in models:
        m.train()
    return {'diagnosis': np.concatenate(diag), 'severity': np.concatenate(sev), 'drugs': np.concatenate(drug)}


def run(cfg_name: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    fcfg = mm.fusion
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 201)
    F = torch.nn.functional

    graph = load_graph(KG_PATH)
    train_data, val_data = SplitData(cfg_name, 'train'), SplitData(cfg_name, 'val')
    if train_data.entity_vocab != val_data.entity_vocab:
        raise RecipeError('train and val were featurized with different entity vocabularies')
    diagnoses = diagnosis_labels(graph)
    drugs = drug_labels(graph, train_data.labels)
    image_patterns = pattern_vocab(train_data.labels, 'image')
    audio_patterns = pattern_vocab(train_data.labels, 'audio')
    text_model, text_ckpt, text_path = load_text_model(torch, cfg)
    image_enc, audio_enc, fusion, media_heads = build_models(
        torch, mm, len(train_data.entity_vocab), text_model.pooler.out_features, len(diagnoses), len(drugs),
        len(image_patterns), len(audio_patterns))
    t0 = time.time()
    prep = {}
    for data in (train_data, val_data):
        targets = Targets(data.labels, diagnoses, drugs, image_patterns, audio_patterns)
        prep[data.name] = Prepared(torch, cfg, data, text_model, text_path, audio_enc.frontend, targets)
    prepare_s = time.time() - t0
    log('fusion', f'prepared train ({prep["train"].n}) and val ({prep["val"].n}) in {prepare_s:.0f}s; '
                  f'{len(diagnoses)} diagnoses, {len(drugs)} drugs, {len(image_patterns)} image and {len(audio_patterns)} audio patterns')

    params = [p for m in (image_enc, audio_enc, fusion, media_heads) for p in m.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=fcfg.lr, weight_decay=fcfg.weight_decay)
    train = prep['train']
    steps_per_epoch = (train.n + fcfg.batch_size - 1) // fcfg.batch_size
    total = steps_per_epoch * fcfg.epochs
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + np.cos(np.pi * (s - warmup) / max(1, total - warmup))))
    rng = np.random.default_rng(cfg.seed + 202)
    models = (image_enc, audio_enc, fusion)
    history = []
    best = {'val_top1': -1.0}
    t_train = time.time()
    for epoch in range(fcfg.epochs):
        order = rng.permutation(train.n)
        sums = {'loss': 0.0, 'n': 0}
        for s in range(steps_per_epoch):
            rows = order[s * fcfg.batch_size:(s + 1) * fcfg.batch_size]
            mask = train.mask[rows] * (rng.random((len(rows), 4)) >= fcfg.modality_dropout).astype(np.float32)
            keep = (rng.random((len(rows), train.data.entity_ids.shape[1])) >= fcfg.entity_dropout).astype(np.int64)
            (diag, sev, drug, _), (img_idx, img_raw), (aud_idx, aud_raw) = forward_batch(
                torch, train, rows, mask, image_enc, audio_enc, fusion, fcfg.embed_dim, keep)
            t = train.targets
            loss = F.cross_entropy(diag, torch.from_numpy(t.diagnosis[rows])) \
                + F.cross_entropy(sev, torch.from_numpy(t.severity[rows])) \
                + F.binary_cross_entropy_with_logits(drug, torch.from_numpy(t.drugs[rows]), reduction='sum') / len(rows)
            if img_raw is not None:
                y = torch.from_numpy(t.image_pattern[rows[img_idx]])
                if (y >= 0).any():
                    loss = loss + fcfg.pattern_loss_weight * F.cross_entropy(media_heads.image(img_raw), y, ignore_index=-100)
            if aud_raw is not None:
                y = torch.from_numpy(t.audio_pattern[rows[aud_idx]])
                if (y >= 0).any():
                    loss = loss + fcfg.pattern_loss_weight * F.cross_entropy(media_heads.audio(aud_raw), y, ignore_index=-100)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, fcfg.grad_clip)
            optimizer.step()
            scheduler.step()
            sums['loss'] += float(loss) * len(rows)
            sums['n'] += len(rows)
        val = prep['val']
        out = predict(torch, val, models, fcfg.embed_dim)
        entry = {'epoch': epoch + 1, 'train_loss': r4(sums['loss'] / sums['n']),
                 'val_top1': r4(topk_accuracy(out['diagnosis'], val.targets.diagnosis, 1)),
                 'val_top3': r4(topk_accuracy(out['diagnosis'], val.targets.diagnosis, 3)),
                 'val_drug_micro_f1_at_0.5': r4(micro_f1(out['drugs'] >= 0.5, val.targets.drugs)),
                 'seconds': round(time.time() - t_train, 1)}
        history.append(entry)
        log('fusion', f'epoch {epoch + 1}/{fcfg.epochs}: loss {entry["train_loss"]}, val top-1 {entry["val_top1"]}, '
                      f'top-3 {entry["val_top3"]}, drug F1 {entry["val_drug_micro_f1_at_0.5"]} ({entry["seconds"]}s)')
        if entry['val_top1'] > best['val_top1']:
            best = {**entry, 'state': [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in models]}
    train_s = time.time() - t_train
    for m, state in zip(models, best.pop('state')):
        m.load_state_dict(state)
    val_out = predict(torch, prep['val'], models, fcfg.embed_dim)
    threshold = best_threshold(val_out['drugs'], prep['val'].targets.drugs)

    path = cfg.work_dir / 'fusion.pt'
    torch.save({
        'format': 1, 'image': image_enc.state_dict(), 'audio': audio_enc.state_dict(), 'fusion': fusion.state_dict(),
        'entity_vocab': train_data.entity_vocab, 'diagnoses': diagnoses, 'drugs': drugs, 'severities': severity_labels(),
        'image_patterns': image_patterns, 'audio_patterns': audio_patterns, 'drug_threshold': threshold,
        'text_checkpoint_sha256': sha256_file(text_path), 'text_dim': text_model.pooler.out_features,
    }, path)
    return {
        'config': cfg_name, 'records': {'train': train.n, 'val': prep['val'].n}, 'epochs': fcfg.epochs,
        'batch_size': fcfg.batch_size, 'lr': fcfg.lr, 'modality_dropout': fcfg.modality_dropout,
        'entity_dropout': fcfg.entity_dropout, 'history': history, 'selected_epoch': best['epoch'],
        'val': {'top1': best['val_top1'], 'top3': best['val_top3']}, 'drug_threshold': threshold,
        'parameters': {'image': sum(p.numel() for p in image_enc.parameters()),
                       'audio': sum(p.numel() for p in audio_enc.parameters() if p.requires_grad),
                       'fusion': sum(p.numel() for p in fusion.parameters())},
        'prepare_seconds': round(prepare_s, 1), 'train_seconds': round(train_s, 1),
        'records_per_second': round(train.n * fcfg.epochs / train_s, 1), 'threads': torch.get_num_threads(),
        'wall_seconds': round(time.time() - started, 1), 'peak_rss_mb': peak_rss_mb(),
        'checkpoint': path.name, 'checkpoint_sha256': sha256_file(path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Train the image and audio encoders and the fusion head.')
    parser.add_argument('--config', required=True)
    args = parser.parse_args(argv)
    metrics = run(args.config)
    out = get_config(args.config).work_dir / 'fusion_metrics.json'
    write_json(out, metrics)
    log('fusion', f'val top-1 {metrics["val"]["top1"]} (epoch {metrics["selected_epoch"]}), drug threshold '
                  f'{metrics["drug_threshold"]}, wall {metrics["wall_seconds"]}s; wrote {out}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'fusion: {e}', file=sys.stderr)
        sys.exit(1)
