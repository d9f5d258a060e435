"""Rows: unary elementwise ops, in-place writes, clamp and where.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core.ops.arithmetic import _maximum, _minimum
from gradcli.core.ops.common import _fma
from gradcli.core.ops.schema import (PROMOTE_BINARY, PROMOTE_NONE, PROMOTE_UNARY_FLOAT, MASK_2x3,
                                     defop, on_arrays, sample, unary_samples)
from gradcli.errors import TorchError


# ----- Unary elementwise -----
def _unary(name, grad_fn, forward, rule, sympy, formula, *, saves_result=False, saves=True,
           promote=PROMOTE_UNARY_FLOAT, domain=None):
    return defop(name, grad_fn, forward, rule, saves=saves, saves_result=saves_result,
                 promote=promote, sympy=sympy, formula=formula,
                 saved_inputs=((),) if saves_result else None,  # the rule reads only the result
                 gradcheck=unary_samples(domain or "any"))


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
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))))
defop("sigmoid_backward", "SigmoidBackwardBackward0", lambda g, y: g * (1 - y) * y,
      lambda F, g, r, grad_output, y: F.sigmoid_backward(g, y),
      lambda F, g, r, grad_output, y: g * grad_output * (-2 * y + 1),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"),
      formula="d g*(1 - y)*y/dg = (1 - y)*y, /dy = g*(1 - 2*y)",
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))))
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
                 sample((3,), (2, 3), domain="nonzero", threshold=0.1)))
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
      gradcheck=(sample((2, 3), domain="nonzero"),))
defop("sign", "SignBackward0", _sgn, lambda F, g, r, x: F.zeros_like(g),
      saves=False, promote=PROMOTE_NONE, sympy=lambda sp, x: sp.sign(x),
      formula="d sign(x)/dx = 0", gradcheck=(sample((2, 3), domain="nonzero"),))


# ----- What in-place writes record (the op the in-place method rebases history onto) -----
defop("zero", "ZeroBackward0", np.zeros_like, lambda F, g, r, x: F.zeros_like(g),
      saves=False, formula="x.zero_(): no gradient flows back", gradcheck=unary_samples())
defop("fill", "FillBackward2", lambda x, value: np.full_like(x, value),
      lambda F, g, r, x, value: F.zeros_like(g),
      saves=False, formula="x.fill_(v): no gradient flows back to x",
      gradcheck=(sample((2, 3), value=0.5),))
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
      gradcheck=(sample((2, 3), (2, 3)), sample((2, 3), (3,))))


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
          formula="d clamp(x)/dx = [min <= x <= max]", gradcheck=_CLAMP_SAMPLES[_name])



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
                 sample((2, 3), (3,), (2, 1), domain="distinct")))

def _where_forward(a, b, condition):
    return np.where(condition, a, b)


defop("where", "WhereBackward0", _where_forward,
      lambda F, g, r, a, b, condition: F.where(condition, g, F.zeros_like(g)),
      lambda F, g, r, a, b, condition: F.where(condition, F.zeros_like(g), g),
      saves=False, promote=PROMOTE_BINARY,
      sympy=on_arrays(lambda sp, a, b, condition: np.where(condition, a, b)),
      formula="d where(c,a,b)/da = [c], /db = [not c]", gradcheck=(sample((2, 3), (2, 3), condition=MASK_2x3), sample((2, 3), (3,), condition=MASK_2x3),
                 sample((3,), (2, 3), condition=MASK_2x3)),
      last_input_first=True)
