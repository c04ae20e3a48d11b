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
from .model_card_int8 import render_int8
from .model_card_qa import render_qa


def pct(x) -> str:
    return f'{100 * float(x):.1f}%'


def num(x) -> str:
    return f'{float(x):.3f}'


def plural(n, word: str) -> str:
    return f'{n:,} {word}' + ('' if n == 1 else 's')


def mib(x) -> str:
    return f'{int(x) / 2**20:.1f} MiB'


def pts(x, signed: bool = False) -> str:
    return f'{100 * float(x):+.1f} points' if signed else f'{100 * float(x):.1f} points'


NUMBER_WORDS = {1: 'One', 2: 'Two', 3: 'Three', 4: 'Four', 5: 'Five', 6: 'Six'}


def _text_shape(m: dict) -> dict:
    """The text encoder's shape: the publish step's `architecture.text`, else the evaluate step's `model_config`."""
    return (m.get('architecture') or {}).get('text') or m['pretraining'].get('model_config') or {}


def _layers(m: dict) -> str:
    """"a 4-layer encoder", from the metrics; "a small encoder" when no shape was recorded."""
    n = _text_shape(m).get('num_layers')
    return f'a {n}-layer encoder' if n else 'a small encoder'


def _cnn(a: dict, params: str) -> str:
    """"a 4-block CNN (16, 32, 64, 96 channels; 91,312 parameters)" from an encoder's `conv_channels`."""
    ch = a.get('conv_channels') or []
    return f'a {len(ch)}-block CNN ({", ".join(str(c) for c in ch)} channels; {params})' if ch else f'a small CNN ({params})'


def coverage_svg(curves: dict[str, list[dict]], title: str) -> str:
    """A small self-contained SVG line plot of accuracy against coverage (0..1 on both axes)."""
    w, h, left, bottom, top, right = 420, 300, 48, 40, 28, 150
    pw, ph = w - left - right, h - top - bottom
    colours = ['#1f5fa8', '#c0392b', '#2e7d32', '#6a1b9a']

    def x(v):
        return left + pw * float(v)

    def y(v):
        return top + ph * (1 - float(v))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="11">',
           f'<title>{title}</title>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{x(t):.1f}" y1="{y(0):.1f}" x2="{x(t):.1f}" y2="{y(0) + 4:.1f}" stroke="#999"/>')
        out.append(f'<text x="{x(t):.1f}" y="{y(0) + 16:.1f}" text-anchor="middle">{int(t * 100)}%</text>')
        out.append(f'<line x1="{x(0) - 4:.1f}" y1="{y(t):.1f}" x2="{x(0):.1f}" y2="{y(t):.1f}" stroke="#999"/>')
        out.append(f'<text x="{x(0) - 7:.1f}" y="{y(t) + 4:.1f}" text-anchor="end">{int(t * 100)}%</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{h - 6}" text-anchor="middle">coverage (records answered)</text>')
    out.append(f'<text x="12" y="{top + ph / 2:.1f}" text-anchor="middle" transform="rotate(-90 12 {top + ph / 2:.1f})">'
               'accuracy of answers</text>')
    out.append(f'<text x="{left}" y="16" font-weight="bold">{title}</text>')
    for k, (name, points) in enumerate(curves.items()):
        colour = colours[k % len(colours)]
        path = ' '.join(f'{x(p["coverage"]):.1f},{y(p["accuracy"]):.1f}' for p in points)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        ly = top + 14 + 16 * k
        out.append(f'<line x1="{left + pw + 10}" y1="{ly - 4}" x2="{left + pw + 28}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 32}" y="{ly}">{name}</text>')
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def _target_rows(m: dict) -> list[tuple[str, str, bool, str]]:
    """(target, measured, met, gap) for the issue's targets on real notes."""
    r = m['real_notes']
    named, removed = r['diagnosis']['named'], r['diagnosis']['naming_removed']
    spec = m['specialty']
    rows = []
    t3 = named['model']['top3']
    rows.append(('top-3 on notes that name their condition >= 80%', pct(t3), t3 >= 0.80,
                 '' if t3 >= 0.80 else f'{pts(0.80 - t3)} short'))
    lk = named['linker']['top3']
    rows.append(('... and no lower than the linker alone', f'{pct(t3)} vs {pct(lk)}', t3 >= lk,
                 '' if t3 >= lk else f'{pts(lk - t3)} below'))
    tr, tb = removed['model']['top3'], removed['tfidf_logreg']['top3']
    rows.append(('naming sentences removed: above TF-IDF + LR (top-3)', f'{pct(tr)} vs {pct(tb)}', tr > tb,
                 '' if tr > tb else f'{pts(tb - tr)} below'))
    a = r['open_set']['auroc']
    rows.append(('out-of-label AUROC >= 0.85', num(a), a >= 0.85, '' if a >= 0.85 else f'{0.85 - a:.3f} short'))
    sm, sb = spec['pretrained']['test']['accuracy'], spec['tfidf_logreg_full_document']['test']['accuracy']
    rows.append(('specialty accuracy no lower than TF-IDF + LR', f'{pct(sm)} vs {pct(sb)}', sm >= sb,
                 '' if sm >= sb else f'{pts(sb - sm)} below'))
    return rows


