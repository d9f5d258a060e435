"""Gradients, Jacobians and Hessians of a finished run, through the engine's own
``autograd.grad`` (so what `gradcli grad` prints is what the program would get).
"""

from __future__ import annotations

import numpy as np

from gradcli.api.autograd import grad
from gradcli.core.tensor import Tensor
from gradcli.errors import GradcliError


def gradient(output: Tensor, tensor: Tensor) -> Tensor | None:
    """d(output)/d(tensor) for a scalar output; None where output does not depend on it."""
    if not tensor.requires_grad or not output.requires_grad:
        return None
    (result,) = grad(output, tensor, retain_graph=True, allow_unused=True)
    return result


def jacobian(output: Tensor, tensor: Tensor) -> Tensor | None:
    """The full Jacobian, shape output.shape + tensor.shape, one backward pass per element."""
    if not tensor.requires_grad or not output.requires_grad:
        return None
    rows = []
    flat = output.array.size
    for index in range(flat):
        seed = np.zeros(flat, dtype=output.array.dtype)
        seed[index] = 1
        (row,) = grad(output, tensor, grad_outputs=Tensor(seed.reshape(output.array.shape)),
                      retain_graph=True, allow_unused=True)
        if row is None:
            return None
        rows.append(row.array)
    stacked = np.stack(rows).reshape(output.array.shape + tensor.array.shape)
    return Tensor(stacked)


def hessian(output: Tensor, tensors: list) -> list:
    """Every second derivative of a scalar output, in the blocks
    torch.autograd.functional.hessian returns for a tuple of inputs: ``blocks[i][j]`` is
    d2(output)/d(tensors[i])d(tensors[j]), shape tensors[i].shape + tensors[j].shape.

    Double backward through the engine: the first gradients are recorded
    (create_graph=True), then each of their elements is differentiated again with respect
    to every input in one pass, so the mixed blocks cost nothing extra.  A block is None
    where the output does not depend on one of its two tensors (as gradient() says); a zero
    block means it does, but the derivative is zero (d2(x + y)/dx dy)."""
    first = _first_gradients(output, tensors)
    used = [tensor for tensor, value in zip(tensors, first) if value is not None]
    # by identity, not used.index(): == on tensors compares elements
    position = {id(tensor): index for index, tensor in enumerate(used)}
    blocks = []
    for row_tensor, row_first in zip(tensors, first):
        seconds = _each_element_differentiated(row_first, used) if row_first is not None else None
        blocks.append([_block(seconds, position[id(column)], row_tensor, column)
                       if seconds is not None and column_first is not None else None
                       for column, column_first in zip(tensors, first)])
    return blocks


def _first_gradients(output: Tensor, tensors: list) -> list:
    """d(output)/d(each tensor), recorded for a second backward; None where unused."""
    wanted = [tensor for tensor in tensors if tensor.requires_grad] if output.requires_grad \
        else []
    if not wanted:
        return [None] * len(tensors)
    found = grad(output, wanted, retain_graph=True, create_graph=True, allow_unused=True)
    by_tensor = {id(tensor): value for tensor, value in zip(wanted, found)}
    return [by_tensor.get(id(tensor)) for tensor in tensors]


def _each_element_differentiated(first: Tensor, tensors: list) -> list:
    """For each element of ``first`` (row-major), its gradient w.r.t. each of ``tensors``."""
    rows = []
    for index in range(first.array.size):
        seed = np.zeros(first.array.size, dtype=first.array.dtype)
        seed[index] = 1
        found = grad(first, tensors, grad_outputs=Tensor(seed.reshape(first.array.shape)),
                     retain_graph=True, allow_unused=True) if first.requires_grad else \
            [None] * len(tensors)  # first does not depend on anything: its derivatives are 0
        rows.append([value.array if value is not None else
                     np.zeros(tensor.array.shape, dtype=tensor.array.dtype)
                     for tensor, value in zip(tensors, found)])
    return rows


def _block(seconds: list, position: int, row: Tensor, column: Tensor) -> Tensor:
    stacked = np.stack([derivatives[position] for derivatives in seconds])
    return Tensor(stacked.reshape(row.array.shape + column.array.shape))


def require_scalar(output: Tensor, name: str, hint: str | None = None) -> None:
    if output.array.size != 1:
        raise GradcliError(
            f"'{name}' has shape {tuple(output.array.shape)}, not a single number, so its gradient "
            "is not one tensor", kind="NonScalarOutput",
            hint=hint or "add --jacobian for the full Jacobian (shape output.shape + "
                         "input.shape), or --sum to differentiate the sum of its elements")
