"""Run every benchmark and print its table (markdown, ready for the README).

    python bench/run_all.py [--quick]

``--quick`` runs fewer repetitions (a smoke run, not numbers to quote).  Optional
baselines: PyTorch and HIPS autograd (``pip install -e '.[bench]'``); rows for a
missing one are left out.  Numbers from a shared or busy machine are noisy: quote
a run on an idle one.
"""

from __future__ import annotations

import argparse

import interpreter
import large_chain
import memory
import small_chain
import startup
from _common import machine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    quick = parser.parse_args(argv).quick
    print(f"Machine: {machine()}\n", flush=True)
    small_chain.main(["--repeat", "3" if quick else "20"])
    large_chain.main(["--repeat", "1" if quick else "5"])
    memory.main([])
    interpreter.main(["--repeat", "1" if quick else "5"])
    startup.main(["--repeat", "3" if quick else "11"])


if __name__ == "__main__":
    main()
