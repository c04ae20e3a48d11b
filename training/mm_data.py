"""@file One featurized split (arrays from training/featurize.ts + the generator's labels), checked.

Why checks here: the arrays, records.jsonl and the labels file are three files written by two
programs; a row off by one would train every record on its neighbour's diagnosis. Rows must
align by patient id, and shapes must be the ones the runtime feeds the graphs. The large arrays
(audio: 128 KB per record) are memory-mapped, not read whole.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .common import RecipeError, read_json
from .mm_config import IMAGE_SIZE, MAX_ENTITIES, MAX_LENGTH, SAMPLE_RATE, AUDIO_SECONDS
from .synth_data import read_labels, split_paths


class SplitData:
    """A generated split ('train', 'val', 'test') or a real-note part ('real_train', 'real_test', ...)."""

    def __init__(self, cfg_name: str, split: str):
        paths = split_paths(cfg_name, split)
        folder: Path = paths['features']
        if not (folder / 'stamp.json').exists():
            raise RecipeError(f'{folder} has no featurized split: run the synth step first')
        self.name = split
        self.folder = folder
        self.records_path = paths['records']
        self.input_ids = np.load(folder / 'input_ids.npy')
        self.attention_mask = np.load(folder / 'attention_mask.npy')
        self.entity_ids = np.load(folder / 'entity_ids.npy')
        self.entity_flags = np.load(folder / 'entity_flags.npy')
        self.image = np.load(folder / 'image.npy', mmap_mode='r')
        self.has_image = np.load(folder / 'has_image.npy')
        self.audio = np.load(folder / 'audio.npy', mmap_mode='r')
        self.has_audio = np.load(folder / 'has_audio.npy')
        self.labels = read_labels(paths['labels'])
        with open(folder / 'records.jsonl', encoding='utf-8') as f:
            self.records = [json.loads(line) for line in f if line.strip()]
        self.entity_vocab: list[str] = read_json(folder / 'entity_vocab.json')
        n = len(self.labels)
        expected = {
            'input_ids': (n, MAX_LENGTH), 'attention_mask': (n, MAX_LENGTH), 'entity_ids': (n, MAX_ENTITIES),
            'entity_flags': (n, MAX_ENTITIES), 'image': (n, 1, IMAGE_SIZE, IMAGE_SIZE), 'has_image': (n,),
            'audio': (n, SAMPLE_RATE * AUDIO_SECONDS), 'has_audio': (n,),
        }
        for name, shape in expected.items():
            if tuple(getattr(self, name).shape) != shape:
                raise RecipeError(f'{folder / (name + ".npy")}: shape {tuple(getattr(self, name).shape)}, expected {shape}')
        if len(self.records) != n:
            raise RecipeError(f'{folder}: {len(self.records)} records but {n} labels')
        for i, (record, label) in enumerate(zip(self.records, self.labels)):
            if record['id'] != label['patientId']:
                raise RecipeError(f'{folder}: row {i} is record {record["id"]} but label patient {label["patientId"]}')
        if self.entity_vocab[0] != '[PAD]':
            raise RecipeError(f'{folder / "entity_vocab.json"}: index 0 must be "[PAD]"')

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def is_real(self) -> bool:
        return self.name.startswith('real_')

    def in_label(self) -> np.ndarray:
        """[N] bool: the record's true answer is one of the diagnosis labels (not "none of these")."""
        return np.array([label.get('condition') is not None for label in self.labels], dtype=bool)

    def modality_mask(self) -> np.ndarray:
        """[N, 4] float32: text, image, audio, entities present (what the runtime passes)."""
        return np.stack([
            (self.attention_mask.sum(axis=1) > 2).astype(np.float32),
            self.has_image.astype(np.float32),
            self.has_audio.astype(np.float32),
            (self.entity_ids > 0).any(axis=1).astype(np.float32),
        ], axis=1)


def trim(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut padding columns off a batch (keeping at least 2), as the runtime batches do."""
    length = max(2, int(mask.sum(axis=1).max()))
    return ids[:, :length], mask[:, :length]


def trim_entities(ids: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = max(1, int((ids > 0).sum(axis=1).max()))
    return ids[:, :count], flags[:, :count]
