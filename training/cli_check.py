"""@file The cli-check step: the real-note numbers again, through the CLI users run.

Why: the model card's real-note figures come from the recipe's PyTorch evaluation (evaluate.py),
and a user reruns them with `clinicalbert evaluate` (onnxruntime-node, the runtime's own reader
and featurizer). This step runs that command on the published package and the real-note test
files, keeps its reports, and fails when the two disagree by more than a rounding step, so the
card can never show numbers the shipped tool does not reproduce. Compared: closed-set top-1 and
top-3 on the named notes, the AUROC of the abstention score, and the abstention rates on
out-of-label and in-label notes at the package's threshold.

Writes training/work/<config>/cli_check.json (the commands, the CLI's numbers, the graph hashes
they were measured on); publish.py puts it into the metrics while those hashes are the package's.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .common import RecipeError, log, read_json, write_json
from .config import REPO_ROOT, get_config, repo_relative
from .faithfulness import graph_hashes
from .synth_data import split_paths

# The CLI rounds to 4 decimals and onnxruntime matches PyTorch to ~1e-6: a record can only flip when
# its score sits on a threshold, so allow one record's worth of difference.
PARTS = ('real_test', 'real_test_removed')


def _cli_report(cfg_name: str, part: str, package: Path) -> tuple[dict, str]:
    paths = split_paths(cfg_name, part)
    out = get_config(cfg_name).work_dir / f'cli_{part}.json'
    # fp32: the recipe's numbers are PyTorch's fp32 ones (int8 is measured by the int8-check step).
    args = ['evaluate', repo_relative(paths['records']), '--labels', repo_relative(paths['labels']), '--precision', 'fp32',
            '--model', repo_relative(package.resolve()), '--json', '--out', repo_relative(out)]
    result = subprocess.run(['node', '--import', 'tsx', 'src/cli/main.ts', *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RecipeError(f'clinicalbert evaluate on {part} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}')
    return read_json(out), ' '.join(['clinicalbert', *args[:-2]])


def compare(recipe: dict, cli: dict, notes: int, what: str) -> list[str]:
    """Differences larger than one record's worth (1/notes) or 0.002 for AUROC."""
    problems = []
    for key, a in recipe.items():
        b = cli.get(key)
        if a is None and b is None:
            continue
        if a is None or b is None:
            problems.append(f'{what} {key}: recipe {a}, CLI {b}')
            continue
        tolerance = 0.002 if key.startswith('auroc') else 1.0 / max(1, notes) + 1e-4
        if abs(float(a) - float(b)) > tolerance:
            problems.append(f'{what} {key}: recipe {a}, CLI {b}')
    return problems


def run(cfg_name: str, package: Path) -> dict:
    cfg = get_config(cfg_name)
    if not (package / 'manifest.json').exists():
        raise RecipeError(f'{package / "manifest.json"} not found: run the publish step first')
    metrics = read_json(cfg.work_dir / 'metrics.json')
    real = metrics['real_notes']
    started = time.time()
    reports, commands = {}, {}
    for part in PARTS:
        reports[part], commands[part] = _cli_report(cfg_name, part, package)
    named = reports['real_test']
    removed = reports['real_test_removed']
    dx, op = named['heads']['diagnoses'], named['openSet']
    cli = {
        'named': {'top1': dx['top1'], 'top3': dx['top3']},
        'naming_removed': {'top1': removed['heads']['diagnoses']['top1'], 'top3': removed['heads']['diagnoses']['top3']},
        'open_set': {'auroc': op['auroc'], 'abstained_out_of_label': op['abstentionRate']['outOfLabel'],
                     'abstained_in_label': op['abstentionRate']['inLabel']},
    }
    recipe_named = real['diagnosis']['named']
    recipe_removed = real['diagnosis']['naming_removed']
    problems = compare({'top1': recipe_named['model']['top1'], 'top3': recipe_named['model']['top3']}, cli['named'],
                       recipe_named['notes'], 'named notes')
    problems += compare({'top1': recipe_removed['model']['top1'], 'top3': recipe_removed['model']['top3']},
                        cli['naming_removed'], recipe_removed['notes'], 'naming removed')
    ro = real['open_set']
    problems += compare({'auroc': ro['auroc'], 'abstained_out_of_label': ro['abstained_out_of_label'],
                         'abstained_in_label': ro['abstained_in_label']}, cli['open_set'], ro['in_label'], 'open set')
    if problems:
        raise RecipeError('the CLI does not reproduce the recipe\'s real-note numbers: ' + '; '.join(problems))
    report = {'commands': commands, 'cli': cli, 'graphs': graph_hashes(package), 'seconds': round(time.time() - started, 1)}
    write_json(cfg.work_dir / 'cli_check.json', report)
    log('cli-check', f'the CLI reproduces the real-note numbers ({", ".join(f"{k} {v}" for k, v in cli["named"].items())}; '
                     f'AUROC {cli["open_set"]["auroc"]}) in {report["seconds"]}s')
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Rerun the real-note evaluation with `clinicalbert evaluate` and compare.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--out', type=Path, required=True, help='the package folder (as for publish)')
    args = parser.parse_args(argv)
    run(args.config, args.out)
    from .publish import run as publish

    publish(args.config, args.out)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'cli-check: {e}', file=sys.stderr)
        sys.exit(1)
