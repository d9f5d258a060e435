"""Target 5: start-up.  ``gradcli grad samples/<tutorial> --wrt x`` wall-clock (median)
against running the same program under PyTorch (``python samples/<tutorial>``), and
``python -c "import torch"`` alone for reference.

Falls back to ``gradcli eval`` on a gradcli without the ``grad`` command.

    python bench/startup.py [--sample samples/blitz.py] [--wrt x] [--repeat 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _common import ROOT, machine, optional, ratio, table


# As after `pip install`: bytecode is cached (the unmeasured first run writes it).
ENVIRONMENT = {name: value for name, value in os.environ.items()
               if name != "PYTHONDONTWRITEBYTECODE"}


def wall(command, repeat: int) -> float:
    """Median wall-clock seconds of a command (one unmeasured run first warms the caches)."""
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=ENVIRONMENT)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=ENVIRONMENT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gradcli_command(sample: str, wrt: str) -> list[str]:
    base = [sys.executable, "-m", "gradcli.cli"]
    has_grad = subprocess.run(base + ["grad", "--help"], capture_output=True, cwd=ROOT).returncode == 0
    return base + (["grad", sample, "--wrt", wrt] if has_grad else ["eval", sample])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="samples/blitz.py")
    parser.add_argument("--wrt", default="x")
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args(argv)
    command = gradcli_command(args.sample, args.wrt)
    rows = []
    measured = {" ".join(["gradcli"] + command[3:]): wall(command, args.repeat),
                "python -c pass": wall([sys.executable, "-c", "pass"], args.repeat),
                "python -c 'import numpy'": wall([sys.executable, "-c", "import numpy"],
                                                 args.repeat)}
    if optional("torch") is not None:
        measured[f"PyTorch: python {args.sample}"] = wall([sys.executable, args.sample],
                                                          args.repeat)
        measured["python -c 'import torch'"] = wall([sys.executable, "-c", "import torch"],
                                                    args.repeat)
    reference = measured.get(f"PyTorch: python {args.sample}")
    for name, seconds in measured.items():
        rows.append([name, f"{seconds * 1e3:.0f}", ratio(seconds, reference)])
    return table(f"Start-up: wall-clock, median of {args.repeat} ({machine()})",
                 ["command", "ms", "vs PyTorch"], rows)


if __name__ == "__main__":
    main()
