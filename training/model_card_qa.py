"""@file The model card's section on `clinicalbert ask`: its answers measured by `clinicalbert evaluate --qa`,
beside the baseline, real text and real records first, generated records after.

Why apart from model_card.py: `ask` answers from the package's knowledge graph, its linker and ConText rules (the
weights answer only "why" questions), so its figures do not come from the recipe's metrics; they come from the JSON
that `clinicalbert evaluate --qa ... --out docs/qa-metrics.json` writes (the command is in the section), read here
when the file is there.
"""
from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QA_METRICS = REPO_ROOT / 'docs' / 'qa-metrics.json'
QA_COMMAND = ('node bin/clinicalbert.js synth --seed 4004 --patients 300 --out /tmp/qa-gen.ndjson && '
              'node bin/clinicalbert.js evaluate --qa --corpus ../shared/corpus /tmp/qa-gen.ndjson '
              '--labels /tmp/qa-gen.ndjson.labels.jsonl --out docs/qa-metrics.json')


def _pct(x) -> str:
    return '-' if x is None else f'{100 * x:.1f}%'


def _group(report: dict, set_name: str, group: str) -> dict | None:
    for s in report['sets']:
        if s['set'] == set_name:
            for g in s['groups']:
                if g['group'] == group:
                    return g
    return None


def _cell(report: dict, set_name: str, group: str) -> str:
    g = _group(report, set_name, group)
    if not g or g['yesNo']['total'] == 0:
        return '-'
    y = g['yesNo']
    return f'{_pct(y["precision"])} at {_pct(y["coverage"])} ({y["correct"]}/{y["answered"]} of {y["total"]})'


ROWS = [
    ('real text: ConText dev sentences, "Does the patient have X?" (now)', 'context', 'now'),
    ('real text: ConText dev sentences, "Did the patient have X before?"', 'context', 'past'),
    ('real records: Synthea bundles (notes only), current conditions and never-had conditions', 'synthea', 'condition'),
    ('real records: Synthea bundles, drugs taken now and never taken', 'synthea', 'medication'),
    ('real records: Synthea bundles, resolved conditions asked "now" (yes is wrong)', 'synthea', 'resolved-now'),
    ('real records: Synthea bundles, resolved conditions asked "ever"', 'synthea', 'resolved-ever'),
    ('real records: Synthea bundles, "Does the patient smoke?" (coded status as truth)', 'synthea', 'smoking'),
    ('generated held-out records (notes only): chronic conditions', 'generated-notes', 'chronic'),
    ('generated held-out records (notes only): findings', 'generated-notes', 'finding'),
    ('generated held-out records (notes only): the acute diagnosis, never written in the record', 'generated-notes', 'acute'),
]


def render_qa(add, path: Path = QA_METRICS) -> None:
    """Adds the section, or a line saying it was not measured."""
    add('## Questions about records: `clinicalbert ask`')
    add('')
    if not path.exists():
        add(f'Not measured for this build (no `{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}`).')
        add('')
        return
    qa = json.loads(path.read_text(encoding='utf-8'))
    ask, base = qa['ask'], qa['baseline']
    add('`ask` answers from coded FHIR facts first and from notes second, reading notes with the package\'s linker and '
        'ConText rules (negation, history, family, hypothetical), and cites every answer. It is measured as a yes/no reader: '
        'precision among the questions it answers, at the coverage it reaches (it may say "unknown"), beside a baseline '
        'that searches the question\'s entity in the notes with negation only (no history, family, hypothetical, sections '
        f'or dates). Rerun: `{QA_COMMAND}` (the generated records use seed 4004, which no training split uses). '
        'Each cell: precision at coverage (correct/answered of questions).')
    add('')
    add('| questions | ask | baseline |')
    add('|---|---|---|')
    for label, set_name, group in ROWS:
        add(f'| {label} | {_cell(ask, set_name, group)} | {_cell(base, set_name, group)} |')
    lists = _group(ask, 'generated-notes', 'conditions-list')
    lists_base = _group(base, 'generated-notes', 'conditions-list')
    if lists and lists['values']['total']:
        add(f'| generated held-out records (notes only): "What conditions does the patient have?", exact match / token F1 '
            f'over {lists["values"]["total"]} records | {_pct(lists["values"]["exactMatch"])} / {_pct(lists["values"]["f1"])} '
            f'| {_pct(lists_base["values"]["exactMatch"])} / {_pct(lists_base["values"]["f1"])} (it answers no list question: '
            'right only where the list is empty) |')
    add('')
    add('How to read it. Truths: ConText\'s physician annotations (a "now" question is `yes` for an affirmed recent '
        'mention of the patient, `no` for a negated one; a "before" question `yes` for an affirmed historical one; '
        'hypothetical and other-experiencer rows only make `yes` wrong); the Synthea bundles\' coded Conditions, '
        'MedicationRequests and smoking status, answered with the coded data hidden. Where ask and the baseline tie, the '
        'notes state the fact plainly; where they differ, the reader\'s rules matter: past from present, lists of history, '
        'old notes against the record\'s date (a condition that lasts, src/ask/persistence.ts, stays present), a current '
        'medication list read as complete.')
    resolved = _group(ask, 'synthea', 'resolved-now')
    resolved_base = _group(base, 'synthea', 'resolved-now')
    if resolved and resolved_base and resolved['yesNo']['total']:
        add(f'On resolved conditions asked "now", the baseline says yes to {resolved_base["yesNo"]["answered"]} of '
            f'{resolved_base["yesNo"]["total"]} (their notes keep listing them), ask to {resolved["yesNo"]["answered"]} '
            '(a newest note that presents with the condition on the day the coded data resolves it, or a condition that '
            'usually lasts, such as anemia, coded as resolved) and abstains on the rest.')
    add('')
    add('What falls short. Smoking on the Synthea bundles: their notes say "Patient is an active smoker" for 8 of 9 '
        'patients whose coded smoking status, at the same dates, is never or former smoker; both readers follow the notes, '
        'so this row measures that disagreement in the data, not a reader. Coverage is low where the truth is "no": '
        'notes rarely say that a patient does not have a condition they never had, and ask gives no closed-world "no". '
        'The acute diagnosis of a generated record is never written in it (the generator keeps the label out), so nothing '
        'answers it.')
    add('')
    render_readers(add, qa)


