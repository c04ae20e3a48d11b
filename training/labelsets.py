"""@file The label sets of the four heads, with their codes, and the targets of each record.

Why derived, not listed: every set comes from a file the recipe already trusts, in a fixed order,
so the manifest, the training targets and the evaluation can never disagree:
- diagnosis: the graph's acute conditions (course "acute"), sorted by entity id; ICD-10 code
  first, SNOMED and DDXPlus codes as extra codings; then one more label, NONE ("none of these
  labels"): diagnoses are an open set, and a record whose evidence fits no label is trained
  towards it (generated open-set patients, real notes that name no label);
- severity: DDXPlus severity 1 (most severe) to 5 (mildest);
- drugs: every drug named in the training labels' recommendedDrugs, sorted by id; RxNorm code
  where the graph has one, else DrugBank;
- specialty: see specialty_data.py (MTSamples classes with enough training documents).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import RecipeError, read_json

ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm'
RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm'
DRUGBANK = 'http://www.drugbank.ca'
SEVERITY_NAMES = {1: 'most severe', 2: 'severe', 3: 'moderate', 4: 'mild', 5: 'mildest'}


def load_graph(path: Path) -> dict:
    graph = read_json(path)
    if graph.get('formatVersion') != 1:
        raise RecipeError(f'{path}: knowledge graph format {graph.get("formatVersion")!r} is not supported (expected 1)')
    return graph


def _label(entity: dict, preferred: list[str]) -> dict:
    codes = entity.get('codes', [])
    first = next((c for system in preferred for c in codes if c['system'] == system), None)
    label = {'id': entity['id'], 'display': entity['name']}
    if first:
        label['system'] = first['system']
        label['code'] = first['code']
    others = [{k: c[k] for k in ('system', 'code', 'display') if k in c} for c in codes if c is not first]
    if others:
        label['codings'] = others
    return label


NONE_ID = 'none'
NONE_LABEL = {'id': NONE_ID, 'display': 'none of these labels'}


def diagnosis_labels(graph: dict) -> list[dict]:
    """The acute conditions, then NONE_LABEL (always last)."""
    acute = sorted((e for e in graph['entities'] if e['type'] == 'condition' and e.get('course') == 'acute'), key=lambda e: e['id'])
    if len(acute) < 2:
        raise RecipeError('the knowledge graph has fewer than two acute conditions')
    return [_label(e, [ICD10]) for e in acute] + [dict(NONE_LABEL)]


def none_index(diagnoses: list[dict]) -> int:
    if not diagnoses or diagnoses[-1]['id'] != NONE_ID:
        raise RecipeError('the diagnosis labels must end with the "none" label')
    return len(diagnoses) - 1


def severity_labels() -> list[dict]:
    return [{'id': str(s), 'display': f'severity {s} ({SEVERITY_NAMES[s]})'} for s in range(1, 6)]


def drug_labels(graph: dict, train_labels: list[dict]) -> list[dict]:
    by_id = {e['id']: e for e in graph['entities']}
    ids = sorted({d['id'] for label in train_labels for d in label['recommendedDrugs']})
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise RecipeError(f'training labels name drugs that are not in the graph: {", ".join(missing[:5])}')
    return [_label(by_id[i], [RXNORM, DRUGBANK]) for i in ids]


class Targets:
    """Training/evaluation targets of one split, as arrays aligned with its feature rows."""

    def __init__(self, labels: list[dict], diagnosis: list[dict], drugs: list[dict],
                 image_patterns: list[str], audio_patterns: list[str]):
        diag_index = {d['id']: i for i, d in enumerate(diagnosis)}
        drug_index = {d['id']: i for i, d in enumerate(drugs)}
        img_index = {p: i for i, p in enumerate(image_patterns)}
        aud_index = {p: i for i, p in enumerate(audio_patterns)}
        n = len(labels)
        self.diagnosis = np.zeros(n, dtype=np.int64)
        # -100 = no severity to learn (open-set records: no acute condition).
        self.severity = np.full(n, -100, dtype=np.int64)
        # Real notes carry no drug ground truth: their drug loss is switched off.
        self.has_drug_truth = np.ones(n, dtype=bool)
        self.drugs = np.zeros((n, len(drugs)), dtype=np.float32)
        # -100 = no recording (ignored by the pattern losses).
        self.image_pattern = np.full(n, -100, dtype=np.int64)
        self.audio_pattern = np.full(n, -100, dtype=np.int64)
        self.unknown_drugs = 0
        for i, label in enumerate(labels):
            if label.get('realNote'):
                self.has_drug_truth[i] = False
            if label.get('condition') is None:
                self.diagnosis[i] = none_index(diagnosis)
            else:
                cid = label['condition']['id']
                if cid not in diag_index or cid == NONE_ID:
                    raise RecipeError(f'label row {i}: condition {cid} is not an acute condition of the graph')
                self.diagnosis[i] = diag_index[cid]
                severity = label['condition'].get('severity')
                if severity is not None:
                    if severity not in SEVERITY_NAMES:
                        raise RecipeError(f'label row {i}: severity {severity!r} is not 1..5')
                    self.severity[i] = severity - 1
            for d in label['recommendedDrugs']:
                if d['id'] in drug_index:
                    self.drugs[i, drug_index[d['id']]] = 1.0
                else:
                    self.unknown_drugs += 1  # a drug never recommended in training: cannot be predicted
            if label.get('image') and label['image']['shown'] in img_index:
                self.image_pattern[i] = img_index[label['image']['shown']]
            if label.get('audio') and label['audio']['shown'] in aud_index:
                self.audio_pattern[i] = aud_index[label['audio']['shown']]


def pattern_vocab(train_labels: list[dict], key: str) -> list[str]:
    return sorted({label[key]['shown'] for label in train_labels if label.get(key)})
