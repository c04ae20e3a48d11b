"""@file The int8-check step: the int8 text encoder measured against fp32 through the CLI, then
re-publish.

Why through the CLI: the numbers that decide the package's default precision must be the ones
users get. This step runs `clinicalbert evaluate --precision fp32` and `--precision int8` on the
card's test sets (the real-note test half, the same notes with their naming sentences removed,
the held-out generated patients) and training/int8_compare.ts (is a record's output the same
alone and in a batch of 16, at 1 and 2 threads; how far is int8 from fp32) on the published
package. It writes training/work/<config>/int8_check.json with the commands, both precisions'
numbers, the cost in points (fp32 minus int8, or int8 minus fp32 where lower is better) and the
graph hashes they were measured on, then runs `publish` again. publish makes int8 the package's
default precision only when that report is for these graphs, its largest cost is at most
MAX_COST_POINTS on the real notes and on the generated patients, and every int8 text output was
bit-identical alone and among batch-mates; otherwise the default stays fp32 and int8 stays
selectable with `--precision int8`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .common import RecipeError, log, read_json, write_json
from .config import REPO_ROOT, get_config, repo_relative
from .synth_data import split_paths

MAX_COST_POINTS = 0.5
# (test set, label in the card, measures): real notes first.
PARTS = (('real_test', 'real notes that name one label'), ('real_test_removed', 'the same notes, naming sentences removed'),
         ('test', 'generated patients'))
REAL = ('real_test', 'real_test_removed')
# The measures compared, each read from a `clinicalbert evaluate --json` report; True: higher is better.
MEASURES = {
    'top1': (lambda r: r['heads']['diagnoses']['top1'], True),
    'top3': (lambda r: r['heads']['diagnoses']['top3'], True),
    'abstained_out_of_label': (lambda r: (r.get('openSet') or {}).get('abstentionRate', {}).get('outOfLabel'), True),
    'abstained_in_label': (lambda r: (r.get('openSet') or {}).get('abstentionRate', {}).get('inLabel'), False),
    'auroc_none': (lambda r: (r.get('openSet') or {}).get('auroc'), True),
    'drug_micro_f1': (lambda r: r['heads']['drugs']['microF1'], True),
}
# Real notes carry no drug labels.
NOT_ON_REAL = ('drug_micro_f1',)


def path(cfg_name: str) -> Path:
    return get_config(cfg_name).work_dir / 'int8_check.json'


def graph_hashes(package: Path) -> dict:
    """The graphs a measurement ran: fp32 by role, and each other precision's graphs by role."""
    manifest = read_json(package / 'manifest.json')
    out = {'fp32': {role: g['sha256'] for role, g in sorted(manifest['graphs'].items())}}
    for precision, graphs in sorted((manifest.get('precisions') or {}).items()):
        if isinstance(graphs, dict):
            out[precision] = {role: g['sha256'] for role, g in sorted(graphs.items())}
    return out


def _cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(['node', '--import', 'tsx', *args], cwd=REPO_ROOT, capture_output=True, text=True)


def _evaluate(cfg_name: str, part: str, precision: str, package: Path) -> tuple[dict, str]:
    paths = split_paths(cfg_name, part)
    out = get_config(cfg_name).work_dir / f'int8_{part}_{precision}.json'
    args = ['evaluate', repo_relative(paths['records']), '--labels', repo_relative(paths['labels']), '--precision', precision,
            '--model', repo_relative(package.resolve()), '--json', '--out', repo_relative(out)]
    done = _cli(['src/cli/main.ts', *args])
    if done.returncode != 0:
        raise RecipeError(f'clinicalbert evaluate --precision {precision} on {part} failed (exit {done.returncode}): '
                          f'{done.stderr.strip()[-2000:]}')
    return read_json(out), ' '.join(['clinicalbert', *args[:-2]])


def measures(report: dict, real: bool) -> dict:
    return {name: (None if (v := read(report)) is None else float(v)) for name, (read, _) in MEASURES.items()
            if not (real and name in NOT_ON_REAL)}


def costs(fp32: dict, int8: dict) -> dict:
    """Points lost by int8 on each measure (negative: int8 did better)."""
    out = {}
    for name, (_, higher) in MEASURES.items():
        a, b = fp32.get(name), int8.get(name)
        if a is not None and b is not None:
            out[name] = round(100 * ((a - b) if higher else (b - a)), 4)
    return out


def verdict(parts: dict, compare: dict) -> dict:
    """The rule publish applies: int8 by default only when it costs at most MAX_COST_POINTS on the
    real notes and on the generated patients and none of its text outputs moves with batch-mates."""
    real = max((c for p in REAL if p in parts for c in parts[p]['cost'].values()), default=0.0)
    generated = max((c for p, v in parts.items() if p not in REAL for c in v['cost'].values()), default=0.0)
    deterministic = all(d['differing'] == 0 for d in compare['determinism']['int8'].values())
    default = 'int8' if real <= MAX_COST_POINTS and generated <= MAX_COST_POINTS and deterministic else 'fp32'
    return {'max_cost_points': {'real': real, 'generated': generated}, 'limit_points': MAX_COST_POINTS,
            'int8_deterministic': deterministic, 'default': default}


def run(cfg_name: str, package: Path) -> dict:
    if not (package / 'manifest.json').exists():
        raise RecipeError(f'{package / "manifest.json"} not found: run the publish step first')
    manifest = read_json(package / 'manifest.json')
    if not ((manifest.get('precisions') or {}).get('int8')):
        raise RecipeError(f'{package} has no int8 graphs: run the quantize step, then publish')
    started = time.time()
    parts, commands = {}, {}
    for part, label in PARTS:
        if not split_paths(cfg_name, part)['records'].exists():
            raise RecipeError(f'{split_paths(cfg_name, part)["records"]} not found: run the synth and real steps first')
        reports = {}
        for precision in ('fp32', 'int8'):
            reports[precision], commands[f'{part} {precision}'] = _evaluate(cfg_name, part, precision, package)
        fp32, int8 = measures(reports['fp32'], part in REAL), measures(reports['int8'], part in REAL)
        records = reports['fp32']['heads']['diagnoses']['records']
        parts[part] = {'label': label, 'records': records, 'fp32': fp32, 'int8': int8, 'cost': costs(fp32, int8)}
    out = get_config(cfg_name).work_dir / 'int8_compare.json'
    args = ['training/int8_compare.ts', '--model', repo_relative(package.resolve()),
            '--records', repo_relative(split_paths(cfg_name, 'real_test')['records']),
            '--records', repo_relative(split_paths(cfg_name, 'test')['records']), '--limit', '64', '--out', repo_relative(out)]
    done = _cli(args)
    if done.returncode != 0:
        raise RecipeError(f'training/int8_compare.ts failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}')
    compare = read_json(out)
    report = {'commands': commands, 'compare_command': 'node --import tsx ' + ' '.join(args[:-2]), 'parts': parts,
              'compare': compare, 'verdict': verdict(parts, compare), 'graphs': graph_hashes(package),
              'seconds': round(time.time() - started, 1)}
    write_json(path(cfg_name), report)
    v = report['verdict']
    log('int8-check', f'int8 costs at most {v["max_cost_points"]["real"]:.2f} points on real notes and '
                      f'{v["max_cost_points"]["generated"]:.2f} on generated patients; deterministic: {v["int8_deterministic"]}; '
                      f'default {v["default"]} ({report["seconds"]}s)')
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Measure the int8 text encoder against fp32 with the CLI and re-publish.')
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
        print(f'int8-check: {e}', file=sys.stderr)
        sys.exit(1)
