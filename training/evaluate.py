"""@file The evaluation step: every number of the model card, measured on held-out data.

Writes training/work/<config>/metrics.json (the package step adds the package's size and puts
the same JSON into manifest.json; model_card.py renders MODEL_CARD.md from it). Real data first:
- real notes (real_notes.py; the test half of MTSamples, read by no other stage): closed-set
  top-1/top-3 on the notes whose title or description names one label, and on the same notes with
  every sentence naming it removed, beside the linker alone, TF-IDF + logistic regression trained
  on the training half's weak labels, and the majority class; the open set (open_set.py): the
  abstention rate on notes that name no label, AUROC of the abstention score between them and the
  named notes (and the naming-removed ones), accuracy against coverage;
- generated test patients (a seed no training or validation patient came from): closed-set
  top-1/top-3 on in-label patients, severity accuracy, drug-recommendation micro-F1 at the
  threshold chosen on validation, beside the naive-Bayes ceiling and the prior-only baseline
  (baselines.py), and the same open-set measures on the open-set patients;
- modality ablations: the same test records with text, image, audio or entities switched off
  through `modality_mask` (as the runtime's explanations do), on all records and on the records
  that have the modality;
- MTSamples specialty on stage 1's held-out test documents: the shipped encoder, the same recipe
  from random initial weights (the effect of pretraining), and TF-IDF + logistic regression on
  the full document and on the model's own window of the text.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import time

import numpy as np

from .common import RecipeError, log, read_json, setup_torch, sha256_file, write_json
from .config import get_config
from .labelsets import Targets, load_graph
from .metrics import accuracy, multilabel_report, r4, topk_accuracy
from .open_set import abstention_score, at_threshold, auroc, closed_set_topk, coverage_curve
from .mm_config import MODALITIES, get_mm_config
from .mm_data import SplitData
from .synth_data import KG_PATH, data_dir


def _diag_scores(out, targets: Targets, in_label: np.ndarray, threshold: float) -> dict:
    probs, truth = out['probs'], targets.diagnosis
    sev = targets.severity[in_label]
    has_sev = sev >= 0
    return {'top1': r4(closed_set_topk(probs[in_label], truth[in_label], 1)),
            'top3': r4(closed_set_topk(probs[in_label], truth[in_label], 3)),
            'severity_accuracy': r4(accuracy(out['severity'][in_label][has_sev].argmax(axis=1), sev[has_sev])) if has_sev.any() else None,
            'drugs': multilabel_report(out['drugs'] >= threshold, targets.drugs)}


def open_set_report(probs: np.ndarray, truth: np.ndarray, in_label: np.ndarray, threshold: float) -> dict:
    """Abstention at the package's threshold, AUROC (out-of-label positive) and accuracy against coverage."""
    score = abstention_score(probs)
    top1 = np.argmax(probs[:, :-1], axis=1)
    result = at_threshold(probs, truth, in_label, threshold)
    a = auroc(score[~in_label], score[in_label])
    result['auroc'] = r4(a) if a is not None else None
    result['curve'] = coverage_curve(score, in_label & (top1 == truth))
    return result


