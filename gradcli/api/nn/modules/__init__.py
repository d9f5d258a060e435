"""The layers of ``torch.nn``, one file per family as in PyTorch's ``torch/nn/modules``."""

from gradcli.api.nn.modules.activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from gradcli.api.nn.modules.container import ModuleDict, ModuleList, Sequential
from gradcli.api.nn.modules.flatten import Flatten, Unflatten
from gradcli.api.nn.modules.linear import Identity, Linear
from gradcli.api.nn.modules.module import Module

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "Flatten",
           "Unflatten", "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax"]
