"""The torch-shaped surface over the core: functions, Tensor methods, autograd, nn.

``names`` is the one list of public names; it builds the ``gradcli`` module and the
sandbox's ``torch`` namespace.  Imports only ``gradcli.core`` and ``gradcli.errors``.
"""
