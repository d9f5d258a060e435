"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp and vhp of a function.

Each follows PyTorch's own implementation step for step (the same ``autograd.grad`` calls
on the same tensors), so values, result structure and messages are PyTorch's: the inputs
are re-made as fresh tensors that require grad, ``jacobian`` takes one backward pass per
output element, and ``jvp`` and ``hvp`` use the double-backward trick (differentiating a
vector-Jacobian product with respect to its vector) rather than forward mode.
"""

from __future__ import annotations

import numpy as np

from gradcli.api import functions as fn
from gradcli.api import methods  # noqa: F401  (Tensor's methods, which the steps call)
from gradcli.api.autograd import forward_ad as fwAD
from gradcli.core.engine import run_backward
from gradcli.core.tensor import GradMode, Tensor
from gradcli.errors import TorchError


# ----- PyTorch's helpers -----

def _as_tuple(inp, arg_name, fn_name):
    """(whether ``inp`` was a tuple, ``inp`` as a tuple of Tensors)."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TorchError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                             f"tuple of Tensors but {where} has type {_type_text(item)}.",
                             kind="TypeError")
    return is_tuple, items


def _type_text(value) -> str:
    kind = type(value)
    return f"<class '{kind.__module__ + '.' if kind.__module__ != 'builtins' else ''}" \
           f"{kind.__qualname__}'>"


def _tuple_postprocess(res, to_unpack):
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """New tensor objects for the inputs: a differentiable view when the graph must reach the
    caller's tensors, else detached copies that require grad as needed."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph):
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise TorchError(f"v is a tuple of invalid length: should be {len(other)} but got "
                             f"{len(v)}.")
        raise TorchError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise TorchError(f"{prepend}v has invalid size: should be {el_other.size()} but got "
                             f"{el_v.size()}.")


_NOT_DIFFERENTIABLE = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should ensure "
               "that your function is thrice differentiable and that the hessian depends on the "
               "inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
}


def _check_requires_grad(inputs, input_type, strict):
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise TorchError(f"The output of the user-provided function is independent of input "
                             f"{i}. This is not allowed in strict mode.")
        if not inp.requires_grad:
            raise TorchError(_NOT_DIFFERENTIABLE[input_type].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs which do not require grad (None for all inputs
    when none does)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs)
            if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return run_backward(tuple(o for o, _ in kept), tuple(g for _, g in kept), retain_graph,
                        create_graph, inputs=inputs, accumulate=False, allow_unused=True)


_ZERO_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This "
                   "is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
                         "in the grad_jacobian. This is not allowed in strict mode as it prevents "
                         "from using the double backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    res = ()
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                raise TorchError(_ZERO_MESSAGES[stage].format(i=i))
            grads_i = fn.zeros_like(refs[i])
        elif strict and create_graph and not grads_i.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise TorchError(f"The {what} of the user-provided function is independent of input "
                             f"{i}. This is not allowed in strict mode when create_graph=True.")
        res += (grads_i,)
    return res


class _grad_mode:  # noqa: N801
    """Sets grad mode for a block and restores it after (enable_grad, set_grad_enabled)."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.previous, GradMode.enabled = GradMode.enabled, self.mode

    def __exit__(self, *exc):
        GradMode.enabled = self.previous
        return False


def _single_output(outputs, is_outputs_tuple, name):
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise TorchError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise TorchError(f"The Tensor returned by the function given to {name} should contain a "
                         "single element")


