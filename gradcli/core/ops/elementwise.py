"""Rows: unary elementwise ops, in-place writes, clamp and where.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core.ops.arithmetic import _maximum, _minimum
from gradcli.core.ops.common import _fma, _scalar_type_name
from gradcli.core.ops.schema import (ELEMENTWISE, LINEAR, PROMOTE_BINARY, PROMOTE_FLOAT,
                                     PROMOTE_NONE, PROMOTE_UNARY_FLOAT, MASK_2x3, defop, on_arrays,
                                     plus, sample, times, unary_samples, zero_filled)
from gradcli.errors import TorchError


# ----- Unary elementwise -----
def _unary(name, grad_fn, forward, rule, sympy, formula, *, saves_result=False, saves=True,
           promote=PROMOTE_UNARY_FLOAT, domain=None):
    return defop(name, grad_fn, forward, rule, saves=saves, saves_result=saves_result,
                 promote=promote, sympy=sympy, formula=formula,
                 saved_inputs=((),) if saves_result else None,  # the rule reads only the result
                 gradcheck=unary_samples(domain or "any"), tangent=ELEMENTWISE)


def _rounded_from_double(ufunc):
    """float32 through float64: PyTorch's exp, log, sin... run MKL's VML (closed source, so not
    reproduced), within an ulp of the exact value; this agrees ~99% of the time, numpy's own
    float32 kernels only ~60%.  (gradcli/_sleef.py: which op computes with what.)"""
    def forward(x):
        if x.dtype.char == "f":  # float32; half the cost of comparing with np.float32
            return ufunc(x.astype(np.float64)).astype(np.float32)
        return ufunc(x)
    forward.__name__ = ufunc.__name__
    return forward


_exp, _log = _sleef.exp, _sleef.log  # Vectorized<T>::exp/log: the softmax kernels' SLEEF


def _relu(x):
    # clamp_min(x, 0): x itself on a tie (relu(-0.) is -0.); numpy's maximum returns its second
    return np.maximum(np.zeros((), dtype=x.dtype), x)


def _sgn(x):
    return np.sign(x)


_unary("neg", "NegBackward0", np.negative, lambda F, g, r, x: -g,
       lambda sp, x: -x, "d(-x)/dx = -1", saves=False, promote=PROMOTE_NONE)
_unary("exp", "ExpBackward0", _rounded_from_double(np.exp), lambda F, g, r, x: g * r,
       lambda sp, x: sp.exp(x), "d exp(x)/dx = exp(x)", saves_result=True)
_unary("log", "LogBackward0", _rounded_from_double(np.log), lambda F, g, r, x: g / x,
       lambda sp, x: sp.log(x), "d log(x)/dx = 1/x", domain="positive")
_unary("sin", "SinBackward0", _rounded_from_double(np.sin), lambda F, g, r, x: g * F.cos(x),
       lambda sp, x: sp.sin(x), "d sin(x)/dx = cos(x)")
_unary("cos", "CosBackward0", _rounded_from_double(np.cos), lambda F, g, r, x: g * -F.sin(x),
       lambda sp, x: sp.cos(x), "d cos(x)/dx = -sin(x)")
_unary("tan", "TanBackward0", _rounded_from_double(np.tan), lambda F, g, r, x: g * (1 + F.pow(r, exponent=2)),
       lambda sp, x: sp.tan(x), "d tan(x)/dx = 1 + tan(x)**2", saves_result=True)
_unary("tanh", "TanhBackward0", _rounded_from_double(np.tanh),
       lambda F, g, r, x: F.tanh_backward(g, r),
       lambda sp, x: sp.tanh(x), "d tanh(x)/dx = 1 - tanh(x)**2", saves_result=True)
_unary("sigmoid", "SigmoidBackward0", _sleef.sigmoid,
       lambda F, g, r, x: F.sigmoid_backward(g, r),
       lambda sp, x: 1 / (1 + sp.exp(-x)), "d sigmoid(x)/dx = sigmoid(x)*(1 - sigmoid(x))",
       saves_result=True)
# derivatives.yaml: tanh_backward and sigmoid_backward, whose own derivatives a second backward
# records
defop("tanh_backward", "TanhBackwardBackward0",  # PyTorch's kernel fuses 1 - y * y
      lambda g, y: g * _fma(-y, y, np.ones((), dtype=np.result_type(y))),
      lambda F, g, r, grad_output, y: F.tanh_backward(g, y),
      lambda F, g, r, grad_output, y: g * (-2 * y * grad_output),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"),
      formula="d g*(1 - y**2)/dg = 1 - y**2, /dy = -2*y*g",
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))),
      # tanh_backward(grad_output_t, output_p) + output_t * (-2 * output_p * grad_output_p)
      tangent=lambda F, ts, r, g, y: plus(None if ts[0] is None else F.tanh_backward(ts[0], y),
                                          times(ts[1], -2 * y * g)))
defop("sigmoid_backward", "SigmoidBackwardBackward0", lambda g, y: g * (1 - y) * y,
      lambda F, g, r, grad_output, y: F.sigmoid_backward(g, y),
      lambda F, g, r, grad_output, y: g * grad_output * (-2 * y + 1),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"),
      formula="d g*(1 - y)*y/dg = (1 - y)*y, /dy = g*(1 - 2*y)",
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))),
      # sigmoid_backward(grad_output_t, output_p) + output_t * grad_output_p * (-2 * output_p + 1)
      tangent=lambda F, ts, r, g, y: plus(None if ts[0] is None else F.sigmoid_backward(ts[0], y),
                                          times(times(ts[1], g), -2 * y + 1)))
_unary("relu", "ReluBackward0", _relu,
       lambda F, g, r, x: F.threshold_backward(g, r, threshold=0),
       lambda sp, x: sp.Max(x, 0), "d relu(x)/dx = [x > 0]", saves_result=True,
       promote=PROMOTE_NONE, domain="nonzero")
defop("threshold_backward", "ThresholdBackwardBackward0",  # relu's rule, differentiable again
      lambda g, x, threshold: np.where(x <= threshold, np.zeros((), dtype=g.dtype), g),
      lambda F, g, r, grad_output, x, threshold: F.threshold_backward(g, x, threshold=threshold),
      lambda F, g, r, grad_output, x, threshold: F.zeros_like(g),
      saves=True, saved_inputs=((1,), ()), promote=PROMOTE_BINARY,
      arg_names=("grad_output", "self"), formula="d threshold_backward(g, x)/dg = [x > t]",
      gradcheck=(sample((2, 3), (2, 3), domain="nonzero", threshold=0),
                 sample((3,), (2, 3), domain="nonzero", threshold=0.1)),
      tangent=lambda F, ts, r, g, x, threshold: F.zeros_like(r) if ts[0] is None else
          F.threshold_backward(ts[0], x, threshold=threshold))
_unary("sqrt", "SqrtBackward0", np.sqrt, lambda F, g, r, x: g / (2 * r),
       lambda sp, x: sp.sqrt(x), "d sqrt(x)/dx = 1/(2*sqrt(x))", saves_result=True,
       domain="positive")
def _abs(x):
    if x.dtype == np.bool_:
        raise TorchError('"abs_cpu" not implemented for \'Bool\'', kind="NotImplementedError")
    return np.abs(x)


_unary("abs", "AbsBackward0", _abs, lambda F, g, r, x: g * F.sgn(x),
       lambda sp, x: sp.Abs(x), "d|x|/dx = sign(x)", promote=PROMOTE_NONE, domain="nonzero")
_unary("reciprocal", "ReciprocalBackward0", lambda x: 1 / x,
       lambda F, g, r, x: -g * (r * r),
       lambda sp, x: 1 / x, "d(1/x)/dx = -1/x**2", saves_result=True, domain="nonzero")
defop("sgn", "SgnBackward0", _sgn, lambda F, g, r, x: F.zeros_like(g),
      promote=PROMOTE_NONE, sympy=lambda sp, x: sp.sign(x), formula="d sign(x)/dx = 0",
      gradcheck=(sample((2, 3), domain="nonzero"),), tangent=ELEMENTWISE)
defop("sign", "SignBackward0", _sgn, lambda F, g, r, x: F.zeros_like(g),
      saves=False, promote=PROMOTE_NONE, sympy=lambda sp, x: sp.sign(x),
      formula="d sign(x)/dx = 0", gradcheck=(sample((2, 3), domain="nonzero"),),
      tangent=ELEMENTWISE)


# ----- What in-place writes record (the op the in-place method rebases history onto) -----
defop("zero", "ZeroBackward0", np.zeros_like, lambda F, g, r, x: F.zeros_like(g),
      saves=False, formula="x.zero_(): no gradient flows back", gradcheck=unary_samples(),
      tangent=LINEAR)
defop("fill", "FillBackward2", lambda x, value: np.full_like(x, value),
      lambda F, g, r, x, value: F.zeros_like(g),
      saves=False, formula="x.fill_(v): no gradient flows back to x",
      gradcheck=(sample((2, 3), value=0.5),), tangent=lambda F, ts, r, x, value: F.zeros_like(r))
# uniform_ and normal_: the values drawn from the generator are a parameter (drawn before the
# write, so the op itself is deterministic)
for _name, _grad_fn in (("uniform", "UniformBackward0"), ("normal", "NormalBackward0")):
    defop(_name, _grad_fn, lambda x, values: values.astype(x.dtype, copy=True),
          lambda F, g, r, x, values: F.zeros_like(g),
          saves=False, formula=f"x.{_name}_(): no gradient flows back to x",
          gradcheck=(sample((2, 3), values=np.full((2, 3), 0.25)),))
defop("copy", "CopyBackwards", lambda x, src: np.broadcast_to(src, x.shape).astype(x.dtype),
      lambda F, g, r, x, src: F.zeros_like(g),
      lambda F, g, r, x, src: g,
      saves=False, formula="x.copy_(src): the gradient goes to src",
      gradcheck=(sample((2, 3), (2, 3)), sample((2, 3), (3,))),
      tangent=lambda F, ts, r, x, src: F.zeros_like(r) if ts[1] is None else F.copy(r, ts[1]))


def _clamp_forward(x, min=None, max=None):
    out = x  # bounds first: PyTorch's clamp keeps x on a tie (clamp(-0., min=0) is -0.)
    if min is not None:
        out = np.maximum(np.asarray(min, dtype=x.dtype), out)
    if max is not None:
        out = np.minimum(np.asarray(max, dtype=x.dtype), out)
    return out if out is not x else x.copy()


def _clamp_rule(F, g, r, x, min=None, max=None):
    if min is not None and max is not None:
        return F.where((x >= min) & (x <= max), g, F.zeros_like(g))
    if min is not None:
        return F.where(x >= min, g, F.zeros_like(g))
    return F.where(x <= max, g, F.zeros_like(g))


def _clamp_sympy(sp, x, min=None, max=None):
    if min is not None:
        x = sp.Max(x, min)
    if max is not None:
        x = sp.Min(x, max)
    return x


_CLAMP_SAMPLES = {
    "clamp": (sample((2, 3), domain="distinct", min=-0.5, max=0.5),
              sample((4,), domain="distinct", min=0.0), sample((4,), domain="distinct", max=0.2)),
    "clamp_min": (sample((2, 3), domain="distinct", min=-0.1), sample((), domain="distinct", min=0.0)),
    "clamp_max": (sample((2, 3), domain="distinct", max=0.2), sample((), domain="distinct", max=0.0)),
}
for _name, _grad_fn in (("clamp", "ClampBackward1"), ("clamp_min", "ClampMinBackward0"),
                        ("clamp_max", "ClampMaxBackward0")):
    defop(_name, _grad_fn, _clamp_forward, _clamp_rule, sympy=_clamp_sympy,
          formula="d clamp(x)/dx = [min <= x <= max]", gradcheck=_CLAMP_SAMPLES[_name],
          tangent=ELEMENTWISE)



# clamp.Tensor: tensor bounds (either may be None), one ClampBackward0 node with three inputs;
# the bounds' gradients are clamp_backward_min_max's (a tie goes to x, not shared as maximum's)
def _clamp_tensor_forward(x, min, max):
    out = x
    if min is not None:
        out = _maximum(out, min)
    if max is not None:
        out = _minimum(out, max)
    return out


def _clamp_min_rule(F, g, r, x, min, max):
    below = x < min if max is None else (x < min) & (min < max)
    return F.where(below, g, F.zeros_like(g))


def _clamp_max_rule(F, g, r, x, min, max):
    above = x > max if min is None else (x > max) | (max < min)
    return F.where(above, g, F.zeros_like(g))


defop("clamp_tensor", "ClampBackward0", _clamp_tensor_forward,
      lambda F, g, r, x, min, max: _clamp_rule(F, g, r, x, min, max),
      _clamp_min_rule, _clamp_max_rule,
      sympy=lambda sp, x, min, max: _clamp_sympy(sp, x, min, max), arg_names=("self", "min", "max"),
      formula="d clamp(x,lo,hi)/dx = [lo <= x <= hi], /dlo = [x < lo < hi], /dhi = [x > hi or hi < lo]",
      gradcheck=(sample((2, 3), (2, 3), (2, 3), domain="distinct"),
                 sample((2, 3), (3,), (2, 1), domain="distinct")),
      tangent=lambda F, ts, r, x, min, max: _clamp_tangent(F, ts, r, x, min, max))

def _clamp_tangent(F, ts, r, x, min, max):
    """clamp_jvp: the tangent of whichever of x, min and max the result is."""
    x_t, min_t, max_t = (F.zeros_like(r) if t is None else t for t in ts)
    if min is not None and max is not None:
        return F.where(min > max, max_t, F.where(x < min, min_t, F.where(x > max, max_t, x_t)))
    if min is not None:
        return F.where(x > min, x_t, min_t)
    return F.where(x < max, x_t, max_t)


def _where_forward(a, b, condition):
    return np.where(condition, a, b)


defop("where", "WhereBackward0", _where_forward,
      lambda F, g, r, a, b, condition: F.where(condition, g, F.zeros_like(g)),
      lambda F, g, r, a, b, condition: F.where(condition, F.zeros_like(g), g),
      saves=False, promote=PROMOTE_BINARY,
      sympy=on_arrays(lambda sp, a, b, condition: np.where(condition, a, b)),
      formula="d where(c,a,b)/da = [c], /db = [not c]", gradcheck=(sample((2, 3), (2, 3), condition=MASK_2x3), sample((2, 3), (3,), condition=MASK_2x3),
                 sample((3,), (2, 3), condition=MASK_2x3)),
      last_input_first=True,
      tangent=lambda F, ts, r, a, b, condition: F.where(condition, *zero_filled(F, ts, (a, b))))


# ----- More unary functions -----
# Forwards through double, as exp and log above: PyTorch runs MKL's VML or SLEEF here (glibc on
# a small tensor's scalar path); the results agree to an ulp, mostly to the bit (README).
_LN2, _LN10 = 0.6931471805599453, 2.3025850929940456  # derivatives.yaml's constants


def _rsqrt(x):
    return np.ones((), dtype=x.dtype) / np.sqrt(x)  # 1 / sqrt(x), each rounded, as PyTorch's


_unary("rsqrt", "RsqrtBackward0", _rsqrt, lambda F, g, r, x: -0.5 * g * F.pow(r, exponent=3),
       lambda sp, x: 1 / sp.sqrt(x), "d rsqrt(x)/dx = -rsqrt(x)**3 / 2", saves_result=True,
       domain="positive")
_unary("log1p", "Log1PBackward0", _rounded_from_double(np.log1p), lambda F, g, r, x: g / (x + 1),
       lambda sp, x: sp.log(1 + x), "d log1p(x)/dx = 1/(1 + x)", domain="positive")
_unary("expm1", "Expm1Backward0", _rounded_from_double(np.expm1),
       lambda F, g, r, x: g * (r + 1), lambda sp, x: sp.exp(x) - 1,
       "d expm1(x)/dx = exp(x)", saves_result=True)
_unary("log2", "Log2Backward0", _rounded_from_double(np.log2),
       lambda F, g, r, x: g / (x * _LN2), lambda sp, x: sp.log(x, 2),
       "d log2(x)/dx = 1/(x ln 2)", domain="positive")
_unary("log10", "Log10Backward0", _rounded_from_double(np.log10),
       lambda F, g, r, x: g / (x * _LN10), lambda sp, x: sp.log(x, 10),
       "d log10(x)/dx = 1/(x ln 10)", domain="positive")
_unary("exp2", "Exp2Backward0", _rounded_from_double(np.exp2),
       lambda F, g, r, x: g * r * _LN2, lambda sp, x: 2 ** x, "d 2**x/dx = 2**x ln 2",
       saves_result=True)
_unary("asin", "AsinBackward0", _rounded_from_double(np.arcsin),
       lambda F, g, r, x: g * F.rsqrt(-x * x + 1), lambda sp, x: sp.asin(x),
       "d asin(x)/dx = 1/sqrt(1 - x**2)", domain="unit")
_unary("acos", "AcosBackward0", _rounded_from_double(np.arccos),
       lambda F, g, r, x: g * -F.rsqrt(-x * x + 1), lambda sp, x: sp.acos(x),
       "d acos(x)/dx = -1/sqrt(1 - x**2)", domain="unit")
_unary("atan", "AtanBackward0", _rounded_from_double(np.arctan),
       lambda F, g, r, x: g / (x * x + 1), lambda sp, x: sp.atan(x), "d atan(x)/dx = 1/(1 + x**2)")
_unary("sinh", "SinhBackward0", _rounded_from_double(np.sinh),
       lambda F, g, r, x: g * F.cosh(x), lambda sp, x: sp.sinh(x), "d sinh(x)/dx = cosh(x)")
_unary("cosh", "CoshBackward0", _rounded_from_double(np.cosh),
       lambda F, g, r, x: g * F.sinh(x), lambda sp, x: sp.cosh(x), "d cosh(x)/dx = sinh(x)")


def _atan2(a, b):
    if np.result_type(a, b) == np.float32:
        return np.arctan2(a.astype(np.float64), np.asarray(b, np.float64)).astype(np.float32)
    return np.arctan2(a, b)


def _atan2_recip(F, a, b):
    """atan2_backward's 1 / (self**2 + other**2), set to 0 where that is 1 / 0."""
    denominator = a * a + b * b
    return F.masked_fill(F.reciprocal(denominator), mask=F.as_array(denominator) == 0)


