"""@file Lists the reader's files (reader.json, onnx/reader_encoder.int8.onnx) in the package manifest's
`files` with their size and sha256, so that the package check (src/model/package.ts) verifies them
like every other file. The recipe's reader step (training/build.sh `--steps reader`) runs it last;
training/publish.py lists the same files (READER_FILES) whenever they are in the package folder.

    /usr/bin/python3 -m training.reader_manifest [--model models/clinicalbert-mini]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import sha256_file, write_json

READER_FILES = ('reader.json', 'onnx/reader_encoder.int8.onnx')


def upsert_files(files: list[dict], entries: list[dict]) -> list[dict]:
    """`files` with `entries` added or replacing the entry of the same path, sorted by path."""
    by_path = {f['path']: f for f in files}
    for e in entries:
        by_path[e['path']] = e
    return [by_path[p] for p in sorted(by_path)]


def package_totals(files: list[dict], reader: list[dict]) -> dict:
    """The card's package figures (metrics.package) with the reader's files counted: files, bytes, reader bytes."""
    totals = {'files': len(files), 'bytes': sum(f['bytes'] for f in files)}
    if reader:
        totals['reader'] = {'bytes': sum(e['bytes'] for e in reader), 'files': [e['path'] for e in reader]}
    return totals


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='models/clinicalbert-mini')
    args = ap.parse_args(argv)
    root = Path(args.model)
    manifest = json.loads((root / 'manifest.json').read_text())
    entries = [{'bytes': (root / p).stat().st_size, 'path': p, 'sha256': sha256_file(root / p)} for p in READER_FILES if (root / p).exists()]
    manifest['files'] = upsert_files(manifest['files'], entries)
    package = manifest.get('metrics', {}).get('package')
    if package is not None:
        package.update(package_totals(manifest['files'], entries))
    write_json(root / 'manifest.json', manifest)
    print(json.dumps(entries), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