def generated_metrics(torch, cfg, cfg_name, mm) -> dict:
    from .baselines import naive_bayes_ceiling, prior_baseline
    from .export_onnx import load_trained
    from .fusion_stage import Prepared, predict

    text_model, image, audio, fusion, ckpt = load_trained(torch, cfg, mm)
    test = SplitData(cfg_name, 'test')
    if test.entity_vocab != ckpt['entity_vocab']:
        raise RecipeError('the test split was featurized with another entity vocabulary than the model was trained on')
    targets = Targets(test.labels, ckpt['diagnoses'], ckpt['drugs'], ckpt['image_patterns'], ckpt['audio_patterns'])
    prep = Prepared(torch, cfg, test, text_model, cfg.work_dir / 'text_pretrained.pt', audio.frontend, targets)
    models = (image, audio, fusion)
    threshold = ckpt['drug_threshold']
    in_label = test.in_label()
    full = predict(torch, prep, models, mm.fusion.embed_dim)
    result = {'records': len(test), 'in_label': int(in_label.sum()), 'out_of_label': int((~in_label).sum()),
              'model': _diag_scores(full, targets, in_label, threshold), 'drug_threshold': threshold,
              'unpredictable_drug_labels': targets.unknown_drugs,
              'open_set': open_set_report(full['probs'], targets.diagnosis, in_label, ckpt['abstention_threshold'])}
    graph = load_graph(KG_PATH)
    labels_in = [label for label, keep in zip(test.labels, in_label) if keep]
    closed = ckpt['diagnoses'][:-1]
    result['naive_bayes_ceiling'] = naive_bayes_ceiling(graph, closed, labels_in, targets.diagnosis[in_label])
    result['prior_baseline'] = prior_baseline(graph, closed, targets.diagnosis[in_label])

    ablations = {}
    top1_full = closed_set_topk(full['probs'][in_label], targets.diagnosis[in_label], 1)
    for m, name in enumerate(MODALITIES):
        mask = prep.mask.copy()
        mask[:, m] = 0.0
        out = predict(torch, prep, models, mm.fusion.embed_dim, mask)
        has = (prep.mask[:, m] > 0) & in_label
        entry = {'top1': r4(closed_set_topk(out['probs'][in_label], targets.diagnosis[in_label], 1)),
                 'top3': r4(closed_set_topk(out['probs'][in_label], targets.diagnosis[in_label], 3)),
                 'drug_micro_f1': multilabel_report(out['drugs'] >= threshold, targets.drugs)['micro_f1'],
                 'records_with_modality': int(has.sum())}
        entry['top1_drop'] = r4(top1_full - entry['top1'])
        if has.any():
            entry['with_modality_top1_full'] = r4(closed_set_topk(full['probs'][has], targets.diagnosis[has], 1))
            entry['with_modality_top1_removed'] = r4(closed_set_topk(out['probs'][has], targets.diagnosis[has], 1))
        ablations[f'without_{name}'] = entry
    mask = prep.mask.copy()
    mask[:, [0, 3]] = 0.0
    out = predict(torch, prep, models, mm.fusion.embed_dim, mask)
    ablations['without_text_and_entities'] = {'top1': r4(closed_set_topk(out['probs'][in_label], targets.diagnosis[in_label], 1)),
                                              'top3': r4(closed_set_topk(out['probs'][in_label], targets.diagnosis[in_label], 3))}
    result['ablations'] = ablations
    result['modality_rates'] = {name: r4(prep.mask[:, m].mean()) for m, name in enumerate(MODALITIES)}
    return result


def _note_texts(path) -> list[str]:
    """The note text of each record of a real-note NDJSON file (real_notes.note_bundle), in order."""
    texts = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            bundle = json.loads(line)
            doc = bundle['entry'][1]['resource']
            texts.append(base64.b64decode(doc['content'][0]['attachment']['data']).decode('utf-8'))
    return texts


def _topk_of_ranking(rankings: list[list[int]], truth: np.ndarray, k: int) -> float:
    return float(np.mean([t in r[:k] for r, t in zip(rankings, truth)])) if len(truth) else 0.0


