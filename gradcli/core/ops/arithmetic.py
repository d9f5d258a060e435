"""Rows: binary arithmetic, maximum/minimum, floor division and remainders, powers.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core.ops.common import _fma
from gradcli.core.ops.schema import (ELEMENTWISE, PROMOTE_BINARY, PROMOTE_FLOAT, PROMOTE_NONE,
                                     SCALAR_FORMS, TABLE, binary_samples, defop, minus, over, plus,
                                     sample, times)
from gradcli.errors import TorchError

# ----- Binary arithmetic -----
defop("add", "AddBackward0", np.add,
      lambda F, g, r, a, b: g,
      lambda F, g, r, a, b: g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a + b,
      formula="d(a+b)/da = 1, d(a+b)/db = 1", gradcheck=binary_samples(),
      tangent=lambda F, ts, r, a, b: plus(ts[0], ts[1]),
      saved=(("alpha", 1),))
defop("sub", "SubBackward0", np.subtract,
      lambda F, g, r, a, b: g,
      lambda F, g, r, a, b: -g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a - b,
      formula="d(a-b)/da = 1, d(a-b)/db = -1", gradcheck=binary_samples(),
      last_input_first=True, tangent=lambda F, ts, r, a, b: minus(ts[0], ts[1]),
      saved=(("alpha", 1),))
defop("mul", "MulBackward0", np.multiply,
      lambda F, g, r, a, b: g * b,
      lambda F, g, r, a, b: g * a,
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a * b, saved_inputs=((1,), (0,)),
      formula="d(a*b)/da = b, d(a*b)/db = a", gradcheck=binary_samples(),
      last_input_first=True, tangent=lambda F, ts, r, a, b: plus(times(ts[1], a), times(ts[0], b)))
defop("div", "DivBackward0", np.true_divide,
      lambda F, g, r, a, b: g / b,
      lambda F, g, r, a, b: -g * ((a / b) / b),
      promote=PROMOTE_FLOAT, sympy=lambda sp, a, b: a / b, saved_inputs=((1,), (0, 1)),
      formula="d(a/b)/da = 1/b, d(a/b)/db = -a/b**2", gradcheck=binary_samples(domain=("any", "nonzero")),
      last_input_first=True,
      tangent=lambda F, ts, r, a, b: over(minus(ts[0], times(ts[1], r)), b))
def _add_alpha_forward(a, b, alpha):
    # PyTorch's add kernel with alpha is one fused multiply-add, b * alpha + a
    if np.result_type(a, b).kind == "f":
        return _fma(b, np.asarray(alpha, dtype=np.result_type(a, b)), a)
    return a + alpha * b


defop("add_alpha", "AddBackward0", _add_alpha_forward,
      lambda F, g, r, a, b, alpha: g,
      lambda F, g, r, a, b, alpha: g * alpha,  # maybe_multiply(grad, alpha)
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b, alpha: a + alpha * b,
      formula="d(a+alpha*b)/da = 1, /db = alpha", gradcheck=(sample((2, 3), (3,), alpha=2.5),),
      tangent=lambda F, ts, r, a, b, alpha: plus(ts[0], times(ts[1], alpha)))
defop("sub_alpha", "SubBackward0", lambda a, b, alpha: _add_alpha_forward(a, b, -alpha),
      lambda F, g, r, a, b, alpha: g,
      lambda F, g, r, a, b, alpha: -g * alpha,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b, alpha: a - alpha * b,
      formula="d(a-alpha*b)/da = 1, /db = -alpha", gradcheck=(sample((2, 3), (3,), alpha=2.5),),
      last_input_first=True, tangent=lambda F, ts, r, a, b, alpha: minus(ts[0], times(ts[1], alpha)))
defop("rsub", "RsubBackward1", lambda x, other: np.subtract(other, x),
      lambda F, g, r, x, other: -g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, x, other: other - x,
      formula="d(c-x)/dx = -1", gradcheck=(sample((2, 3), other=2.5), sample((), other=-1.0)),
      tangent=ELEMENTWISE)
# ----- Maximum and minimum: which of 0.0 and -0.0 wins a tie -----
# PyTorch's kernels (cpu_kernel_vec) run whole chunks of a contiguous run through vector
# instructions, which return the second operand on a tie, and the rest through a scalar loop
# (std::max, std::min), which returns the first; numpy returns the second, always.  So the
# first operand wins except in the vector chunks; only a tie of zeros of both signs shows it.
_VECTOR_CHUNK = {np.dtype(np.float32): 16, np.dtype(np.float64): 8}  # elements per vector step


def _extremum(ufunc):
    def forward(a, b):
        out = ufunc(b, a)  # the first operand on ties, as the scalar loop
        chunk = _VECTOR_CHUNK.get(out.dtype)
        if chunk is not None and out.size >= chunk:
            _vector_ties(a, b, out, chunk)
        return out
    forward.__name__ = ufunc.__name__
    return forward


def _vector_ties(a, b, out, chunk):
    """Give the vector chunks of each contiguous run the second operand on signed-zero ties."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=out.dtype), np.asarray(b, dtype=out.dtype))
    ties = (a == 0) & (b == 0) & (np.signbit(a) != np.signbit(b))
    if not ties.any():
        return
    run = _contiguous_run(out.shape, a, b)
    if run:
        position = np.arange(out.size).reshape(out.shape) % run
        ties &= position < run - run % chunk
        out[ties] = b[ties]