defop("atan2", "Atan2Backward0", _atan2,
      lambda F, g, r, a, b: g * b * _atan2_recip(F, a, b),
      lambda F, g, r, a, b: g * -a * _atan2_recip(F, a, b),
      promote=PROMOTE_FLOAT, sympy=lambda sp, a, b: sp.atan2(a, b),
      formula="d atan2(a, b)/da = b/(a**2 + b**2), /db = -a/(a**2 + b**2)",
      gradcheck=(sample((2, 3), (2, 3), domain="nonzero"), sample((2, 3), (3,), domain="nonzero")),
      # (-self_p * other_t + other_p * self_t) / (self_p.pow(2) + other_p.pow(2))
      tangent=lambda F, ts, r, a, b: plus(times(ts[1], -a), times(ts[0], b))
          / (F.pow(a, exponent=2) + F.pow(b, exponent=2)))


# ----- Rounding: integer tensors pass through, bool ones are refused; no gradient flows -----
def _rounding(kernel, numpy_name):
    def forward(x):
        if x.dtype == np.bool_:
            raise TorchError(f'"{kernel}" not implemented for \'Bool\'', kind="NotImplementedError")
        if x.dtype.kind in "iu":
            return x.copy()
        return getattr(np, numpy_name)(x)  # (on sympy's object arrays: a TypeError, no form)
    return forward


