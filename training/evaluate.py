"""@file The evaluation step: every number of the model card, measured on held-out data.

Writes training/work/<config>/metrics.json (the package step adds the package's size and puts
the same JSON into manifest.json; model_card.py renders MODEL_CARD.md from it). Measures:
- generated test patients (a seed no training or validation patient came from): diagnosis
  top-1/top-3, severity accuracy, drug-recommendation micro-F1 at the threshold chosen on
  validation, beside the naive-Bayes ceiling and the prior-only baseline (baselines.py);
- modality ablations: the same test records with text, image, audio or entities switched off
  through `modality_mask` (as the runtime's explanations do), on all records and on the records
  that have the modality;
- MTSamples specialty on stage 1's held-out test documents: the shipped encoder, the same recipe
  from random initial weights (the effect of pretraining), and TF-IDF + logistic regression on
  the full document and on the model's own window of the text.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .common import RecipeError, log, read_json, setup_torch, sha256_file, write_json
from .config import get_config
from .labelsets import Targets, load_graph
from .metrics import accuracy, multilabel_report, r4, topk_accuracy
from .mm_config import MODALITIES, get_mm_config
from .mm_data import SplitData
from .synth_data import KG_PATH, data_dir


def _diag_scores(out, targets: Targets, threshold: float) -> dict:
    return {'top1': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 1)),
            'top3': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 3)),
            'severity_accuracy': r4(accuracy(out['severity'].argmax(axis=1), targets.severity)),
            'drugs': multilabel_report(out['drugs'] >= threshold, targets.drugs)}


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
    full = predict(torch, prep, models, mm.fusion.embed_dim)
    result = {'records': len(test), 'model': _diag_scores(full, targets, threshold), 'drug_threshold': threshold,
              'unpredictable_drug_labels': targets.unknown_drugs}
    graph = load_graph(KG_PATH)
    result['naive_bayes_ceiling'] = naive_bayes_ceiling(graph, ckpt['diagnoses'], test.labels, targets.diagnosis)
    result['prior_baseline'] = prior_baseline(graph, ckpt['diagnoses'], targets.diagnosis)

    ablations = {}
    top1_full = topk_accuracy(full['diagnosis'], targets.diagnosis, 1)
    for m, name in enumerate(MODALITIES):
        mask = prep.mask.copy()
        mask[:, m] = 0.0
        out = predict(torch, prep, models, mm.fusion.embed_dim, mask)
        has = prep.mask[:, m] > 0
        entry = {'top1': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 1)),
                 'top3': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 3)),
                 'drug_micro_f1': multilabel_report(out['drugs'] >= threshold, targets.drugs)['micro_f1'],
                 'records_with_modality': int(has.sum())}
        entry['top1_drop'] = r4(top1_full - entry['top1'])
        if has.any():
            entry['with_modality_top1_full'] = r4(topk_accuracy(full['diagnosis'][has], targets.diagnosis[has], 1))
            entry['with_modality_top1_removed'] = r4(topk_accuracy(out['diagnosis'][has], targets.diagnosis[has], 1))
        ablations[f'without_{name}'] = entry
    mask = prep.mask.copy()
    mask[:, [0, 3]] = 0.0
    out = predict(torch, prep, models, mm.fusion.embed_dim, mask)
    ablations['without_text_and_entities'] = {'top1': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 1)),
                                              'top3': r4(topk_accuracy(out['diagnosis'], targets.diagnosis, 3))}
    result['ablations'] = ablations
    result['modality_rates'] = {name: r4(prep.mask[:, m].mean()) for m, name in enumerate(MODALITIES)}
    return result


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


def run(cfg_name: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 401)
    generated = generated_metrics(torch, cfg, cfg_name, mm)
    specialty = specialty_metrics(torch, cfg, mm)
    data = read_json(data_dir(cfg_name) / 'data_manifest.json')
    mlm = read_json(cfg.work_dir / 'mlm_metrics.json')
    fusion = read_json(cfg.work_dir / 'fusion_metrics.json')
    text = read_json(cfg.work_dir / 'text_pretrained_metrics.json')
    return {
        'format': 1,
        'config': cfg_name,
        'recipe': f'training/build.sh --config {cfg_name}',
        'seed': cfg.seed,
        'data': {
            'generated': {s: {'seed': v['seed'], 'patients': v['patients'], 'with_image': v['withImage'], 'with_audio': v['withAudio']}
                          for s, v in data['splits'].items()},
            'patient_overlap_between_splits': data['patient_overlap'],
            'knowledge_graph_sha256': sha256_file(KG_PATH),
            'mtsamples_documents': specialty['documents'],
        },
        'generated_test': generated,
        'specialty': specialty,
        'pretraining': {'mlm_steps': mlm.get('steps'), 'mlm_eval': mlm.get('eval'), 'parameters': mlm.get('parameters')},
        'training': {
            'text': {'epochs': text['epochs'], 'steps': text['steps'], 'aux_records': text['aux_records'],
                     'selected_epoch': text['selected_epoch'], 'seconds': text['train_seconds'],
                     'tokens_per_second': text['tokens_per_second']},
            'fusion': {'epochs': fusion['epochs'], 'selected_epoch': fusion['selected_epoch'], 'seconds': fusion['train_seconds'],
                       'records_per_second': fusion['records_per_second'], 'modality_dropout': fusion['modality_dropout'],
                       'val_top1': fusion['val']['top1'], 'parameters': fusion['parameters']},
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
    log('evaluate', f'diagnosis top-1 {g["model"]["top1"]} (ceiling {g["naive_bayes_ceiling"]["top1"]}), '
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
