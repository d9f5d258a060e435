"""Reveal the order in which PyTorch's torch.mm (MKL's sgemm) adds the products of each output
element, FPRev-style: with every product 1 but one +BIG and one -BIG, an output equals the
number of products added after the two cancel, which is the size of the smallest subtree
holding both; the sizes for all pairs give the summation tree.

A development tool (it needs PyTorch): what gradcli/core/ops/linalg.py reproduces (inner sizes
up to 3) was measured with it, and the next ranges to reproduce can be mapped with it.

    python tools/sum_order.py 4 13 6       # x (4 x 13) @ W.t() (W 6 x 13): Linear's layout
    python tools/sum_order.py 4 13 6 --nn  # x @ B with B (13 x 6) row-major

Findings so far (float32, torch 2.13.0 CPU, MKL 2024.2, AVX512 machine): up to 3 products are
added left to right (fused multiply-adds only in the large-matrix kernel: 4+ rows and 12+
columns); Linear's layout with a batch of 2+ sums 4 lanes (rows in blocks of 4) or 8 lanes (the
other rows) after peeling the products before the first 16-byte aligned element of x's row;
a single output column or row goes through matrix-vector kernels with other peels.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

BIG = 2.0 ** 40


def products(torch, n, k, m, values, layout):
    """torch.mm whose every output element sums exactly ``values`` (k products)."""
    row = torch.tensor(values, dtype=torch.float32)
    x = row.repeat(n, 1)
    if layout == "nn":
        return torch.mm(x, torch.ones(k, m)).numpy()
    return torch.mm(x, torch.ones(m, k).t()).numpy()


def subtree_sizes(torch, n, k, m, layout):
    """Per output element, the (k, k) matrix of the smallest subtree holding products i, j."""
    sizes = None
    for i in range(k):
        for j in range(i + 1, k):
            values = np.ones(k)
            values[i], values[j] = BIG, -BIG
            out = products(torch, n, k, m, values, layout)
            if sizes is None:
                sizes = np.zeros(out.shape + (k, k), dtype=int)
            sizes[..., i, j] = sizes[..., j, i] = k - np.rint(out).astype(int)
    return sizes


def tree(sizes):
    """The summation tree (nested tuples of product indices) from the subtree sizes."""
    k = len(sizes)
    clusters = set()
    for i in range(k):
        for size in set(sizes[i].tolist()) - {0}:
            clusters.add(frozenset(j for j in range(k)
                                   if j == i or 0 < sizes[i, j] <= size))

    def build(members):
        inner = [c for c in clusters if c < members]
        tops = [c for c in inner if not any(c < d for d in inner)]
        covered = set().union(*tops) if tops else set()
        parts = [build(c) for c in sorted(tops, key=min)] + sorted(members - covered)
        return tuple(parts) if len(parts) > 1 else parts[0]
    return build(frozenset(range(k)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="rows of x (the batch)")
    parser.add_argument("k", type=int, help="inner size (products per output)")
    parser.add_argument("m", type=int, help="columns of the output (Linear's out_features)")
    parser.add_argument("--nn", action="store_true", help="x @ B (B row-major), not x @ W.t()")
    args = parser.parse_args()
    import torch  # a development tool: PyTorch is what it measures
    torch.set_num_threads(1)
    if args.k < 2:
        print("one product: nothing to order")
        return
    sizes = subtree_sizes(torch, args.n, args.k, args.m, "nn" if args.nn else "tn")
    by_tree = defaultdict(list)
    for index in np.ndindex(sizes.shape[:-2]):
        by_tree[tree(sizes[index])].append(index)
    for shape, elements in by_tree.items():
        print(f"{len(elements)} element(s), first {elements[0]}: {shape}")


if __name__ == "__main__":
    main()