def _prepared(func, inputs, v, create_graph, strict, name, v_like_inputs):
    """The common start of vjp, jvp, vhp and hvp: inputs re-made, v checked, func run."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        if v_like_inputs:
            _validate_v(v, inputs, is_inputs_tuple)
    elif v_like_inputs and (len(inputs) != 1 or inputs[0].numel() != 1):
        raise TorchError("The vector v can only be None if the input to the user-provided "
                         "function is a single Tensor with a single element.")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs


def _last_pass(outputs, is_outputs_tuple, product, create_graph, strict, stage):
    """The last backward pass of vjp, jvp, vhp and hvp, recorded only with create_graph:
    ``product`` is (what to differentiate, with respect to what, v, the tensors a missing
    result is zeros like, whether the result is a tuple); returns (outputs, result)."""
    differentiated, wrt, v, refs, is_result_tuple = product
    with _grad_mode(True if create_graph else GradMode.enabled):
        grad_res = _autograd_grad(differentiated, wrt, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, refs, strict, create_graph, stage)
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_result_tuple))


# ----- The API -----

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product of ``func`` at ``inputs``."""
    with _grad_mode(True):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _prepared(
            func, inputs, v, create_graph, strict, "vjp", v_like_inputs=False)
        if v is not None:
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise TorchError("The vector v can only be None if the user-provided function returns "
                             "a single Tensor with a single element.")
    return _last_pass(outputs, is_outputs_tuple, (outputs, inputs, v, inputs, is_inputs_tuple),
                      create_graph, strict, "back")


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, by the double-backward trick as PyTorch computes it."""
    with _grad_mode(True):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _prepared(
            func, inputs, v, create_graph, strict, "jvp", v_like_inputs=True)
        # the backward is linear in grad_outputs: its value never reaches the result
        grad_outputs = tuple(fn.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    return _last_pass(outputs, is_outputs_tuple,
                      (grad_inputs, grad_outputs, v, outputs, is_outputs_tuple),
                      create_graph, strict, "back_trick")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: per output, per input, a tensor of shape
    output.shape + input.shape (nested tuples as the outputs and inputs were given).
    ``vectorize`` (PyTorch's vmap) gives the same values, computed row by row here."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise TorchError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".',
                         kind="AssertionError")
    if strategy == "forward-mode":
        return _jacobian_forward(func, inputs, create_graph, strict, vectorize)
    with _grad_mode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize and strict:
            raise TorchError("torch.autograd.functional.jacobian: `strict=True` and "
                             "`vectorized=True` are not supported together. Please either set "
                             "`strict=False` or `vectorize=False`.")
        jacobian = tuple(_jacobian_rows(i, out, inputs, create_graph, strict)
                         for i, out in enumerate(outputs))
        jacobian = _grad_postprocess(jacobian, create_graph)
        return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_rows(i, out, inputs, create_graph, strict) -> tuple:
    """One output's Jacobian blocks: a backward pass per element of the output."""
    rows = tuple([] for _ in inputs)
    for j in range(out.numel()):
        vj = _autograd_grad((out.reshape(-1)[j],), inputs, retain_graph=True,
                            create_graph=create_graph)
        for el_idx, (row, vj_el, inp_el) in enumerate(zip(rows, vj, inputs)):
            if vj_el is not None:
                if strict and create_graph and not vj_el.requires_grad:
                    raise TorchError("The jacobian of the user-provided function is independent "
                                     f"of input {i}. This is not allowed in strict mode when "
                                     "create_graph=True.")
                row.append(vj_el)
            else:
                if strict:
                    raise TorchError(f"Output {i} of the user-provided function is independent "
                                     f"of input {el_idx}. This is not allowed in strict mode.")
                row.append(fn.zeros_like(inp_el))
    return tuple(fn.stack(row, dim=0).view(out.size() + inputs[k].size())
                 for k, row in enumerate(rows))


def _jacobian_forward(func, inputs, create_graph, strict, vectorize):
    """jacobian(strategy="forward-mode"): a forward-mode pass per input element."""
    if create_graph:
        raise TorchError('torch.autograd.functional.jacobian: `create_graph=True` and '
                         '`strategy="forward-mode"` are not supported together (yet). Please '
                         'either set `create_graph=False` or `strategy="reverse-mode"`.',
                         kind="NotImplementedError")
    if strict:
        raise TorchError('torch.autograd.functional.jacobian: `strict=True` and '
                         '`strategy="forward-mode"` are not supported together (yet). Please '
                         'either set `strict=False` or `strategy="reverse-mode"`.')
    if not vectorize:
        raise TorchError("Computing Jacobian using forward-AD or forward-over-reverse Hessian "
                         "isonly implemented for `vectorize=True`.", kind="NotImplementedError")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns, is_outputs_tuple, primals = [], False, ()
    for k, inp in enumerate(inputs):
        for e in range(inp.numel()):
            with fwAD.dual_level():
                duals = tuple(fwAD.make_dual(x, _basis(x, e if n == k else None))
                              for n, x in enumerate(inputs))
                is_outputs_tuple, outs = _as_tuple(func(*duals), "outputs", "jacobian")
                unpacked = [fwAD.unpack_dual(o) for o in outs]
                primals = tuple(p for p, _ in unpacked)
                columns.append((k, [fn.zeros_like(p) if t is None else t for p, t in unpacked]))
    # lists, not tuples, as PyTorch's forward-mode path returns them
    jacobian = [[fn.stack([col[o] for n, col in columns if n == k], dim=-1)
                 .reshape(primals[o].shape + inputs[k].shape) for k in range(len(inputs))]
                for o in range(len(primals))]
    return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _basis(x, element):
    array = np.zeros(x.array.shape, dtype=x.array.dtype)
    if element is not None:
        array.reshape(-1)[element] = 1
    return Tensor(array)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its Jacobian (a tuple of tuples for
    several inputs, block [i][j] of shape inputs[i].shape + inputs[j].shape)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise TorchError('Expected strategy to be either "forward-mode" or "reverse-mode".',
                         kind="AssertionError")

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        _single_output(t_out, is_out_tuple, "hessian")
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` of a scalar function."""
    with _grad_mode(True):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _prepared(
            func, inputs, v, create_graph, strict, "vhp", v_like_inputs=True)
        _single_output(outputs, is_outputs_tuple, "vhp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
    return _last_pass(outputs, is_outputs_tuple, (jac, inputs, v, inputs, is_inputs_tuple),
                      create_graph, strict, "double_back")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` of a scalar function, by the double-backward trick."""
    with _grad_mode(True):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _prepared(
            func, inputs, v, create_graph, strict, "hvp", v_like_inputs=True)
        _single_output(outputs, is_outputs_tuple, "hvp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_jac = tuple(fn.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    return _last_pass(outputs, is_outputs_tuple,
                      (double_back, grad_jac, v, inputs, is_inputs_tuple),
                      create_graph, strict, "double_back_trick")


__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]