def _contiguous_run(shape, *operands) -> int:
    """How many elements TensorIterator's inner loop takes at once over the (C-order) operands,
    with its coalescing of dims; 0 when that loop is not vectorised (an operand with a stride
    other than one element, or every input broadcast along it)."""
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    if not dims:
        return 0
    strides = [[x.strides[d] // x.itemsize for d in dims] for x in operands]
    inner = [s[-1] for s in strides]
    if any(step not in (0, 1) for step in inner) or all(step == 0 for step in inner):
        return 0
    run = shape[dims[-1]]
    for k in range(len(dims) - 2, -1, -1):
        if any(s[k] != s[k + 1] * shape[dims[k + 1]] for s in strides):
            break
        run *= shape[dims[k]]
    return run


_maximum, _minimum = _extremum(np.maximum), _extremum(np.minimum)


def _extremum_tangent(F, ts, r, a, b, wins):
    # other_t + where(self_p == other_p, 0.5, (self_p > other_p)) * (self_t - other_t)
    a, b = F.as_array(a), F.as_array(b)
    dtype = F.as_array(r).dtype
    share = F.constant(np.where(a == b, np.asarray(0.5, dtype), wins(a, b).astype(dtype)))
    return plus(ts[1], times(minus(ts[0], ts[1]), share))


# A derivative formula computing with a number calls the Scalar overload (mul.Scalar...): those
# record MulBackward1, AddBackward1... (ops.apply picks these rows while a formula runs)
defop("add_scalar", "AddBackward1", lambda x, other: np.add(x, other),
      lambda F, g, r, x, other: g, saves=False, sympy=lambda sp, x, other: x + other,
      formula="d(x+c)/dx = 1", gradcheck=(sample((2, 3), other=2.5),),
      tangent=lambda F, ts, r, x, other: F.clone(ts[0]))
defop("sub_scalar", "SubBackward1", lambda x, other: np.subtract(x, other),
      lambda F, g, r, x, other: g, saves=False, sympy=lambda sp, x, other: x - other,
      formula="d(x-c)/dx = 1", gradcheck=(sample((2, 3), other=2.5),), tangent=ELEMENTWISE)
defop("mul_scalar", "MulBackward1", lambda x, other: np.multiply(x, other),
      lambda F, g, r, x, other: g * other, saves=False, sympy=lambda sp, x, other: x * other,
      formula="d(x*c)/dx = c", gradcheck=(sample((2, 3), other=2.5),), tangent=ELEMENTWISE)
defop("div_scalar", "DivBackward1", lambda x, other: np.true_divide(x, other),
      lambda F, g, r, x, other: g / other, saves=False, sympy=lambda sp, x, other: x / other,
      formula="d(x/c)/dx = 1/c", gradcheck=(sample((2, 3), other=2.5),), tangent=ELEMENTWISE)
SCALAR_FORMS.update({TABLE[name]: TABLE[name + "_scalar"] for name in ("add", "sub", "mul", "div")})


defop("maximum", "MaximumBackward0", _maximum,
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a < b),
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a > b),
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: sp.Max(a, b),
      formula="d max(a,b)/da = [a>b] (+1/2 on ties)", gradcheck=binary_samples(domain="distinct"),
      last_input_first=True, tangent=lambda F, ts, r, a, b: _extremum_tangent(F, ts, r, a, b, np.greater))