def real_note_metrics(torch, cfg, cfg_name, mm) -> dict:
    """The model and its baselines on the test half of MTSamples (real_notes.py), real data first."""
    from .baselines import linker_ranking, tfidf_logreg_scores
    from .export_onnx import load_trained
    from .fusion_stage import Prepared, predict
    from .synth_data import split_paths

    text_model, image, audio, fusion, ckpt = load_trained(torch, cfg, mm)
    diagnoses = ckpt['diagnoses']
    n_closed = len(diagnoses) - 1
    label_index = {d['id']: i for i, d in enumerate(diagnoses[:-1])}
    parts = {name: SplitData(cfg_name, name) for name in ('real_train', 'real_val', 'real_test', 'real_test_removed')}
    targets = {name: Targets(d.labels, diagnoses, ckpt['drugs'], [], []) for name, d in parts.items()}
    out = {}
    for name in ('real_test', 'real_test_removed'):
        prep = Prepared(torch, cfg, parts[name], text_model, cfg.work_dir / 'text_pretrained.pt', audio.frontend, targets[name])
        out[name] = predict(torch, prep, (image, audio, fusion), mm.fusion.embed_dim)

    test, removed = parts['real_test'], parts['real_test_removed']
    named = test.in_label()
    y_named = targets['real_test'].diagnosis[named]
    y_removed = targets['real_test_removed'].diagnosis
    # Baselines: the labels the note names, TF-IDF + LR on the training half's weak labels, the majority class.
    link = {name: [linker_ranking(r['entities'], label_index) for r, keep in zip(parts[name].records, parts[name].in_label()) if keep]
            for name in ('real_test', 'real_test_removed')}
    train_in = parts['real_train'].in_label()
    val_in = parts['real_val'].in_label()
    train_texts = [t for t, keep in zip(_note_texts(split_paths(cfg_name, 'real_train')['records']), train_in) if keep]
    val_texts = [t for t, keep in zip(_note_texts(split_paths(cfg_name, 'real_val')['records']), val_in) if keep]
    test_texts = [t for t, keep in zip(_note_texts(split_paths(cfg_name, 'real_test')['records']), named) if keep]
    removed_texts = _note_texts(split_paths(cfg_name, 'real_test_removed')['records'])
    y_train = targets['real_train'].diagnosis[train_in]
    tfidf, tfidf_info = tfidf_logreg_scores(train_texts, y_train, val_texts, targets['real_val'].diagnosis[val_in],
                                            {'named': test_texts, 'removed': removed_texts}, n_closed)
    counts = np.bincount(y_train, minlength=n_closed)
    majority = np.argsort(-counts, kind='stable')

    def row(model_probs, truth, linker, tfidf_probs):
        return {
            'notes': int(len(truth)),
            'model': {'top1': r4(closed_set_topk(model_probs, truth, 1)), 'top3': r4(closed_set_topk(model_probs, truth, 3))},
            'linker': {'top1': r4(_topk_of_ranking(linker, truth, 1)), 'top3': r4(_topk_of_ranking(linker, truth, 3)),
                       'answered': r4(np.mean([len(r) > 0 for r in linker])) if linker else None},
            'tfidf_logreg': {'top1': r4(topk_accuracy(tfidf_probs, truth, 1)), 'top3': r4(topk_accuracy(tfidf_probs, truth, 3))},
            'majority': {'top1': r4(float(np.mean(truth == majority[0]))), 'top3': r4(float(np.mean(np.isin(truth, majority[:3]))))},
        }

    model_top3 = np.argsort(-out['real_test']['probs'][named][:, :-1], axis=1, kind='stable')[:, :3]
    per_label = {}
    for i, label in enumerate(y_named):
        entry = per_label.setdefault(diagnoses[label]['id'], {'display': diagnoses[label]['display'], 'notes': 0,
                                                              'model_top3': 0, 'linker_top3': 0,
                                                              'training_notes': int(counts[label])})
        entry['notes'] += 1
        entry['model_top3'] += int(label in model_top3[i])
        entry['linker_top3'] += int(label in link['real_test'][i][:3])
    diagnosis = {
        'per_label': dict(sorted(per_label.items())),
        'named': row(out['real_test']['probs'][named], y_named, link['real_test'], tfidf['named']),
        'naming_removed': row(out['real_test_removed']['probs'], y_removed, link['real_test_removed'], tfidf['removed']),
        'tfidf': tfidf_info,
        'majority_labels': [diagnoses[i]['id'] for i in majority[:3]],
    }
    probs = out['real_test']['probs']
    open_set = open_set_report(probs, targets['real_test'].diagnosis, named, ckpt['abstention_threshold'])
    score = abstention_score(probs)
    removed_score = abstention_score(out['real_test_removed']['probs'])
    a = auroc(score[~named], removed_score)
    open_set['auroc_naming_removed'] = r4(a) if a is not None else None
    open_set['abstained_naming_removed'] = r4(float((removed_score >= ckpt['abstention_threshold']).mean()))
    # A linker-only abstention rule for comparison: abstain when the note names no label.
    linker_answers = np.array([len(linker_ranking(r['entities'], label_index)) > 0 for r in test.records])
    open_set['linker_abstained_out_of_label'] = r4(float((~linker_answers[~named]).mean()))
    open_set['linker_abstained_in_label'] = r4(float((~linker_answers[named]).mean()))
    manifest = read_json(data_dir(cfg_name) / 'real_manifest.json')
    return {
        'source': 'MTSamples (CC0), test half: transcriptions whose smallest note_id is even',
        'rule': manifest['rule'],
        'categories': manifest['categories'],
        'named_by_label': manifest['named_by_label'],
        'named_by_source': manifest['named_by_source'],
        'diagnosis': diagnosis,
        'open_set': open_set,
        'reproduce': {
            'named': (f'clinicalbert evaluate training/work/{cfg_name}/data/real_test.ndjson --labels '
                      f'training/work/{cfg_name}/data/real_test.labels.jsonl'),
            'naming_removed': (f'clinicalbert evaluate training/work/{cfg_name}/data/real_test_removed.ndjson --labels '
                               f'training/work/{cfg_name}/data/real_test_removed.labels.jsonl'),
        },
    }


