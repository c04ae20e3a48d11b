"""@file Fine-tuning of the text encoder: MTSamples specialty, plus diagnosis from generated notes.

Writes training/work/<config>/text_<init>.pt and text_<init>_metrics.json, where <init> is
`pretrained` (start from stage 1's MLM checkpoint) or `random` (start from stage 1's
random_init.pt: the same seeded weights without pretraining). The two runs follow the same
recipe step for step, so the difference of their held-out specialty scores is the effect of
pretraining. The `pretrained` run is the one the package ships.

Why the generated and real notes: the fusion head reads the text only through the pooled vector;
an encoder tuned on specialty alone would put little of the diagnosis into it. An auxiliary
diagnosis head (the 49 labels and "none of these") on `aux_records` generated training notes
(each seen once, spread over the epochs; open-set patients among them) and, every epoch, the real
training notes (real_notes.py: the notes whose title or description names one label, the same
notes with the naming sentences removed, and a share of the notes that name none) fixes that; it
is not exported. Only the training half of MTSamples is read here. The encoder is then frozen for the fusion stage (see fusion_stage.py):
a full multimodal pass through BERT on every epoch is beyond a 2-core training budget.

The epoch with the best validation specialty accuracy is kept. Test scores are computed once,
at the end, on MTSamples test documents (never used in pretraining or here).
"""
from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from .common import RecipeError, log, peak_rss_mb, setup_torch, sha256_file, write_json
from .config import get_config
from .labelsets import Targets, diagnosis_labels, drug_labels, load_graph
from .metrics import accuracy, macro_f1, per_class_f1, r4
from .mm_config import MAX_LENGTH, get_mm_config
from .mm_data import SplitData, trim
from .specialty_data import load_documents, primary_label, specialty_classes
from .synth_data import KG_PATH
from .tokenizer_files import load_encoder as load_tokenizer

# The runtime hands the tokenizer at most maxLength * 8 characters (src/model/features.ts).
CHARS_PER_TOKEN = 8
INITS = {'pretrained': 'pretrained.pt', 'random': 'random_init.pt'}


def encode_docs(tokenizer, docs) -> tuple[np.ndarray, np.ndarray]:
    ids = np.zeros((len(docs), MAX_LENGTH), dtype=np.int64)
    mask = np.zeros((len(docs), MAX_LENGTH), dtype=np.int64)
    for i, doc in enumerate(docs):
        row = tokenizer.encode(doc.text[:MAX_LENGTH * CHARS_PER_TOKEN], MAX_LENGTH)
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return ids, mask


def specialty_split(cfg, mm):
    docs = load_documents()
    classes, counts = specialty_classes(docs['train'], mm.text.min_specialty_docs)
    train = docs['train']
    if mm.text.max_specialty_train_docs is not None:
        train = train[:mm.text.max_specialty_train_docs]  # split-file order: fixed, not cherry-picked
    n_eval = mm.text.max_specialty_eval_docs
    tokenizer = load_tokenizer(cfg)
    out = {}
    for name, part in (('train', train), ('val', docs['val'][:n_eval]), ('test', docs['test'][:n_eval])):
        ids, mask = encode_docs(tokenizer, part)
        y = np.array([primary_label(d, classes, counts) for d in part], dtype=np.int64)
        out[name] = (ids, mask, y)
    return classes, counts, out


