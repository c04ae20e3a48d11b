"""@file Multimodal fine-tuning: the image CNN, the audio CNN and the fusion head, on generated records
and real notes.

The text encoder comes from text_stage.py (`text_pretrained.pt`) and is frozen here: each
record's text vector is computed once per split (text_embeddings_<split>.npy, stamped with the
checkpoint's hash) and reused every epoch. The audio front end has no trained parameters, so
log-mel features are also computed once. What trains is everything after them.

Data: the generated training patients (15% of them open-set: their answer is "none of these") and
the real training notes (real_notes.py: text and linked entities only), each real note
`real_repeats` times per epoch and the named ones `real_named_repeats` times more. Generated
notes never name their diagnosis, so each batch of them gets augmented entity copies
(`inject_label_mentions`): the label's own entity as mentioned or coded now and then, other
labels as negated, historical or family distractors, so the label-mention path learns what a
named condition means; a share of the real out-of-label notes get one label added as an affirmed
mention, with that label as their answer (`name_labels_in_real_notes`).

Modality dropout: every present modality of a training record (text, image, audio, entities) is
hidden with probability `modality_dropout` per epoch, through the same `modality_mask` the runtime
uses, so the head learns to predict from any subset, and single linked entities are dropped with
probability `entity_dropout`. Losses: cross-entropy for diagnosis (the labels and "none") and
severity (in-label records), binary cross-entropy (summed over drugs) for drugs (not for real
notes, which have no drug truth), and, for the CNNs, cross-entropy on the image or audio pattern
each recording shows (training-only heads). The last epoch is kept (validation scores are
reported per epoch); the drug threshold is the one with the best validation micro-F1, and the
abstention threshold on P(none) maximises the mean Youden's J over generated and real
validation records.

Writes training/work/<config>/fusion.pt and fusion_metrics.json.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .common import RecipeError, log, peak_rss_mb, read_json, setup_torch, sha256_file, write_json
from .config import get_config
from .labelsets import NONE_ID, Targets, diagnosis_labels, drug_labels, load_graph, none_index, pattern_vocab, severity_labels
from .metrics import best_threshold, r4
from .open_set import abstention_score, at_threshold, auroc, closed_set_topk, softmax, youden_threshold
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
    model = TextModel(MiniBert(ModelConfig(**ckpt['model_config'])), len(ckpt['classes']), ckpt['n_aux'], ckpt['dropout'],
                      ckpt.get('pooling', 'cls'), bag=ckpt.get('bag', False))
    model.load_state_dict(ckpt['state_dict'])
    model.eval()
    return model, ckpt, path


def text_embeddings(torch, cfg, model, checkpoint_path, data: SplitData, batch_size: int = 64) -> np.ndarray:
    """Text vectors of a split, cached on disk for this text checkpoint.

    With TF-IDF read-outs, the training rows those read-outs were fitted on (the generated notes of
    the text stage's auxiliary task and every real training note) get their out-of-fold diagnosis
    log-probabilities instead (text_stage.fit_bag), so the fusion learns how far to trust the
    read-out from what it says about notes it has not seen."""
    cache = cfg.work_dir / f'text_embeddings_{data.name}.npy'
    stamp_path = cache.with_suffix('.json')
    oof_path = checkpoint_path.with_name(checkpoint_path.stem + '_bag_oof.npz')
    oof = np.load(oof_path) if model.bag is not None and data.name in ('train', 'real_train') else None
    stamp = {'checkpoint_sha256': sha256_file(checkpoint_path), 'features': read_json(data.folder / 'stamp.json'),
             'out_of_fold': sha256_file(oof_path) if oof is not None else None}
    if cache.exists() and stamp_path.exists() and read_json(stamp_path) == stamp:
        return np.load(cache)
    t0 = time.time()
    out = np.zeros((len(data), model.embedding_dim), dtype=np.float32)
    order = np.argsort(-data.attention_mask.sum(axis=1), kind='stable')
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            x, m = trim(data.input_ids[rows], data.attention_mask[rows])
            out[rows] = model.embedding(torch.from_numpy(x), torch.from_numpy(m)).numpy()
    if oof is not None:
        part = oof['aux'] if data.name == 'train' else oof['real']
        rows = oof['aux_rows'] if data.name == 'train' else np.arange(len(data))
        if len(rows) != len(part) or part.shape[1] != model.aux_diagnosis.out_features:
            raise RecipeError(f'{oof_path} does not match the {data.name} split: rerun the text step')
        out[rows, model.hidden:] = part
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


def build_models(torch, mm: MultimodalConfig, n_entities, text_dim, n_diag, n_drugs, n_img, n_aud, label_entities=None,
                 text_bag: int = 0):
    from .mm_model import AudioEncoder, Fusion, ImageEncoder, MediaHeads

    f = mm.fusion
    image = ImageEncoder(f.embed_dim)
    audio = AudioEncoder(f.embed_dim, N_FFT, HOP_LENGTH, MEL_BINS, SAMPLE_RATE)
    fusion = Fusion(n_entities, len(ENTITY_FLAG_NAMES), text_dim, f.embed_dim, f.fusion_dim, f.fusion_heads, f.trunk_dim,
                    n_diag, 5, n_drugs, f.dropout, label_entities, text_bag)
    heads = MediaHeads(f.embed_dim, n_img, n_aud)
    return image, audio, fusion, heads


def label_entity_indices(diagnoses: list[dict], entity_vocab: list[str]) -> list[int]:
    """Each diagnosis label's index in the entity vocabulary (0 for "none", which no entity names)."""
    index = {e: i for i, e in enumerate(entity_vocab)}
    out = []
    for d in diagnoses:
        if d['id'] == NONE_ID:
            out.append(0)
        elif d['id'] in index:
            out.append(index[d['id']])
        else:
            raise RecipeError(f'diagnosis label {d["id"]} is not in the entity vocabulary')
    return out


def compact_entities(ids: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move each row's entities to the front (dropout leaves holes), keeping their order."""
    order = np.argsort(ids == 0, axis=1, kind='stable')
    return np.take_along_axis(ids, order, axis=1), np.take_along_axis(flags, order, axis=1)


def forward_batch(torch, prep: Prepared, rows: np.ndarray, mask: np.ndarray, image_enc, audio_enc, fusion, embed_dim: int,
                  entity_keep: np.ndarray | None = None, entities: tuple[np.ndarray, np.ndarray] | None = None):
    """Fusion outputs for `rows` under `mask` [len(rows), 4]; embeddings only for rows whose modality is on.
    `entities` replaces the rows' (ids, flags) (augmented copies); `entity_keep` drops single entities."""
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
    ids, flags = entities if entities is not None else (prep.data.entity_ids[rows], prep.data.entity_flags[rows])
    if entity_keep is not None:
        ids, flags = compact_entities(ids * entity_keep, flags * entity_keep)
    ids, flags = trim_entities(ids, flags)
    out = fusion(text, img_emb, aud_emb, torch.from_numpy(ids), torch.from_numpy(flags), torch.from_numpy(mask))
    return out, (img_idx, img_raw), (aud_idx, aud_raw)


FLAG = {name: i for i, name in enumerate(ENTITY_FLAG_NAMES)}
DISTRACTOR_FLAGS = (FLAG['negated'], FLAG['historical'], FLAG['family'])


def inject_label_mentions(rng, ids: np.ndarray, flags: np.ndarray, diagnosis: np.ndarray, label_entities: list[int],
                          none: int, fcfg) -> tuple[np.ndarray, np.ndarray]:
    """Augmented copies of generated records' entities (see FusionStageConfig): the true label named
    or coded now and then, and other labels named as negated, historical or a family member's."""
    ids, flags = ids.copy(), flags.copy()
    candidates = [i for i in range(len(label_entities)) if i != none]
    for r in range(len(ids)):
        added: list[tuple[int, int]] = []
        u = rng.random()
        if diagnosis[r] != none:
            if u < fcfg.mention_injection:
                added.append((label_entities[diagnosis[r]], FLAG['mentioned']))
            elif u < fcfg.mention_injection + fcfg.coded_injection:
                added.append((label_entities[diagnosis[r]], FLAG['coded']))
        if rng.random() < fcfg.distractor_injection:
            for _ in range(int(rng.integers(1, 3))):
                other = candidates[int(rng.integers(len(candidates)))]
                if other != diagnosis[r]:
                    added.append((label_entities[other], DISTRACTOR_FLAGS[int(rng.integers(len(DISTRACTOR_FLAGS)))]))
        free = np.flatnonzero(ids[r] == 0)
        for (entity, flag), slot in zip(added, free):
            ids[r, slot] = entity
            flags[r, slot] = flag
    return compact_entities(ids, flags)


def name_labels_in_real_notes(rng, ids: np.ndarray, flags: np.ndarray, diagnosis: np.ndarray, label_entities: list[int],
                              none: int, rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Augmented copies of real out-of-label notes: with probability `rate`, one label (uniformly
    drawn) is added as an affirmed mention and becomes the note's answer. A real note that affirms a
    condition is evidence of it; the few named real training notes cover only some labels, and this
    carries "named here, so likely this" to every label in the real-note domain."""
    ids, flags, diagnosis = ids.copy(), flags.copy(), diagnosis.copy()
    candidates = [i for i in range(len(label_entities)) if i != none]
    for r in range(len(ids)):
        if diagnosis[r] != none or rng.random() >= rate:
            continue
        free = np.flatnonzero(ids[r] == 0)
        if len(free) == 0:
            continue
        label = candidates[int(rng.integers(len(candidates)))]
        ids[r, free[0]] = label_entities[label]
        flags[r, free[0]] = FLAG['mentioned']
        diagnosis[r] = label
    ids, flags = compact_entities(ids, flags)
    return ids, flags, diagnosis


def predict(torch, prep: Prepared, models, embed_dim: int, mask: np.ndarray | None = None, batch_size: int = 128) -> dict:
    """Diagnosis and severity logits, diagnosis probabilities (softmax with "none") and drug probabilities."""
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
    diagnosis = np.concatenate(diag)
    return {'diagnosis': diagnosis, 'probs': softmax(diagnosis), 'severity': np.concatenate(sev), 'drugs': np.concatenate(drug)}


def validation_scores(out: dict, targets: Targets, in_label: np.ndarray) -> dict:
    """Closed-set top-1 and top-3 on in-label records and the abstention AUROC (in vs out of label)."""
    probs, truth = out['probs'], targets.diagnosis
    score = abstention_score(probs)
    result = {'top1': r4(closed_set_topk(probs[in_label], truth[in_label], 1)) if in_label.any() else None,
              'top3': r4(closed_set_topk(probs[in_label], truth[in_label], 3)) if in_label.any() else None}
    a = auroc(score[~in_label], score[in_label])
    result['auroc'] = r4(a) if a is not None else None
    return result


def run(cfg_name: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    fcfg = mm.fusion
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 201)
    F = torch.nn.functional

    graph = load_graph(KG_PATH)
    parts = {name: SplitData(cfg_name, name) for name in ('train', 'val', 'real_train', 'real_val', 'real_val_removed')}
    vocab = parts['train'].entity_vocab
    for name, data in parts.items():
        if data.entity_vocab != vocab:
            raise RecipeError(f'{name} was featurized with another entity vocabulary than train')
    diagnoses = diagnosis_labels(graph)
    none = none_index(diagnoses)
    label_entities = label_entity_indices(diagnoses, vocab)
    drugs = drug_labels(graph, parts['train'].labels)
    image_patterns = pattern_vocab(parts['train'].labels, 'image')
    audio_patterns = pattern_vocab(parts['train'].labels, 'audio')
    text_model, text_ckpt, text_path = load_text_model(torch, cfg)
    text_bag = len(diagnoses) if text_model.bag is not None else 0
    image_enc, audio_enc, fusion, media_heads = build_models(
        torch, mm, len(vocab), text_model.hidden, len(diagnoses), len(drugs),
        len(image_patterns), len(audio_patterns), label_entities, text_bag)
    t0 = time.time()
    prep = {}
    for name, data in parts.items():
        targets = Targets(data.labels, diagnoses, drugs, image_patterns, audio_patterns)
        prep[name] = Prepared(torch, cfg, data, text_model, text_path, audio_enc.frontend, targets)
    prepare_s = time.time() - t0
    log('fusion', f'prepared {", ".join(f"{k} ({v.n})" for k, v in prep.items())} in {prepare_s:.0f}s; '
                  f'{len(diagnoses) - 1} diagnoses + none, {len(drugs)} drugs, {len(image_patterns)} image and '
                  f'{len(audio_patterns)} audio patterns')

    params = [p for m in (image_enc, audio_enc, fusion, media_heads) for p in m.parameters() if p.requires_grad]
    # The label-mention weights are a handful of scalars that must move by several units: their own
    # learning rate (x mention_lr_scale) and no weight decay.
    mention = [fusion.mention_weight, fusion.bag_scale]
    rest = [p for p in params if all(p is not q for q in mention)]
    optimizer = torch.optim.AdamW([{'params': rest, 'weight_decay': fcfg.weight_decay},
                                   {'params': mention, 'weight_decay': 0.0, 'lr': fcfg.lr * fcfg.mention_lr_scale}],
                                  lr=fcfg.lr)
    train, real = prep['train'], prep['real_train']
    bs = fcfg.batch_size
    gen_batches = (train.n + bs - 1) // bs
    real_named = np.flatnonzero(real.data.in_label())
    real_pool = np.concatenate([np.arange(real.n)] + [real_named] * (fcfg.real_named_repeats - 1))
    real_rows_per_epoch = len(real_pool) * fcfg.real_repeats
    real_batches = (real_rows_per_epoch + bs - 1) // bs
    total = (gen_batches + real_batches) * fcfg.epochs
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + np.cos(np.pi * (s - warmup) / max(1, total - warmup))))
    rng = np.random.default_rng(cfg.seed + 202)
    models = (image_enc, audio_enc, fusion)
    history = []
    best: dict = {}
    t_train = time.time()
    for epoch in range(fcfg.epochs):
        gen_order = rng.permutation(train.n)
        real_order = np.concatenate([rng.permutation(real_pool) for _ in range(fcfg.real_repeats)])
        plan = [(train, gen_order[b * bs:(b + 1) * bs]) for b in range(gen_batches)]
        plan += [(real, real_order[b * bs:(b + 1) * bs]) for b in range(real_batches)]
        plan = [plan[i] for i in rng.permutation(len(plan))]
        sums = {'loss': 0.0, 'n': 0}
        for part, rows in plan:
            t = part.targets
            mask = part.mask[rows] * (rng.random((len(rows), 4)) >= fcfg.modality_dropout).astype(np.float32)
            keep = (rng.random((len(rows), part.data.entity_ids.shape[1])) >= fcfg.entity_dropout).astype(np.int64)
            target = t.diagnosis[rows]
            if part.data.is_real:
                *entities, target = name_labels_in_real_notes(rng, part.data.entity_ids[rows], part.data.entity_flags[rows],
                                                              target, label_entities, none, fcfg.real_mention_injection)
            else:
                entities = inject_label_mentions(rng, part.data.entity_ids[rows], part.data.entity_flags[rows],
                                                 target, label_entities, none, fcfg)
            (diag, sev, drug, _), (img_idx, img_raw), (aud_idx, aud_raw) = forward_batch(
                torch, part, rows, mask, image_enc, audio_enc, fusion, fcfg.embed_dim, keep, tuple(entities))
            loss = F.cross_entropy(diag, torch.from_numpy(target))
            sev_y = torch.from_numpy(t.severity[rows])
            if bool((sev_y >= 0).any()):
                loss = loss + F.cross_entropy(sev, sev_y, ignore_index=-100)
            with_drugs = torch.from_numpy(t.has_drug_truth[rows].astype(np.float32)).unsqueeze(1)
            if float(with_drugs.sum()) > 0:
                drug_loss = F.binary_cross_entropy_with_logits(drug, torch.from_numpy(t.drugs[rows]), reduction='none')
                loss = loss + (drug_loss * with_drugs).sum() / len(rows)
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
        val = {name: validation_scores(predict(torch, prep[name], models, fcfg.embed_dim), prep[name].targets,
                                       prep[name].data.in_label())
               for name in ('val', 'real_val', 'real_val_removed')}
        parts_of_score = [val['val']['top1'], val['val']['auroc'], val['real_val']['top3'], val['real_val']['auroc'],
                          val['real_val_removed']['top3']]
        score = float(np.mean([x for x in parts_of_score if x is not None]))
        entry = {'epoch': epoch + 1, 'train_loss': r4(sums['loss'] / sums['n']), 'val': val, 'score': r4(score),
                 'mention_weight': [r4(w) for w in fusion.mention_weight.detach().numpy()],
                 'seconds': round(time.time() - t_train, 1)}
        history.append(entry)
        log('fusion', f'epoch {epoch + 1}/{fcfg.epochs}: loss {entry["train_loss"]}, generated val top-1 {val["val"]["top1"]} '
                      f'AUROC {val["val"]["auroc"]}; real val top-3 {val["real_val"]["top3"]} AUROC {val["real_val"]["auroc"]}, '
                      f'naming removed top-3 {val["real_val_removed"]["top3"]}; score {entry["score"]} ({entry["seconds"]}s)')
        # The last epoch is kept (the schedule anneals to it); the validation scores are reported, not
        # used to pick an epoch: the real validation notes are too few (17 named) to choose by.
        best = entry
    train_s = time.time() - t_train
    outs = {name: predict(torch, prep[name], models, fcfg.embed_dim) for name in ('val', 'real_val')}
    threshold = best_threshold(outs['val']['drugs'], prep['val'].targets.drugs)
    domains = [(abstention_score(outs[n]['probs']), prep[n].data.in_label()) for n in ('val', 'real_val')]
    abstain_threshold, youden = youden_threshold(domains)
    calibration = {n: at_threshold(outs[n]['probs'], prep[n].targets.diagnosis, prep[n].data.in_label(), abstain_threshold)
                   for n in ('val', 'real_val')}
    log('fusion', f'abstention threshold {abstain_threshold:.4f} (mean Youden J {youden:.3f} over generated and real validation): '
                  + '; '.join(f'{n}: abstains on {c["abstained_out_of_label"]} of out-of-label, {c["abstained_in_label"]} of in-label'
                              for n, c in calibration.items()))

    path = cfg.work_dir / 'fusion.pt'
    torch.save({
        'format': 2, 'image': image_enc.state_dict(), 'audio': audio_enc.state_dict(), 'fusion': fusion.state_dict(),
        'entity_vocab': vocab, 'diagnoses': diagnoses, 'drugs': drugs, 'severities': severity_labels(),
        'label_entities': label_entities, 'abstention_threshold': abstain_threshold,
        'image_patterns': image_patterns, 'audio_patterns': audio_patterns, 'drug_threshold': threshold,
        'text_checkpoint_sha256': sha256_file(text_path), 'text_dim': text_model.hidden, 'text_bag': text_bag,
    }, path)
    return {
        'config': cfg_name, 'records': {k: v.n for k, v in prep.items()}, 'epochs': fcfg.epochs,
        'batch_size': bs, 'lr': fcfg.lr, 'modality_dropout': fcfg.modality_dropout,
        'entity_dropout': fcfg.entity_dropout, 'real_repeats': fcfg.real_repeats, 'real_named_repeats': fcfg.real_named_repeats,
        'injection': {'mention': fcfg.mention_injection, 'coded': fcfg.coded_injection, 'distractor': fcfg.distractor_injection,
                      'real_mention': fcfg.real_mention_injection},
        'history': history, 'selected_epoch': best['epoch'], 'selection': 'last epoch',
        'val': {'top1': best['val']['val']['top1'], 'top3': best['val']['val']['top3'], 'auroc': best['val']['val']['auroc'],
                'real': best['val']['real_val'], 'real_removed': best['val']['real_val_removed']},
        'drug_threshold': threshold,
        'abstention': {'threshold': abstain_threshold, 'mean_youden_j': r4(youden), 'calibration': calibration,
                       'method': ('the threshold on P(none) that maximises Youden\'s J (abstention rate on out-of-label records '
                                  'minus the rate on in-label records), averaged over the generated and the real validation '
                                  'records')},
        'mention_weight': dict(zip(ENTITY_FLAG_NAMES, best['mention_weight'])), 'bag_scale': r4(float(fusion.bag_scale)),
        'parameters': {'image': sum(p.numel() for p in image_enc.parameters()),
                       'audio': sum(p.numel() for p in audio_enc.parameters() if p.requires_grad),
                       'fusion': sum(p.numel() for p in fusion.parameters())},
        'prepare_seconds': round(prepare_s, 1), 'train_seconds': round(train_s, 1),
        'records_per_second': round((train.n + real_rows_per_epoch) * fcfg.epochs / train_s, 1), 'threads': torch.get_num_threads(),
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
    log('fusion', f'generated val top-1 {metrics["val"]["top1"]} (epoch {metrics["selected_epoch"]}), drug threshold '
                  f'{metrics["drug_threshold"]}, abstention threshold {metrics["abstention"]["threshold"]}, '
                  f'wall {metrics["wall_seconds"]}s; wrote {out}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'fusion: {e}', file=sys.stderr)
        sys.exit(1)