def _round_decimals(x, decimals):
    """round(x, decimals=d): nearbyint(x * 10**d) / 10**d in the tensor's dtype (or x / 10**-d
    rounded, times 10**-d, for d < 0), as PyTorch's kernel."""
    if x.dtype.kind != "f":
        raise TorchError(f'"round_cpu" not implemented for \'{_scalar_type_name(x.dtype)}\'',
                         kind="NotImplementedError")
    scale = x.dtype.type(10.0 ** abs(decimals))
    if decimals < 0:
        return np.rint(x / scale) * scale
    return np.rint(x * scale) / scale


def _frac(x):
    if x.dtype.kind != "f":
        raise TorchError(f'"frac_cpu" not implemented for \'{_scalar_type_name(x.dtype)}\'',
                         kind="NotImplementedError")
    return x - np.trunc(x)


# no sympy forms: sympy leaves the derivative of floor(x) unevaluated, which the symbolic
# check cannot evaluate at a point (the numeric check covers these)
for _name, _grad_fn, _kernel, _numpy in (("floor", "FloorBackward0", "floor_vml_cpu", "floor"),
                                         ("ceil", "CeilBackward0", "ceil_vml_cpu", "ceil"),
                                         ("round", "RoundBackward0", "round_vml_cpu", "rint"),
                                         ("trunc", "TruncBackward0", "trunc_vml_cpu", "trunc")):
    defop(_name, _grad_fn, _rounding(_kernel, _numpy), lambda F, g, r, x: F.zeros_like(g),
          saves=False, promote=PROMOTE_NONE,
          formula=f"d {_name}(x)/dx = 0", gradcheck=(sample((2, 3), domain="any"),),
          tangent=ELEMENTWISE)  # zeros_like(self_t)
