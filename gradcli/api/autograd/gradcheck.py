"""``torch.autograd.gradcheck`` and ``gradgradcheck``: analytical gradients against central
finite differences, as PyTorch's slow mode computes both.

The numerical Jacobian perturbs one input element at a time in place by ``eps`` either side;
the analytical one takes a backward pass per output element (twice, to catch a backward
that is not deterministic) or, with ``check_forward_ad``, a forward-mode pass per input
element.  Both are (input elements x output elements) matrices, compared with PyTorch's
allclose (|a - n| <= atol + rtol * |n|); a mismatch raises ``GradcheckError`` with PyTorch's
text, or returns False with ``raise_exception=False``.
"""

from __future__ import annotations

import numpy as np

from gradcli.api import methods  # noqa: F401  (Tensor's methods, which func may call)
from gradcli.api.autograd import forward_ad as fwAD
from gradcli.core.engine import run_backward
from gradcli.core.kernels import random as rng
from gradcli.core.tensor import GradMode, Tensor
from gradcli.errors import TorchError


class GradcheckError(TorchError, RuntimeError):
    """A gradient check failed (PyTorch's torch.autograd.gradcheck.GradcheckError)."""

    kind = "GradcheckError"


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True when ``func``'s gradients at ``inputs`` match finite differences."""
    if not (check_forward_ad or check_backward_ad):
        raise TorchError("Expected at least one of check_forward_ad or check_backward_ad to be "
                         "True", kind="AssertionError")
    if check_batched_grad and not check_backward_ad:
        raise TorchError("Setting check_batched_grad=True requires check_backward_ad to be True",
                         kind="AssertionError")
    try:
        return _check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol, check_undefined_grad,
                      check_grad_dtypes, check_forward_ad, check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _differentiable(outputs) -> tuple:
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


def _check(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
           check_forward_ad, check_backward_ad) -> bool:
    _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _differentiable(func_out)
    if check_backward_ad:
        _compare(func, func_out, inputs, outputs, eps, rtol, atol, nondet_tol,
                 check_grad_dtypes, forward=False)
    if check_forward_ad:
        _compare(func, func_out, inputs, outputs, eps, rtol, atol, nondet_tol,
                 check_grad_dtypes, forward=True)
    if not check_backward_ad:
        return True
    _check_backward_mul_by_grad_output(outputs, inputs)
    if check_undefined_grad:
        _check_zero_grads_give_zeros(func, inputs)
    return True


def _check_inputs(inputs) -> None:
    wanted = False
    for idx, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if any(stride == 0 and size > 1 for stride, size in zip(inp.stride(), inp.shape)):
                raise TorchError(f"The {idx}th input has a dimension with stride 0. gradcheck only "
                                 "supports inputs that are non-overlapping to be able to compute "
                                 "the numerical gradients correctly. You should call .contiguous "
                                 "on the input before passing it to gradcheck.")
            wanted = True
    if not wanted:
        raise TorchError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.", kind="ValueError")


def _diff_inputs(inputs) -> list:
    return [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]


def _compare(func, func_out, inputs, outputs, eps, rtol, atol, nondet_tol, check_grad_dtypes,
             forward) -> None:
    func_out = _as_tuple(func_out)
    if not outputs:
        for per_input in _numerical(func, inputs, func_out, eps):
            if any(np.count_nonzero(jacobian.array) for jacobian in per_input):
                raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    numerical = list(zip(*_numerical(func, inputs, func_out, eps)))  # per output, per input
    numerical = [n for o, n in zip(func_out, numerical) if o.requires_grad]
    if forward:
        analytical = _forward_jacobians(func, inputs, func_out)  # per input, per output
        for i, per_output in enumerate(numerical):
            for j, n in enumerate(per_output):
                if not _allclose(analytical[j][i], n, rtol, atol):
                    raise GradcheckError(_mismatch(analytical[j][i], n, i, j, forward=True))
        return
    for i, output in enumerate(outputs):
        analytical = _backward_jacobians(inputs, output, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch(a, n, i, j, forward=False))


def _mismatch(analytical, numerical, output_idx, input_idx, forward) -> str:
    mode = "computed with forward mode " if forward else ""
    return (f"Jacobian {mode}mismatch for output {output_idx:d} with respect to input "
            f"{input_idx:d},\nnumerical:{numerical}\nanalytical:{analytical}\n")


def _allclose(a, n, rtol, atol) -> bool:
    a, n = a.array, n.array
    dtype = np.result_type(a, n)
    return bool(np.all(np.abs(a.astype(dtype) - n.astype(dtype)) <= atol + rtol * np.abs(n)))


def _floats(outputs) -> list:
    return [o for o in outputs if isinstance(o, Tensor) and o.array.dtype.kind == "f"]


def _numerical(func, inputs, outputs, eps) -> list:
    """Per input that requires grad, per float output: the (input x output elements)
    Jacobian by central differences, the input's memory perturbed in place."""
    jacobians = []
    for inp in _diff_inputs(inputs):
        columns = [np.zeros((inp.numel(), o.numel()), dtype=o.array.dtype)
                   for o in _floats(outputs)]
        memory = inp.array
        for d_idx, idx in enumerate(np.ndindex(memory.shape)):
            orig = memory[idx].copy()
            memory[idx] = orig - np.asarray(eps, memory.dtype)
            low = _run(func, inputs)
            memory[idx] = orig + np.asarray(eps, memory.dtype)
            high = _run(func, inputs)
            memory[idx] = orig
            for column, a, b in zip(columns, _floats(low), _floats(high)):
                column[d_idx] = ((b.array - a.array) / (2 * eps)).reshape(-1)
        jacobians.append([Tensor(c) for c in columns])
    return jacobians


