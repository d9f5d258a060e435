"""``torch.utils.data``: datasets, samplers, DataLoader and random_split."""

from gradcli.api.utils.data.dataloader import DataLoader, default_collate, default_convert
from gradcli.api.utils.data.dataset import (ConcatDataset, Dataset, Subset, TensorDataset,
                                            random_split)
from gradcli.api.utils.data.sampler import (BatchSampler, RandomSampler, Sampler,
                                            SequentialSampler)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "default_convert", "Sampler", "SequentialSampler",
           "RandomSampler", "BatchSampler"]
