"""Target 1: per-op overhead on small tensors.

A chain of N ops on a 2x2 float64 tensor (``y*1.0001``, ``y+0.5``, ``sin``, ``y*y``,
repeated), summed and differentiated, timed forward+backward and divided by N.
Baselines in the same process: PyTorch (one thread), HIPS autograd, and the same
math written by hand in numpy (forward saving what backward needs).

    python bench/small_chain.py [--ops 1000] [--repeat 20]
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import interleaved_best, machine, optional, ratio, single_thread_torch, table


def chain(lib, y, ops: int):
    """The benchmark chain, written once for any PyTorch-like module."""
    for _ in range(ops // 4):
        y = y * 1.0001
        y = y + 0.5
        y = lib.sin(y)
        y = y * y
    return y


def framework_run(lib, start, ops):
    def run():
        x.grad = None
        chain(lib, x, ops).sum().backward()
        return x.grad
    # made once: converting a large nested list is not what is measured
    x = lib.tensor(start.tolist(), dtype=lib.float64, requires_grad=True)
    return run


def hips_run(start, ops):
    autograd = optional("autograd")
    if autograd is None:
        return None
    anp = optional("autograd.numpy")
    gradient = autograd.grad(lambda x: anp.sum(chain(anp, x, ops)))
    return lambda: gradient(start)


def numpy_forward(x, ops):
    saved = []
    for _ in range(ops // 4):
        x = x * 1.0001
        x = x + 0.5
        saved.append(x)
        x = np.sin(x)
        saved.append(x)
        x = x * x
    return x, saved


def numpy_backward(x, saved):
    grad = np.ones_like(x)
    for index in range(len(saved) - 1, 0, -2):
        squared, sined = saved[index], saved[index - 1]
        grad = grad * squared * 2.0   # == g*y + g*y exactly, as the engines compute it
        grad = grad * np.cos(sined)
        grad = grad * 1.0001
    return grad


def numpy_run(start, ops):
    def run():
        out, saved = numpy_forward(start, ops)
        out.sum()
        return numpy_backward(out, saved)
    return run


def measure(ops: int, repeat: int, shape=(2, 2)):
    """Rows of (name, seconds per op, gradient) for every available implementation."""
    import gradcli
    start = np.random.default_rng(0).uniform(-1, 1, size=shape)
    runs = {"gradcli": framework_run(gradcli, start, ops)}
    torch = single_thread_torch()
    if torch is not None:
        runs["PyTorch (1 thread)"] = framework_run(torch, start, ops)
    hips = hips_run(start, ops)
    if hips is not None:
        runs["HIPS autograd"] = hips
    runs["numpy by hand"] = numpy_run(start, ops)
    results = {name: seconds / ops for name, seconds in interleaved_best(runs, repeat).items()}
    return results, runs


def check_agreement(runs):
    """Every implementation must compute the same gradient, or the timings mean nothing."""
    reference = runs["numpy by hand"]()
    for name, run in runs.items():
        answer = np.asarray(run().tolist())
        if not np.allclose(answer, reference, rtol=1e-9):
            print(f"warning: {name} disagrees with numpy by hand")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    results, runs = measure(args.ops, args.repeat)
    check_agreement(runs)
    torch_time = results.get("PyTorch (1 thread)")
    rows = [[name, f"{seconds * 1e6:.2f}", ratio(seconds, torch_time),
             ratio(seconds, results["numpy by hand"])] for name, seconds in results.items()]
    return table(f"Small tensors: 2x2 float64, chain of {args.ops} ops, forward+backward "
                 f"(best of {args.repeat}; {machine()})",
                 ["implementation", "us/op", "vs PyTorch", "vs numpy"], rows)


if __name__ == "__main__":
    main()