def _run(func, inputs) -> tuple:
    previous, GradMode.enabled = GradMode.enabled, GradMode.enabled
    try:
        return tuple(Tensor(np.array(o.array, copy=True)) if isinstance(o, Tensor) else o
                     for o in _as_tuple(func(*inputs)))
    finally:
        GradMode.enabled = previous


def _backward_jacobians(inputs, output, nondet_tol, check_grad_dtypes) -> list:
    """Per input that requires grad, the (input x output elements) Jacobian, one backward pass
    per output element; computed twice, the two must agree within nondet_tol."""
    diff = _diff_inputs(inputs)
    first, types_ok, sizes_ok = _jacobian_rows(diff, output)
    second, _, _ = _jacobian_rows(diff, output)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(first, second):
        if a.size and np.max(np.abs(a - b)) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                f"gradient matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}.")
    return [Tensor(j) for j in first]


def _jacobian_rows(diff, output):
    jacobians = [np.zeros((x.numel(), output.numel()), dtype=x.array.dtype) for x in diff]
    types_ok = sizes_ok = True
    for j in range(output.numel()):
        grad_out = np.zeros(output.array.shape, dtype=output.array.dtype)
        grad_out.reshape(-1)[j] = 1.0
        grads = run_backward((output,), (Tensor(grad_out),), True, False, inputs=diff,
                             accumulate=False, allow_unused=True)
        for jacobian, grad, x in zip(jacobians, grads, diff):
            if grad is None:
                continue
            if grad.array.shape != x.array.shape:
                sizes_ok = False
            elif grad.array.dtype != x.array.dtype:
                types_ok = False
            if grad.array.size == x.array.size:
                jacobian[:, j] = grad.array.reshape(-1)
    return jacobians, types_ok, sizes_ok


def _forward_jacobians(func, inputs, outputs) -> list:
    """Per input that requires grad, per float output: the Jacobian by forward mode, the
    input's tangent set to one element at a time, as PyTorch's gradcheck does."""
    jacobians = [[np.zeros((x.numel(), o.numel()), dtype=o.array.dtype) for o in _floats(outputs)]
                 for x in _diff_inputs(inputs)]
    with fwAD.dual_level():
        tangents, duals = [], []
        for inp in inputs:
            if isinstance(inp, Tensor) and inp.requires_grad:
                inp = fwAD.make_dual(inp.detach(), Tensor(np.zeros_like(inp.array)))
                tangents.append(fwAD.unpack_dual(inp).tangent)
            duals.append(inp)
        for per_output, tangent in zip(jacobians, tangents):
            for lin_idx, idx in enumerate(np.ndindex(tangent.array.shape)):
                tangent.array[idx] = 1.0
                for jacobian, out in zip(per_output, _floats(_as_tuple(func(*duals)))):
                    result = fwAD.unpack_dual(out).tangent
                    if result is not None:
                        jacobian[lin_idx] = result.array.reshape(-1)
                tangent.array[idx] = 0.0
    return [[Tensor(j) for j in per_output] for per_output in jacobians]


def _check_backward_mul_by_grad_output(outputs, inputs) -> None:
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError("no Tensors requiring grad found in input")
    zeros = tuple(Tensor(np.zeros_like(o.array)) for o in outputs)
    grads = run_backward(outputs, zeros, None, False, inputs=diff, accumulate=False,
                         allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if np.any(gi.array != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.array.dtype != di.array.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.array.shape != di.array.shape:
            raise GradcheckError("grad is incorrect size")


def _check_zero_grads_give_zeros(func, inputs) -> None:
    """PyTorch's check with undefined output gradients; here they are zeros (what a Function
    that materializes gradients receives), and every input gradient must be zero or None."""
    diff = _diff_inputs(inputs)
    outputs = _differentiable(func(*inputs))
    if not outputs:
        return
    zeros = tuple(Tensor(np.zeros_like(o.array)) for o in outputs)
    try:
        grads = run_backward(outputs, zeros, None, False, inputs=diff, accumulate=False,
                             allow_unused=True)
    except TorchError as error:
        raise GradcheckError("Expected backward function to handle undefined output grads. "
                             'Please look at "Notes about undefined output gradients" in '
                             '"tools/autograd/derivatives.yaml"') from error
    if any(g is not None and np.any(g.array != 0) for g in grads):
        raise GradcheckError("Expected all input grads to be undefined or zero when all output "
                             "grads are undefined or zero. Please look at \"Notes about undefined "
                             "output gradients\" in \"tools/autograd/derivatives.yaml\"")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the function's vector-Jacobian product: its inputs and random
    ``grad_outputs`` (uniform in [-1, 1), as PyTorch's make_tensor) as the checked inputs."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable(func(*inputs))
        grad_outputs = tuple(_random_like(x) for x in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    count = len(grad_outputs)
    diff_inputs = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grads = {i for i, x in enumerate(grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_inputs else x
                           for i, x in enumerate(args[:-count]))
        outputs = _differentiable(func(*input_args))
        grads = tuple(x.requires_grad_() if i in diff_grads else x
                      for i, x in enumerate(args[-count:]))
        wrt = tuple(x for i, x in enumerate(input_args) if i in diff_inputs)
        results = run_backward(outputs, grads, None, True, inputs=wrt, accumulate=False,
                               allow_unused=True)
        return tuple(g for g in results if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev)


def _random_like(x) -> Tensor:
    """A tensor like ``x`` (float64 for a non-float one), uniform in [-1, 1), requiring grad:
    PyTorch's make_tensor, drawn from the same generator (so later draws match too)."""
    dtype = x.array.dtype if x.array.dtype.kind == "f" else np.dtype(np.float64)
    return Tensor(rng.uniform_(x.array.shape, -1.0, 1.0, dtype), requires_grad=True)


__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
