"""@file Small helpers every stage needs: thread setup, seeding, hashing, JSON output, memory.

Why thread setup lives here: Debian's PyTorch 1.13 picks its default intra-op thread count as
`std::thread::hardware_concurrency() / 2` (it assumes every x86 core has two hyper-threads), so
on a 2-vCPU machine without SMT it runs on 1 thread unless told otherwise. Every stage calls
`setup_torch(threads)` before doing any work.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any


def log(stage: str, message: str) -> None:
    """One progress line on stderr. Never pass note text here: ids, counts and paths only."""
    print(f'[{time.strftime("%H:%M:%S")}] {stage}: {message}', file=sys.stderr, flush=True)


def setup_torch(threads: int, seed: int):
    """Pin the thread count and seed every generator; returns the torch module."""
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(var, str(threads))
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def stable_unit(*parts: object) -> float:
    """A number in [0, 1) fixed by its inputs: used for splits and orderings that must never move."""
    digest = hashlib.sha256('\x1f'.join(str(p) for p in parts).encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big') / 2.0**64


def write_json(path: str | Path, data: Any, compact: bool = False) -> None:
    """Write JSON atomically (temp file + rename) with sorted keys, so reruns give identical bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        if compact:
            json.dump(data, f, ensure_ascii=False, separators=(',', ':'), sort_keys=True)
        else:
            json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def read_json(path: str | Path) -> Any:
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


class RecipeError(Exception):
    """A stage cannot go on: a missing input, a changed source, a bad argument."""