def _gap_notes(m: dict) -> list[str]:
    """What stands between the model and each missed diagnosis target, and what would close it."""
    r = m['real_notes']
    named, removed = r['diagnosis']['named'], r['diagnosis']['naming_removed']
    fusion = m['training'].get('fusion', {})
    text = m['training'].get('text', {})
    cats = r['categories']
    train_named = cats['train'].get('named', 0) + cats['val'].get('named', 0)
    n = named['notes']
    out = []
    if named['model']['top3'] < named['linker']['top3']:
        weight = (fusion.get('mention_weight') or {}).get('mentioned')
        out.append(
            f'Notes that name their condition, below the linker: the linker has the named label in its top 3 on '
            f'{round(named["linker"]["top3"] * n)} of {n} notes, the model on {round(named["model"]["top3"] * n)} '
            f'(it abstains on {round(r["open_set"]["abstained_in_label"] * n)}). The label-mention path adds one learnt weight'
            + (f' ({weight:.1f} logits for an affirmed mention)' if weight is not None else '')
            + ' to a named label, the same for every label, and the rest of the head, trained mostly on generated '
            'patients, can outweigh it on a real note (the misses are listed below). What would close it: more real '
            f'named notes to train on (the training half has {train_named}; most labels have none), or a per-label '
            'mention weight once there are enough of them to fit one. Neither was measured here.')
    if removed['model']['top3'] <= removed['tfidf_logreg']['top3']:
        bag = text.get('bag') or {}
        fitted = (bag.get('diagnosis') or {}).get('train_documents')
        out.append(
            'Naming sentences removed, below TF-IDF + LR: the answer has to come from the rest of the note. The baseline '
            f'is fitted on the {r["diagnosis"]["tfidf"]["train_documents"]} real weak-labelled notes alone and reads the '
            'whole document; the model\'s TF-IDF diagnosis read-out'
            + (f' is fitted on {fitted:,} notes, generated and real together,' if fitted else ' is fitted on generated and real notes together')
            + ' and reads the first 256 word pieces, and the head abstains on '
            f'{pct(r["open_set"]["abstained_naming_removed"])} of these notes (top-1: '
            f'{pct(removed["model"]["top1"])} vs {pct(removed["tfidf_logreg"]["top1"])}, '
            + ('ahead of' if removed['model']['top1'] > removed['tfidf_logreg']['top1'] else 'not ahead of')
            + ' the baseline). What would close it, not measured '
            'here: a diagnosis read-out fitted on the real notes alone, reading the whole note rather than its first window, '
            'and more weak-labelled real notes.')
    return out


