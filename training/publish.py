"""@file The publish step: put the exported graphs into the package folder and write manifest.json.

Runs after stage 1's `package` step (tokenizer files and their reference are already in the
folder). Copies onnx/*.onnx, entity_vocab.json and the parity reference from
training/work/<config>/export/, copies the knowledge graph when the package is not the folder
that owns it (models/clinicalbert-mini/kg.json is never rewritten), adds to metrics.json the
package section (file sizes, label counts), the architecture (layer counts and sizes read from the
checkpoints, so the card never restates them by hand) and the build section (torch, numpy and onnx
versions and the git commit, recorded here so that re-publishing needs no retraining), and writes
the manifest: every file with its sha256 and size, the graphs with their inputs and outputs,
preprocessing, label sets with codes, and the metrics. The finished package is then loaded by the runtime's own loader (training/check_package.ts:
JSON Schema, format version, every hash), so a recipe change cannot ship a package the CLI
refuses. Refuses a package of 48 MiB or more. Then renders the model card (MODEL_CARD.md at the repository root for `full`, beside the
work folder for `ci`). The faithfulness step (training/faithfulness.py) runs publish again once
`clinicalbert evaluate --faithfulness` has measured the published graphs; its report enters the
metrics only while the graph hashes it names are the package's.

When the quantize step wrote an int8 text encoder (export/onnx/text_encoder.int8.onnx, reading its
tables from the fp32 text graph beside it), it is copied too and declared under the manifest's
`precisions.int8`. The package's default precision is int8 only when the int8-check step's report
(training/int8_check.py) was measured on these graphs and passed its rule; otherwise fp32.

When the reader step (training/reader_manifest.py READER_FILES: reader.json and
onnx/reader_encoder.int8.onnx) has written the learnt note reader into the package folder, the
manifest lists them too, so that publishing again (faithfulness, cli-check, int8-check) keeps them;
left out, with a warning, when reader.json says its encoder's tables came from another
onnx/text_encoder.onnx than the package's (rerun the reader step).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from .common import RecipeError, log, read_json, sha256_file, write_json
from .config import REPO_ROOT, get_config
from .hf_checkpoint import weights_source
from .mm_config import (AUDIO_SECONDS, HOP_LENGTH, IMAGE_MEAN, IMAGE_SIZE, IMAGE_STD, MAX_ENTITIES, MAX_LENGTH,
                        MEL_BINS, N_FFT, SAMPLE_RATE)
from .labelsets import NONE_ID
from .reader_manifest import READER_FILES
from .synth_data import KG_PATH

# 40 MiB until the learnt note reader (onnx/reader_encoder.int8.onnx and reader.json, 4.3 MB) joined the package.
MAX_PACKAGE_BYTES = 48 * 1024 * 1024
INT8_TEXT = 'onnx/text_encoder.int8.onnx'
STAGE1_FILES = ('tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'reference/tokenizer_reference.json')
EXPORT_FILES = ('onnx/text_encoder.onnx', 'onnx/image_encoder.onnx', 'onnx/audio_encoder.onnx', 'onnx/fusion.onnx',
                'entity_vocab.json', 'reference/parity_inputs.json', 'reference/parity_outputs.json',
                'reference/parity_records.ndjson')
INTENDED_USE = ('A small demonstration model trained on generated records and public text. It is not a medical '
                'device and is not for clinical use: its diagnoses, severities and drug suggestions are learnt '
                'from synthetic patients drawn from a knowledge graph, not from real care.')


def heads(fusion_ckpt: dict, text_classes: list[str]) -> dict:
    return {
        'diagnoses': {'output': 'diagnosis_logits', 'activation': 'softmax', 'labels': fusion_ckpt['diagnoses'],
                      'abstention': {'label': NONE_ID, 'threshold': round(float(fusion_ckpt['abstention_threshold']), 4),
                                     'description': ('The record gets no diagnosis when P(none of these) is at or above the '
                                                     'threshold, chosen on validation records (generated and real) to maximise '
                                                     'the mean of Youden\'s J (abstention on out-of-label records minus '
                                                     'abstention on in-label ones).')},
                      'description': ('Presenting acute condition (ICD-10-CM, with SNOMED CT where the graph has it), one per '
                                      'record, or none of these: diagnoses are an open set.')},
        'severity': {'output': 'severity_logits', 'activation': 'softmax', 'labels': fusion_ckpt['severities'], 'follows': 'diagnoses',
                     'description': 'DDXPlus severity of the presenting condition, 1 (most severe) to 5 (mildest); none when no diagnosis is made.'},
        'drugs': {'output': 'drug_logits', 'activation': 'sigmoid', 'labels': fusion_ckpt['drugs'],
                  'threshold': fusion_ckpt['drug_threshold'], 'follows': 'diagnoses',
                  'description': ('First-line drugs for the record\'s acute and chronic conditions (RxNorm where the graph has '
                                  'a code, else DrugBank); multi-label, reported at or above the threshold chosen on validation, '
                                  'and only when the graph has the drug treat a diagnosis made or an active coded condition.')},
        'specialty': {'output': 'specialty_logits', 'activation': 'softmax',
                      'labels': [{'id': c, 'display': c} for c in text_classes],
                      'description': ('Medical specialty of the note, trained on MTSamples (CC0); classes with at least 20 '
                                      'training documents, the rest as "Other". Computed by the text encoder alone.')},
    }


def _conv_channels(state: dict) -> list[int]:
    """Output channels of each 3x3 convolution of an encoder's weights, in order (one per CNN block)."""
    return [int(t.shape[0]) for t in state.values() if getattr(t, 'dim', lambda: 0)() == 4 and tuple(t.shape[2:]) == (3, 3)]


