"""``torch.optim``: SGD, Adam, AdamW, RMSprop, Adagrad and ``lr_scheduler``."""

from gradcli.api.optim import lr_scheduler
from gradcli.api.optim.adam import Adam, AdamW
from gradcli.api.optim.optimizer import Optimizer
from gradcli.api.optim.rmsprop import Adagrad, RMSprop
from gradcli.api.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