def _real_section(m: dict, add, coverage_image: str | None) -> None:
    r = m['real_notes']
    dg = r['diagnosis']
    named, removed = dg['named'], dg['naming_removed']
    cats = r['categories']
    op = r['open_set']
    add('## Results on real notes (MTSamples, test half)')
    add('')
    add('Nobody here wrote these notes. MTSamples (CC0) holds 4,999 rows but 2,357 distinct transcriptions; every '
        'transcription belongs to one half by the smallest `note_id` among its rows (even: this test half, read by no '
        'stage of the recipe but this evaluation; odd: training and validation). The model reads only the '
        'transcription. Weak labels come from the titles and descriptions, read by the runtime\'s own linker '
        '(`training/real_notes.py`): a note whose title, or else description, affirms exactly one of the '
        f'{m["package"]["labels"]["diagnoses"] - 1} diagnosis labels is *named* with that label; a note whose title, '
        'description and text affirm none is *out-of-label* (its right answer is "none of these"); notes naming several '
        'labels, or whose text alone affirms one, are left out.')
    add('')
    tc = cats['test']
    add(f'Test half: {tc.get("named", 0):,} named notes, {tc.get("unnamed", 0):,} out-of-label notes '
        f'({tc.get("multiple", 0)} with several labels and {tc.get("body-only", 0)} named only in the text were left out). '
        f'Training half: {cats["train"].get("named", 0) + cats["val"].get("named", 0)} named notes '
        f'({cats["val"].get("named", 0)} of them for validation).')
    add('')
    add('### Targets')
    add('')
    add('| target | measured | met |')
    add('|---|---|---|')
    for target, measured, met, gap in _target_rows(m):
        add(f'| {target} | {measured} | {"yes" if met else "no, " + gap} |')
    add('')
    for line in _gap_notes(m):
        add(line)
        add('')
    add('### Diagnosis on notes that name one label')
    add('')
    add('Closed-set ranking of the labels ("none of these" left out), so every method is scored on the same question: '
        'is the named label among the first k?')
    add('')
    add('| method | notes that name it: top-1 | top-3 | naming sentences removed: top-1 | top-3 |')
    add('|---|---|---|---|---|')
    rows = (('this model', 'model'), ('linker alone (the labels the note names, no guess beyond them)', 'linker'),
            (f'TF-IDF + logistic regression on the training half\'s {dg["tfidf"]["train_documents"]} weak-labelled notes', 'tfidf_logreg'),
            ('majority class (most frequent training labels)', 'majority'))
    for label, key in rows:
        add(f'| {label} | {pct(named[key]["top1"])} | {pct(named[key]["top3"])} | {pct(removed[key]["top1"])} | '
            f'{pct(removed[key]["top3"])} |')
    add('')
    add(f'{named["notes"]} named test notes. "Naming sentences removed": the same notes without every sentence in which '
        'the linker finds the label, so the answer must come from the rest of the note. The TF-IDF baseline trains on the '
        'same notes the model does (each named training note, and its copy with the naming sentences removed).')
    add('')
    per = dg.get('per_label') or {}
    if per:
        missed = sorted(per.values(), key=lambda e: (e['model_top3'] - e['notes'], -e['notes']))
        worst = [e for e in missed if e['model_top3'] < e['notes']][:6]
        if worst:
            add('Where the model misses (named notes, top-3): ' + '; '.join(
                f'{e["display"]} {e["model_top3"]}/{e["notes"]} (linker {e["linker_top3"]}/{e["notes"]}, '
                f'{plural(e["training_notes"], "training note")})' for e in worst) + '.')
            add('')
    add('### None of these: the open set')
    add('')
    add(f'The diagnosis head has a "none of these" class; a record abstains (`diagnoses: []` and an `abstained` object '
        f'in the output) when P(none) is at least {op["threshold"]}, the threshold chosen on validation records. On the '
        f'test half:')
    add('')
    add('| measure | this model | linker alone (abstain when no label is named) |')
    add('|---|---|---|')
    add(f'| abstains on out-of-label notes (right) | {pct(op["abstained_out_of_label"])} | {pct(op["linker_abstained_out_of_label"])} |')
    add(f'| abstains on named notes (wrong) | {pct(op["abstained_in_label"])} | {pct(op["linker_abstained_in_label"])} |')
    add(f'| abstains on named notes with the naming sentences removed | {pct(op["abstained_naming_removed"])} | |')
    add(f'| AUROC of P(none): out-of-label vs named notes | {num(op["auroc"])} | |')
    add(f'| AUROC of P(none): out-of-label vs named notes with the naming sentences removed | {num(op["auroc_naming_removed"])} | |')
    add(f'| top-1 / top-3 among answered notes | {pct(op["answered_top1"])} / {pct(op["answered_top3"])} | |')
    add('')
    if coverage_image:
        add(f'![accuracy against coverage]({coverage_image})')
        add('')
    curve = op['curve']
    picks = [p for p in curve if round(p['target'] * 100) % 25 == 0]
    add('Accuracy against coverage on all test notes (named and out-of-label; answering an out-of-label note is always '
        'wrong), sweeping the threshold: ' + ', '.join(f'{pct(p["coverage"])} answered -> {pct(p["accuracy"])} right'
                                                       for p in picks) + '.')
    add('')
    add(f'Rerun through the CLI (the same graphs, through onnxruntime-node): `{r["reproduce"]["named"]}` and '
        f'`{r["reproduce"]["naming_removed"]}`, after `bash training/build.sh --config {m["config"]} --steps corpus,tokenizer,real` '
        '(about 30 s; the tokenizer step rebuilds the package\'s vocabulary, byte for byte) has written those files from '
        'the corpus.')
    add('')