defop("minimum", "MinimumBackward0", _minimum,
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a > b),
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a < b),
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: sp.Min(a, b),
      formula="d min(a,b)/da = [a<b] (+1/2 on ties)", gradcheck=binary_samples(domain="distinct"),
      last_input_first=True, tangent=lambda F, ts, r, a, b: _extremum_tangent(F, ts, r, a, b, np.less))


# ----- Floor division and remainders -----
# PyTorch's kernels: Python's floor and sign-of-divisor remainder (c10::div_floor_floating,
# remainder's fmod-then-fix), C's truncation for fmod; integer division by zero is an error.
def _division(integer_form):
    """A division kernel: ``integer_form`` for integers (a zero divisor is an error there),
    the decorated floating form otherwise (inf and nan, without numpy's warnings)."""
    def decorate(float_form):
        def forward(a, b):
            if np.result_type(a, b).kind != "f":
                if not np.all(b):
                    raise TorchError("ZeroDivisionError")
                return integer_form(a, b)
            with np.errstate(all="ignore"):
                return float_form(a, b)
        forward.__name__ = float_form.__name__
        return forward
    return decorate


@_division(np.floor_divide)
def _floor_divide_forward(a, b):
    mod = np.fmod(a, b)
    div = (a - mod) / b
    div = np.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    floordiv = np.floor(div)
    floordiv = np.where(div - floordiv > 0.5, floordiv + 1, floordiv)
    quotient = a / b
    floordiv = np.where(div == 0, np.copysign(np.zeros_like(div), quotient), floordiv)
    return np.where(b == 0, quotient, floordiv)


@_division(lambda a, b: (a - np.fmod(a, b)) // b)  # exact: C's truncation
def _trunc_divide_forward(a, b):
    return np.trunc(a / b)


@_division(np.remainder)
def _remainder_forward(a, b):
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


_fmod_forward = _division(np.fmod)(np.fmod)


def not_implemented(name):
    """The rule of a node PyTorch records as NotImplemented: backward through it fails."""
    def rule(F, g, r, *inputs, **params):
        raise TorchError(f"derivative for aten::{name} is not implemented")
    rule.not_implemented = True
    return rule


def _zero_grads(F, g, r, a, b):
    return F.zeros_like(g)


# div(rounding_mode=...), which the remainders' formulas call: PyTorch gives it zero gradients
for _name, _forward, _rounding in (("div_floor", _floor_divide_forward, "floor"),
                                   ("div_trunc", _trunc_divide_forward, "trunc")):
    defop(_name, "DivBackward3", _forward, _zero_grads, lambda F, g, r, a, b: F.zeros_like(b),
          promote=PROMOTE_BINARY, formula=f"d {_rounding}(a/b) = 0 (almost everywhere)",
          gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),),
          tangent=lambda F, ts, r, a, b: F.zeros_like(r))
# div(..., rounding_mode=...) as a program calls it: the Tensor_mode overload, DivBackward2
# (with a number divisor too, which PyTorch wraps); rounding_mode=None divides as `/` does
for _name, _forward, _rounding in (("div_mode_floor", _floor_divide_forward, "floor"),
                                   ("div_mode_trunc", _trunc_divide_forward, "trunc")):
    defop(_name, "DivBackward2", _forward, _zero_grads, lambda F, g, r, a, b: F.zeros_like(b),
          saves=False, promote=PROMOTE_BINARY, formula=f"d {_rounding}(a/b) = 0 (almost everywhere)",
          gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),),
          tangent=lambda F, ts, r, a, b: F.zeros_like(r))
TABLE["div_mode"] = replace(TABLE["div"], name="div_mode", grad_fn_name="DivBackward2",
                            save_plans={}, gradcheck=TABLE["div"].gradcheck,
                            # self_t / other_p - other_t * (self_p / other_p) / other_p
                            tangent=lambda F, ts, r, a, b: minus(over(ts[0], b),
                                                                 over(times(ts[1], a / b), b)))
# floor_divide and a number's remainder by a tensor have no formula in derivatives.yaml
defop("floor_divide", "NotImplemented", _floor_divide_forward,
      not_implemented("floor_divide"), not_implemented("floor_divide"),
      saves=False, promote=PROMOTE_BINARY, formula="not differentiable in PyTorch",
      gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))
defop("remainder_reflected", "NotImplemented", _remainder_forward,
      None, not_implemented("remainder"),
      saves=False, promote=PROMOTE_BINARY, formula="not differentiable in PyTorch",
      gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))


