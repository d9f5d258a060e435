"""Shared helpers for the bench scripts: timing, optional baselines, table printing.

Benchmarks are scripts, never tests: they print tables and assert nothing about time.
"""

from __future__ import annotations

import gc
import importlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def optional(module: str):
    """The module when it is installed, else None (its rows then say 'not installed')."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def single_thread_torch():
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
    return torch


def interleaved_best(runs: dict, repeat: int = 5) -> dict:
    """The fastest run of each function, taking turns so that load from elsewhere on the
    machine falls on all of them alike rather than on whichever ran during it."""
    for function in runs.values():
        function()
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, function in runs.items():
            gc.collect()
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def median(values) -> float:
    return statistics.median(values)


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured markdown table, printed and returned."""
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def ratio(value: float, reference: float | None) -> str:
    return "" if not reference else f"{value / reference:.2f}x"


def machine() -> str:
    """nproc, CPU model, Python and numpy versions: the line the README quotes."""
    import numpy
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"numpy {numpy.__version__}")
