"""@file Measures MLM training throughput at different thread counts (why the recipe pins 2 threads).

Debian's PyTorch 1.13 defaults to hardware_concurrency()/2 intra-op threads, i.e. 1 on a 2-vCPU
machine. This runs the same training steps (random ids, the full-config model shape) once per
thread count in a fresh process, alternating the order, and writes training/work/threads_benchmark.json.
Other processes on the machine skew the numbers: the load average is recorded with them.

    /usr/bin/python3 -m training.bench_threads --threads 1 2 --steps 6 --repeats 2
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from .common import write_json
from .config import WORK_ROOT


def one_run(threads: int, steps: int, deterministic: bool) -> dict:
    os.environ['OMP_NUM_THREADS'] = str(threads)
    import torch

    from .config import MlmConfig, ModelConfig
    from .mlm import build_optimizer, mask_tokens
    from .model import BertForMaskedLM

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(deterministic)
    mcfg = MlmConfig()
    model = BertForMaskedLM(ModelConfig())
    optimizer, scheduler = build_optimizer(torch, model, mcfg, steps + 1)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, model.config.vocab_size, (mcfg.batch_size, mcfg.seq_len), generator=gen)
    times = []
    for step in range(steps + 1):  # the first step warms up and is not counted
        t = time.perf_counter()
        inputs, labels = mask_tokens(torch, ids, gen, mcfg, model.config.vocab_size)
        loss = model(inputs, torch.ones_like(inputs), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step:
            times.append(time.perf_counter() - t)
    per_step = sorted(times)[len(times) // 2]
    return {'threads': torch.get_num_threads(), 'deterministic': deterministic, 'median_step_seconds': round(per_step, 3),
            'tokens_per_second': round(mcfg.batch_size * mcfg.seq_len / per_step)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--steps', type=int, default=6)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--nondeterministic', action='store_true', help='also measure without use_deterministic_algorithms')
    parser.add_argument('--env', action='append', default=[], metavar='KEY=VALUE',
                        help='extra environment for the measured processes, e.g. OMP_WAIT_POLICY=passive')
    parser.add_argument('--child', nargs=3, metavar=('THREADS', 'STEPS', 'DETERMINISTIC'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(int(args.child[0]), int(args.child[1]), args.child[2] == '1')))
        return 0
    modes = [True, False] if args.nondeterministic else [True]
    runs = []
    for r in range(args.repeats):
        order = args.threads if r % 2 == 0 else list(reversed(args.threads))
        for threads in order:
            for det in modes:
                load_before = os.getloadavg()[0]
                env = dict(os.environ, **dict(kv.split('=', 1) for kv in args.env))
                out = subprocess.run([sys.executable, '-m', 'training.bench_threads', '--child', str(threads), str(args.steps), '1' if det else '0'],
                                     check=True, capture_output=True, text=True, env=env)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                result['load_average_before'] = round(load_before, 2)
                runs.append(result)
                print(json.dumps(result), file=sys.stderr)
    summary = {}
    for threads in args.threads:
        rates = [r['tokens_per_second'] for r in runs if r['threads'] == threads and r['deterministic']]
        summary[str(threads)] = max(rates) if rates else None
    write_json(WORK_ROOT / 'threads_benchmark.json', {'runs': runs, 'best_tokens_per_second_by_threads': summary,
                                                      'cpus': os.cpu_count(), 'env': args.env})
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