def _remainder_rows(name, grad_fn, forward, quotient, rounding):
    """A remainder's two overloads: by a tensor (``...Backward1``; the divisor's gradient is
    -grad * the rounded quotient, as derivatives.yaml) and by a number (``...Backward0``;
    functions.py casts x to the promoted dtype first)."""
    defop(name, grad_fn + "1", forward,
          lambda F, g, r, a, b: g,
          lambda F, g, r, a, b: -g * getattr(F, quotient)(a, b),
          promote=PROMOTE_BINARY, saved_inputs=((), (0, 1)),
          formula=f"d {name}(a,b)/da = 1, /db = -{rounding}(a/b)",
          gradcheck=(sample((2, 3), (2, 3), domain="distinct"),
                     sample((2, 3), (3,), domain="distinct")),
          tangent=lambda F, ts, r, a, b: minus(ts[0], times(ts[1], getattr(F, quotient)(a, b))))
    defop(name + "_scalar", grad_fn + "0", lambda x, other: forward(x, other),
          lambda F, g, r, x, other: g,
          saves=False, formula=f"d {name}(x,c)/dx = 1", tangent=ELEMENTWISE,
          gradcheck=(sample((2, 3), domain="distinct", other=1.25), sample((), other=-0.75)))


_remainder_rows("remainder", "RemainderBackward", _remainder_forward, "div_floor", "floor")
_remainder_rows("fmod", "FmodBackward", _fmod_forward, "div_trunc", "trunc")


# ----- Powers -----
def _pow_scalar_forward(x, exponent):
    # PyTorch's pow kernel special-cases these exponents; numpy's generic pow can differ in the
    # last bit, so take the same paths.
    if x.dtype.kind in "iub":
        if isinstance(exponent, int) and exponent < 0:
            raise TorchError("Integers to negative integer powers are not allowed.")
        return np.power(x, exponent)
    if exponent == 2:
        return x * x
    if exponent == 3:
        return x * x * x
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == -0.5:
        return 1 / np.sqrt(x)
    if exponent == -1:
        return 1 / x
    if exponent == -2:
        return 1 / (x * x)
    return _sleef.pow_scalar(x, exponent)


def _pow_scalar_rule(F, g, r, x, exponent):
    if exponent == 0:
        return F.zeros_like(x)
    return g * (exponent * F.pow(x, exponent=exponent - 1))


def _pow_tensor_forward(x, p):
    return _sleef.pow_tensor(x, p)


def _pow_base_forward(exponent, base):
    # functions.pow has cast the exponent to the promoted dtype: integer when both are
    if exponent.dtype.kind in "iub":
        return _integer_power(np.asarray(base, dtype=exponent.dtype), exponent)
    return _sleef.pow_tensor(np.asarray(base, dtype=exponent.dtype), exponent)


def _integer_power(base, exponent):
    """PyTorch's powi: wrapping products; a negative exponent gives 1 for a base of 1, +-1
    for -1 and 0 for any other base (numpy refuses those)."""
    out = np.power(base, np.maximum(exponent, 0).astype(exponent.dtype))
    negative = exponent < 0
    if negative.any():
        odd = np.where(exponent % 2 == 0, 1, -1)
        small = np.where(base == 1, 1, np.where(base == -1, odd, 0))
        out = np.where(negative, small, out).astype(out.dtype)
    return out


def _pow_tensor_self_rule(F, g, r, x, p):
    if F.as_array(p).dtype == np.bool_:  # PyTorch's formula computes exponent - 1
        raise TorchError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                         "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                         "instead.")
    return F.where(p == 0.0, F.zeros_like(g), g * (p * F.pow_tensor(x, p - 1)))


def _pow_tensor_exponent_rule(F, g, r, x, p):
    return g * F.where((x == 0) & (p >= 0), F.zeros_like(r), r * F.log(x))


def _pow_base_rule(F, g, r, exponent, base):
    if base == 0:
        return g * F.where(exponent >= 0, F.zeros_like(r), r * math.log(base) if base > 0 else r)
    return g * (r * math.log(base))


defop("pow", "PowBackward0", _pow_scalar_forward,
      _pow_scalar_rule,
      promote=PROMOTE_NONE, sympy=lambda sp, x, exponent: x ** exponent,
      formula="d(x**n)/dx = n*x**(n-1)", gradcheck=(sample((2, 3), exponent=3), sample((2, 3), exponent=2), sample((4,), domain="positive", exponent=0.5),
                 sample((2, 3), domain="positive", exponent=-1.5), sample((3,), exponent=0)),
      tangent=ELEMENTWISE)
