"""Gradients, Jacobians and Hessians of a finished run, through the engine's own
``autograd.grad`` (so what `gradcli grad` prints is what the program would get).
"""

from __future__ import annotations

import numpy as np

from .autograd import grad
from .errors import GradcliError
from .tensor import Tensor


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


def hessian(output: Tensor, tensor: Tensor) -> Tensor | None:
    """Second derivatives of a scalar output, shape tensor.shape + tensor.shape."""
    if not tensor.requires_grad or not output.requires_grad:
        return None
    (first,) = grad(output, tensor, retain_graph=True, create_graph=True, allow_unused=True)
    if first is None:
        return None
    rows = []
    for index in range(first.array.size):
        seed = np.zeros(first.array.size, dtype=first.array.dtype)
        seed[index] = 1
        if not first.requires_grad:
            rows.append(np.zeros(tensor.array.shape, dtype=tensor.array.dtype))
            continue
        (row,) = grad(first, tensor, grad_outputs=Tensor(seed.reshape(first.array.shape)),
                      retain_graph=True, allow_unused=True)
        rows.append(row.array if row is not None else np.zeros(tensor.array.shape,
                                                                dtype=tensor.array.dtype))
    return Tensor(np.stack(rows).reshape(tensor.array.shape + tensor.array.shape))


def require_scalar(output: Tensor, name: str) -> None:
    if output.array.size != 1:
        raise GradcliError(
            f"'{name}' has shape {tuple(output.array.shape)}, not a single number, so its gradient "
            "is not one tensor", kind="NonScalarOutput",
            hint="add --jacobian for the full Jacobian (shape output.shape + input.shape), or "
                 "--sum to differentiate the sum of its elements")