defop("round_decimals", "RoundBackward1", _round_decimals, lambda F, g, r, x, decimals: F.zeros_like(g),
      saves=False, promote=PROMOTE_NONE, formula="d round(x, decimals)/dx = 0",
      gradcheck=(sample((2, 3), domain="any", decimals=1),), tangent=ELEMENTWISE)
defop("frac", "FracBackward0", _frac, lambda F, g, r, x: g,
      saves=False, promote=PROMOTE_NONE,
      formula="d frac(x)/dx = 1", gradcheck=(sample((2, 3), domain="any"),),
      tangent=lambda F, ts, r, x: ts[0])  # result: self_t


# ----- torch.normal with tensor arguments: the sample drawn by the api (a parameter), then
# PyTorch's arithmetic; no gradient flows to the mean or the std -----
def _zeros_of(F, g, x):
    return F.constant(np.zeros(tuple(x.shape), dtype=F.as_array(g).dtype))


def _declared_zero(rule):
    """A gradient PyTorch declares zero though the value moves with the input (a sample's mean
    and std): finite differences do not check it (tests/test_ops.py; test_random checks it)."""
    rule.declared_zero = True
    return rule


defop("normal_tensor_float", "NormalBackward1",  # normal_(0, std), then add_(mean)
      lambda mean, sample: sample + mean,
      _declared_zero(lambda F, g, r, mean, sample: _zeros_of(F, g, mean)),
      saves=False, formula="normal(mean, std): no gradient flows back",
      gradcheck=(sample((2, 3), sample=np.full((2, 3), 0.25)),), tangent=ELEMENTWISE)
defop("normal_float_tensor", "NormalBackward2",  # normal_(0, 1), then mul_(std).add_(mean)
      lambda std, sample, mean: sample * std + std.dtype.type(mean),
      _declared_zero(lambda F, g, r, std, sample, mean: _zeros_of(F, g, std)),
      saves=False, formula="normal(mean, std): no gradient flows back",
      gradcheck=(sample((2, 3), sample=np.full((2, 3), 0.25), mean=1.0),), tangent=ELEMENTWISE)
defop("normal_tensor_tensor", "NormalBackward3",
      lambda mean, std, sample: sample * std + mean,
      _declared_zero(lambda F, g, r, mean, std, sample: _zeros_of(F, g, mean)),
      _declared_zero(lambda F, g, r, mean, std, sample: _zeros_of(F, g, std)),
      saves=False, arg_names=("mean", "std"), formula="normal(mean, std): no gradient flows back",
      gradcheck=(sample((2, 3), (2, 3), sample=np.full((2, 3), 0.25)),),
      tangent=lambda F, ts, r, mean, std, sample: F.zeros_like(r))  # zeros_like(mean_t)
