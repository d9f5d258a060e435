"""Rows: matrix products (mm, mv, dot, bmm) with PyTorch's dtype checks.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.ops.common import _fma, _scalar_type_name
from gradcli.core.ops.schema import defop, plus, sample
from gradcli.core.tensor import Limits
from gradcli.errors import TorchError


# ----- Linear algebra -----
def _check_mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise TorchError("self must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise TorchError(f"mat1 and mat2 shapes cannot be multiplied "
                         f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    Limits.check_elements((a.shape[0], b.shape[1]))
    return _matmul(a, b)


def _matmul(a, b):
    inner = a.shape[1]
    if inner <= _SEQUENTIAL_INNER and a.dtype == b.dtype and a.dtype.char in "fd":
        return _mkl_short_sum(a, b)
    if inner == 1:
        return a * b
    return np.matmul(a, b)


# PyTorch's mm calls MKL's gemm, closed source, whose kernels sum a long inner dim in lanes (and
# peel to align rows), which is not reproduced here: numpy's BLAS sums in its own order, within
# an ulp.  An inner size of 2 or 3 was measured against torch.mm (float32 and float64, every
# operand layout, outer sizes 1 to 200): MKL then adds the products left to right, unfused,
# except in its large-matrix kernel (4 or more rows and 12 or more columns), which accumulates
# with fused multiply-adds (float32; float64's large kernel is not reproduced).  The sums start
# from a zero, so -0.0 products give 0.0, except for an inner size of 1 outside the
# matrix-vector kernels (one row or one column), which keeps the product itself.
_SEQUENTIAL_INNER = 3


def _mkl_short_sum(a, b):
    rows, cols = a.shape[0], b.shape[1]
    fused = rows >= 4 and cols >= 12
    if fused and a.dtype.char == "d" and a.shape[1] > 1:
        return np.matmul(a, b)
    total = a[:, :1] * b[:1, :]
    if a.shape[1] > 1 or rows == 1 or cols == 1:
        total = total + 0.0  # MKL sums from a zero (-0.0 becomes 0.0), but for one product
    for i in range(1, a.shape[1]):
        if fused:
            total = _fma(a[:, i:i + 1], b[i:i + 1, :], total)
        else:
            total = total + a[:, i:i + 1] * b[i:i + 1, :]
    return total


def _check_same_dtype(a, b):
    if a.dtype != b.dtype:
        raise TorchError(f"expected m1 and m2 to have the same dtype, but got: "
                         f"{_C_TYPE_NAMES[a.dtype.name]} != {_C_TYPE_NAMES[b.dtype.name]}")
    _check_not_bool("addmm_impl_cpu_", a)


# the C++ names mm's dtype message uses
_C_TYPE_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
                 "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "bool": "bool"}


def _check_not_bool(kernel, a):
    if a.dtype == np.bool_:
        raise TorchError(f'"{kernel}" not implemented for \'Bool\'', kind="NotImplementedError")


def _mv_forward(a, v):
    # at::mv is addmv_(empty(mat.size(0), vec's dtype), mat, vec): the messages name that result
    if a.ndim == 0:
        raise TorchError("Dimension specified as 0 but tensor has no dimensions", kind="IndexError")
    if a.ndim != 2 or v.ndim != 1:
        raise TorchError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise TorchError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}),"
                         f" vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise TorchError(f"addmv input tensors must have the same dtype, but got "
                         f"{type_word(v.dtype)}, {type_word(a.dtype)}, and {type_word(v.dtype)}")
    _check_not_bool("addmv_impl_cpu", a)
    return np.matmul(a, v)


def _dot_forward(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise TorchError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise TorchError(f"dot : expected both vectors to have same dtype, but found "
                         f"{type_word(a.dtype)} and {type_word(b.dtype)}")
    if a.shape[0] != b.shape[0]:
        raise TorchError("inconsistent tensor size, expected tensor [{}] and src [{}] to have the "
                         "same number of elements, but got {} and {} elements respectively".format(
                             a.shape[0], b.shape[0], a.shape[0], b.shape[0]))
    _check_not_bool("dot", a)
    return np.dot(a, b)


def type_word(np_dtype) -> str:
    """PyTorch's ScalarType name of a dtype (Float, Double, Long...), as its messages print it."""
    return _scalar_type_name(np_dtype)


def _bmm_forward(a, b):
    for name, x in (("batch1", a), ("batch2", b)):
        if x.ndim != 3:
            raise TorchError(f"{name} must be a 3D tensor")
    if b.shape[0] != a.shape[0] or a.shape[-1] != b.shape[-2]:
        raise TorchError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a.shape[0]}, {a.shape[-1]}] but got: [{b.shape[0]}, {b.shape[-2]}].")
    _check_not_bool("bmm", a)
    if a.dtype != b.dtype:
        raise TorchError(f"expected scalar type {type_word(a.dtype)} but found {type_word(b.dtype)}")
    return np.matmul(a, b)


