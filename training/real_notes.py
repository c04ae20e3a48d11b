"""@file Real notes with weak labels: MTSamples transcriptions as records the model can learn from and
be measured on, written in the same FHIR form as any input and featurized by the runtime's code.

Why weak labels, and which: MTSamples has no diagnosis field, but its title (`sample_name`) and
its one-line description often name the condition the note is about ("Atrial Fibrillation -
SOAP", "Chest tube insertion ... spontaneous pneumothorax"). The runtime's own linker
(training/link_notes.ts) reads those fields with the graph's surface forms (names, synonyms,
ICD-10-CM forms and abbreviations, kg.json) and its NegEx/ConText rules. The rule, per distinct
transcription (all rows that carry it: a text listed under several specialties has several
titles and descriptions):

1. title labels: acute diagnosis labels the titles mention, not negated, not a family member's
   (titles carry no history context, so a "historical" flag there is ignored);
2. description labels: acute labels the descriptions mention affirmed: not negated, not a family
   member's, not historical ("history of anemia" names a past problem, not this note's);
3. the note's labels are the title labels when there are any, else the description labels;
4. category: `named` (exactly one label: an in-label note with that weak label), `multiple`
   (two or more: left out, its answer is ambiguous), and when title and description name none:
   `unnamed` if the transcription itself affirms no acute label (not negated, not historical, not
   family) — an out-of-label note, whose right answer is "none of these" — else `body-only`
   (left out: it may be about a label after all).

The model's input is the transcription alone (cleaned of the scrape's separators); titles and
descriptions are used only for labels. "Naming sentences removed": every sentence of the
transcription in which the linker finds the note's label (any mention, negated or not) is
dropped, so what is left must be read from the rest of the note.

Split: `corpus.mtsamples_half` (smallest note_id of a transcription: even = test half, odd =
training half, of which 15% of the groups validate). Training uses the training half only; the
test half is written for the final evaluation and read by nothing else.

Writes under training/work/<config>/data/: `real_<part>.ndjson` + `.labels.jsonl` + featurized
folder `real_<part>/` for the parts `train` (named, their naming-removed copies, unnamed),
`val`, `val_removed`, `test`, `test_removed`; and `real_manifest.json` (rule, counts per split
and category, label counts).
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .common import RecipeError, log, read_json, sha256_file, stable_unit, write_json
from .config import REPO_ROOT, get_config
from .corpus import _collapse, clean_mtsamples_text, load_mtsamples_split
from .mm_config import AUDIO_SECONDS, IMAGE_SIZE, MAX_ENTITIES, MAX_LENGTH, SAMPLE_RATE, get_mm_config
from .synth_data import KG_PATH, data_dir
from .tokenizer_files import tokenizer_dir

CATEGORIES = ('named', 'multiple', 'unnamed', 'body-only')
# Parts written for training and evaluation (see the module docstring).
PARTS = ('train', 'val', 'val_removed', 'test', 'test_removed')
REMOVED_SUFFIX = '~removed'
ORDER_SALT = 'clinicalbert/real-notes-order/v1'


@dataclass
class RealNote:
    id: str
    group: int
    split: str
    text: str
    titles: list[str]
    descriptions: list[str]
    specialties: tuple[str, ...]
    # Filled by label_notes():
    labels: list[str] = field(default_factory=list)
    source: str = ''
    category: str = ''
    text_mentions: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------- notes and the split

def load_real_notes(root: Path | None = None) -> list[RealNote]:
    """One note per non-empty transcription, with every title/description/specialty listed with it."""
    rows, split_data = load_mtsamples_split(root)
    by_note = {r['note_id']: r for r in rows}
    notes: dict[int, RealNote] = {}
    for entry in split_data['rows']:
        if entry['empty']:
            continue
        row = by_note[entry['note_id']]
        note = notes.get(entry['group'])
        if note is None:
            note = notes[entry['group']] = RealNote(
                id=f'mtsamples-g{entry["group"]}', group=entry['group'], split=entry['split'],
                text=clean_mtsamples_text(row['transcription']), titles=[], descriptions=[], specialties=())
        title = _collapse(row.get('sample_name') or '')
        description = _collapse(row.get('description') or '')
        if title and title not in note.titles:
            note.titles.append(title)
        if description and description not in note.descriptions:
            note.descriptions.append(description)
        note.specialties = tuple(sorted(set(note.specialties) | {row['medical_specialty'].strip()}))
    return [notes[g] for g in sorted(notes)]


# ---------------------------------------------------------------- linking (Node) and the weak-label rule

def link_fields(items: list[dict], kg_path: Path, work: Path) -> dict[str, dict]:
    """Mentions per item id and field, from the runtime's linker (training/link_notes.ts)."""
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / 'link_in.jsonl', work / 'link_out.jsonl'
    with open(src, 'w', encoding='utf-8') as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + '\n')
    result = subprocess.run(['node', '--import', 'tsx', 'training/link_notes.ts', '--in', str(src), '--kg', str(kg_path), '--out', str(dst)],
                            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RecipeError(f'link_notes.ts failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}')
    out = {}
    with open(dst, encoding='utf-8') as f:
        for line in f:
            obj = json.loads(line)
            out[obj['id']] = obj['fields']
    src.unlink()
    dst.unlink()
    for item in items:
        for name, text in item['fields'].items():
            out[item['id']][name] = [_to_codepoints(text, m) for m in out[item['id']][name]]
    return out


def _to_codepoints(text: str, mention: dict) -> dict:
    """JavaScript offsets count UTF-16 units; Python strings count code points."""
    if all(ord(c) < 0x10000 for c in text):
        return mention
    units = [0]
    for c in text:
        units.append(units[-1] + (2 if ord(c) >= 0x10000 else 1))
    index = {u: i for i, u in enumerate(units)}
    return {**mention, 'start': index[mention['start']], 'end': index[mention['end']]}


def is_label_mention(m: dict, labels: set[str]) -> bool:
    return m['entity'] in labels


def affirmed(m: dict, allow_historical: bool) -> bool:
    return not m['negated'] and not m['family'] and (allow_historical or not m['historical'])


def weak_label(title_mentions: list[list[dict]], description_mentions: list[list[dict]], text_mentions: list[dict],
               labels: set[str]) -> tuple[list[str], str, str]:
    """(labels, source, category) of one note by the module's rule. Labels sorted; source 'title' | 'description' | ''."""
    title = sorted({m['entity'] for ms in title_mentions for m in ms if is_label_mention(m, labels) and affirmed(m, True)})
    description = sorted({m['entity'] for ms in description_mentions for m in ms
                          if is_label_mention(m, labels) and affirmed(m, False)})
    found, source = (title, 'title') if title else (description, 'description' if description else '')
    if len(found) == 1:
        return found, source, 'named'
    if len(found) > 1:
        return found, source, 'multiple'
    body = [m for m in text_mentions if is_label_mention(m, labels) and affirmed(m, False)]
    return [], '', 'body-only' if body else 'unnamed'


def label_notes(notes: list[RealNote], acute: set[str], kg_path: Path, work: Path) -> None:
    items = []
    for n in notes:
        fields = {'text': n.text}
        fields.update({f'title{i}': t for i, t in enumerate(n.titles)})
        fields.update({f'description{i}': d for i, d in enumerate(n.descriptions)})
        items.append({'id': n.id, 'fields': fields})
    linked = link_fields(items, kg_path, work)
    for n in notes:
        fields = linked[n.id]
        titles = [fields[f'title{i}'] for i in range(len(n.titles))]
        descriptions = [fields[f'description{i}'] for i in range(len(n.descriptions))]
        n.text_mentions = fields['text']
        n.labels, n.source, n.category = weak_label(titles, descriptions, n.text_mentions, acute)


# ---------------------------------------------------------------- naming sentences removed

_BOUNDARY = re.compile(r'(?<=[.!?])\s+|\n+')


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as [start, end) spans: split after . ! ? followed by white space, and at line breaks."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def remove_naming_sentences(text: str, mentions: list[dict], entity: str) -> tuple[str, int]:
    """The text without every sentence that mentions `entity` (any flags); and how many were removed."""
    naming = [(m['start'], m['end']) for m in mentions if m['entity'] == entity]
    kept, removed = [], 0
    for s, e in sentence_spans(text):
        if any(ms < e and me > s for ms, me in naming):
            removed += 1
        else:
            kept.append(text[s:e])
    return '\n'.join(kept), removed


# ---------------------------------------------------------------- records, labels, features

def note_bundle(record_id: str, text: str) -> dict:
    """A FHIR R4 collection Bundle with a Patient and one DocumentReference holding the note."""
    data = base64.b64encode(text.encode('utf-8')).decode('ascii')
    return {
        'resourceType': 'Bundle', 'type': 'collection',
        'entry': [
            {'fullUrl': f'urn:clinicalbert:{record_id}', 'resource': {'resourceType': 'Patient', 'id': record_id}},
            {'fullUrl': f'urn:clinicalbert:{record_id}:note', 'resource': {
                'resourceType': 'DocumentReference', 'id': f'{record_id}-note', 'status': 'current',
                'subject': {'reference': f'Patient/{record_id}'},
                'content': [{'attachment': {'contentType': 'text/plain', 'data': data}}]}},
        ],
    }


def label_line(record_id: str, note: RealNote, names: dict[str, str], removed: int | None = None) -> dict:
    condition = {'id': note.labels[0], 'name': names[note.labels[0]]} if note.category == 'named' else None
    real = {'group': note.group, 'category': note.category, 'source': note.source or None}
    if removed is not None:
        real['naming_sentences_removed'] = removed
    return {'labelsVersion': 2, 'patientId': record_id, 'condition': condition, 'recommendedDrugs': [],
            'openSet': None if condition else {'kind': 'real-note'}, 'realNote': real}


def _ordered(notes: list[RealNote]) -> list[RealNote]:
    return sorted(notes, key=lambda n: stable_unit(ORDER_SALT, n.id))


def part_records(notes: list[RealNote], part: str, names: dict[str, str], max_unnamed: int | None) -> list[tuple[str, str, dict]]:
    """(record id, note text, label line) of one part, in a fixed order."""
    split = part.split('_')[0]
    named = [n for n in _ordered(notes) if n.split == split and n.category == 'named']
    unnamed = [n for n in _ordered(notes) if n.split == split and n.category == 'unnamed']
    if max_unnamed is not None:
        unnamed = unnamed[:max_unnamed]
    out = []
    if part.endswith('_removed'):
        for n in named:
            text, removed = remove_naming_sentences(n.text, n.text_mentions, n.labels[0])
            out.append((n.id, text, label_line(n.id, n, names, removed)))
        return out
    for n in named:
        out.append((n.id, n.text, label_line(n.id, n, names)))
    for n in unnamed:
        out.append((n.id, n.text, label_line(n.id, n, names)))
    if part == 'train':
        # The same training notes without the sentences that name their label: the model must also
        # learn what else in a note points to the diagnosis.
        for n in named:
            text, removed = remove_naming_sentences(n.text, n.text_mentions, n.labels[0])
            rid = f'{n.id}{REMOVED_SUFFIX}'
            out.append((rid, text, label_line(rid, n, names, removed)))
    return out


def write_part(cfg_name: str, part: str, records: list[tuple[str, str, dict]]) -> dict:
    root = data_dir(cfg_name)
    ndjson, labels, features = root / f'real_{part}.ndjson', root / f'real_{part}.labels.jsonl', root / f'real_{part}'
    root.mkdir(parents=True, exist_ok=True)
    with open(ndjson, 'w', encoding='utf-8') as f:
        for rid, text, _ in records:
            f.write(json.dumps(note_bundle(rid, text), ensure_ascii=False, separators=(',', ':')) + '\n')
    with open(labels, 'w', encoding='utf-8') as f:
        for _, _, label in records:
            f.write(json.dumps(label, ensure_ascii=False, separators=(',', ':'), sort_keys=True) + '\n')
    tok_dir = tokenizer_dir(get_config(cfg_name))
    cmd = ['node', '--import', 'tsx', 'training/featurize.ts', '--records', str(ndjson), '--labels', str(labels),
           '--model-dir', str(tok_dir), '--kg', str(KG_PATH), '--out', str(features),
           '--max-length', str(MAX_LENGTH), '--max-entities', str(MAX_ENTITIES), '--image-size', str(IMAGE_SIZE),
           '--sample-rate', str(SAMPLE_RATE), '--seconds', str(AUDIO_SECONDS)]
    result = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RecipeError(f'featurize real_{part} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}')
    stats = read_json(features / 'stats.json')
    if stats['rows'] != len(records) or stats['failures']:
        raise RecipeError(f'featurize real_{part}: {stats["rows"]} rows and {stats["failures"]} failures for {len(records)} notes')
    write_json(features / 'stamp.json', {'part': part, 'records_sha256': sha256_file(ndjson), 'labels_sha256': sha256_file(labels),
                                         'kg_sha256': sha256_file(KG_PATH),
                                         'tokenizer_json_sha256': sha256_file(tok_dir / 'tokenizer.json')})
    return {'records': len(records), 'named': sum(1 for _, _, l in records if l['condition']),
            'unnamed': sum(1 for _, _, l in records if not l['condition'])}


def acute_labels(graph: dict) -> tuple[set[str], dict[str, str]]:
    acute = {e['id']: e['name'] for e in graph['entities'] if e['type'] == 'condition' and e.get('course') == 'acute'}
    return set(acute), acute


def run(cfg_name: str) -> dict:
    mm = get_mm_config(cfg_name)
    started = time.time()
    graph = read_json(KG_PATH)
    acute, names = acute_labels(graph)
    notes = load_real_notes()
    label_notes(notes, acute, KG_PATH, data_dir(cfg_name))
    counts = {s: Counter(n.category for n in notes if n.split == s) for s in ('train', 'val', 'test')}
    by_label = {s: Counter(n.labels[0] for n in notes if n.split == s and n.category == 'named') for s in ('train', 'val', 'test')}
    sources = {s: Counter(n.source for n in notes if n.split == s and n.category == 'named') for s in ('train', 'val', 'test')}
    parts = {}
    for part in PARTS:
        cap = mm.real.max_unnamed_train if part == 'train' else mm.real.max_unnamed_eval
        records = part_records(notes, part, names, cap)
        parts[part] = write_part(cfg_name, part, records)
        log('real', f'real_{part}: {parts[part]["records"]} notes ({parts[part]["named"]} named, {parts[part]["unnamed"]} unnamed)')
    manifest = {
        'format': 1, 'config': cfg_name, 'rule': __doc__.split('The rule, per distinct')[1].split('Split:')[0].strip(),
        'categories': {s: dict(sorted(c.items())) for s, c in counts.items()},
        'named_by_label': {s: dict(sorted(c.items())) for s, c in by_label.items()},
        'named_by_source': {s: dict(sorted(c.items())) for s, c in sources.items()},
        'parts': parts, 'kg_sha256': sha256_file(KG_PATH), 'wall_seconds': round(time.time() - started, 1),
    }
    write_json(data_dir(cfg_name) / 'real_manifest.json', manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Weak-labelled real notes (MTSamples) as records, featurized by Node.')
    parser.add_argument('--config', required=True)
    args = parser.parse_args(argv)
    manifest = run(args.config)
    for split, c in manifest['categories'].items():
        log('real', f'{split}: ' + ', '.join(f'{k} {v}' for k, v in c.items()))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'real: {e}', file=sys.stderr)
        sys.exit(1)
