"""@file The synth step: generate the train/val/test patients and featurize them with Node.

Why Node does the featurizing: the runtime tokenizes, links entities and decodes images and audio
in Node (src/model/features.ts); training on arrays made by that same code means the model never
sees a feature the runtime would compute differently. This step runs, per split:

    node --import tsx src/cli/main.ts synth --seed S --patients N --format ndjson --out <split>.ndjson
    node --import tsx training/featurize.ts --records <split>.ndjson --labels <split>.labels.jsonl ...

into training/work/<config>/data/ (git-ignored; the NDJSON is ~60 KB per patient). A split is
rebuilt only when its stamp changes: seed, count, the tokenizer, the graph, or any TypeScript
source under src/ or training/ (which could change what the generator or featurizer writes).
It refuses splits that share a patient.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import RecipeError, log, read_json, sha256_bytes, sha256_file, write_json
from .config import REPO_ROOT, get_config
from .mm_config import (AUDIO_SECONDS, IMAGE_SIZE, MAX_ENTITIES, MAX_LENGTH, SAMPLE_RATE, MultimodalConfig,
                        SynthSplit, get_mm_config)
from .tokenizer_files import tokenizer_dir

KG_PATH = REPO_ROOT / 'models' / 'clinicalbert-mini' / 'kg.json'
ARRAYS = ('input_ids', 'attention_mask', 'entity_ids', 'entity_flags', 'image', 'has_image', 'audio', 'has_audio')


def data_dir(cfg_name: str) -> Path:
    return get_config(cfg_name).work_dir / 'data'


def split_paths(cfg_name: str, split: str) -> dict[str, Path]:
    """Files of a generated split (train, val, test) or of a real-note part (real_train, ...; real_notes.py)."""
    root = data_dir(cfg_name)
    return {'records': root / f'{split}.ndjson', 'labels': root / f'{split}.labels.jsonl', 'features': root / split}


def _sources_digest() -> str:
    """Hash of every TypeScript source that can change generated records or their features."""
    lines = []
    for base in (REPO_ROOT / 'src', REPO_ROOT / 'training'):
        for path in sorted(base.rglob('*.ts')):
            if 'work' in path.relative_to(REPO_ROOT).parts:
                continue
            lines.append(f'{path.relative_to(REPO_ROOT).as_posix()}\t{sha256_file(path)}')
    return sha256_bytes('\n'.join(lines).encode('utf-8'))


def _stamp(split: SynthSplit, tokenizer_json: Path, sources: str, open_set: float) -> dict:
    return {'split': split.name, 'seed': split.seed, 'patients': split.patients, 'open_set': open_set,
            'tokenizer_json_sha256': sha256_file(tokenizer_json), 'kg_sha256': sha256_file(KG_PATH),
            'sources_sha256': sources, 'max_length': MAX_LENGTH, 'max_entities': MAX_ENTITIES,
            'image_size': IMAGE_SIZE, 'sample_rate': SAMPLE_RATE, 'seconds': AUDIO_SECONDS}


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RecipeError(f'{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}')


def build_split(cfg_name: str, split: SynthSplit, sources: str, open_set: float) -> dict:
    paths = split_paths(cfg_name, split.name)
    tok_dir = tokenizer_dir(get_config(cfg_name))
    if not (tok_dir / 'tokenizer.json').exists():
        raise RecipeError(f'{tok_dir / "tokenizer.json"} not found: run the tokenizer step first')
    stamp = _stamp(split, tok_dir / 'tokenizer.json', sources, open_set)
    stamp_path = paths['features'] / 'stamp.json'
    if stamp_path.exists() and read_json(stamp_path) == stamp and all((paths['features'] / f'{a}.npy').exists() for a in ARRAYS):
        log('synth', f'{split.name}: up to date ({split.patients} patients, seed {split.seed})')
        return read_json(paths['features'] / 'stats.json')
    paths['records'].parent.mkdir(parents=True, exist_ok=True)
    if paths['features'].exists():
        shutil.rmtree(paths['features'])
    t0 = time.time()
    _run(['node', '--import', 'tsx', 'src/cli/main.ts', 'synth', '--seed', str(split.seed), '--patients', str(split.patients),
          '--format', 'ndjson', '--out', str(paths['records']), '--labels', str(paths['labels']), '--kg', str(KG_PATH),
          '--open-set', str(open_set), '--quiet'],
         f'synth {split.name}')
    t1 = time.time()
    _run(['node', '--import', 'tsx', 'training/featurize.ts', '--records', str(paths['records']), '--labels', str(paths['labels']),
          '--model-dir', str(tok_dir), '--kg', str(KG_PATH), '--out', str(paths['features']),
          '--max-length', str(MAX_LENGTH), '--max-entities', str(MAX_ENTITIES), '--image-size', str(IMAGE_SIZE),
          '--sample-rate', str(SAMPLE_RATE), '--seconds', str(AUDIO_SECONDS)],
         f'featurize {split.name}')
    t2 = time.time()
    stats = read_json(paths['features'] / 'stats.json')
    if stats['rows'] != split.patients or stats['failures']:
        raise RecipeError(f'featurize {split.name}: {stats["rows"]} rows and {stats["failures"]} failures for {split.patients} patients')
    stats.update({'synth_seconds': round(t1 - t0, 1), 'featurize_seconds': round(t2 - t1, 1),
                  'records_sha256': sha256_file(paths['records']), 'labels_sha256': sha256_file(paths['labels'])})
    write_json(paths['features'] / 'stats.json', stats)
    write_json(stamp_path, stamp)
    log('synth', f'{split.name}: {split.patients} patients generated in {t1 - t0:.0f}s, featurized in {t2 - t1:.0f}s '
                 f'({stats["withImage"]} with image, {stats["withAudio"]} with audio)')
    return stats


def read_labels(path: Path) -> list[dict]:
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def check_disjoint(cfg_name: str, mm: MultimodalConfig) -> dict[str, int]:
    seen: dict[str, str] = {}
    counts = {}
    for split in mm.splits:
        labels = read_labels(split_paths(cfg_name, split.name)['labels'])
        counts[split.name] = len(labels)
        for label in labels:
            other = seen.get(label['patientId'])
            if other is not None:
                raise RecipeError(f'patient {label["patientId"]} is in both {other} and {split.name}: splits must not overlap')
            seen[label['patientId']] = split.name
    return counts


def run(cfg_name: str) -> dict:
    mm = get_mm_config(cfg_name)
    sources = _sources_digest()
    started = time.time()
    stats = {split.name: build_split(cfg_name, split, sources, mm.open_set_fraction) for split in mm.splits}
    counts = check_disjoint(cfg_name, mm)
    summary = {'config': cfg_name, 'splits': {s.name: {'seed': s.seed, 'patients': s.patients, **stats[s.name]} for s in mm.splits},
               'patient_overlap': 0, 'label_rows': counts, 'wall_seconds': round(time.time() - started, 1)}
    write_json(data_dir(cfg_name) / 'data_manifest.json', summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Generate and featurize the synthetic train/val/test splits.')
    parser.add_argument('--config', required=True)
    args = parser.parse_args(argv)
    summary = run(args.config)
    log('synth', f'done in {summary["wall_seconds"]}s: ' + ', '.join(f'{k} {v}' for k, v in summary['label_rows'].items()))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'synth: {e}', file=sys.stderr)
        sys.exit(1)