def tfidf_rows(ids: np.ndarray, mask: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """The TF-IDF vectors mm_model.TfidfBag computes, as a dense [N, V] matrix (for fitting)."""
    x = np.zeros((len(ids), len(idf)), dtype=np.float32)
    for r in range(len(ids)):
        pieces, counts = np.unique(ids[r][mask[r] > 0], return_counts=True)
        value = (1.0 + np.log(counts)) * idf[pieces]
        norm = float(np.sqrt((value * value).sum()))
        if norm > 0:
            x[r, pieces] = value / norm
    return x


def fit_idf(windows: list[tuple[np.ndarray, np.ndarray]], vocab_size: int, specials: list[int], min_df: int) -> np.ndarray:
    """Smoothed idf over the training windows; 0 for special tokens and pieces in fewer than min_df windows."""
    df = np.zeros(vocab_size, dtype=np.int64)
    n = 0
    for ids, mask in windows:
        for r in range(len(ids)):
            df[np.unique(ids[r][mask[r] > 0])] += 1
            n += 1
    idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
    idf[df < min_df] = 0.0
    idf[specials] = 0.0
    return idf


BAG_FOLDS = 5
BAG_FOLD_SALT = 'clinicalbert/tfidf-bag-folds/v1'


def fit_bag(torch, model, tcfg, idf, spec, aux, real, choose) -> tuple[dict, dict]:
    """Fit the two TF-IDF read-outs by L-BFGS (baselines.fit_logistic) and freeze them in `model.bag`.

    specialty: the specialty training documents, penalty by validation accuracy; diagnosis: the
    generated notes of the auxiliary task and the real training notes (labels and "none"), penalty by
    `choose(probabilities per validation set)`. Also returns out-of-fold outputs for every training
    row (BAG_FOLDS folds by document group: a real note and its naming-removed copy share a fold):
    a logistic regression with a small penalty nearly memorises its training rows, so whatever
    learns on top of it (the transformer's heads here, the fusion head later) must see what it
    says about rows it has not seen, or it learns to trust it far too much."""
    from .baselines import fit_logistic
    from .common import stable_unit

    bag = model.bag
    bag.idf.copy_(torch.from_numpy(idf))
    report = {'vocabulary_in_use': int((idf > 0).sum()), 'folds': BAG_FOLDS}
    oof = {}
    diag_train = (np.concatenate([aux[0], real[0]]), np.concatenate([aux[1], real[1]]), np.concatenate([aux[2], real[2]]))
    diag_groups = list(aux[3]) + list(real[3])
    spec_groups = [f'spec:{i}' for i in range(len(spec['train'][2]))]
    for name, train, groups, val_sets, n_classes in (
            ('specialty', spec['train'], spec_groups, {'val': spec['val']}, model.specialty.out_features),
            ('diagnosis', diag_train, diag_groups, choose['sets'], model.aux_diagnosis.out_features)):
        x = tfidf_rows(train[0], train[1], idf)
        best = None
        for l2 in tcfg.bag_penalties:
            w, b = fit_logistic(torch, x, train[2], n_classes, l2)
            probs = {k: softmax_np(tfidf_rows(v[0], v[1], idf) @ w + b) for k, v in val_sets.items()}
            score = accuracy(probs['val'].argmax(axis=1), val_sets['val'][2]) if name == 'specialty' else choose['score'](probs)
            if best is None or score > best[0] + 1e-12:
                best = (score, l2, w, b)
        score, l2, w, b = best
        with torch.no_grad():
            bag.tables[name].weight.copy_(torch.from_numpy(w.astype(np.float32)))
            bag.biases[name].copy_(torch.from_numpy(b.astype(np.float32)))
        fold = np.array([int(stable_unit(BAG_FOLD_SALT, g) * BAG_FOLDS) for g in groups])
        out = np.zeros((len(x), n_classes), dtype=np.float32)
        for k in range(BAG_FOLDS):
            held = fold == k
            wk, bk = fit_logistic(torch, x[~held], train[2][~held], n_classes, l2)
            out[held] = x[held] @ wk + bk
        oof[name] = out if name == 'specialty' else np.log(np.clip(softmax_np(out), 1e-30, None)).astype(np.float32)
        report[name] = {'l2': l2, 'validation_score': r4(score), 'train_documents': int(len(train[2])),
                        'out_of_fold_accuracy': r4(accuracy(out.argmax(axis=1), train[2]))}
    n_aux = len(aux[2])
    return report, {'specialty': oof['specialty'], 'aux': oof['diagnosis'][:n_aux], 'real': oof['diagnosis'][n_aux:]}


def softmax_np(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_specialty(torch, model, ids, mask, batch_size) -> np.ndarray:
    model.eval()
    order = np.argsort(-mask.sum(axis=1), kind='stable')
    logits = np.zeros((len(ids), model.specialty.out_features), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            x, m = trim(ids[rows], mask[rows])
            xt, mt = torch.from_numpy(x), torch.from_numpy(m)
            logits[rows] = model.heads(model.pooled(xt, mt), model.bag_outputs(xt, mt))[0].numpy()
    model.train()
    return logits


def run(cfg_name: str, init: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    tcfg = mm.text
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 101)
    from .model import load_encoder
    from .mm_model import TextModel

    checkpoint = cfg.work_dir / INITS[init]
    if not checkpoint.exists():
        raise RecipeError(f'{checkpoint} not found: run the {"mlm" if init == "pretrained" else "random-init"} step first')
    bert, info = load_encoder(checkpoint)
    graph = load_graph(KG_PATH)
    diagnoses = diagnosis_labels(graph)
    classes, counts, spec = specialty_split(cfg, mm)
    train_synth = SplitData(cfg_name, 'train')
    drugs = drug_labels(graph, train_synth.labels)
    targets = Targets(train_synth.labels, diagnoses, drugs, [], [])
    n_aux = min(tcfg.aux_records, len(train_synth))
    aux_ids, aux_mask, aux_y = train_synth.input_ids[:n_aux], train_synth.attention_mask[:n_aux], targets.diagnosis[:n_aux]
    real = SplitData(cfg_name, 'real_train')
    real_y = Targets(real.labels, diagnoses, drugs, [], []).diagnosis
    real_named = np.flatnonzero(real.in_label())
    real_unnamed = np.flatnonzero(~real.in_label())
    n_real_unnamed = int(round(len(real_unnamed) * tcfg.real_unnamed_share))
    real_per_epoch = len(real_named) * tcfg.real_named_repeats + n_real_unnamed

    model = TextModel(bert, len(classes), len(diagnoses), tcfg.dropout, tcfg.pooling, bag=tcfg.bag)
    bag_report = oof = None
    if tcfg.bag:
        from .open_set import closed_set_topk

        t_bag = time.time()
        specials = list(load_tokenizer(cfg).special.all())
        real_ids, real_mask = real.input_ids, real.attention_mask
        idf = fit_idf([spec['train'][:2], (aux_ids, aux_mask), (real_ids, real_mask)], bert.config.vocab_size, specials,
                      tcfg.bag_min_df)
        val_parts = {'real_val': SplitData(cfg_name, 'real_val'), 'real_val_removed': SplitData(cfg_name, 'real_val_removed')}
        val_y = {k: Targets(v.labels, diagnoses, drugs, [], []).diagnosis for k, v in val_parts.items()}

        def score(probs):
            named = val_parts['real_val'].in_label()
            return float(np.mean([closed_set_topk(probs['real_val'][named], val_y['real_val'][named], 3),
                                  closed_set_topk(probs['real_val_removed'], val_y['real_val_removed'], 3)]))

        choose = {'sets': {k: (v.input_ids, v.attention_mask, val_y[k]) for k, v in val_parts.items()}, 'score': score}
        aux_groups = [f'generated:{r["id"]}' for r in train_synth.records[:n_aux]]
        real_groups = [f'real:{label["realNote"]["group"]}' for label in real.labels]
        bag_report, oof = fit_bag(torch, model, tcfg, idf, spec, (aux_ids, aux_mask, aux_y, aux_groups),
                                  (real_ids, real_mask, real_y, real_groups), choose)
        np.savez(cfg.work_dir / f'text_{init}_bag_oof.npz', aux_rows=np.arange(n_aux), aux=oof['aux'], real=oof['real'])
        bag_report['seconds'] = round(time.time() - t_bag, 1)
        log('text', f'{init}: TF-IDF read-outs fitted in {bag_report["seconds"]}s: specialty l2 {bag_report["specialty"]["l2"]} '
                    f'(val accuracy {bag_report["specialty"]["validation_score"]}), diagnosis l2 {bag_report["diagnosis"]["l2"]} '
                    f'(real val top-3 {bag_report["diagnosis"]["validation_score"]})')
    model.train()
    spec_ids, spec_mask, spec_y = spec['train']
    bs = tcfg.batch_size
    spec_batches = math.ceil(len(spec_y) / bs)
    aux_batches = math.ceil(n_aux / bs)
    real_batches = math.ceil(real_per_epoch / bs)
    total_steps = (spec_batches + real_batches) * tcfg.epochs + aux_batches
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or 'norm' in name.lower() else decay).append(p)
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': tcfg.weight_decay}, {'params': no_decay, 'weight_decay': 0.0}],
                                  lr=tcfg.lr, betas=(0.9, 0.98), eps=1e-6)
    warmup = max(1, int(total_steps * tcfg.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total_steps - s) / max(1, total_steps - warmup)))
    rng = np.random.default_rng(cfg.seed + 102)
    aux_order = rng.permutation(n_aux)
    aux_per_epoch = np.array_split(np.arange(aux_batches), tcfg.epochs)
    log('text', f'{init}: {len(spec_y)} specialty docs ({len(classes)} classes), {n_aux} generated notes, '
                f'{real_per_epoch} real notes per epoch ({len(real_named)} named), {total_steps} steps, '
                f'{torch.get_num_threads()} threads')

    best = {'val_accuracy': -1.0}
    history = []
    step = 0
    tokens = 0
    t_train = time.time()
    for epoch in range(tcfg.epochs):
        spec_order = rng.permutation(len(spec_y))
        plan = [('spec', spec_order[b * bs:(b + 1) * bs]) for b in range(spec_batches)]
        plan += [('aux', aux_order[b * bs:(b + 1) * bs]) for b in aux_per_epoch[epoch]]
        real_rows = np.concatenate([np.tile(real_named, tcfg.real_named_repeats), rng.permutation(real_unnamed)[:n_real_unnamed]])
        real_rows = real_rows[rng.permutation(len(real_rows))]
        plan += [('real', real_rows[b * bs:(b + 1) * bs]) for b in range(real_batches)]
        plan = [plan[i] for i in rng.permutation(len(plan))]
        losses = {'spec': [], 'aux': [], 'real': []}
        for task, rows in plan:
            if task == 'spec':
                x, m = trim(spec_ids[rows], spec_mask[rows])
                y = spec_y[rows]
            elif task == 'aux':
                x, m = trim(aux_ids[rows], aux_mask[rows])
                y = aux_y[rows]
            else:
                x, m = trim(real.input_ids[rows], real.attention_mask[rows])
                y = real_y[rows]
            xt, mt = torch.from_numpy(x), torch.from_numpy(m)
            bag = None
            if oof is not None:  # what the read-outs say about these rows when they did not see them
                n_spec, n_diag = model.specialty.out_features, model.aux_diagnosis.out_features
                bag = {'specialty': torch.from_numpy(oof['specialty'][rows]) if task == 'spec' else torch.zeros(len(rows), n_spec),
                       'diagnosis': torch.from_numpy(oof['aux' if task == 'aux' else 'real'][rows]) if task != 'spec'
                       else torch.zeros(len(rows), n_diag)}
            specialty_logits, diagnosis_logits = model.heads(model.dropout(model.pooled(xt, mt)), bag)
            logits = specialty_logits if task == 'spec' else diagnosis_logits
            loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), tcfg.grad_clip)
            optimizer.step()
            scheduler.step()
            losses[task].append(float(loss))
            tokens += int(m.size)
            step += 1
            if step % 25 == 0:
                log('text', f'{init}: step {step}/{total_steps} spec loss {np.mean(losses["spec"][-25:] or [0]):.3f} '
                            f'aux loss {np.mean(losses["aux"][-25:] or [0]):.3f} real loss {np.mean(losses["real"][-25:] or [0]):.3f} '
                            f'{tokens / (time.time() - t_train):,.0f} tokens/s')
        val_ids, val_mask, val_y = spec['val']
        val_pred = predict_specialty(torch, model, val_ids, val_mask, tcfg.eval_batch_size).argmax(axis=1)
        entry = {'epoch': epoch + 1, 'spec_loss': r4(np.mean(losses['spec'])), 'aux_loss': r4(np.mean(losses['aux'] or [0])),
                 'real_loss': r4(np.mean(losses['real'] or [0])),
                 'val_accuracy': r4(accuracy(val_pred, val_y)), 'val_macro_f1': r4(macro_f1(val_pred, val_y))}
        history.append(entry)
        log('text', f'{init}: epoch {epoch + 1}: val specialty accuracy {entry["val_accuracy"]}, macro-F1 {entry["val_macro_f1"]}')
        if entry['val_accuracy'] > best['val_accuracy']:
            best = {**entry, 'state': {k: v.detach().clone() for k, v in model.state_dict().items()}}
    train_s = time.time() - t_train
    model.load_state_dict(best.pop('state'))
    test_ids, test_mask, test_y = spec['test']
    test_pred = predict_specialty(torch, model, test_ids, test_mask, tcfg.eval_batch_size).argmax(axis=1)
    f1 = per_class_f1(test_pred, test_y)
    path = cfg.work_dir / f'text_{init}.pt'
    torch.save({'format': 2, 'model_config': info['model_config'], 'state_dict': model.state_dict(), 'classes': classes,
                'n_aux': len(diagnoses), 'dropout': tcfg.dropout, 'pooling': tcfg.pooling, 'bag': tcfg.bag, 'init': init,
                'init_checkpoint_sha256': sha256_file(checkpoint)}, path)
    return {
        'config': cfg_name, 'init': init, 'init_checkpoint': str(checkpoint.name),
        'classes': classes, 'class_train_docs': {c: int(np.sum(spec_y == i)) for i, c in enumerate(classes)},
        'documents': {k: int(len(v[2])) for k, v in spec.items()},
        'aux_records': n_aux, 'real_notes_per_epoch': real_per_epoch, 'real_named': int(len(real_named)),
        'pooling': tcfg.pooling, 'bag': bag_report, 'steps': total_steps, 'epochs': tcfg.epochs, 'lr': tcfg.lr, 'batch_size': bs,
        'history': history, 'selected_epoch': best['epoch'],
        'val': {'accuracy': best['val_accuracy'], 'macro_f1': best['val_macro_f1']},
        'test': {'accuracy': r4(accuracy(test_pred, test_y)), 'macro_f1': r4(macro_f1(test_pred, test_y)),
                 'per_class_f1': {classes[c]: r4(v) for c, v in sorted(f1.items())}},
        'train_seconds': round(train_s, 1), 'tokens_per_second': round(tokens / train_s), 'threads': torch.get_num_threads(),
        'wall_seconds': round(time.time() - started, 1), 'peak_rss_mb': peak_rss_mb(),
        'checkpoint': path.name, 'checkpoint_sha256': sha256_file(path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Fine-tune the text encoder (specialty + auxiliary diagnosis).')
    parser.add_argument('--config', required=True)
    parser.add_argument('--init', choices=sorted(INITS), default='pretrained')
    args = parser.parse_args(argv)
    metrics = run(args.config, args.init)
    out = get_config(args.config).work_dir / f'text_{args.init}_metrics.json'
    write_json(out, metrics)
    log('text', f'{args.init}: test specialty accuracy {metrics["test"]["accuracy"]}, macro-F1 {metrics["test"]["macro_f1"]} '
                f'(wall {metrics["wall_seconds"]}s); wrote {out}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'text: {e}', file=sys.stderr)
        sys.exit(1)