def specialty_metrics(torch, cfg, mm) -> dict:
    from .baselines import tfidf_logreg
    from .specialty_data import load_documents, primary_label, specialty_classes
    from .text_stage import CHARS_PER_TOKEN
    from .mm_config import MAX_LENGTH

    out = {}
    for init in ('pretrained', 'random'):
        path = cfg.work_dir / f'text_{init}_metrics.json'
        if not path.exists():
            raise RecipeError(f'{path} not found: run the text{"" if init == "pretrained" else "-random"} step first')
        m = read_json(path)
        out[init] = {'val': m['val'], 'test': {k: m['test'][k] for k in ('accuracy', 'macro_f1')},
                     'selected_epoch': m['selected_epoch'], 'train_seconds': m['train_seconds']}
        if init == 'pretrained':
            out['classes'] = m['classes']
            out['documents'] = m['documents']
            out['per_class_f1'] = m['test']['per_class_f1']
    docs = load_documents()
    classes, counts = specialty_classes(docs['train'], mm.text.min_specialty_docs)
    if classes != out['classes']:
        raise RecipeError('specialty classes differ between the text step and a fresh computation')
    train = docs['train'] if mm.text.max_specialty_train_docs is None else docs['train'][:mm.text.max_specialty_train_docs]
    n_eval = mm.text.max_specialty_eval_docs
    parts = {'train': train, 'val': docs['val'][:n_eval], 'test': docs['test'][:n_eval]}
    y = {k: np.array([primary_label(d, classes, counts) for d in v], dtype=np.int64) for k, v in parts.items()}
    t0 = time.time()
    out['tfidf_logreg_full_document'] = tfidf_logreg(torch, {k: ([d.text for d in v], y[k]) for k, v in parts.items()}, len(classes))
    window = MAX_LENGTH * CHARS_PER_TOKEN
    out['tfidf_logreg_model_window'] = tfidf_logreg(torch, {k: ([d.text[:window] for d in v], y[k]) for k, v in parts.items()},
                                                    len(classes))
    out['tfidf_seconds'] = round(time.time() - t0, 1)
    out['pretraining_effect'] = {
        'accuracy': r4(out['pretrained']['test']['accuracy'] - out['random']['test']['accuracy']),
        'macro_f1': r4(out['pretrained']['test']['macro_f1'] - out['random']['test']['macro_f1']),
    }
    out['majority_class_test_accuracy'] = r4(np.mean(y['test'] == np.bincount(y['train']).argmax()))
    return out


def text_ckpt_config(cfg) -> dict:
    """The encoder's shape (layers, hidden size, heads...) as the text checkpoint records it."""
    import torch

    ckpt = torch.load(cfg.work_dir / 'text_pretrained.pt', map_location='cpu')
    keys = ('vocab_size', 'hidden_size', 'num_layers', 'num_heads', 'intermediate_size', 'max_position_embeddings')
    return {k: ckpt['model_config'][k] for k in keys if k in ckpt['model_config']}