def architecture(text_ckpt: dict, fusion_ckpt: dict, graphs_spec: dict) -> dict:
    """The shapes the model card states, read from the trained checkpoints rather than restated by hand."""
    text_keys = ('num_layers', 'hidden_size', 'num_heads', 'intermediate_size', 'vocab_size', 'max_position_embeddings')
    config = text_ckpt['model_config']
    image, audio = fusion_ckpt['image'], fusion_ckpt['audio']
    opsets = {g.get('opset') for g in graphs_spec.values()}
    return {
        'text': {**{k: config[k] for k in text_keys if k in config}, 'max_length': MAX_LENGTH},
        'image': {'input': [1, IMAGE_SIZE, IMAGE_SIZE], 'conv_channels': _conv_channels(image),
                  'embedding': int(image['project.weight'].shape[0])},
        'audio': {'sample_rate': SAMPLE_RATE, 'seconds': AUDIO_SECONDS, 'mel_bins': MEL_BINS, 'fft_size': N_FFT,
                  'hop_length': HOP_LENGTH, 'conv_channels': _conv_channels(audio),
                  'embedding': int(audio['project.weight'].shape[0])},
        'fusion': {'max_entities': MAX_ENTITIES},
        **({'opset': next(iter(opsets))} if len(opsets) == 1 else {}),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(['git', *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def build_environment() -> dict:
    """What the package was published with: library versions and the commit (with whether the tree had changes)."""
    import numpy
    import onnx
    import torch

    commit = _git('rev-parse', 'HEAD')
    status = _git('status', '--porcelain', '--untracked-files=no')
    return {
        'python': sys.version.split()[0], 'torch': torch.__version__, 'numpy': numpy.__version__, 'onnx': onnx.__version__,
        'git_commit': commit, 'git_dirty': None if status is None else bool(status),
        'note': ('recorded by the publish step, which copies graphs the earlier steps exported; '
                 'training/work/<config>/timings.tsv says when each step ran'),
    }


def _faithfulness(path: Path, graph_sha: dict[str, str]) -> dict | None:
    """The faithfulness step's report, if it was measured on exactly these graphs."""
    if not path.exists():
        return None
    report = read_json(path)
    if report.get('graphs') != graph_sha:
        log('publish', f'warning: {path} was measured on other graphs; left out (rerun the faithfulness step)')
        return None
    return {'command': report['command'], 'reproduce': report['reproduce'], 'model_top1': report['heads']['diagnoses']['top1'],
            **report['faithfulness']}


CONTEXT_TSV = 'text/negex-context/context-annotations-dev.tsv'


def _note_context() -> dict | None:
    """The runtime's ConText flags on the annotated sentences (scripts/context-eval.ts), when the corpus is here."""
    from .corpus import corpus_root

    tsv = corpus_root() / CONTEXT_TSV
    if not tsv.exists():
        log('publish', f'warning: {tsv} not found; the card leaves out the ConText measurement')
        return None
    done = subprocess.run(['node', '--import', 'tsx', 'scripts/context-eval.ts', '--json', '--file', str(tsv)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RecipeError(f'scripts/context-eval.ts failed: {done.stderr.strip()[-2000:]}')
    report = json.loads(done.stdout)
    keep = {k: report[k] for k in ('rows', 'used', 'negated', 'historical', 'family', 'gennegexNegationF')}
    return {**keep, 'file': f'../shared/corpus/{CONTEXT_TSV}', 'command': 'npm run context-eval'}


def _int8_text(export: Path) -> dict | None:
    """The quantize step's report when it wrote an int8 text encoder for exactly this fp32 text graph."""
    from .common import sha256_file

    if not (export / INT8_TEXT).exists():
        return None
    report_path = export / 'int8.json'
    report = read_json(report_path) if report_path.exists() else {}
    fp32 = sha256_file(export / 'onnx' / 'text_encoder.onnx')
    if report.get('source_sha256') != fp32 or report.get('sha256') != sha256_file(export / INT8_TEXT):
        # The int8 file reads its tables at byte offsets of the fp32 file: never ship it beside another one.
        raise RecipeError(f'{export / INT8_TEXT} was not made from {export / "onnx/text_encoder.onnx"} as it is now: '
                          'rerun the quantize step')
    return report


def _int8_check(path: Path, hashes: dict) -> dict | None:
    """The int8-check step's report, if it was measured on exactly these graphs."""
    if not path.exists():
        return None
    report = read_json(path)
    if report.get('graphs') != hashes:
        log('publish', f'warning: {path} was measured on other graphs; left out, default precision fp32 (rerun the int8-check step)')
        return None
    return report


def reader_files(out: Path) -> list[str]:
    """The reader's files to list: all of READER_FILES when all are in `out` and reader.json's encoder reads
    its tables from the package's text encoder as it is now (when reader.json records that hash); else none."""
    if not all((out / p).exists() for p in READER_FILES):
        if any((out / p).exists() for p in READER_FILES):
            log('publish', f'warning: only part of the reader\'s files ({", ".join(READER_FILES)}) in {out}; left out')
        return []
    tables = (read_json(out / 'reader.json').get('provenance') or {}).get('tablesSha256')
    if tables and tables != sha256_file(out / 'onnx' / 'text_encoder.onnx'):
        log('publish', f'warning: {out / READER_FILES[1]} reads its tables from another onnx/text_encoder.onnx; '
                       'the reader is left out of the manifest (rerun the reader step)')
        return []
    return list(READER_FILES)


def run(cfg_name: str, out: Path) -> dict:
    import torch

    cfg = get_config(cfg_name)
    export = cfg.work_dir / 'export'
    metrics_path = cfg.work_dir / 'metrics.json'
    for path in [export / f for f in EXPORT_FILES] + [metrics_path, cfg.work_dir / 'fusion.pt']:
        if not path.exists():
            raise RecipeError(f'{path} not found: run the export and evaluate steps first')
    for name in STAGE1_FILES:
        if not (out / name).exists():
            raise RecipeError(f'{out / name} not found: run the package step (stage 1) first')
    for name in EXPORT_FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(export / name, out / name)
    kg_target = out / 'kg.json'
    if kg_target.resolve() != KG_PATH.resolve():
        shutil.copyfile(KG_PATH, kg_target)
    int8 = _int8_text(export)
    if int8:
        shutil.copyfile(export / INT8_TEXT, out / INT8_TEXT)

    fusion_ckpt = torch.load(cfg.work_dir / 'fusion.pt', map_location='cpu')
    text_ckpt = torch.load(cfg.work_dir / 'text_pretrained.pt', map_location='cpu')
    head_specs = heads(fusion_ckpt, text_ckpt['classes'])
    listed = sorted(set(STAGE1_FILES) | set(EXPORT_FILES) | {'kg.json'} | ({INT8_TEXT} if int8 else set())
                    | set(reader_files(out)))
    files = [{'path': p, 'sha256': sha256_file(out / p), 'bytes': (out / p).stat().st_size} for p in listed]
    by_path = {f['path']: f for f in files}
    total = sum(f['bytes'] for f in files)
    # The cap is for the committed default; a package built from imported weights (build.sh --init-from) may be larger.
    source = weights_source(cfg.work_dir)
    if source is None and total >= MAX_PACKAGE_BYTES:
        raise RecipeError(f'the package is {total / 2**20:.1f} MiB, over the {MAX_PACKAGE_BYTES // 2**20} MiB limit')
    extras = sorted(p.relative_to(out).as_posix() for p in out.rglob('*')
                    if p.is_file() and p.relative_to(out).as_posix() not in by_path and p.name != 'manifest.json')
    if extras:
        log('publish', f'warning: files in {out} that the manifest does not list: {", ".join(extras)}')

    metrics = read_json(metrics_path)
    graphs_spec = read_json(export / 'graphs.json')
    metrics['package'] = {
        'files': len(files), 'bytes': total,
        'graph_bytes': {role: by_path[g['file']]['bytes'] for role, g in graphs_spec.items()},
        'precision': 'fp32',
        'labels': {name: len(h['labels']) for name, h in head_specs.items()},
    }
    readers = reader_files(out)
    if readers:
        metrics['package']['reader'] = {'bytes': sum(by_path[p]['bytes'] for p in readers), 'files': sorted(readers)}
    if int8:
        metrics['package']['int8'] = {'text_bytes': by_path[INT8_TEXT]['bytes'], 'tables': int8['tables'],
                                      'shared_bytes': int8['shared_bytes'], 'linears': int8['linears']}
    metrics['architecture'] = architecture(text_ckpt, fusion_ckpt, graphs_spec)
    metrics['build'] = build_environment()

    graphs = {role: {'file': g['file'], 'sha256': by_path[g['file']]['sha256'], 'bytes': by_path[g['file']]['bytes'],
                     'inputs': g['inputs'], 'outputs': g['outputs'], 'precision': g['precision'], 'opset': g['opset']}
              for role, g in graphs_spec.items()}
    metrics.pop('faithfulness', None)
    hashes = {role: g['sha256'] for role, g in sorted(graphs.items())}
    faithfulness = _faithfulness(cfg.work_dir / 'faithfulness.json', hashes)
    if faithfulness:
        metrics['faithfulness'] = faithfulness
    # A committed measurement the card cites for "what would close the gap" (training/pretraining_scale.py).
    experiment = REPO_ROOT / 'docs' / 'experiments' / 'pretraining-scale-h200.json'
    metrics.pop('experiments', None)
    if experiment.exists():
        metrics['experiments'] = {'pretraining_scale': {**read_json(experiment), 'file': experiment.relative_to(REPO_ROOT).as_posix()}}
    note_context = _note_context()
    metrics.pop('note_context', None)
    if note_context:
        metrics['note_context'] = note_context
    metrics.get('real_notes', {}).pop('cli', None)
    cli_path = cfg.work_dir / 'cli_check.json'
    if cli_path.exists() and 'real_notes' in metrics:
        cli = read_json(cli_path)
        if cli.get('graphs') == hashes:
            metrics['real_notes']['cli'] = {'commands': cli['commands'], **cli['cli']}
        else:
            log('publish', f'warning: {cli_path} was measured on other graphs; left out (rerun the cli-check step)')
    precisions = None
    metrics.pop('precision', None)
    if int8:
        text = graphs_spec['text']
        int8_graphs = {'text': {'file': INT8_TEXT, 'sha256': by_path[INT8_TEXT]['sha256'], 'bytes': by_path[INT8_TEXT]['bytes'],
                                'inputs': text['inputs'], 'outputs': text['outputs'], 'precision': int8['precision'],
                                'opset': text['opset']}}
        check = _int8_check(cfg.work_dir / 'int8_check.json',
                            {'fp32': hashes, 'int8': {role: g['sha256'] for role, g in sorted(int8_graphs.items())}})
        if check:
            metrics['precision'] = {'commands': check['commands'], 'compare_command': check['compare_command'],
                                    'parts': check['parts'], 'compare': check['compare'], 'verdict': check['verdict']}
        precisions = {'default': check['verdict']['default'] if check else 'fp32', 'int8': int8_graphs}
    write_json(metrics_path, metrics)
    manifest = {
        'formatVersion': 1,
        'name': 'clinicalbert-mini' if cfg_name == 'full' else f'clinicalbert-mini-{cfg_name}',
        'version': '1.0.0' if cfg_name == 'full' else f'1.0.0-{cfg_name}',
        'description': ('Mini BERT text encoder (MLM-pretrained on general English and open clinical text), image and '
                        'audio CNNs and a fusion head with attention over knowledge-graph entities; fine-tuned on '
                        'generated multimodal records and MTSamples. See MODEL_CARD.md.'),
        'license': 'Apache-2.0 (weights and code); training data licences are listed in MODEL_CARD.md',
        'createdBy': f'training/build.sh --config {cfg_name}' + (
            f' --init-from {source["folder"]} ({source["weights_file"]} sha256 {source["weights_sha256"]})' if source else ''),
        'intendedUse': INTENDED_USE,
        'graphs': graphs,
        **({'precisions': precisions} if precisions else {}),
        'text': {'tokenizer': 'tokenizer.json', 'tokenizerConfig': 'tokenizer_config.json', 'maxLength': MAX_LENGTH,
                 'lowercase': bool((read_json(out / 'tokenizer.json').get('normalizer') or {}).get('lowercase', True))},
        'image': {'size': IMAGE_SIZE, 'channels': 1, 'mean': IMAGE_MEAN, 'std': IMAGE_STD},
        'audio': {'sampleRate': SAMPLE_RATE, 'seconds': AUDIO_SECONDS, 'melBins': MEL_BINS, 'fftSize': N_FFT, 'hopLength': HOP_LENGTH},
        'knowledgeGraph': {'file': 'kg.json', 'sha256': by_path['kg.json']['sha256'], 'entityVocabulary': 'entity_vocab.json',
                           'maxEntities': MAX_ENTITIES},
        'heads': head_specs,
        'metrics': metrics,
        'files': files,
    }
    write_json(out / 'manifest.json', manifest)
    check = subprocess.run(['node', '--import', 'tsx', 'training/check_package.ts', str(out.resolve())], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RecipeError(f'the runtime refuses the package it just wrote: {check.stderr.strip()}')
    log('publish', check.stdout.strip())
    from .model_card import coverage_svg, render

    card = REPO_ROOT / 'MODEL_CARD.md' if cfg_name == 'full' else cfg.work_dir / 'MODEL_CARD.md'
    # The accuracy-against-coverage plot beside the card (docs/ for the committed card).
    plot = REPO_ROOT / 'docs' / 'model-card-coverage.svg' if cfg_name == 'full' else cfg.work_dir / 'model-card-coverage.svg'
    curves = {'real notes': metrics['real_notes']['open_set']['curve'], 'generated': metrics['generated_test']['open_set']['curve']}
    plot.parent.mkdir(parents=True, exist_ok=True)
    plot.write_text(coverage_svg(curves, 'Diagnosis: accuracy against coverage'), encoding='utf-8')
    card.write_text(render(metrics, plot.relative_to(card.parent).as_posix()), encoding='utf-8')
    return {'out': str(out), 'bytes': total, 'files': len(files), 'card': str(card)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Copy the graphs into the package and write manifest.json and the model card.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--out', type=Path, required=True)
    args = parser.parse_args(argv)
    result = run(args.config, args.out)
    log('publish', f'{result["files"]} files, {result["bytes"] / 2**20:.1f} MiB in {result["out"]}; card {result["card"]}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'publish: {e}', file=sys.stderr)
        sys.exit(1)