def _reading_section(m: dict, add) -> None:
    """How the runtime reads a record before the model sees it, with the ConText measurement."""
    add('## How records are read')
    add('')
    add('The model sees what the runtime\'s featurizer makes of a record (the same code featurized its training data). '
        'Rules a reader of its output should know:')
    add('')
    add('- **Notes**: most recent first. Section headings ("Past Medical History:", "# Allergies", "Family History:", '
        '"Review of Systems:") never link as findings and set the context of what follows until the next heading: '
        'history, family, allergy list (left out: an allergen is not a finding), medication list. NegEx/ConText-style '
        'triggers mark mentions negated, historical or a family member\'s.')
    add('- **Statuses**: resolved, inactive or remission conditions and stopped or completed medications are history; '
        'refuted, entered-in-error and cancelled resources are not read (a warning names them); with `--unit encounter` a '
        'condition that held on that encounter\'s date is current there; coded results read as positive or abnormal are '
        'evidence like an out-of-range measurement.')
    add('- **Ages**: vital signs and labs are judged against ranges for the record\'s age and sex at its date '
        '(children\'s heart and breathing rates: 1st-99th centiles of Fleming et al., Lancet 2011; PALS hypotension; '
        'WHO 2011 haemoglobin; table and sources in `docs/reference-ranges.md`); measurements within range are not evidence.')
    add('- **No evidence, no prediction**: a record with no note text, linked finding, coded fact, image or audio gets '
        'nothing from any head (`NO_EVIDENCE`).')
    add('- **Media**: the newest chest radiograph (an image whose body site or modality says otherwise is not read, with '
        'a warning) and the newest recording, read as up to 8 windows of 2 s whose embeddings are averaged.')
    add('')
    c = m.get('note_context')
    if not c:
        add('The ConText measurement was not run for this build (the corpus was absent when the package was published).')
        add('')
        return
    add(f'Context flags on physician-annotated sentences from real clinical reports ({c["file"]}: {c["used"]:,} of '
        f'{c["rows"]:,} rows used; the rest name a condition the sentence does not contain), the annotated condition '
        f'given, as in the ConText evaluation. Rerun: `{c["command"]}`.')
    add('')
    add('| flag | precision | recall | F1 | target | true pos. | false pos. | false neg. |')
    add('|---|---|---|---|---|---|---|---|')
    targets = {'negated': 0.95, 'historical': 0.80}
    for key in ('negated', 'historical', 'family'):
        r = c[key]
        target = targets.get(key)
        mark = '' if target is None else (f'>= {target:.2f} ' + ('met' if r['f1'] >= target else f'MISSED by {target - r["f1"]:.3f}'))
        add(f'| {key} | {num(r["precision"])} | {num(r["recall"])} | {num(r["f1"])} | {mark} | {r["tp"]} | {r["fp"]} | {r["fn"]} |')
    add(f'| negated, GenNegEx (published) | | | {num(c["gennegexNegationF"])} | | | | |')
    add('')
    add('The trigger lists and section rules were written while looking at these rows, so the figures are optimistic for '
        'other text. Each row is one sentence: about a fifth of the historical rows are a bare phrase ("HYPERTENSION.") '
        'whose label comes from a section heading outside the sentence, which caps historical recall near 0.80 here; in a '
        'whole note the heading rule reads them. Family has only a couple of annotated rows: its figure says little.')
    add('')


