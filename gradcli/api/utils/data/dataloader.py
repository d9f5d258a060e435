"""``DataLoader`` (single process) and its default collation, as ``torch/utils/data``.

Each pass draws its base seed from the generator (PyTorch does so even with no workers), and a
shuffling pass a second one to seed its permutation: later random numbers of the program
(dropout, init) then agree with PyTorch's too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gradcli.api import functions as fn
from gradcli.api.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError


def default_convert(data):
    """A sample as PyTorch's default_convert leaves it without batching: tuples become lists
    (PyTorch's backwards compatibility), containers are converted element-wise."""
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stack a list of samples into a batch: tensors with torch.stack, floats into a float64
    tensor, ints (and bools) into a tensor, strings kept, dicts and sequences element-wise (a
    tuple becomes a list, as in PyTorch)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return fn.stack(batch, 0)
    if isinstance(elem, float):
        return fn.tensor(batch, dtype=fn.dtypes.float64)
    if isinstance(elem, int):
        return fn.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(item) != size for item in batch):
            raise TorchError("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]
    raise TorchError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                     f"or lists; found {type(elem)}", kind="TypeError")


class DataLoader:
    """Batches of a map-style dataset, in order or shuffled, collated into tensors."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise TorchError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.", kind="ValueError")
        # Workers (num_workers > 0) load the same batches, in the same order, as the main
        # process does for a map-style dataset: gradcli loads them in the program's process.
        if sampler is not None and shuffle:
            raise TorchError("sampler option is mutually exclusive with shuffle",
                             kind="ValueError")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise TorchError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last", kind="ValueError")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise TorchError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last", kind="ValueError")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers = num_workers
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None
                                         else default_convert)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __iter__(self):
        indices = iter(self._index_sampler)
        fn._kernel(self.generator).random_int64()  # the pass's base seed (for workers)
        for index in indices:
            if self.batch_sampler is None:
                yield self.collate_fn(self.dataset[index])
                continue
            many = getattr(self.dataset, "__getitems__", None)
            samples = many(index) if callable(many) else [self.dataset[i] for i in index]
            yield self.collate_fn(samples)

    def __len__(self) -> int:
        return len(self._index_sampler)
