"""@file The faithfulness step: measure the shipped explanations with the CLI, then re-publish.

Why the recipe calls the CLI instead of measuring in PyTorch: the card's faithfulness numbers must
be the ones `clinicalbert evaluate --faithfulness` prints for the package as shipped (ERASER
comprehensiveness, sufficiency and AOPC of word occlusion and attention rollout beside a random
baseline, computed by onnxruntime-node on the runtime's own features). So this step runs exactly
that command on the first records of the held-out generated test split, saves its JSON report
with the command line and the graph hashes it was measured on, and runs `publish` again so the
manifest's `metrics.faithfulness` and MODEL_CARD.md carry it. `publish` drops a report whose graph
hashes no longer match the package (a stale measurement never reaches the card).

Anyone can rerun the measurement without the recipe (the test split is `clinicalbert synth` with
the split's seed and size):

    clinicalbert synth --seed 3003 --patients 1000 --open-set 0.15 --out test.ndjson --labels test.labels.jsonl
    clinicalbert evaluate test.ndjson --labels test.labels.jsonl --faithfulness --limit 200 --precision fp32 --json

It measures the fp32 graphs (whose hashes the report names) whatever the package's default precision.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .common import RecipeError, log, read_json, write_json
from .config import REPO_ROOT, get_config, repo_relative
from .mm_config import get_mm_config
from .synth_data import split_paths

# Records measured: word occlusion costs one batched fusion + text call per record (~1-3 s here).
RECORDS = {'full': 200, 'ci': 12}


def report_path(cfg_name: str) -> Path:
    return get_config(cfg_name).work_dir / 'faithfulness.json'


def graph_hashes(package: Path) -> dict[str, str]:
    manifest = read_json(package / 'manifest.json')
    return {role: g['sha256'] for role, g in sorted(manifest['graphs'].items())}


def measure(cfg_name: str, package: Path) -> dict:
    if not (package / 'manifest.json').exists():
        raise RecipeError(f'{package / "manifest.json"} not found: run the publish step first')
    paths = split_paths(cfg_name, 'test')
    test = get_mm_config(cfg_name).split('test')
    limit = RECORDS[cfg_name]
    out = report_path(cfg_name)
    # fp32, whatever the package's default: the graphs whose hashes the report names (graph_hashes).
    args = ['evaluate', repo_relative(paths['records']), '--labels', repo_relative(paths['labels']),
            '--faithfulness', '--limit', str(limit), '--precision', 'fp32', '--model', repo_relative(package.resolve()),
            '--json', '--out', repo_relative(out)]
    started = time.time()
    result = subprocess.run(['node', '--import', 'tsx', 'src/cli/main.ts', *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RecipeError(f'clinicalbert evaluate --faithfulness failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}')
    report = read_json(out)
    if 'faithfulness' not in report:
        raise RecipeError('clinicalbert evaluate --faithfulness wrote no faithfulness section')
    report['command'] = ' '.join(['clinicalbert', *args[:-2]])
    open_set = get_mm_config(cfg_name).open_set_fraction
    report['reproduce'] = (f'clinicalbert synth --seed {test.seed} --patients {test.patients} --open-set {open_set} '
                           '--out test.ndjson --labels test.labels.jsonl && '
                           f'clinicalbert evaluate test.ndjson --labels test.labels.jsonl --faithfulness --limit {limit} '
                           '--precision fp32 --json')
    report['graphs'] = graph_hashes(package)
    write_json(out, report)
    log('faithfulness', f'{report["faithfulness"]["records"]} records in {time.time() - started:.0f}s -> {out}')
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Measure explanation faithfulness with the CLI and re-publish the package.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--out', type=Path, required=True, help='the package folder (as for publish)')
    args = parser.parse_args(argv)
    measure(args.config, args.out)
    from .publish import run

    run(args.config, args.out)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'faithfulness: {e}', file=sys.stderr)
        sys.exit(1)