def _product_tangent(product, ts, a, b):
    # a bilinear product's tangent: product(self_t, other_p) + product(self_p, other_t)
    return plus(None if ts[0] is None else product(ts[0], b),
                None if ts[1] is None else product(a, ts[1]))


def _mm_mat1_rule(F, g, r, a, b, layout=(False, False)):
    # mm_mat1_backward: a column-major mat1 gets its gradient column-major too
    return F.t(F.mm(b, F.t(g))) if layout[0] else F.mm(g, F.t(b))


def _mm_mat2_rule(F, g, r, a, b, layout=(False, False)):
    return F.t(F.mm(F.t(g), a)) if layout[1] else F.mm(F.t(a), g)


def column_major(array) -> bool:
    """mm's test of an operand's layout (strides (1, rows)), which picks its gradient's formula."""
    return array.ndim == 2 and array.strides == (array.itemsize, array.shape[0] * array.itemsize)


# layout: (mat1, mat2) column-major; given only when one is
defop("mm", "MmBackward0", lambda a, b, layout=None: _check_mm(a, b),
      _mm_mat1_rule, _mm_mat2_rule,
      saved_inputs=((1,), (0,)), arg_names=("self", "mat2"), formula="d(A@B)/dA = G@B^T, d(A@B)/dB = A^T@G",
      gradcheck=(sample((2, 3), (3, 4)), sample((1, 3), (3, 1))),
      last_input_first=True, tangent=lambda F, ts, r, a, b, layout=None: _product_tangent(F.mm, ts, a, b),
      saved=("mat2", "mat2_sym_sizes", "mat2_sym_strides", "self", "self_sym_sizes", "self_sym_strides"))
defop("mv", "MvBackward0", _mv_forward,
      lambda F, g, r, a, v: F.reshape(g, shape=(g.shape[0], 1)) * v,  # grad.ger(vec)
      lambda F, g, r, a, v: F.mv(F.t(a), g),
      saved_inputs=((1,), (0,)), arg_names=("self", "vec"), formula="d(A@v)/dA = g v^T, d(A@v)/dv = A^T g", gradcheck=(sample((2, 3), (3,)),),
      tangent=lambda F, ts, r, a, v: _product_tangent(F.mv, ts, a, v))
defop("dot", "DotBackward0", _dot_forward,
      lambda F, g, r, a, b: g * b,
      lambda F, g, r, a, b: g * a,
      saved_inputs=((1,), (0,)), arg_names=("self", "tensor"), formula="d(a.b)/da = b", gradcheck=(sample((3,), (3,)),),
      tangent=lambda F, ts, r, a, b: _product_tangent(F.dot, ts, a, b))
defop("bmm", "BmmBackward0", _bmm_forward,
      lambda F, g, r, a, b: F.bmm(g, F.transpose(b, dim0=-1, dim1=-2)),
      lambda F, g, r, a, b: F.bmm(F.transpose(a, dim0=-1, dim1=-2), g),
      saved_inputs=((1,), (0,)), arg_names=("self", "mat2"), formula="batched matmul", gradcheck=(sample((2, 2, 3), (2, 3, 2)),),
      last_input_first=True, tangent=lambda F, ts, r, a, b: _product_tangent(F.bmm, ts, a, b))


# ----- Cross product (linalg_cross): the operands broadcast, each component as PyTorch's kernel
# writes it (a1*b2 - a2*b1...) -----
def _cross_forward(a, b, dim):
    a, b = np.broadcast_arrays(a, b)
    out = np.empty(a.shape, dtype=np.result_type(a, b))
    part = [(slice(None),) * dim + (i,) for i in range(3)]
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        out[part[i]] = a[part[j]] * b[part[k]] - a[part[k]] * b[part[j]]
    return out


defop("cross", "LinalgCrossBackward0", _cross_forward,
      lambda F, g, r, a, b, dim: F.cross(b, g, dim=dim),
      lambda F, g, r, a, b, dim: F.cross(g, a, dim=dim),
      saved_inputs=((1,), (0,)), formula="d(a x b)/da: g -> b x g, /db: g -> g x a",
      gradcheck=(sample((2, 3), (2, 3), dim=1), sample((3, 2), (3, 1), dim=0)),
      tangent=lambda F, ts, r, a, b, dim: plus(None if ts[0] is None else F.cross(ts[0], b, dim=dim),
                                               None if ts[1] is None else F.cross(a, ts[1], dim=dim)))
