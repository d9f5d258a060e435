"""The engine: tensors, dtypes, printing, the op table and the backward pass.

Imports nothing of gradcli but ``gradcli.errors``.  Everything above builds on it:
``api`` (the torch-shaped surface), ``lang`` (the sandboxed interpreter),
``inspection`` (graphs, gradients, checks) and ``cli``.
"""
