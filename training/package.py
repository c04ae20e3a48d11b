"""@file The package step: copy this stage's runtime files into a model package folder.

Copies tokenizer.json, tokenizer_config.json and vocab.txt to the package root and the parity
reference to reference/tokenizer_reference.json. Files that other stages or people own (kg.json,
the ONNX graphs, manifest.json) are never touched. It refuses a reference that was computed for a
different tokenizer.json, so the package cannot carry a stale reference.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .common import RecipeError, log, read_json, sha256_file
from .config import get_config
from .tokenizer_files import TOKENIZER_FILES, tokenizer_dir
from .tokenizer_reference import REFERENCE_NAME


def package_tokenizer(cfg, out: Path) -> list[Path]:
    src = tokenizer_dir(cfg)
    reference = cfg.work_dir / REFERENCE_NAME
    for path in [src / name for name in TOKENIZER_FILES] + [reference]:
        if not path.exists():
            raise RecipeError(f'{path} not found: run the tokenizer and reference steps first')
    if read_json(reference)['tokenizer_json_sha256'] != sha256_file(src / 'tokenizer.json'):
        raise RecipeError(f'{reference} was made for another tokenizer.json: rerun the reference step')
    (out / 'reference').mkdir(parents=True, exist_ok=True)
    written = []
    for name in TOKENIZER_FILES:
        shutil.copyfile(src / name, out / name)
        written.append(out / name)
    shutil.copyfile(reference, out / 'reference' / REFERENCE_NAME)
    written.append(out / 'reference' / REFERENCE_NAME)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Copy the tokenizer files into a model package folder.")
    parser.add_argument('--config', required=True)
    parser.add_argument('--out', type=Path, required=True)
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    for path in package_tokenizer(cfg, args.out):
        log('package', f'wrote {path}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'package: {e}', file=sys.stderr)
        sys.exit(1)
