"""Target 2: the small-tensor chain on 1000x1000 float64, where numpy's own work dominates.

gradcli's forward+backward against the same math written by hand in numpy (out of
place, saving what backward needs), and PyTorch (one thread) when installed.  Only
the gradcli/numpy ratio is a target: it measures the engine's avoidable temporaries
and copies, not Python overhead.  The chain is shorter than the small one by default
(100 ops): every saved 1000x1000 array is 8 MB.

    python bench/large_chain.py [--ops 100] [--size 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import interleaved_best, machine, optional, ratio, single_thread_torch, table
from small_chain import framework_run, numpy_run


def measure(ops: int, size: int, repeat: int):
    import gradcli
    start = np.random.default_rng(0).uniform(-1, 1, size=(size, size))
    runs = {"gradcli": framework_run(gradcli, start, ops),
            "numpy by hand": numpy_run(start, ops)}
    torch = single_thread_torch()
    if torch is not None:
        runs["PyTorch (1 thread)"] = framework_run(torch, start, ops)
    return {name: seconds / ops for name, seconds in interleaved_best(runs, repeat).items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    results = measure(args.ops, args.size, args.repeat)
    numpy_time = results["numpy by hand"]
    rows = [[name, f"{seconds * 1e3:.2f}", ratio(seconds, numpy_time)]
            for name, seconds in results.items()]
    return table(f"Large tensors: {args.size}x{args.size} float64, chain of {args.ops} ops, "
                 f"forward+backward (best of {args.repeat}; {machine()})",
                 ["implementation", "ms/op", "vs numpy"], rows)


if __name__ == "__main__":
    main()
