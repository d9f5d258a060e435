"""The layers of ``torch.nn``, one file per family as in PyTorch's ``torch/nn/modules``."""

from gradcli.api.nn.modules.activation import (ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid,
                                               Softmax, Tanh)
from gradcli.api.nn.modules.container import ModuleDict, ModuleList, Sequential
from gradcli.api.nn.modules.conv import Conv1d, Conv2d
from gradcli.api.nn.modules.dropout import Dropout
from gradcli.api.nn.modules.flatten import Flatten, Unflatten
from gradcli.api.nn.modules.linear import Bilinear, Identity, LazyLinear, Linear
from gradcli.api.nn.modules.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss,
                                         KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss)
from gradcli.api.nn.modules.module import Module
from gradcli.api.nn.modules.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from gradcli.api.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from gradcli.api.nn.modules.sparse import Embedding

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "LazyLinear",
           "Bilinear", "Embedding", "Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Dropout", "Flatten", "Unflatten",
           "ReLU", "LeakyReLU", "ELU", "GELU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
           "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"]