def run(cfg_name: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 401)
    real = real_note_metrics(torch, cfg, cfg_name, mm)
    generated = generated_metrics(torch, cfg, cfg_name, mm)
    specialty = specialty_metrics(torch, cfg, mm)
    data = read_json(data_dir(cfg_name) / 'data_manifest.json')
    mlm = read_json(cfg.work_dir / 'mlm_metrics.json')
    fusion = read_json(cfg.work_dir / 'fusion_metrics.json')
    text = read_json(cfg.work_dir / 'text_pretrained_metrics.json')
    return {
        'format': 2,
        'config': cfg_name,
        'recipe': f'training/build.sh --config {cfg_name}',
        'seed': cfg.seed,
        'data': {
            'generated': {s: {'seed': v['seed'], 'patients': v['patients'], 'with_image': v['withImage'], 'with_audio': v['withAudio']}
                          for s, v in data['splits'].items()},
            'patient_overlap_between_splits': data['patient_overlap'],
            'open_set_fraction': mm.open_set_fraction,
            'knowledge_graph_sha256': sha256_file(KG_PATH),
            'mtsamples_documents': specialty['documents'],
        },
        'real_notes': real,
        'generated_test': generated,
        'specialty': specialty,
        'pretraining': {'mlm_steps': mlm.get('steps'), 'mlm_eval': mlm.get('eval'), 'parameters': mlm.get('parameters'),
                        'model_config': text_ckpt_config(cfg), **({'source': mlm['source']} if mlm.get('source') else {})},
        'training': {
            'text': {'epochs': text['epochs'], 'steps': text['steps'], 'aux_records': text['aux_records'],
                     'real_notes_per_epoch': text['real_notes_per_epoch'], 'real_named': text['real_named'],
                     'pooling': text['pooling'], 'bag': text['bag'], 'selected_epoch': text['selected_epoch'],
                     'seconds': text['train_seconds'],
                     'tokens_per_second': text['tokens_per_second']},
            'fusion': {'epochs': fusion['epochs'], 'selected_epoch': fusion['selected_epoch'], 'seconds': fusion['train_seconds'],
                       'records_per_second': fusion['records_per_second'], 'modality_dropout': fusion['modality_dropout'],
                       'real_repeats': fusion['real_repeats'], 'real_named_repeats': fusion['real_named_repeats'],
                       'injection': fusion['injection'], 'bag_scale': fusion['bag_scale'],
                       'mention_weight': fusion['mention_weight'], 'records': fusion['records'],
                       'val': fusion['val'], 'abstention': fusion['abstention'], 'parameters': fusion['parameters']},
            'threads': cfg.threads,
        },
        'evaluate_seconds': round(time.time() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Evaluate the trained model and the baselines (writes metrics.json).')
    parser.add_argument('--config', required=True)
    args = parser.parse_args(argv)
    metrics = run(args.config)
    out = get_config(args.config).work_dir / 'metrics.json'
    write_json(out, metrics)
    g = metrics['generated_test']
    s = metrics['specialty']
    r = metrics['real_notes']
    named, removed = r['diagnosis']['named'], r['diagnosis']['naming_removed']
    log('evaluate', f'real notes: top-3 {named["model"]["top3"]} (linker {named["linker"]["top3"]}, TF-IDF '
                    f'{named["tfidf_logreg"]["top3"]}), naming removed {removed["model"]["top3"]} (TF-IDF '
                    f'{removed["tfidf_logreg"]["top3"]}), out-of-label AUROC {r["open_set"]["auroc"]}, abstains on '
                    f'{r["open_set"]["abstained_out_of_label"]} of out-of-label notes')
    log('evaluate', f'generated: top-1 {g["model"]["top1"]} (ceiling {g["naive_bayes_ceiling"]["top1"]}), '
                    f'drug F1 {g["model"]["drugs"]["micro_f1"]}, specialty accuracy {s["pretrained"]["test"]["accuracy"]} '
                    f'(random init {s["random"]["test"]["accuracy"]}, TF-IDF {s["tfidf_logreg_full_document"]["test"]["accuracy"]}); '
                    f'wrote {out}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'evaluate: {e}', file=sys.stderr)
        sys.exit(1)