defop("pow_tensor", "PowBackward1", _pow_tensor_forward,
      _pow_tensor_self_rule,
      _pow_tensor_exponent_rule,
      saves_result=True, promote=PROMOTE_BINARY, sympy=lambda sp, x, p: x ** p,
      saved_inputs=((0, 1), (0, 1)),  # the exponent's rule reads p too (p >= 0), as PyTorch's
      arg_names=("self", "exponent"), formula="d(x**p)/dx = p*x**(p-1), d(x**p)/dp = x**p * log(x)", gradcheck=binary_samples(domain=("positive", "any")),
      last_input_first=True, tangent=lambda F, ts, r, x, p: plus(
          None if ts[0] is None else _pow_tensor_self_rule(F, ts[0], r, x, p),
          None if ts[1] is None else _pow_tensor_exponent_rule(F, ts[1], r, x, p)))
defop("pow_base", "PowBackward2", _pow_base_forward,
      _pow_base_rule,
      saves_result=True, promote=PROMOTE_NONE, sympy=lambda sp, p, base: base ** p,
      saved_inputs=((0,),), arg_names=("exponent",),
      formula="d(c**p)/dp = c**p * log(c)", gradcheck=(sample((2, 3), base=2.0), sample((3,), base=0.5)),
      tangent=ELEMENTWISE,
      saved=("exponent", "result", ("self", "base")))


# ----- lerp, addcmul, addcdiv: what the optimizers compute with (ATen's CPU kernels) -----
def _lerp_forward(x, end, weight):
    # weight < 0.5: x + weight * (end - x); else end - (end - x) * (1 - weight); one fma each
    w = np.asarray(weight, dtype=np.result_type(x, end))
    if abs(w) < 0.5:
        return _fma(w, end - x, x)
    return _fma(w - np.ones((), dtype=w.dtype), end - x, end)


def _addcmul_forward(x, t1, t2, value=1):
    v = np.asarray(value, dtype=np.result_type(x, t1, t2))
    return _fma(v * t1, t2, x)


def _addcdiv_forward(x, t1, t2, value=1):
    v = np.asarray(value, dtype=np.result_type(x, t1, t2))
    return (v * t1) / t2 + x


defop("lerp", "LerpBackward0", _lerp_forward,
      lambda F, g, r, x, end, weight: g * (1 - weight),
      lambda F, g, r, x, end, weight: g * weight,
      saves=False, promote=PROMOTE_BINARY, arg_names=("self", "end"),
      sympy=lambda sp, x, end, weight: x + weight * (end - x),
      formula="d lerp(x, e, w)/dx = 1 - w, /de = w",
      gradcheck=(sample((2, 3), (2, 3), weight=0.25), sample((3,), (2, 3), weight=0.75)))
defop("addcmul", "AddcmulBackward0", _addcmul_forward,
      lambda F, g, r, x, t1, t2, value=1: g,
      lambda F, g, r, x, t1, t2, value=1: g * t2 * value,
      lambda F, g, r, x, t1, t2, value=1: g * t1 * value,
      promote=PROMOTE_BINARY, saved_inputs=((), (2,), (1,)),
      arg_names=("self", "tensor1", "tensor2"),
      sympy=lambda sp, x, t1, t2, value=1: x + value * t1 * t2,
      formula="d(x + v*a*b)/da = v*b", last_input_first=True,
      gradcheck=(sample((2, 3), (2, 3), (2, 3), value=0.5), sample((3,), (2, 3), (3,), value=-2)))
defop("addcdiv", "AddcdivBackward0", _addcdiv_forward,
      lambda F, g, r, x, t1, t2, value=1: g,
      lambda F, g, r, x, t1, t2, value=1: g * value / t2,
      lambda F, g, r, x, t1, t2, value=1: -g * value * t1 / (t2 * t2),
      promote=PROMOTE_FLOAT, saved_inputs=((), (2,), (1, 2)),
      arg_names=("self", "tensor1", "tensor2"),
      sympy=lambda sp, x, t1, t2, value=1: x + value * t1 / t2,
      formula="d(x + v*a/b)/da = v/b, /db = -v*a/b**2", last_input_first=True,
      gradcheck=(sample((2, 3), (2, 3), (2, 3), domain=("any", "any", "nonzero"), value=0.5),))
