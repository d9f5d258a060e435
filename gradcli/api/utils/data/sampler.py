"""Samplers: the order a DataLoader visits a dataset in, batched or not."""

from __future__ import annotations

import itertools

from gradcli.api import functions as fn
from gradcli.core.kernels import random as rng
from gradcli.errors import TorchError


class Sampler:
    """Iterates over indices of a dataset."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise TorchError("Subclasses of Sampler should implement __iter__",
                         kind="NotImplementedError")


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A permutation per pass; without a generator, each pass seeds a new one from the
    default generator (one ``random_()`` draw), as PyTorch's does."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TorchError("replacement should be a boolean value, but got "
                             f"replacement={replacement}", kind="TypeError")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise TorchError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}", kind="ValueError")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = fn.Generator().manual_seed(rng.default_generator.random_int64())
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from fn.randint(high=n, size=(32,), generator=generator).tolist()
            yield from fn.randint(high=n, size=(self.num_samples % 32,),
                                  generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from fn.randperm(n, generator=generator).tolist()
            yield from fn.randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from another sampler (the last one shorter, or dropped)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise TorchError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}", kind="ValueError")
        if not isinstance(drop_last, bool):
            raise TorchError(f"drop_last should be a boolean value, but got drop_last={drop_last}",
                             kind="ValueError")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        if self.drop_last:
            for batch in zip(*[indices] * self.batch_size):
                yield [*batch]
            return
        batch = [*itertools.islice(indices, self.batch_size)]
        while batch:
            yield batch
            batch = [*itertools.islice(indices, self.batch_size)]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