def render(m: dict, coverage_image: str | None = None) -> str:
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
    add('> Its diagnoses, severities and drug suggestions were learnt mostly from synthetic patients that the project\'s')
    add('> own generator draws from a knowledge graph, and from a few dozen real transcriptions with weak labels. Real-note')
    add('> results come first below, beside simple baselines; the generated-record results come after them.')
    add('')
    add(f'Built by `{m["recipe"]}` (seed {m["seed"]}). Every number below comes from that run\'s evaluation '
        '(`training/evaluate.py`; the faithfulness table from `clinicalbert evaluate --faithfulness`, run by the recipe\'s '
        '`faithfulness` step), stored in the package\'s `manifest.json` under `metrics`; this card is rendered from it '
        'by `training/model_card.py`.')
    add('')
    _real_section(m, add, coverage_image)
    add('## MTSamples specialty (real transcriptions, test half)')
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
        gap = pts(best - s['pretrained']['test']['accuracy'])
        if (t.get('text') or {}).get('bag'):
            window = s['tfidf_logreg_model_window']['test']['accuracy']
            add(f'The baseline wins by {gap}. The encoder carries a TF-IDF read-out like the baseline\'s over its own '
                f'{_text_shape(m).get("max_length", "input")}-word-piece window (that baseline scores {pct(window)} on the window alone), and the transformer '
                f'fine-tuned on top of it moves the result by {pts(s["pretrained"]["test"]["accuracy"] - window, signed=True)}; '
                f'pretrained and random initial weights score about the same: {_layers(m)} pretrained for '
                f'{m["pretraining"]["mlm_steps"]} steps on a few million characters adds nothing measurable over word '
                'counts on this task. The head is shipped as a demonstration of the text path, not as a specialty '
                'classifier to rely on.')
        else:
            add(f'The baseline wins by {gap}: {_layers(m)} pretrained '
                f'for {m["pretraining"]["mlm_steps"]} steps on a few million characters is no match for word counts on this task. '
                'The head is shipped as a demonstration of the text path, not as a specialty classifier to rely on.')
        add('')
        scale = (m.get('experiments') or {}).get('pretraining_scale')
        if scale:
            runs = sorted(scale['budgets'].values(), key=lambda e: e['mlm_steps'])
            measured = ('The same pretraining and specialty fine-tuning (transformer only: no TF-IDF read-out, no '
                        f'auxiliary diagnosis task) run on a GPU (`training/pretraining_scale.py`, {scale["gpu"]}, '
                        f'PyTorch {scale["torch"]}; `{scale["file"]}`) gave specialty test accuracy '
                        + ', '.join(f'{pct(e["specialty_test_accuracy"])} after {e["mlm_steps"]:,} MLM steps' for e in runs)
                        + (f': going from {runs[-2]["mlm_steps"]:,} to {runs[-1]["mlm_steps"]:,} steps added '
                           f'{pts(runs[-1]["specialty_test_accuracy"] - runs[-2]["specialty_test_accuracy"])}'
                           if len(runs) >= 2 and runs[-2]['mlm_steps'] > 0 else ''))
            if (t.get('text') or {}).get('bag'):
                add(f'What would close it: a transformer that reads clinical text better than word counts do. {measured}, '
                    f'so longer pretraining helps the transformer, but at {runs[-1]["mlm_steps"]:,} steps it is still '
                    f'{pts(best - runs[-1]["specialty_test_accuracy"])} below the baseline. A real clinical checkpoint '
                    '(`build.sh --init-from`), or pretraining on a GPU for far longer than 2 CPU cores allow, is what would '
                    'close it; not measured here.')
            else:
                add(f'What would close it: longer pretraining, measured. {measured}. Longer pretraining than 2 CPU cores '
                    'allow (a GPU run), or a real clinical checkpoint (`build.sh --init-from`), is what would close it.')
            add('')
    pe = s['pretraining_effect']
    mlm = m['pretraining']['mlm_eval']
    add(f'Effect of the pretraining stage: {100 * pe["accuracy"]:+.1f} accuracy points and {pe["macro_f1"]:+.3f} macro-F1 '
        '(pretrained minus random initial weights, same fine-tuning). Labels: a document listed under several specialties '
        'takes the most specific one (the kept class with the fewest training documents); classes with fewer than 20 '
        'training documents are merged as "Other". Macro-F1 averages over every class present in the test truth or the '
        'predictions.')
    add('')
    try:
        add(f'Pretraining itself (stage 1) lowered the held-out masked-token loss from {num(mlm["mtsamples_val"]["before"]["loss"])} '
            f'to {num(mlm["mtsamples_val"]["after"]["loss"])} on MTSamples validation documents and from '
            f'{num(mlm["general_heldout"]["before"]["loss"])} to {num(mlm["general_heldout"]["after"]["loss"])} on held-out general English.')
        add('')
    except (KeyError, TypeError):  # an imported checkpoint without an MLM head has no masked-token loss
        pass
    add('## What it is')
    add('')
    labels = pkg['labels']
    arch = m.get('architecture') or {}
    n_graphs = len(pkg.get('graph_bytes') or {})
    graphs = NUMBER_WORDS.get(n_graphs, str(n_graphs)) if n_graphs else 'The'
    opset = f'opset {arch["opset"]}, ' if arch.get('opset') else ''
    int8_note = '; an int8 copy of the text encoder is described below' if pkg.get('int8') else ''
    add(f'{graphs} ONNX graphs ({opset}{pkg.get("precision", "fp32")}{int8_note}), run by the `clinicalbert` CLI with '
        'onnxruntime-node:')
    add('')
    shape = _text_shape(m)
    window = shape.get('max_length', 'input')
    source = m['pretraining'].get('source')
    origin = (f'imported from the Hugging Face checkpoint `{source.get("folder")}`' if source else
              f'pretrained by masked-language modelling ({m["pretraining"]["mlm_steps"]} steps)')
    params = f'{m["pretraining"]["parameters"]:,} parameters with its MLM head; ' if m['pretraining'].get('parameters') else ''
    dims = ', '.join(text.format(shape[k]) for k, text in (('num_layers', '{} layers'), ('hidden_size', 'hidden {}'),
                                                           ('num_heads', '{} heads')) if k in shape)
    add(f'- **text encoder**: a BERT ({params}{dims}) {origin}, then fine-tuned on MTSamples '
        f'specialty ({labels["specialty"]} classes) with an auxiliary diagnosis head on '
        f'{t["text"]["aux_records"]} generated notes and {t["text"]["real_notes_per_epoch"]} real training notes per epoch. '
        'Beside the transformer it carries two TF-IDF read-outs: logistic regressions on the TF-IDF vector of the same '
        f'{window} word pieces (the baseline\'s formulas), fitted by L-BFGS before fine-tuning and then frozen, one for '
        'specialty and one for diagnosis (the labels and "none"); the transformer\'s heads learn on top of them. It '
        'outputs the text vector (the pooled vector, [CLS] beside the mean of the token vectors, then the TF-IDF '
        'diagnosis log-probabilities), token vectors, specialty logits and every layer\'s attention probabilities.')
    image, audio = arch.get('image') or {}, arch.get('audio') or {}
    size = 'x'.join(str(v) for v in (image.get('input') or [])[1:])
    counts = t['fusion']['parameters']
    image_cnn = _cnn(image, f'{counts["image"]:,} parameters')
    add(f'- **image encoder**: {image_cnn} on the {size + " " if size else ""}grey image.')
    mels = f', {audio["mel_bins"]} mel bands' if audio.get('mel_bins') else ''
    rate = f'{audio["sample_rate"] / 1000:g} kHz ' if audio.get('sample_rate') else ''
    audio_cnn = _cnn(audio, f'{counts["audio"]:,} trained parameters')
    add(f'- **audio encoder**: a fixed log-mel front end (STFT as a convolution{mels}) and {audio_cnn}; it takes the raw '
        f'{rate}waveform.')
    add(f'- **fusion head** ({t["fusion"]["parameters"]["fusion"]:,} parameters): embeddings of the linked knowledge-graph '
        'entities (with how each was found: mentioned, negated, family, history, coded, abnormal measurement), a query made '
        'from the text, image and audio vectors that attends over them, a sum of per-entity vectors, and a label-mention '
        'path (a label\'s logit moves by one learnt weight per flag when the record names or codes that label\'s own '
        'entity, the same weight for every label) and the text encoder\'s TF-IDF diagnosis log-probabilities added with a '
        'learnt scale; heads for '
        f'{labels["diagnoses"] - 1} acute diagnoses (ICD-10-CM, SNOMED CT where known) and "none of these", severity 1-5, and '
        f'{labels["drugs"]} drugs (multi-label; RxNorm where known, else DrugBank).')
    add('')
    add('The text encoder is fine-tuned first and then frozen while the image and audio encoders and the fusion head train '
        f'(modality dropout {t["fusion"]["modality_dropout"]}: any modality may be missing, and `modality_mask` switches one off).')
    gb = pkg['graph_bytes']
    int8 = f', int8 text {mib(pkg["int8"]["text_bytes"])}' if pkg.get('int8') else ''
    reader = f', learnt note reader {mib(pkg["reader"]["bytes"])}' if pkg.get('reader') else ''
    add(f'Package: {pkg["files"]} files, {mib(pkg["bytes"])} (text {mib(gb["text"])}{int8}, image {mib(gb["image"])}, '
            f'audio {mib(gb["audio"])}, fusion {mib(gb["fusion"])}{reader}).')
    add('')
    _reading_section(m, add)
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
    add(f'A share of the generated patients ({pct(d["open_set_fraction"])}) are open-set patients: a routine visit with no '
        'acute condition, or a problem outside the diagnosis labels (`clinicalbert synth --open-set`); their right answer is '
        '"none of these".')
    docs = d['mtsamples_documents']
    add(f'MTSamples specialty uses the same split of transcriptions as the real-note results: {docs["train"]:,} train, '
        f'{docs["val"]:,} validation and {docs["test"]:,} test documents (no test transcription is read by pretraining, the '
        'tokenizer or any training stage).')
    add('')
    add('Sources and licences: MTSamples transcriptions (CC0); Medical Abstracts TC (CC BY-SA 3.0, Schopf et al. 2022) and '
        'offline general English (Python documentation, GNU manuals, licence texts) for pretraining; the knowledge graph '
        '(`kg.json`, see its provenance) is built from DDXPlus (CC-BY), PharmacotherapyDB and Synthea code lists.')
    add('')
    add('## Results on held-out generated patients')
    add('')
    add(f'{g["records"]:,} test patients from a generator seed no training patient came from: {g["in_label"]:,} with one of '
        f'the diagnosis labels and {g["out_of_label"]:,} open-set patients. Diagnosis accuracy is the closed-set ranking on '
        'the in-label patients (as on real notes).')
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
    go = g['open_set']
    add(f'Open set on generated patients, at the same threshold ({go["threshold"]}): abstains on '
        f'{pct(go["abstained_out_of_label"])} of the open-set patients and on {pct(go["abstained_in_label"])} of the in-label '
        f'ones; AUROC of P(none) {num(go["auroc"])}.')
    add('')
    dr = model['drugs']
    add(f'- Severity (1-5) accuracy: {pct(model["severity_accuracy"])} (in-label patients).')
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
    add('| removed | top-1 (in-label records) | drop | drug micro-F1 | records with it | top-1 on them: full -> removed |')
    add('|---|---|---|---|---|---|')
    add(f'| nothing | {pct(model["top1"])} | | {num(dr["micro_f1"])} | {g["in_label"]:,} | |')
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
    render_int8(m, add)
    render_qa(add)
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
        f'validation specialty accuracy; {t["text"]["seconds"]:,.0f} s at {t["text"]["tokens_per_second"]:,} tokens/s. '
        f'{t["text"]["real_named"]} named real training notes (and their naming-removed copies) and a share of the '
        'out-of-label ones join the auxiliary diagnosis task every epoch.')
    fv = t['fusion']['val']
    inj = t['fusion']['injection']
    add(f'- Fusion: {t["fusion"]["epochs"]} epochs over the generated training patients and the real training notes '
        f'(each seen {t["fusion"]["real_repeats"]} times per epoch, the named ones {t["fusion"]["real_named_repeats"]} times '
        f'more); the last epoch is kept (validation there: generated top-1 {pct(fv["top1"])} and AUROC {num(fv["auroc"])}; '
        f'real named notes top-3 {pct(fv["real"]["top3"])} and AUROC {num(fv["real"]["auroc"])}; naming removed top-3 '
        f'{pct(fv["real_removed"]["top3"])}); {t["fusion"]["seconds"]:,.0f} s at {t["fusion"]["records_per_second"]} records/s. '
        'Generated notes never name their diagnosis, so the label\'s own entity is added to a training record\'s entities '
        f'as mentioned ({pct(inj["mention"])} of records) or coded ({pct(inj["coded"])}), and other labels as negated, '
        f'historical or a family member\'s ({pct(inj["distractor"])})'
        + (f'; {pct(inj["real_mention"])} of the real out-of-label notes get one random label as an affirmed mention, '
           'with that label as their answer' if inj.get('real_mention') else '')
        + '; learnt label-mention weights: '
        + ', '.join(f'{k} {v:+.2f}' for k, v in t['fusion']['mention_weight'].items() if k != 'pad')
        + (f'; scale of the text read-out\'s diagnosis log-probabilities {t["fusion"]["bag_scale"]:+.2f}'
           if t['fusion'].get('bag_scale') is not None and (t.get('text') or {}).get('bag') else '') + '.')
    ab_cal = t['fusion']['abstention']
    add(f'- Abstention threshold {float(ab_cal["threshold"]):.4f}: {ab_cal["method"]}.')
    build = m.get('build') or {}
    versions = ', '.join(f'{name} {build[k]}' for k, name in (('torch', 'PyTorch'), ('numpy', 'NumPy'), ('onnx', 'ONNX'))
                         if build.get(k))
    add(f'- {plural(t["threads"], "CPU thread")}, deterministic algorithms, fixed seeds and splits.')
    if build:
        commit = build.get('git_commit')
        tree = (' (with uncommitted changes in the working tree)' if build.get('git_dirty') else '') if commit else ''
        add(f'- Published with {versions or "unrecorded library versions"} (Python {build.get("python", "?")}) from '
            + (f'git commit `{commit}`{tree}' if commit else 'a tree outside git')
            + '; the publish step records these, so they name the environment that wrote the package; '
            'the training steps ran before it (`training/work/<config>/timings.tsv`).')
    add('')
    add('## Limitations')
    add('')
    add('- Mostly trained on generated patients: the generated test set shares the generator\'s assumptions (conditions, '
        'their evidence probabilities, note templates, image and sound patterns). High scores there show the pipeline learns '
        'what the generator encodes, not clinical validity; the real-note results above are the ones to read.')
    add('- Real-note labels are weak: they come from MTSamples titles and descriptions through the linker, so a note can be '
        'about a label without its title saying so (those are left out), and a few dozen training notes cover only some of '
        'the labels. The test half has no structured data, images or audio: the real-note numbers measure the text path.')
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
