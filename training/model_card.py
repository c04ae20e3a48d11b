"""@file Renders MODEL_CARD.md from the metrics JSON that evaluate.py and publish.py write.

Every number in the card is read from that JSON (the same object as manifest.json's `metrics`);
this file holds only words and layout, so the card cannot drift from what the recipe measured.

    /usr/bin/python3 -m training.model_card --metrics models/clinicalbert-mini/manifest.json --out MODEL_CARD.md
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import read_json


def pct(x) -> str:
    return f'{100 * float(x):.1f}%'


def num(x) -> str:
    return f'{float(x):.3f}'


def plural(n, word: str) -> str:
    return f'{n:,} {word}' + ('' if n == 1 else 's')


def mib(x) -> str:
    return f'{int(x) / 2**20:.1f} MiB'


def render(m: dict) -> str:
    g = m['generated_test']
    s = m['specialty']
    d = m['data']
    t = m['training']
    pkg = m['package']
    gen = d['generated']
    model = g['model']
    lines = []
    add = lines.append
    add('# clinicalbert-mini: model card')
    add('')
    add('> **A small demonstration model trained on generated records and public text. It is not for clinical use.**')
    add('> Its diagnoses, severities and drug suggestions were learnt from synthetic patients that the project\'s own')
    add('> generator draws from a knowledge graph; nothing here says how it would do on real patients.')
    add('')
    add(f'Built by `{m["recipe"]}` (seed {m["seed"]}). Every number below comes from that run\'s evaluation '
        '(`training/evaluate.py`; the faithfulness table from `clinicalbert evaluate --faithfulness`, run by the recipe\'s '
        '`faithfulness` step), stored in the package\'s `manifest.json` under `metrics`; this card is rendered from it '
        'by `training/model_card.py`.')
    add('')
    add('## What it is')
    add('')
    labels = pkg['labels']
    add('Four ONNX graphs (opset 17, fp32), run by the `clinicalbert` CLI with onnxruntime-node:')
    add('')
    add(f'- **text encoder**: a mini BERT ({m["pretraining"]["parameters"]:,} parameters with its MLM head; 4 layers, hidden 256, '
        f'4 heads) pretrained by masked-language modelling ({m["pretraining"]["mlm_steps"]} steps), then fine-tuned on MTSamples '
        f'specialty ({labels["specialty"]} classes) with an auxiliary diagnosis head on '
        f'{t["text"]["aux_records"]} generated notes. It outputs the pooled [CLS] vector, token vectors, specialty logits '
        'and every layer\'s attention probabilities.')
    add(f'- **image encoder**: a 4-block CNN on the 64x64 grey image ({t["fusion"]["parameters"]["image"]:,} parameters).')
    add(f'- **audio encoder**: a fixed log-mel front end (STFT as a convolution, 64 mel bands) and a 4-block CNN '
        f'({t["fusion"]["parameters"]["audio"]:,} trained parameters); it takes the raw 16 kHz waveform.')
    add(f'- **fusion head** ({t["fusion"]["parameters"]["fusion"]:,} parameters): embeddings of the linked knowledge-graph '
        'entities (with how each was found: mentioned, negated, family, history, coded, abnormal measurement), a query made '
        'from the text, image and audio vectors that attends over them, and a sum of per-entity vectors; heads for '
        f'{labels["diagnoses"]} acute diagnoses (ICD-10-CM, SNOMED CT where known), severity 1-5, and '
        f'{labels["drugs"]} drugs (multi-label; RxNorm where known, else DrugBank).')
    add('')
    add('The text encoder is fine-tuned first and then frozen while the image and audio encoders and the fusion head train '
        f'(modality dropout {t["fusion"]["modality_dropout"]}: any modality may be missing, and `modality_mask` switches one off).')
    gb = pkg['graph_bytes']
    add(f'Package: {pkg["files"]} files, {mib(pkg["bytes"])} (text {mib(gb["text"])}, image {mib(gb["image"])}, '
            f'audio {mib(gb["audio"])}, fusion {mib(gb["fusion"])}).')
    add('')
    add('## Data')
    add('')
    add('| split | generator seed | patients | with chest image | with audio |')
    add('|---|---|---|---|---|')
    for name in ('train', 'val', 'test'):
        v = gen[name]
        add(f'| {name} | {v["seed"]} | {v["patients"]:,} | {v["with_image"]:,} | {v["with_audio"]:,} |')
    add('')
    add(f'Patients shared between splits: {d["patient_overlap_between_splits"]}. Records come from `clinicalbert synth` '
        '(FHIR R4 bundles with a note, coded conditions, medications and observations, and sometimes a chest image and an '
        'auscultation or cough recording), featurized by the runtime\'s own code (`training/featurize.ts`).')
    docs = d['mtsamples_documents']
    add(f'MTSamples specialty uses stage 1\'s fixed document split: {docs["train"]:,} train, {docs["val"]:,} validation and '
        f'{docs["test"]:,} test documents (the test documents were never used for pretraining).')
    add('')
    add('Sources and licences: MTSamples transcriptions (CC0); Medical Abstracts TC (CC BY-SA 3.0, Schopf et al. 2022) and '
        'offline general English (Python documentation, GNU manuals, licence texts) for pretraining; the knowledge graph '
        '(`kg.json`, see its provenance) is built from DDXPlus (CC-BY), PharmacotherapyDB and Synthea code lists.')
    add('')
    add('## Results on held-out generated patients')
    add('')
    add(f'{g["records"]:,} test patients from a generator seed no training patient came from.')
    add('')
    add('| diagnosis (acute condition) | top-1 | top-3 |')
    add('|---|---|---|')
    add(f'| this model | {pct(model["top1"])} | {pct(model["top3"])} |')
    add(f'| generator ceiling: naive Bayes with the graph\'s true probabilities on each patient\'s true evidence | '
        f'{pct(g["naive_bayes_ceiling"]["top1"])} | {pct(g["naive_bayes_ceiling"]["top3"])} |')
    add(f'| prior only (most frequent conditions) | {pct(g["prior_baseline"]["top1"])} | {pct(g["prior_baseline"]["top3"])} |')
    add('')
    add('The ceiling is the Bayes-optimal classifier for patients sampled the way the generator samples them, given the '
        'evidence itself rather than a note about it; the model sees only the record (note text, codes, image, audio), '
        'so the gap to the ceiling is what reading the record costs. It is the ceiling for the evidence alone: the '
        'generated records also carry condition-dependent image and audio patterns and vital signs, so a model can '
        'match it or pass it by a little. On this many test records a difference of about one point is within sampling '
        f'noise (the 95% interval of a top-1 near {pct(model["top1"])} is ±{100 * 1.96 * (model["top1"] * (1 - model["top1"]) / g["records"]) ** 0.5:.1f} points).')
    add('')
    dr = model['drugs']
    add(f'- Severity (1-5) accuracy: {pct(model["severity_accuracy"])}.')
    add(f'- Drug recommendation: micro-F1 {num(dr["micro_f1"])} (precision {num(dr["precision"])}, recall {num(dr["recall"])}, '
        f'exact set match {pct(dr["exact_match"])}) at threshold {g["drug_threshold"]} chosen on validation. The true set '
        'is the graph\'s first-line drug for each of the patient\'s conditions, and the chronic ones are coded in the '
        'record, so most of this task is a lookup the model has learnt; it says nothing about prescribing skill.')
    add('')
    add('### Does the fusion matter? Each modality removed')
    add('')
    add('The same test records with one modality switched off through `modality_mask` (exactly what the runtime\'s '
        'modality-ablation explanations do). "Records with it" restricts to the records that have that modality.')
    add('')
    add('| removed | top-1 (all records) | drop | drug micro-F1 | records with it | top-1 on them: full -> removed |')
    add('|---|---|---|---|---|---|')
    add(f'| nothing | {pct(model["top1"])} | | {num(dr["micro_f1"])} | {g["records"]:,} | |')
    for name in ('text', 'image', 'audio', 'entities'):
        a = g['ablations'][f'without_{name}']
        on = (f'{pct(a["with_modality_top1_full"])} -> {pct(a["with_modality_top1_removed"])}'
              if 'with_modality_top1_full' in a else '')
        add(f'| {name} | {pct(a["top1"])} | {100 * a["top1_drop"]:.1f} pts | {num(a["drug_micro_f1"])} | '
            f'{a["records_with_modality"]:,} | {on} |')
    both = g['ablations']['without_text_and_entities']
    add(f'| text and entities | {pct(both["top1"])} | {100 * (model["top1"] - both["top1"]):.1f} pts | | | |')
    add('')
    ab = g['ablations']
    small = max(ab[f'without_{n}']['top1_drop'] for n in ('text', 'image', 'audio'))
    add('The knowledge-graph entities (findings linked from the note, and the coded facts) carry most of the signal. '
        f'With them present, the rest of the text, the image and the audio each add at most {100 * small:.1f} points, '
        'because in most generated records the findings already settle the diagnosis. Without text and entities, image '
        f'and audio alone still reach {pct(both["top1"])} top-1, against {pct(g["prior_baseline"]["top1"])} for the prior: '
        'those encoders learnt real signal, which the fusion uses when the note is missing or says little.')
    add('')
    add('## MTSamples specialty (real transcriptions, held-out documents)')
    add('')
    add('| model | test accuracy | test macro-F1 |')
    add('|---|---|---|')
    add(f'| this text encoder (pretrained, then fine-tuned) | {pct(s["pretrained"]["test"]["accuracy"])} | '
        f'{num(s["pretrained"]["test"]["macro_f1"])} |')
    add(f'| same recipe from random initial weights (no pretraining) | {pct(s["random"]["test"]["accuracy"])} | '
        f'{num(s["random"]["test"]["macro_f1"])} |')
    for key, label in (('tfidf_logreg_full_document', 'TF-IDF + logistic regression, whole document'),
                       ('tfidf_logreg_model_window', 'TF-IDF + logistic regression, the model\'s 2,048-character window')):
        b = s[key]
        add(f'| {label} | {pct(b["test"]["accuracy"])} | {num(b["test"]["macro_f1"])} |')
    add(f'| majority class | {pct(s["majority_class_test_accuracy"])} | |')
    add('')
    best = s['tfidf_logreg_full_document']['test']['accuracy']
    if best > s['pretrained']['test']['accuracy']:
        add(f'The baseline wins by {100 * (best - s["pretrained"]["test"]["accuracy"]):.1f} points: a 4-layer encoder pretrained '
            f'for {m["pretraining"]["mlm_steps"]} steps on a few million characters is no match for word counts on this task, '
            'even over the same 2,048-character window. The head is shipped as a demonstration of the text path, '
            'not as a specialty classifier to rely on.')
        add('')
    pe = s['pretraining_effect']
    mlm = m['pretraining']['mlm_eval']
    add(f'Effect of the pretraining stage: {100 * pe["accuracy"]:+.1f} accuracy points and {pe["macro_f1"]:+.3f} macro-F1 '
        '(pretrained minus random initial weights, same fine-tuning). Labels: a document listed under several specialties '
        'takes the most specific one (the kept class with the fewest training documents); classes with fewer than 20 '
        'training documents are merged as "Other". Macro-F1 averages over every class present in the test truth or the '
        'predictions.')
    add('')
    add(f'Pretraining itself (stage 1) lowered the held-out masked-token loss from {num(mlm["mtsamples_val"]["before"]["loss"])} to '
        f'{num(mlm["mtsamples_val"]["after"]["loss"])} on MTSamples validation documents and from '
        f'{num(mlm["general_heldout"]["before"]["loss"])} to {num(mlm["general_heldout"]["after"]["loss"])} on held-out general English.')
    add('')
    add('## Faithfulness of the explanations')
    add('')
    f = m.get('faithfulness')
    if not f:
        add('Not measured for this build (the recipe\'s `faithfulness` step did not run on these graphs).')
    else:
        add(f'ERASER scores (DeYoung et al. 2020) of the word-level explanations for the top diagnosis, measured by the CLI '
            f'on {plural(f["records"], "held-out test record")} with a note: `{f["command"]}`. '
            'Comprehensiveness is the drop in the predicted diagnosis\'s probability when the top k% of attributed words '
            'and mentions are removed (higher is better); sufficiency is the drop when only they are kept (lower is better); '
            f'AOPC averages k over {", ".join(str(k) for k in f["aopcK"])}%. Random ranks the same units with a seeded '
            'shuffle.')
        add('')
        add('| method | comprehensiveness k=10% | k=20% | AOPC | sufficiency k=10% | k=20% | AOPC | ms per record |')
        add('|---|---|---|---|---|---|---|---|')
        names = {'word-occlusion': 'word occlusion (shipped in `--explain full`)',
                 'attention-rollout': 'attention rollout (a picture, not claimed faithful)',
                 'random': 'random baseline'}
        for key, label in names.items():
            r = f['methods'].get(key)
            if not r:
                continue
            c, su = r['comprehensiveness'], r['sufficiency']
            add(f'| {label} | {num(c["k10"])} | {num(c["k20"])} | {num(c["aopc"])} | {num(su["k10"])} | {num(su["k20"])} | '
                f'{num(su["aopc"])} | {r["msPerRecord"]:,.0f} |')
        add('')
        add(f'To rerun it without the recipe: `{f["reproduce"]}`. Image and audio saliency (grid and time-segment occlusion) '
            'and modality ablation are exact by construction (each is the model\'s own output with that part removed) but '
            'are not scored here.')
    add('')
    add('## How it was trained')
    add('')
    add(f'- Text: {plural(t["text"]["epochs"], "epoch")} ({t["text"]["steps"]} steps), epoch {t["text"]["selected_epoch"]} kept by '
        f'validation accuracy; {t["text"]["seconds"]:,.0f} s at {t["text"]["tokens_per_second"]:,} tokens/s.')
    add(f'- Fusion: {t["fusion"]["epochs"]} epochs, epoch {t["fusion"]["selected_epoch"]} kept by validation top-1 '
        f'({pct(t["fusion"]["val_top1"])}); {t["fusion"]["seconds"]:,.0f} s at {t["fusion"]["records_per_second"]} records/s.')
    add(f'- {plural(t["threads"], "CPU thread")}, PyTorch 1.13, deterministic algorithms, fixed seeds and splits.')
    add('')
    add('## Limitations')
    add('')
    add('- Trained and tested on generated patients: the test set shares the generator\'s assumptions (conditions, their '
        'evidence probabilities, note templates, image and sound patterns). High scores there show the pipeline learns what '
        'the generator encodes, not clinical validity.')
    add('- Acute diagnoses are limited to the graph\'s conditions; drug suggestions are the graph\'s first-line drugs for the '
        'conditions it recognises, with no dosing, interactions or contraindications.')
    add('- The specialty head was trained on a few thousand public transcriptions with overlapping, noisy labels.')
    add('- The text encoder is tiny and briefly pretrained; it is no substitute for a real clinical language model. A '
        'package of the same form can carry other weights.')
    add('')
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Render MODEL_CARD.md from a metrics JSON (or a manifest.json holding one).')
    parser.add_argument('--metrics', type=Path, required=True)
    parser.add_argument('--out', type=Path, required=True)
    args = parser.parse_args(argv)
    data = read_json(args.metrics)
    metrics = data['metrics'] if 'formatVersion' in data and 'metrics' in data else data
    args.out.write_text(render(metrics), encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main())
