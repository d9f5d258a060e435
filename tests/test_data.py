"""torch.utils.data in plain Python (``import gradcli as torch``): datasets, DataLoader
batches and shuffling, collation and random_split, checked against the text PyTorch 2.13
prints (recorded from it; tests/test_nn_parity.py draws loaders through both)."""

from __future__ import annotations

import contextlib
import io
import textwrap

import gradcli as torch
import gradcli.utils.data as data


def printed(source: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(textwrap.dedent(source), {"torch": torch, "data": data, "__name__": "__main__"})
    return buffer.getvalue()


def test_shuffled_batches_follow_pytorchs_random_sampler_and_seed_draws():
    assert printed("""
        torch.manual_seed(0)
        ds = data.TensorDataset(torch.arange(20.).reshape(10, 2), torch.arange(10))
        for epoch in range(2):
            print([y.tolist() for _, y in data.DataLoader(ds, batch_size=3, shuffle=True)])
        print(torch.randn(2))
        loader = data.DataLoader(ds, batch_size=4, shuffle=True, drop_last=True,
                                 generator=torch.Generator().manual_seed(42))
        print(len(loader), [y.tolist() for _, y in loader])
    """) == """\
[[6, 7, 1], [4, 2, 0], [9, 8, 3], [5]]
[[2, 4, 7], [0, 8, 9], [5, 3, 6], [1]]
tensor([-1.0845, -1.3986])
2 [[6, 5, 4, 0], [8, 9, 2, 1]]
"""


def test_batches_in_order_and_default_collation():
    assert printed("""
        ds = data.TensorDataset(torch.arange(20.).reshape(10, 2), torch.arange(10))
        for x, y in data.DataLoader(ds, batch_size=4):
            print(x.shape, y)
        print(data.default_collate([(1, 2.0, "a"), (3, 4.0, "b")]))
        class Squares(data.Dataset):
            def __len__(self):
                return 3
            def __getitem__(self, i):
                return float(i), i * i
        print(list(data.DataLoader(Squares(), batch_size=2)))
        print(list(data.DataLoader(Squares(), batch_size=None)))
    """) == """\
torch.Size([4, 2]) tensor([0, 1, 2, 3])
torch.Size([4, 2]) tensor([4, 5, 6, 7])
torch.Size([2, 2]) tensor([8, 9])
[tensor([1, 3]), tensor([2., 4.], dtype=torch.float64), ('a', 'b')]
[[tensor([0., 1.], dtype=torch.float64), tensor([0, 1])], [tensor([2.], dtype=torch.float64), tensor([4])]]
[[0.0, 0], [1.0, 1], [2.0, 4]]
"""


def test_random_split_by_lengths_and_fractions():
    assert printed("""
        torch.manual_seed(0)
        train, test = data.random_split(range(10), [7, 3])
        print(train.indices, test.indices, len(train), test[0])
        parts = data.random_split(range(10), [0.5, 0.3, 0.2],
                                  generator=torch.Generator().manual_seed(1))
        print([list(part) for part in parts])
        try:
            data.random_split(range(10), [3, 3])
        except ValueError as error:
            print(error)
    """) == """\
[4, 1, 7, 5, 3, 9, 0] [8, 6, 2] 7 8
[[5, 6, 1, 2, 0], [8, 9, 3], [7, 4]]
Sum of input lengths does not equal the length of the input dataset!
"""


def test_workers_load_the_same_batches_in_the_programs_process():
    """num_workers > 0: PyTorch's workers produce the batches the main process would, in the
    same order; gradcli loads them itself (no processes), so programs that ask for workers run."""
    import gradcli as torch
    from gradcli.utils.data import DataLoader, TensorDataset
    data = TensorDataset(torch.arange(6.0), torch.arange(6.0) * 2)
    torch.manual_seed(3)
    plain = [x.tolist() for x, _ in DataLoader(data, batch_size=2, shuffle=True)]
    torch.manual_seed(3)
    workers = [x.tolist() for x, _ in DataLoader(data, batch_size=2, shuffle=True, num_workers=2)]
    assert workers == plain and sorted(sum(plain, [])) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