READER_ROWS = [
    ('real text: ConText, "Does the patient have X?" (now)', 'context', 'now'),
    ('real text: ConText, "Did the patient have X before?"', 'context', 'past'),
    ('real records: Synthea (notes only), current and never-had conditions', 'synthea', 'condition'),
    ('real records: Synthea, resolved conditions asked "now" (yes is wrong)', 'synthea', 'resolved-now'),
    ('real records: Synthea, resolved conditions asked "ever"', 'synthea', 'resolved-ever'),
    ('generated held-out records (notes only): chronic conditions', 'generated-notes', 'chronic'),
    ('generated held-out records (notes only): findings', 'generated-notes', 'finding'),
]


def render_readers(add, qa: dict) -> None:
    """The learnt note reader beside the rules (`ask --reader`), when the metrics hold its runs."""
    readers = qa.get('readers')
    add('### The learnt note reader (`ask --reader learnt|agree`)')
    add('')
    if not readers:
        add('Not measured for this build (the package has no reader.json).')
        add('')
        return
    add('For questions about a condition or finding, `ask --reader learnt` lets a learnt reader say how each candidate '
        'sentence states the condition (affirmed, negated, historical, family, hypothetical) instead of the ConText '
        f'rules; `--reader agree` counts a mention only where both say the same. The reader runs `{readers["encoder"]}` '
        'on the sentence around the mention and a small head (`reader.json`); `training/reader.py` trains it and its '
        'docstring has the data, the figures on its own held-out pairs and the commands. It learns from real sentences '
        '(the MTSamples training half, never its test half) labelled by the rules, which makes those labels silver, not '
        'gold, and from generated notes labelled by the generator; it is never trained on, or chosen by, ConText. Same '
        'sets and truths as above; each cell: precision at coverage (correct/answered of questions).')
    add('')
    add('| questions | rules (default) | learnt | agree | baseline |')
    add('|---|---|---|---|---|')
    for label, set_name, group in READER_ROWS:
        add(f'| {label} | {_cell(qa["ask"], set_name, group)} | {_cell(readers["learnt"], set_name, group)} | '
            f'{_cell(readers["agree"], set_name, group)} | {_cell(qa["baseline"], set_name, group)} |')
    add('')
    add('The rules stay the default: alone, the learnt reader is less precise than the rules on the real sets (above the '
        'baseline on ConText "now", below the rules on "before" and on resolved conditions). As a check on the rules '
        '(`agree`) it raises precision and costs coverage: use it where a wrong "yes" costs more than an "unknown". The '
        'reader\'s encoder is the text encoder with its four transformer layers fine-tuned together with the head on those '
        'pairs (`training/reader_finetune.py`; its word-embedding tables stay those of `onnx/text_encoder.onnx`, which its '
        'int8 file reads, so the two ship together). Scored on the annotated spans alone (training/reader.py, not the whole '
        'answerer above), fine-tuning took the reader from 83.5% at 94.6% to 91.0% at 92.2% on ConText "now", against the '
        'frozen encoder with only the head trained. An earlier reader trained on generated notes alone '
        '(`training/reader_experiment.py`) reached 99.2% on held-out generated pairs and 69.8% at 86.8% on ConText "now": '
        'it learnt the generator\'s phrasings, not assertion.')
    add('')
