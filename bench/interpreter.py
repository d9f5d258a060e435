"""Target 4: the sandboxed interpreter against plain Python on the same program.

A loop of 10,000 tensor ops (the small chain), run (a) through ``gradcli eval`` and
(b) as plain Python with ``import gradcli as torch``.  Each runs in a fresh
subprocess; the table shows the CPU time of the run itself (measured inside the child,
start-up excluded) and of the whole command, medians.  CPU time, not wall-clock: both
are single-threaded, and CPU time does not count what other processes on a shared
machine take.

    python bench/interpreter.py [--ops 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, machine, ratio, table

PROGRAM = """\
import torch

x = torch.ones(2, 2, dtype=torch.float64, requires_grad=True)
y = x
for step in range({repeats}):
    y = y * 1.0001
    y = y + 0.5
    y = torch.sin(y)
    y = y * y
y.sum().backward()
print(x.grad)
"""


def child(mode: str, path: str) -> float:
    """Run the program once in this process; seconds spent running it."""
    source = open(path).read()
    if mode == "eval":
        from gradcli.lang.runner import RunOptions, read_source, run_program
        name, source = read_source(path)
        options = RunOptions(timeout=0)
        start = time.process_time()
        run_program(name, source, options, output=open(os.devnull, "w"))
    else:
        import contextlib
        import gradcli
        sys.modules["torch"] = gradcli
        code = compile(source, path, "exec")
        start = time.process_time()
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            exec(code, {"__name__": "__main__"})
    return time.process_time() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _plain_command(path):
    shim = f"import sys, gradcli; sys.modules['torch'] = gradcli; exec(open({path!r}).read())"
    return [sys.executable, "-c", shim]


def measure(ops: int, repeat: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(PROGRAM.format(repeats=ops // 4))
        path = handle.name
    gradcli_command = [sys.executable, "-m", "gradcli.cli", "eval", "--timeout", "0", path]
    commands = {"gradcli eval": ("eval", gradcli_command),
                "plain Python (import gradcli as torch)": ("plain", _plain_command(path))}
    results = {}
    try:
        for name, (mode, command) in commands.items():
            inner, wall = [], []
            for _ in range(repeat):
                output = subprocess.run([sys.executable, __file__, "--child", mode, path],
                                        check=True, capture_output=True, text=True, cwd=ROOT)
                inner.append(json.loads(output.stdout)["seconds"])
                before = _children_cpu()
                subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
                wall.append(_children_cpu() - before)
            results[name] = (statistics.median(inner), statistics.median(wall))
    finally:
        os.unlink(path)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"))
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps({"seconds": child(*args.child)}))
        return None
    results = measure(args.ops, args.repeat)
    plain_run, plain_wall = results["plain Python (import gradcli as torch)"]
    rows = [[name, f"{run * 1e3:.0f}", ratio(run, plain_run), f"{wall * 1e3:.0f}",
             ratio(wall, plain_wall)] for name, (run, wall) in results.items()]
    return table(f"Interpreter: loop of {args.ops:,} tensor ops on 2x2 float64, forward+backward "
                 f"(median of {args.repeat}; {machine()})",
                 ["how it runs", "run (CPU ms)", "vs plain", "whole command (CPU ms)", "vs plain"], rows)


if __name__ == "__main__":
    main()
