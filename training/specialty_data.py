"""@file MTSamples documents with one specialty label each, on stage 1's fixed document split.

Why a rule for the label: most MTSamples transcriptions are listed under two or more
`medical_specialty` values (e.g. "Surgery" and "Urology", or "Consult - History and Phy." and
"Neurology"), and stage 1 groups those rows into one document so that no note sits in two splits.
A document still needs one label for accuracy and macro-F1, so:
1. classes are the `medical_specialty` values listed on at least `min_docs` training documents;
   every other value becomes "Other";
2. a document's label is its most specific class: the kept class with the fewest training
   documents (ties by name), so "Urology" wins over "Surgery" and "Neurology" over
   "Consult - History and Phy."; "Other" only when none of its values is kept.
The rule reads only the training split. The text is what stage 1 pretrains on (description line,
then the cleaned transcription); documents with an empty transcription are left out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .common import RecipeError
from .corpus import _collapse, clean_mtsamples_text, load_mtsamples_split

OTHER = 'Other'


@dataclass(frozen=True)
class SpecialtyDoc:
    id: str
    text: str
    specialties: tuple[str, ...]


def load_documents() -> dict[str, list[SpecialtyDoc]]:
    """Documents per split ('train', 'val', 'test'), in split-file order, checked against the fixed split."""
    rows, split_data = load_mtsamples_split()
    by_note = {r['note_id']: r for r in rows}
    groups: dict[int, dict] = {}
    for entry in split_data['rows']:
        if entry['empty']:
            continue
        row = by_note[entry['note_id']]
        group = groups.setdefault(entry['group'], {'split': entry['split'], 'first': row, 'specialties': set()})
        group['specialties'].add(row['medical_specialty'].strip())
    out: dict[str, list[SpecialtyDoc]] = {'train': [], 'val': [], 'test': []}
    for gid, group in groups.items():
        row = group['first']
        description = _collapse(row.get('description') or '')
        body = clean_mtsamples_text(row['transcription'])
        text = f'{description}\n{body}' if description else body
        out[group['split']].append(SpecialtyDoc(f'mtsamples:g{gid}', text, tuple(sorted(group['specialties']))))
    return out


def specialty_classes(train: list[SpecialtyDoc], min_docs: int) -> tuple[list[str], Counter]:
    """Kept classes (sorted by name, "Other" last) and the training-document count of every value."""
    counts: Counter = Counter(s for doc in train for s in doc.specialties)
    kept = sorted(s for s, n in counts.items() if n >= min_docs)
    if len(kept) < 2:
        raise RecipeError(f'fewer than two MTSamples specialties have {min_docs} training documents')
    return kept + [OTHER], counts


def primary_label(doc: SpecialtyDoc, classes: list[str], counts: Counter) -> int:
    kept = [s for s in doc.specialties if s in classes and s != OTHER]
    if not kept:
        return classes.index(OTHER)
    return classes.index(min(kept, key=lambda s: (counts[s], s)))
