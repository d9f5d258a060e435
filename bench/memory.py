"""Target 3: peak memory of the large chain (forward+backward), each implementation in a
fresh subprocess.

Peak resident memory added by the run: the high-water mark ``VmHWM`` after it minus the
resident size before it (imports and the input tensor excluded).  Not ``ru_maxrss``:
Linux carries that over from the parent across exec.  For the numpy-backed
implementations tracemalloc's peak (numpy reports its buffers to it) is shown too.

    python bench/memory.py [--ops 100] [--size 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np

from _common import machine, optional, ratio, table

IMPLEMENTATIONS = ("gradcli", "PyTorch (1 thread)", "numpy by hand")


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_resident_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def child(name: str, ops: int, size: int) -> dict:
    """Run one implementation once in this process and report its peaks in MB."""
    from small_chain import framework_run, numpy_run
    start = np.random.default_rng(0).uniform(-1, 1, size=(size, size))
    if name == "gradcli":
        import gradcli
        run = framework_run(gradcli, start, ops)
    elif name.startswith("PyTorch"):
        import torch
        torch.set_num_threads(1)
        run = framework_run(torch, start, ops)
    else:
        run = numpy_run(start, ops)
    before = _resident_bytes()
    traced = not name.startswith("PyTorch")
    if traced:
        tracemalloc.start()
    run()
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else None
    peak = _peak_resident_bytes()
    return {"rss": (peak - before) / 1e6, "traced": peak_traced and peak_traced / 1e6}


def measure(ops: int, size: int) -> dict:
    results = {}
    for name in IMPLEMENTATIONS:
        if name.startswith("PyTorch") and optional("torch") is None:
            continue
        output = subprocess.run(
            [sys.executable, __file__, "--child", name, "--ops", str(ops), "--size", str(size)],
            check=True, capture_output=True, text=True, cwd=os.path.dirname(__file__)).stdout
        results[name] = json.loads(output.strip().splitlines()[-1])
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--child")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.ops, args.size)))
        return None
    results = measure(args.ops, args.size)
    torch_peak = results.get("PyTorch (1 thread)", {}).get("rss")
    rows = [[name, f"{r['rss']:.0f}", ratio(r["rss"], torch_peak),
             "" if r["traced"] is None else f"{r['traced']:.0f}"] for name, r in results.items()]
    return table(f"Peak memory: {args.size}x{args.size} float64, chain of {args.ops} ops, "
                 f"forward+backward ({machine()})",
                 ["implementation", "peak RSS added (MB)", "vs PyTorch", "tracemalloc peak (MB)"],
                 rows)


if __name__ == "__main__":
    main()
