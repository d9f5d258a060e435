"""The math PyTorch's CPU kernels vectorize, reproduced bit for bit in numpy.

Which routine an op's forward reaches in PyTorch 2.13 (x86-64, AVX512 build with MKL) decides
its last bit.  Measured against torch with the libraries' own entry points (ctypes):

==========================  ===========================================  ==================
op                          float32 / float64                            here
==========================  ===========================================  ==================
exp log sin cos tan tanh    MKL VML ``vmsExp``/``vmdExp``... (VML_HA),   ops.py (not
sqrt                        through ``at::vml``, any size                reproducible)
softmax, log_softmax        ``Sleef_expf16_u10``/``Sleef_expd8_u10``     :func:`exp`
  (last dim)                on every element (``vec::map``);             :func:`log`
                            log_softmax's log ``Sleef_logf16_u10``/d8
softmax, log_softmax        the same SLEEF exp on whole vectors of       :func:`softmax_inner`
  (other dims)              columns, glibc ``expf``/``exp`` on the rest  ...``log_softmax_inner``
sigmoid                     ``1/(1 + Sleef_expf16_u10(0 - x))`` on       :func:`sigmoid`
                            ``cpu_kernel_vec``'s vector steps, glibc
                            ``expf``/``exp`` on the elements left over
x ** c (c not 0, 1, 2, 3,   ``Sleef_powf16_u10(x, float(c))``/d8, and    :func:`pow_scalar`
  0.5, -0.5, -1, -2)        glibc ``pow(double(x), c)`` left over
x ** y, c ** y              ``Sleef_powf16_u10``/d8, glibc ``powf``/     :func:`pow_tensor`
                            ``pow`` left over
==========================  ===========================================  ==================

"Left over": ``cpu_kernel_vec`` takes ``2 * Vec::size()`` elements (32 float32, 16 float64) a
step and gives the rest of each innermost row, and of each thread's share of a tensor above
32768 elements, to the scalar lambda, so a 2x2 tensor never reaches SLEEF there.  Which
elements are left over therefore depends on torch's thread count (``_reduce.NUM_THREADS``), for
softmax over other dims at any size.  float16 and integer tensors keep numpy's functions.
Exactness has a price: above ``EXACT_UP_TO`` elements the kernels take numpy's own functions
(within an ulp of PyTorch) rather than run the emulation, which is 10-400x slower.

The SLEEF routines are ported from ``src/libm/sleefsimdsp.c`` and ``sleefsimddp.c`` (SLEEF 3.x,
Boost licence) as compiled for AVX512F: ``vmla`` is a fused multiply-add, ``getexp``/
``getmant``/``fixupimm`` replace the bit tricks of other targets.  glibc's ``expf`` and
``powf`` are ARM's optimized-routines (MIT) in their ``-mfma`` build; glibc's ``exp`` and
``pow`` are what Python's ``math`` calls.  Fused multiply-adds are emulated exactly (see
``_fma32`` and ``_fma64``); every other step is the same IEEE operation in numpy.
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np

from gradcli.core.kernels import reduce as _reduce

F32, F64, I32, I64, U32, U64 = np.float32, np.float64, np.int32, np.int64, np.uint32, np.uint64
_INF = float("inf")


def _f(value) -> np.float32:
    return np.float32(value)


# ----- Running a routine -----
_BLOCK = 1 << 14  # elements a pass: the temporaries stay in cache (2-3x faster on big arrays)


def _routine(dtype):
    """Decorate a routine of flat ``dtype`` arrays: operands broadcast, cache-sized blocks,
    floating-point warnings off (overflow and NaN are results here, not errors)."""
    def wrap(routine):
        @functools.wraps(routine)
        def run(*operands):
            operands = np.broadcast_arrays(*(np.asarray(v, dtype) for v in operands))
            flat = [v.reshape(-1) for v in operands]
            with np.errstate(all="ignore"):
                if flat[0].size <= _BLOCK:
                    return routine(*flat).reshape(operands[0].shape)
                out = np.empty(flat[0].size, dtype)
                for start in range(0, out.size, _BLOCK):
                    out[start:start + _BLOCK] = routine(*(v[start:start + _BLOCK] for v in flat))
            return out.reshape(operands[0].shape)
        return run
    return wrap


# ----- Exact fused multiply-add -----
# float32: the product of two float32 values is exact in float64 (24 + 24 bits), so a*b + c in
# float64 is the exact value rounded once.  Rounding that again to float32 is the correctly
# rounded fma unless the float64 sum fell exactly on a float32 halfway point (low 29 bits
# 1000...0) or below FLT_MIN, where float32 keeps fewer bits.  A certified routine records its
# float64 sums and afterwards redoes, with every fma checked, the few elements that met one.
_fma_sums = threading.local()  # .sums: the recording routine's list (None: check every fma)


def _fma32(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` rounded once, like ``vfmadd``."""
    s = _wide(a) * _wide(b)
    s += _wide(c)
    out = s.astype(F32)
    sums = getattr(_fma_sums, "sums", None)
    if sums is None:  # not recording: check and fix now
        redo = _double_rounded(s)
        if redo.any():
            a, b, c = (np.broadcast_to(v, s.shape)[redo].astype(F64) for v in (a, b, c))
            out[redo] = _round_to_odd_sum(a * b, c).astype(F32)
    elif s.size < 1024 or _maybe_double_rounded(s, out):  # (a big block's sums are checked
        sums.append(s)                                    # while they are in the cache)
    return out


def _wide(v):
    return v.astype(F64) if isinstance(v, np.ndarray) else F64(v)


def _maybe_double_rounded(s, out):
    """A cheap superset of ``_double_rounded(s).any()``: a halfway sum, or a float32 result
    that is zero or subnormal."""
    return ((s.view(U64) & U64(0x1FFFFFFF)) == U64(0x10000000)).any() \
        or not (out.view(U32) & U32(0x7F800000)).all()


def _double_rounded(s):
    """Where rounding the float64 ``s`` to float32 may differ from rounding the exact value."""
    bits = s.view(U64)
    halfway = (bits & U64(0x1FFFFFFF)) == U64(0x10000000)
    tiny = ((bits & U64(2 ** 63 - 1)) - U64(1)) < U64(0x380FFFFFFFFFFFFF)  # 0 < |s| < 2**-126
    return halfway | tiny


def _certified(routine):
    """Run a float32 routine with its fmas rounded through float64, then redo exactly the
    elements where any of them may have been rounded twice (about 1 in 10**5)."""
    @functools.wraps(routine)
    def run(*operands):
        outer, _fma_sums.sums = getattr(_fma_sums, "sums", None), []
        try:
            out = routine(*operands)
            sums = _fma_sums.sums
        finally:
            _fma_sums.sums = outer
        if sums:
            redo = _double_rounded(np.concatenate([np.broadcast_to(s, out.shape) for s in sums]))
            if redo.any():
                redo = redo.reshape(len(sums), -1).any(axis=0)
                _fma_sums.sums = None
                try:
                    out[redo] = routine(*(np.broadcast_to(v, out.shape)[redo] for v in operands))
                finally:
                    _fma_sums.sums = outer
        return out
    return run


def _round_to_odd_sum(p, c):
    """``p + c`` rounded to odd (float64): rounding that to float32 is then correct (53 >= 24+2)."""
    s, err = _two_sum(p, c)
    fix = (err != 0) & ((s.view(I64) & 1) == 0) & np.isfinite(s)
    if fix.any():
        s = s.copy()
        away = (err > 0) == (s > 0)  # the exact value lies further from zero than s
        s.view(I64)[fix] += np.where(away[fix], 1, -1)
    return s


def _two_sum(a, b):
    """s + err == a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fmapn32(a, b, r):
    """``a * b - r``, r the float32 product: the product's rounding error, which float32 holds
    exactly (barring underflow, where one rounding of the exact float64 value is vfmsub's)."""
    return (_wide(a) * _wide(b) - r).astype(F32)


# float64: Dekker's exact product and Boldo & Melquiond's emulation.
def _split(a):
    """Veltkamp's split: hi has 26 bits, hi + lo == a (for |a| < 2**995)."""
    t = 134217729.0 * a  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a, b):
    """p + e == a * b exactly (Dekker), barring overflow and products below 2**-969."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _fma64(a, b, c) -> np.ndarray:
    """float64 ``a * b + c`` rounded once (Boldo & Melquiond, "Emulation of FMA and correctly
    rounded sums: proved algorithms using rounding to odd", 2008, algorithm 5): the exact
    product p + e, c + e and p + that as exact sums, their tails added with round-to-odd, one
    final rounding.  Operands the error-free steps cannot take exactly (non-finite results,
    operands beyond 2**995, products below 2**-960) are done in exact rational arithmetic."""
    if np.size(a) + np.size(b) + np.size(c) <= 24:  # a few elements: cheaper one by one
        return _fma64_few(a, b, c)
    p, e = _two_prod(a, b)
    th, tl = _two_sum(c, e)
    vh, vl = _two_sum(p, th)
    z, err = _two_sum(vl, tl)
    # round to odd: z's bits truncated toward zero, then the last bit set, where inexact
    bits = z.view(I64)
    odd = np.where(err != 0, (bits - (np.signbit(err) ^ np.signbit(z))) | 1, bits).view(F64)
    out = vh + odd
    zero = out == 0  # an exact zero: its sign is IEEE addition's, of the exact product's
    if zero.any():
        out[zero] = (p + c)[zero]
    size = np.abs(p)
    edge = ~(np.abs(out) < 2.0 ** 1000) | ((size < 2.0 ** -960) & (size > 0))
    if isinstance(c, np.ndarray):
        edge |= (np.abs(c) < 2.0 ** -960) & (c != 0)
    if edge.any():
        a, b, c = np.broadcast_arrays(a, b, c)
        out[edge] = [_fma64_exact(*v) for v in zip(a[edge].tolist(), b[edge].tolist(),
                                                   c[edge].tolist())]
    return out


def _fma64_few(a, b, c):
    """_fma64 element by element: Dekker's exact product and ``math.fsum``, which rounds the
    exact sum of p + e + c once."""
    shape = max(np.shape(a), np.shape(b), np.shape(c), key=len)
    if not all(np.shape(v) in (shape, ()) for v in (a, b, c)):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    size = math.prod(shape)
    out = [_fma_float(*v) for v in zip(*(_float_list(v, shape, size) for v in (a, b, c)))]
    return np.array(out, F64).reshape(shape)


def _fma_float(x: float, y: float, z: float) -> float:
    """x * y + z rounded once: Dekker's exact product and ``math.fsum``, which rounds the
    exact sum of p + e + z once."""
    p = x * y
    if not ((2.0 ** -960 < abs(p) < 2.0 ** 1000 or x == 0 or y == 0)
            and abs(x) < 2.0 ** 995 > abs(y) and math.isfinite(z)):
        return _fma64_exact(x, y, z)
    t = 134217729.0 * x
    xh = t - (t - x)
    t = 134217729.0 * y
    yh = t - (t - y)
    xl, yl = x - xh, y - yh
    total = math.fsum((p, ((xh * yh - p) + xh * yl + xl * yh) + xl * yl, z))
    return total if total else p + z  # an exact zero: the sign IEEE addition gives it


def _float_list(v, shape, size):
    """v broadcast to ``shape`` (``size`` elements) as a list of Python floats."""
    if np.shape(v) == ():
        return [float(v)] * size
    v = np.asarray(v, F64)
    return (v if v.shape == shape else np.broadcast_to(v, shape)).ravel().tolist()


def _fma64_exact(a: float, b: float, c: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c  # infinities and NaNs: IEEE's answer is the unfused one
    from fractions import Fraction  # only for operands at the edges of the range
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # the sign of an exact zero follows IEEE addition
    try:
        return float(exact)
    except OverflowError:
        return _INF if exact > 0 else -_INF


def _plain_fma(a, b, c):
    """a * b + c rounded twice: the cheap first pass of the certified glibc routines."""
    return a * b + c


# ----- SLEEF float32 (sleefsimdsp.c, AVX512F) -----
# Double-float values are pairs (hi, lo) of float32 arrays, df.h's FMA versions; the same
# functions on float64 pairs are dd.h's double-double arithmetic, used by the float64 routines.
def _df_add2_ff(x, y):  # dfadd2_vf2_vf_vf
    hi = x + y
    v = hi - x
    return hi, (x - (hi - v)) + (y - v)


def _df_add_22(x, y):  # dfadd_vf2_vf2_vf2 (|x| >= |y|)
    hi = x[0] + y[0]
    return hi, (((x[0] - hi) + y[0]) + x[1]) + y[1]


def _df_add_2f(x, y):  # dfadd_vf2_vf2_vf
    hi = x[0] + y
    return hi, ((x[0] - hi) + y) + x[1]


def _df_add_f2(x, y):  # dfadd_vf2_vf_vf2
    hi = x + y[0]
    return hi, ((x - hi) + y[0]) + y[1]


def _df_add2_2f(x, y):  # dfadd2_vf2_vf2_vf
    hi = x[0] + y
    v = hi - x[0]
    return hi, ((x[0] - (hi - v)) + (y - v)) + x[1]


def _df_add2_22(x, y):  # dfadd2_vf2_vf2_vf2
    hi = x[0] + y[0]
    v = hi - x[0]
    return hi, ((x[0] - (hi - v)) + (y[0] - v)) + (x[1] + y[1])


def _df_normalize(t):
    hi = t[0] + t[1]
    return hi, (t[0] - hi) + t[1]


def _df_scale(d, s):
    return d[0] * s, d[1] * s


# df.h's and dd.h's multiplications and division are the same formulas with the type's own
# fma; vfmsub(a, b, a*b) is the product's exact rounding error.
def _fma(a, b, c):
    if isinstance(a, float) and isinstance(b, float) and isinstance(c, float):
        return _fma_float(a, b, c)  # the float64 routines' one-element versions
    return _fma32(a, b, c) if np.result_type(a, b, c) == F32 else _fma64(a, b, c)


def fma(a, b, c) -> np.ndarray:
    """``a * b + c`` rounded once, as ``vfmadd`` (float32 or float64 operands, broadcast)."""
    dtype = np.result_type(a, b, c)
    a, b, c = (np.asarray(v, dtype) for v in (a, b, c))
    with np.errstate(all="ignore"):
        return _fma32(a, b, c) if dtype == F32 else _fma64(a, b, c)


def _fmapn(a, b, p):
    if isinstance(a, float) and isinstance(b, float) and isinstance(p, float):
        return _fma_float(a, b, -p)
    return _fmapn32(a, b, p) if np.result_type(a, b, p) == F32 else _fmapn64(a, b, p)


def _df_mul_2f(x, y):  # dfmul_vf2_vf2_vf, ddmul_vd2_vd2_vd
    hi = x[0] * y
    return hi, _fma(x[1], y, _fmapn(x[0], y, hi))


def _df_mul_22(x, y):  # dfmul_vf2_vf2_vf2, ddmul_vd2_vd2_vd2
    hi = x[0] * y[0]
    return hi, _fma(x[0], y[1], _fma(x[1], y[0], _fmapn(x[0], y[0], hi)))


def _df_squ(x):  # dfsqu_vf2_vf2, ddsqu_vd2_vd2
    hi = x[0] * x[0]
    return hi, _fma(x[0] + x[0], x[1], _fmapn(x[0], x[0], hi))


def _df_div(n, d):  # dfdiv_vf2_vf2_vf2, dddiv_vd2_vd2_vd2
    one = d[0].dtype.type(1) if isinstance(d[0], np.ndarray) else 1.0
    t = one / d[0]
    hi = n[0] * t
    u = _fmapn(t, n[0], hi)
    lo = _fma(-d[1], t, _fma(-d[0], t, one))
    return hi, _fma(hi, lo, _fma(n[1], t, u))


def _rint_i32(x):
    """cvtps2dq / cvtpd2dq: round half to even; NaN and out-of-range give INT_MIN."""
    return _to_i32(np.rint(x))


def _to_i32(x):
    """The int32 conversion of integral x, with x86's INT_MIN for NaN and out-of-range."""
    return np.where(np.abs(x) < 2.0 ** 31, x, -(2.0 ** 31)).astype(I32)


def _pow2i_f(q):  # vpow2i_vf_vi2: 2**q built in the exponent field (int32 arithmetic wraps)
    return ((q + I32(0x7F)) << 23).view(F32)


def _ldexp2(d, e):  # vldexp2_vf_vf_vi2, vldexp2_vd_vd_vi
    pow2i = _pow2i_f if d.dtype == F32 else _pow2i_d
    half = e >> 1
    return (d * pow2i(half)) * pow2i(e - half)


def _ldexp_f(x, q):  # vldexp_vf_vf_vi2: four steps of 2**(q/4), clamped, then the rest
    m = q >> 31
    m = (((m + q) >> 6) - m) << 4
    q = q - (m << 2)
    m = np.clip(m + I32(0x7F), 0, 0xFF).astype(I32)
    u = (m << 23).view(F32)
    x = ((x * u) * u * u) * u
    return x * ((q + I32(0x7F)) << 23).view(F32)


def _getexp(v):
    """vgetexpps/pd: floor(log2|v|) as a float (-inf for 0, inf for inf, subnormals exact)."""
    e = np.where(v == 0, -_INF, (np.frexp(v)[1] - 1).astype(v.dtype))
    return np.where(np.isfinite(v), e, np.abs(v))


def _getmant(v):
    """vgetmantps/pd(v, [0.75, 1.5), sign -> NaN) for v >= 0 (the callers handle the rest)."""
    m = np.frexp(v)[0] * 2
    return np.where(m >= 1.5, m * 0.5, m)


_ONE, _R_LN2F = _f(1), _f(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2UF, _L2LF = _f(0.693145751953125), _f(1.428606765330187045e-06)
_LN2F_DF = (_f(0.69314718246459960938), _f(-1.904654323148236017e-09))
_EXPF_POLY = tuple(map(_f, (0.000198527617612853646278381, 0.00139304355252534151077271,
                            0.00833336077630519866943359, 0.0416664853692054748535156,
                            0.166666671633720397949219, 0.5)))


@_routine(F32)
@_certified
def expf_u10(d: np.ndarray) -> np.ndarray:
    """Sleef_expf16_u10 (xexpf)."""
    q = _rint_i32(d * _R_LN2F)
    qf = q.astype(F32)
    # |q| <= 150 and L2Uf has 16 significant bits, so q*L2Uf is exact: the fma is one subtraction
    s = d - qf * _L2UF
    s = _fma32(qf, -_L2LF, s)
    u = _EXPF_POLY[0]
    for c in _EXPF_POLY[1:]:
        u = _fma32(u, s, c)
    u = _ONE + _fma32(s * s, u, s)
    u = _ldexp2(u, q)
    u = np.where(d < _f(-104), F32(0), u)
    return np.where(_f(100) < d, F32(_INF), u)


@_routine(F32)
@_certified
def logf_u1(d: np.ndarray) -> np.ndarray:
    """Sleef_logf16_u10 (xlogf_u1, the AVX512F getexp/getmant/fixupimm version)."""
    e = _getexp(d * _f(1.0 / 0.75))
    e = np.where(e == _INF, _f(128), e)
    m = _getmant(d)
    s = _df_mul_2f(_LN2F_DF, e)
    x = _df_div(_df_add2_ff(-_ONE, m), _df_add2_ff(_ONE, m))
    x2 = x[0] * x[0]
    t = _fma32(_f(0.3027294874), x2, _f(0.3996108174))
    t = _fma32(t, x2, _f(0.6666694880))
    s = _df_add_22(s, _df_scale(x, _f(2)))
    s = _df_add_2f(s, (x2 * x[0]) * t)
    r = s[0] + s[1]
    # fixupimm: 0 -> -inf, +inf -> +inf, negative (and -inf) -> NaN, NaN stays NaN
    r = np.where(d == 0, F32(-_INF), r)
    r = np.where(d == _INF, F32(_INF), r)
    return np.where(d < 0, F32(np.nan), r)


def _logkf(d):  # logkf: log(d) as a double-float
    e = _getexp(d * _f(1.0 / 0.75))
    e = np.where(e == _INF, _f(128), e)
    m = _getmant(d)
    x = _df_div(_df_add2_ff(-_ONE, m), _df_add2_ff(_ONE, m))
    x2 = _df_squ(x)
    t = _fma32(_f(0.240320354700088500976562), x2[0], _f(0.285112679004669189453125))
    t = _fma32(t, x2[0], _f(0.400007992982864379882812))
    c = (_f(0.66666662693023681640625), _f(3.69183861259614332084311e-09))
    s = _df_mul_2f(_LN2F_DF, e)
    s = _df_add_22(s, _df_scale(x, _f(2)))
    return _df_add_22(s, _df_mul_22(_df_mul_22(x2, x), _df_add2_22(_df_mul_2f(x2, t), c)))


_EXPKF_POLY = tuple(map(_f, (0.00136324646882712841033936, 0.00836596917361021041870117,
                             0.0416710823774337768554688, 0.166665524244308471679688,
                             0.499999850988388061523438)))


def _expkf(d):  # expkf: exp of a double-float
    q = _rint_i32((d[0] + d[1]) * _R_LN2F)
    qf = q.astype(F32)
    s = _df_add2_2f(d, qf * -_L2UF)
    s = _df_add2_2f(s, qf * -_L2LF)
    s = _df_normalize(s)
    u = _EXPKF_POLY[0]
    for c in _EXPKF_POLY[1:]:
        u = _fma32(u, s[0], c)
    t = _df_add_22(s, _df_mul_2f(_df_squ(s), u))
    t = _df_add_f2(_ONE, t)
    u = _ldexp_f(t[0] + t[1], q)
    return np.where(d[0] < _f(-104), F32(0), u)


@_routine(F32)
@_certified
def powf_u1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sleef_powf16_u10 (xpowf)."""
    ay = np.abs(y)
    ty = _to_i32(np.trunc(y))  # vtruncate: cvttps2dq
    yisint = (ty.astype(F32) == y) | (ay > _f(1 << 24))
    yisodd = ((ty & 1) == 1) & yisint & (ay < _f(1 << 24))
    result = _expkf(_df_mul_2f(_logkf(np.abs(x)), y))
    result = np.where(np.isnan(result), F32(_INF), result)
    sign = np.where(yisint, np.where(yisodd, _f(-1), _ONE), F32(np.nan))
    result = result * np.where(x > 0, _ONE, sign)
    efx = _mulsign(np.abs(x) - _ONE, y)
    at_inf = np.where(efx < 0, F32(0), np.where(efx == 0, _ONE, F32(_INF)))
    result = np.where(np.isinf(y), at_inf, result)
    big = np.where(np.signbit(y) ^ (x == 0), F32(0), F32(_INF))
    result = np.where(np.isinf(x) | (x == 0), _mulsign(big, np.where(yisodd, x, _ONE)), result)
    result = np.where(np.isnan(x) | np.isnan(y), F32(np.nan), result)
    return np.where((y == 0) | (x == 1), _ONE, result)


def _mulsign(x, y):  # vmulsign: x with its sign flipped where y's sign bit is set
    return np.where(np.signbit(y), -x, x)


# ----- SLEEF float64 (sleefsimddp.c, AVX512F) -----
def _fmapn64(a, b, p):
    """``a * b - p`` for p the rounded product: Dekker's exact error term, as ``vfmsub`` gives."""
    e = _two_prod(a, b)[1]
    edge = ~(np.abs(p) >= 2.0 ** -960) | (np.abs(p) > 2.0 ** 1000)
    if np.any(edge):
        e = np.where(edge, _fma64(a, b, -p), e)
    return e


def _poly(powers, coefficients, fma=None):
    """SLEEF's POLYn macros (estrin.h): Estrin's scheme, highest coefficient first.

    ``powers`` is (x, x**2, x**4, x**8, ...); the coefficients split in a lower block of the
    largest power of two below their count and an upper block, joined by one fma."""
    fma = fma or _fma64
    n = len(coefficients)
    if n == 1:
        return coefficients[0]
    if n == 2:
        return fma(powers[0], coefficients[0], coefficients[1])
    level = (n - 1).bit_length() - 1  # powers[level] = x**(2**level) joins the two blocks
    low = coefficients[n - 2 ** level:]
    high = coefficients[:n - 2 ** level]
    return fma(powers[level], _poly(powers, high, fma), _poly(powers, low, fma))


def _pow2i_d(q):  # vpow2i_vd_vi: (q + 0x3ff) << 20 in each lane's upper 32-bit word
    high = ((q + I32(0x3FF)) << 20).view(np.uint32).astype(np.uint64)
    return (high << np.uint64(32)).view(F64)


_R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931
_L2U, _L2L = .69314718055966295651160180568695068359375, .28235290563031577122588448175013436025525412068e-12
_LN2_DD = (0.693147180559945286226764, 2.319046813846299558417771e-17)
_EXP_POLY = (+0.2081276378237164457e-8, +0.2511210703042288022e-7, +0.2755762628169491192e-6,
             +0.2755723402025388239e-5, +0.2480158687479686264e-4, +0.1984126989855865850e-3,
             +0.1388888888914497797e-2, +0.8333333333314938210e-2, +0.4166666666666602598e-1,
             +0.1666666666666669072e+0)


@_routine(F64)
def exp_u10(d: np.ndarray) -> np.ndarray:
    """Sleef_expd8_u10 (xexp, the FMA polynomial)."""
    if d.size <= 24:  # a few elements: Python floats, each fma exact, cost far less
        return np.array([_exp_u10_float(v) for v in d.tolist()], F64)
    live = (d >= -1000) & (d <= 710)  # the rest is selected below; NaN gives NaN
    x = np.where(live, d, 0.0)
    q = _rint_i32(x * _R_LN2)
    u = _ldexp2(_exp_reduced(x, q.astype(F64), _fma64), q)
    u = np.where(d > 709.78271114955742909217217426, _INF, u)
    return np.where(d < -1000, 0.0, np.where(np.isnan(d), d, u))


def _exp_reduced(x, u, fma):
    """xexp's polynomial: exp(x - u*ln2), u = rint(x/ln2) (arrays, or floats with a float fma)."""
    # |u| <= 1443 and L2U has 32 significant bits: u*L2U is exact, the fma one subtraction
    s = fma(u, -_L2L, x - u * _L2U)
    s2 = s * s
    s4 = s2 * s2
    p = _poly((s, s2, s4, s4 * s4), _EXP_POLY, fma)
    for c in (0.5, 1.0, 1.0):
        p = fma(p, s, c)
    return p


def _exp_u10_float(d: float) -> float:
    """exp_u10 of one Python float (the same steps; ``_ldexp2``'s two scalings by 2**(q/2))."""
    if not d <= 709.78271114955742909217217426:
        return d if d != d else _INF
    if d < -1000:
        return 0.0
    q = round(d * _R_LN2)  # half to even, like cvtpd2dq
    half = q >> 1
    return _exp_reduced(d, float(q), _fma_float) * math.ldexp(1.0, half) \
        * math.ldexp(1.0, q - half)


_LOG_POLY = (0.1532076988502701353e+0, 0.1525629051003428716e+0, 0.1818605932937785996e+0,
             0.2222214519839380009e+0, 0.2857142932794299317e+0, 0.3999999999635251990e+0,
             0.6666666666667333541e+0)


@_routine(F64)
def log_u1(d: np.ndarray) -> np.ndarray:
    """Sleef_logd8_u10 (xlog_u1, AVX512F version)."""
    if d.size <= 24:  # a few elements: Python floats, as exp_u10
        return np.array([_log_u1_float(v) for v in d.tolist()], F64)
    e = _getexp(d * (1.0 / 0.75))
    r = _log_reduced(np.where(e == _INF, 1024.0, e), _getmant(d), _fma64)
    r = np.where(d == 0, -_INF, r)
    r = np.where(d == _INF, _INF, r)
    return np.where(d < 0, np.nan, r)


def _log_reduced(e, m, fma):
    """xlog_u1 of m * 2**e, m in [0.75, 1.5) (arrays, or floats with a float fma)."""
    x = _df_div(_df_add2_ff(-1.0, m), _df_add2_ff(1.0, m))
    x2 = x[0] * x[0]
    x4 = x2 * x2
    t = _poly((x2, x4, x4 * x4), _LOG_POLY, fma)
    s = _df_mul_2f(_LN2_DD, e)
    s = _df_add_22(s, _df_scale(x, 2.0))
    s = _df_add_2f(s, (x2 * x[0]) * t)
    return s[0] + s[1]


def _log_u1_float(d: float) -> float:
    """log_u1 of one Python float (getexp and getmant through math.frexp)."""
    if not 0 < d < _INF:
        return -_INF if d == 0 else d if d == _INF or d != d else float("nan")
    scaled = d * (1.0 / 0.75)
    e = 1024.0 if scaled == _INF else float(math.frexp(scaled)[1] - 1)
    m = math.frexp(d)[0] * 2
    return _log_reduced(e, m * 0.5 if m >= 1.5 else m, _fma_float)


_LOGK_POLY = (0.116255524079935043668677, 0.103239680901072952701192, 0.117754809412463995466069,
              0.13332981086846273921509, 0.153846227114512262845736, 0.181818180850050775676507,
              0.222222222230083560345903, 0.285714285714249172087875, 0.400000000000000077715612)


def _logk(d):
    e = _getexp(d * (1.0 / 0.75))
    e = np.where(e == _INF, 1024.0, e)
    m = _getmant(d)
    x = _df_div(_df_add2_ff(-1.0, m), _df_add2_ff(1.0, m))
    x2 = _df_squ(x)
    x4 = x2[0] * x2[0]
    x8 = x4 * x4
    t = _poly((x2[0], x4, x8, x8 * x8), _LOGK_POLY)
    c = (0.666666666666666629659233, 3.80554962542412056336616e-17)
    s = _df_mul_2f(_LN2_DD, e)
    s = _df_add_22(s, _df_scale(x, 2.0))
    x = _df_mul_22(x2, x)
    s = _df_add_22(s, _df_mul_22(x, c))
    x = _df_mul_22(x2, x)
    return _df_add_22(s, _df_mul_2f(x, t))


_EXPK_POLY = (2.51069683420950419527139e-08, 2.76286166770270649116855e-07,
              2.75572496725023574143864e-06, 2.48014973989819794114153e-05,
              0.000198412698809069797676111, 0.0013888888939977128960529,
              0.00833333333332371417601081, 0.0416666666665409524128449,
              0.166666666666666740681535, 0.500000000000000999200722)


def _expk(d):
    live = np.abs(d[0]) <= 1000  # xpow selects inf above 709.78, expk 0 below -1000
    d = (np.where(live, d[0], 0.0), np.where(live, d[1], 0.0))
    q = _rint_i32((d[0] + d[1]) * _R_LN2)
    dq = q.astype(F64)
    s = _df_add2_2f(d, dq * -_L2U)
    s = _df_add2_2f(s, dq * -_L2L)
    s = _df_normalize(s)
    s2 = s[0] * s[0]
    s4 = s2 * s2
    u = _poly((s[0], s2, s4, s4 * s4), _EXPK_POLY)
    t = _df_add_f2(1.0, s)
    t = _df_add_22(t, _df_mul_2f(_df_squ(s), u))
    return _ldexp2(t[0] + t[1], q)


@_routine(F64)
def pow_u1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sleef_powd8_u10 (xpow)."""
    yisint = (np.trunc(y) == y) | np.isinf(y)
    yisodd = yisint & (np.abs(y) < 2.0 ** 53) & (np.fmod(y, 2.0) != 0)
    d = _df_mul_2f(_logk(np.abs(x)), y)
    result = _expk(d)
    result = np.where(d[0] > 709.78271114955742909217217426, _INF, result)
    result = np.where(d[0] < -1000, 0.0, np.where(np.isnan(d[0]), d[0], result))
    result = result * np.where(x > 0, 1.0, np.where(yisint, np.where(yisodd, -1.0, 1.0), np.nan))
    efx = _mulsign(np.abs(x) - 1.0, y)
    at_inf = np.where(efx < 0, 0.0, np.where(efx == 0, 1.0, _INF))
    result = np.where(np.isinf(y), at_inf, result)
    big = np.where(np.signbit(y) ^ (x == 0), 0.0, _INF)
    result = np.where(np.isinf(x) | (x == 0), _mulsign(big, np.where(yisodd, x, 1.0)), result)
    result = np.where(np.isnan(x) | np.isnan(y), np.nan, result)
    return np.where((y == 0) | (x == 1), 1.0, result)


# ----- glibc's float32 expf and powf (ARM optimized-routines, the -mfma build) -----
# Both compute in double with fused multiply-adds and round to float32 once, at the end.  They
# run first with the fmas unfused, which moves the double result by a bounded, tiny amount
# (each routine says how much); a result further than that from a float32 rounding boundary
# rounds the same either way.  The others (1 in 30000 for expf, 1 in 2000 for powf), and any
# element whose table index or special case could have moved, are recomputed with exact fmas.
_EXP2F_T = np.array([  # exp2f_data.c: bits(2**(i/32)) - (i << 47)
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540],
    dtype=U64)
_EXP2F_C = tuple(float.fromhex(h) for h in ("0x1.c6af84b912394p-5", "0x1.ebfce50fac4f3p-3",
                                            "0x1.62e42ff0c52d6p-1"))  # 2**r, r in [-1/64, 1/64]
_EXPF_C = tuple(c / 32 ** (3 - i) for i, c in enumerate(_EXP2F_C))  # poly_scaled: r*32
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+0") * 32
_SHIFT = float.fromhex("0x1.8p+52")


def _near_boundary(y, ulps):
    """y within ``ulps`` float64 ulps of a float32 rounding boundary, or below FLT_MIN
    (where float32 keeps fewer bits), or NaN."""
    low = (y.view(U64) & U64(0x1FFFFFFF)).astype(I64) - 0x10000000
    return (np.abs(low) < ulps) | ~(np.abs(y) >= 2.0 ** -126)


def _exp2f_table(r, ki, c, fma):
    """2**(ki/32) from the table times c0*r^3 + c1*r^2 + c2*r + 1, in glibc's order."""
    t = _EXP2F_T[ki % U64(32)] + (ki << U64(47))
    return fma(fma(c[0], r, c[1]), r * r, fma(c[2], r, 1.0)) * t.view(F64)


def _expf_core(x, fma):
    xd = x.astype(F64)
    kd = fma(_INV_LN2_N, xd, _SHIFT)  # GCC fuses both uses of InvLn2N * xd
    ki = kd.view(U64)
    r = fma(_INV_LN2_N, xd, -(kd - _SHIFT))
    return r, _exp2f_table(r, ki, _EXPF_C, fma)


@_routine(F32)
def glibc_expf(x: np.ndarray) -> np.ndarray:
    """glibc's ``expf`` (``__expf_fma``)."""
    r, y = _expf_core(x, _plain_fma)
    # Unfused, InvLn2N*x (below 2**13) is rounded once more: r moves by at most 2**-41, the
    # result by ln2/32 of that plus four roundings, under 2**-45 of it, 2**13 ulps away from a
    # boundary.  kd can move only where |r| is that close to 1/2.
    unsure = _near_boundary(y, 2 ** 13) | (np.abs(r) > 0.5 - 2.0 ** -39)
    if unsure.any():
        y[unsure] = _expf_core(x[unsure], _fma64)[1]
    out = y.astype(F32)
    out = np.where(x > _f(float.fromhex("0x1.62e42ep6")), F32(_INF), out)
    # WANT_ERRNO_UFLOW: below log(2**-149) the result is the smallest subnormal, then 0
    out = np.where(x < _f(-float.fromhex("0x1.9d1d9ep6")), _f(2.0 ** -149), out)
    out = np.where(x < _f(-float.fromhex("0x1.9fe368p6")), F32(0), out)
    return np.where(np.isnan(x), x, out)


# powf_log2_data.c: (1/c, log2(c)) for 16 subintervals, and the log2(1+r) polynomial
_POWF_INVC = np.array([float.fromhex(h) for h in (
    "0x1.661ec79f8f3bep+0", "0x1.571ed4aaf883dp+0", "0x1.49539f0f010bp+0", "0x1.3c995b0b80385p+0",
    "0x1.30d190c8864a5p+0", "0x1.25e227b0b8eap+0", "0x1.1bb4a4a1a343fp+0", "0x1.12358f08ae5bap+0",
    "0x1.0953f419900a7p+0", "0x1p+0", "0x1.e608cfd9a47acp-1", "0x1.ca4b31f026aap-1",
    "0x1.b2036576afce6p-1", "0x1.9c2d163a1aa2dp-1", "0x1.886e6037841edp-1",
    "0x1.767dcf5534862p-1")])
_POWF_LOGC = np.array([float.fromhex(h) for h in (
    "-0x1.efec65b963019p-2", "-0x1.b0b6832d4fca4p-2", "-0x1.7418b0a1fb77bp-2",
    "-0x1.39de91a6dcf7bp-2", "-0x1.01d9bf3f2b631p-2", "-0x1.97c1d1b3b7afp-3",
    "-0x1.2f9e393af3c9fp-3", "-0x1.960cbbf788d5cp-4", "-0x1.a6f9db6475fcep-5", "0x0p+0",
    "0x1.338ca9f24f53dp-4", "0x1.476a9543891bap-3", "0x1.e840b4ac4e4d2p-3",
    "0x1.40645f0c6651cp-2", "0x1.88e9c2c1b9ff8p-2", "0x1.ce0a44eb17bccp-2")])
_POWF_A = tuple(float.fromhex(h) for h in ("0x1.27616c9496e0bp-2", "-0x1.71969a075c67ap-2",
                                           "0x1.ec70a6ca7baddp-2", "-0x1.7154748bef6c8p-1",
                                           "0x1.71547652ab82bp0"))


def _powf_core(ix, y, sign_bias, fma):
    """y * log2_inline(ix), r and the result of exp2_inline (before the float32 rounding)."""
    tmp = ix - U32(0x3F330000)
    i = (tmp >> U32(19)) % U32(16)
    top = tmp & U32(0xFF800000)
    z = (ix - top).view(F32).astype(F64)
    r = fma(z, _POWF_INVC[i], -1.0)
    y0 = _POWF_LOGC[i] + (top.view(I32) >> 23)
    a, r2 = _POWF_A, r * r
    q = fma(fma(a[2], r, a[3]), r2, fma(a[4], r, y0))
    ylogx = y.astype(F64) * fma(fma(a[0], r, a[1]), r2 * r2, q)
    kd = ylogx + _SHIFT / 32
    r = ylogx - (kd - _SHIFT / 32)
    return ylogx, r, _exp2f_table(r, kd.view(U64) + sign_bias, _EXP2F_C, fma)


def _checkint_f(iy):
    """0: not an integer, 1: odd integer, 2: even integer (iy: bits of a finite nonzero y)."""
    e = (iy >> U32(23)) & U32(0xFF)
    shift = np.clip(0x96 - e.astype(I64), 0, 31).astype(U32)
    frac = (iy & ((U32(1) << shift) - U32(1))) != 0
    odd = (iy & (U32(1) << shift)) != 0
    out = np.where(frac, 0, np.where(odd, 1, 2))
    return np.where(e < 0x7F, 0, np.where(e > 0x7F + 23, 2, out))


@_routine(F32)
def glibc_powf(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """glibc's ``powf`` (``__powf_fma``)."""
    ix, iy = x.view(U32), y.view(U32)
    if ((ix - U32(0x00800000)) < U32(0x7F000000)).all() and \
            (((iy << U32(1)) - U32(1)) < U32(2 * 0x7F800000 - 1)).all():
        return _powf_main(ix, y, np.zeros(ix.shape, U64))  # x > 0 normal, y finite, nonzero
    abs_x, x_nan, y_nan = ix & U32(0x7FFFFFFF), np.isnan(x), np.isnan(y)
    yint = _checkint_f(iy)
    neg = (ix >> U32(31)) == 1  # finite x < 0: non-integer y is invalid, odd y flips the sign
    sign_bias = np.where(neg & (yint == 1), U64(1 << 16), U64(0))  # lands in the sign bit
    sub = abs_x < 0x00800000  # subnormal x, normalized: its exponent goes negative
    out = _powf_main(np.where(sub, ((x * _f(2.0 ** 23)).view(U32) & U32(0x7FFFFFFF))
                              - U32(23 << 23), abs_x), y, sign_bias)
    out = np.where(neg & (yint == 0), F32(np.nan), out)
    # x is 0, inf or NaN (y finite and nonzero): x*x, its sign for odd y, inverted for y < 0
    x2 = x * x
    x2 = np.where(neg & (yint == 1), -x2, x2)
    x2 = np.where(np.signbit(y), _ONE / x2, x2)
    out = np.where((x == 0) | np.isinf(x) | x_nan, x2, out)
    # y is inf or NaN
    at_inf = np.where((abs_x < 0x3F800000) == ~np.signbit(y), F32(0), y * y)
    at_inf = np.where(abs_x == 0x3F800000, _ONE, at_inf)
    at_inf = np.where(x_nan | y_nan, x + y, at_inf)
    at_inf = np.where(x == 1, _ONE, at_inf)
    out = np.where(np.isinf(y) | y_nan, at_inf, out)
    return np.where(y == 0, _ONE, out)


def _powf_main(ix, y, sign_bias):
    """powf's main path: exp2(y * log2(x)), certified as the module's glibc section says."""
    ylogx, r, out = _powf_core(ix, y, sign_bias, _plain_fma)
    # Unfused, log2(x) moves by at most four roundings of numbers below 2*|log2(x)| + 1: under
    # 2**-44 of it; y*log2(x) (under 125 here) by 2**-37.9; the result by ln2 of that: under
    # 2**-38 of it, 2**17 ulps away from a boundary.  kd moves only where |r| is near 1/64.
    unsure = _near_boundary(out, 2 ** 17) | ~(np.abs(ylogx) < 125) \
        | (np.abs(r) > 1 / 64 - 2.0 ** -34)
    if unsure.any():
        ylogx[unsure], _, out[unsure] = _powf_core(ix[unsure], y[unsure], sign_bias[unsure],
                                                   _fma64)
    return _powf_range(ylogx, out.astype(F32), sign_bias != 0)


def _powf_range(ylogx, out, negative):
    """powf's overflow and underflow: |y*log2(x)| >= 126 (WANT_ROUNDING, WANT_ERRNO_UFLOW)."""
    if np.abs(ylogx).max(initial=0) < 126:
        return out
    big = (ylogx.view(U64) >> U64(47) & U64(0xFFFF)) >= F64(126.0).view(U64) >> U64(47)
    over = (ylogx > float.fromhex("0x1.fffffffd1d571p+6")) | (
        (ylogx > float.fromhex("0x1.fffffffa3aae2p+6")) & ((-ylogx).astype(F32) != _f(-128)))
    out = np.where(big & over, np.where(negative, F32(-_INF), F32(_INF)), out)
    tiny = np.where(negative, _f(-(2.0 ** -149)), _f(2.0 ** -149))
    out = np.where(big & (ylogx < -149.0), tiny, out)
    return np.where(big & (ylogx <= -150.0), tiny * 0, out)
# ----- Where cpu_kernel_vec uses the vector lambda -----
# cpu_kernel_vec walks TensorIterator's coalesced dims: each call of the 1-d loop covers one
# row of the innermost dim, cut where at::parallel_for splits the elements between threads
# (more than GRAIN_SIZE elements: NUM_THREADS equal chunks).  In a row whose operands are all
# contiguous (or one input broadcast), steps of 2 * Vec::size() elements go through the
# vector lambda and the rest through the scalar one; any other row is all scalar.
_LANES = {np.dtype(F32): 16, np.dtype(F64): 8}  # Vectorized<T>::size() with AVX512


def _vector_ranges(shape, input_strides, lanes):
    """The 1-d loop calls over the output (C order of ``shape``, the iteration order): a list
    of (start, vector_end, end), [start, vector_end) through the vector lambda."""
    total = math.prod(shape)
    row, inner = 1, [0] * len(input_strides)  # innermost coalesced dim: size, input strides
    for dim in reversed(range(len(shape))):
        if shape[dim] == 1:
            continue
        if row == 1:
            row, inner = shape[dim], [s[dim] for s in input_strides]
        elif all(s[dim] == row * i for s, i in zip(input_strides, inner)):
            row *= shape[dim]
        else:
            break
    unit = sum(i == 1 for i in inner)
    step = 2 * lanes  # vectorized_loop: two vectors a step; a row not contiguous is all scalar
    if not (unit == len(inner) or (unit == len(inner) - 1 and 0 in inner)):
        step = total + 1
    threads = min(_reduce.NUM_THREADS, -(-total // _reduce.GRAIN_SIZE))
    return _segments(total, row, threads if total > _reduce.GRAIN_SIZE else 1, step)


def _segments(total, row, threads, step):
    """[0, total) cut at each row and each thread's share, as (start, vector_end, end): whole
    steps from each start go through the vector code, the rest of the piece through scalar."""
    chunk = -(-total // max(threads, 1))
    if row >= total and chunk >= total:  # one piece (the usual case, and every small tensor)
        return [(0, total // step * step, total)]
    starts = np.union1d(np.arange(0, total, row), np.arange(0, total, chunk))
    ends = np.append(starts[1:], total)
    return list(zip(starts.tolist(), (starts + (ends - starts) // step * step).tolist(),
                    ends.tolist()))


def _vector_mask(ranges, total):
    starts, vector_ends, ends = (np.array(v, dtype=I64) for v in zip(*ranges))
    offsets = np.arange(total) - np.repeat(starts, ends - starts)
    return offsets < np.repeat(vector_ends - starts, ends - starts)


def _run_split(ranges, inputs, vector_op, scalar_op, dtype):
    """Apply the two lambdas to flat (iteration-order) inputs as the 1-d loops would."""
    if len(ranges) == 1 and ranges[0][1] in (0, ranges[0][2]):  # all one kind
        op = vector_op if ranges[0][1] else scalar_op
        return op(*inputs) if inputs[0].size else np.empty(0, dtype)
    out = np.empty(inputs[0].size, dtype)
    if len(ranges) <= 4:
        for start, middle, end in ranges:
            if middle > start:
                out[start:middle] = vector_op(*(a[start:middle] for a in inputs))
            if end > middle:
                out[middle:end] = scalar_op(*(a[middle:end] for a in inputs))
        return out
    mask = _vector_mask(ranges, out.size)
    if mask.any():
        out[mask] = vector_op(*(a[mask] for a in inputs))
    if not mask.all():
        out[~mask] = scalar_op(*(a[~mask] for a in inputs))
    return out


def _element_strides(a, shape):
    """Strides in elements of ``a`` broadcast to ``shape`` (0 where broadcast)."""
    b = np.broadcast_to(a, shape)
    return [s // b.itemsize for s in b.strides]


def _unary_split(x, vector_op, scalar_op):
    """cpu_kernel_vec of a unary op: the iteration follows x's memory layout."""
    if x.flags.c_contiguous:
        ranges = _vector_ranges((x.size,), [[1]], _LANES[x.dtype])
        return _run_split(ranges, [x.reshape(-1)], vector_op, scalar_op, x.dtype).reshape(x.shape)
    order = sorted(range(x.ndim), key=lambda d: -abs(x.strides[d]))  # TensorIterator's order
    xt = x.transpose(order)
    ranges = _vector_ranges(xt.shape, [_element_strides(xt, xt.shape)], _LANES[x.dtype])
    out = _run_split(ranges, [xt.reshape(-1)], vector_op, scalar_op, x.dtype)
    return out.reshape(xt.shape).transpose(np.argsort(order))


def _binary_split(a, b, vector_op, scalar_op):
    """cpu_kernel_vec of a binary op (C order of the broadcast shape)."""
    if a.shape == b.shape and a.flags.c_contiguous and b.flags.c_contiguous:
        ranges = _vector_ranges((a.size,), [[1], [1]], _LANES[a.dtype])
        flat = [a.reshape(-1), b.reshape(-1)]
        return _run_split(ranges, flat, vector_op, scalar_op, a.dtype).reshape(a.shape)
    shape = np.broadcast_shapes(a.shape, b.shape)
    strides = [_element_strides(a, shape), _element_strides(b, shape)]
    ranges = _vector_ranges(shape, strides, _LANES[a.dtype])
    flat = [np.broadcast_to(v, shape).reshape(-1) for v in (a, b)]
    return _run_split(ranges, flat, vector_op, scalar_op, a.dtype).reshape(shape)


# ----- The kernels -----
# Exact emulation costs 10-400x numpy's own functions (float64's glibc leftovers go through
# Python's math, one element at a time).  Above this many elements a kernel takes numpy's
# functions instead (float32 computed in float64 and rounded): within an ulp of PyTorch, at
# numpy's speed.  The tensors a program prints, or reads with .item(), are far smaller.
EXACT_UP_TO = 1 << 15


def _fast(ufunc, *arrays):
    """numpy's ``ufunc``, float32 through float64 (PyTorch's last bit ~99% of the time)."""
    dtype = np.result_type(*arrays)
    if dtype == F32:
        return ufunc(*(np.asarray(a, F64) for a in arrays)).astype(F32)
    return ufunc(*arrays)


def _libm(function, *arrays):
    """A C library function (Python's math module calls glibc's) over float64 arrays."""
    def call(*args):
        try:
            return function(*args)
        except (OverflowError, ValueError):  # C returns inf for these, or NaN
            return _libm_special(function, *args)
    arrays = np.broadcast_arrays(*(np.asarray(a, F64) for a in arrays))
    flat = [a.ravel().tolist() for a in arrays]
    return np.array([call(*args) for args in zip(*flat)], F64).reshape(arrays[0].shape)


def _libm_special(function, *args):
    """What C gives where Python raises: exp's overflow, pow's overflow, pole and domain."""
    if function is not math.pow:
        return _INF
    x, y = args
    if x != 0 and (x > 0 or y == math.floor(y)):  # overflow: negative x only for integer y
        return math.copysign(_INF, x) if y % 2 == 1 else _INF
    if x == 0:  # pow(+-0, y < 0): a pole, signed for odd integer y
        return math.copysign(_INF, x) if y % 2 == 1 else _INF
    return float("nan")  # negative x, non-integer y


def exp(x: np.ndarray) -> np.ndarray:
    """``Vectorized<T>::exp()`` mapped over every element (softmax, log_softmax)."""
    if x.size > EXACT_UP_TO:
        return _fast(np.exp, x)
    if x.dtype == F32:
        return expf_u10(x)
    return exp_u10(x) if x.dtype == F64 else np.exp(x)


def log(x: np.ndarray) -> np.ndarray:
    """``Vectorized<T>::log()`` mapped over every element (log_softmax's log of the sum)."""
    if x.size > EXACT_UP_TO:
        return _fast(np.log, x)
    if x.dtype == F32:
        return logf_u1(x)
    return log_u1(x) if x.dtype == F64 else np.log(x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid_kernel: ``1 / (1 + exp(0 - x))`` with SLEEF's exp, ``1 / (1 + std::exp(-x))``
    in the scalar lambda."""
    if x.dtype not in _LANES:
        return 1 / (1 + np.exp(-x))
    one = x.dtype.type(1)
    if x.size > EXACT_UP_TO:
        return one / (one + _fast(np.exp, -x))
    def vector(v):
        return one / (one + exp(x.dtype.type(0) - v))
    def scalar(v):
        return one / (one + _scalar_exp(-v))
    return _unary_split(x, vector, scalar)


def pow_scalar(x: np.ndarray, exponent) -> np.ndarray:
    """pow_tensor_scalar_optimized_kernel's general case: ``base.pow(Vec(exp))`` (the exponent
    as T) and ``std::pow(base, double(exp))`` in the scalar lambda."""
    if x.dtype not in _LANES:
        return np.power(x, np.asarray(exponent, x.dtype))
    if exponent == 0:  # pow_Tensor_Scalar_out fills ones, or copies, before any kernel
        return np.ones_like(x)
    if exponent == 1:
        return x.copy()
    as_t = x.dtype.type(exponent)
    if x.size > EXACT_UP_TO:
        return _fast(np.power, x, np.asarray(as_t))
    def vector(v):
        return (powf_u1 if v.dtype == F32 else pow_u1)(v, as_t)
    def scalar(v):
        return _libm(math.pow, v, float(exponent)).astype(v.dtype)
    return _unary_split(x, vector, scalar)


def pow_tensor(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """pow_tensor_tensor_kernel: ``base.pow(exp)`` and ``std::pow(base, exp)`` (powf or pow)."""
    x, p = np.asarray(x), np.asarray(p)
    dtype = np.result_type(x, p)
    if dtype not in _LANES:
        return np.power(x, p)
    x, p = x.astype(dtype, copy=False), p.astype(dtype, copy=False)
    if max(x.size, p.size) > EXACT_UP_TO:
        return _fast(np.power, x, p)
    def vector(a, b):
        return (powf_u1 if a.dtype == F32 else pow_u1)(a, b)
    def scalar(a, b):
        return glibc_powf(a, b) if a.dtype == F32 else _libm(math.pow, a, b)
    return _binary_split(x, p, vector, scalar)


def _scalar_exp(x):
    """std::exp in a scalar lambda: glibc's expf or exp."""
    return glibc_expf(x) if x.dtype == F32 else _libm(math.exp, x)


def _mixed_exp(x, vector):
    """exp of x (outer, dim, inner), SLEEF's where ``vector`` (outer, 1, inner) is set."""
    vector = np.broadcast_to(vector, x.shape)
    if vector.all():
        return exp(x)
    out = _scalar_exp(x)
    if vector.any():
        out[vector] = exp(x[vector])
    return out


def _around(x, dim):
    """x as (outer, dim, inner): the softmax kernels' view of a dim that is not the last."""
    dim %= x.ndim
    return x.reshape(math.prod(x.shape[:dim]), x.shape[dim], -1)


def softmax_inner(x: np.ndarray, dim: int) -> np.ndarray:
    """_vec_softmax, softmax over a dim that is not the last.

    The (outer, inner) columns are split between threads with grain 0; a thread takes
    ``Vec::size()`` columns of one outer index at a time through SLEEF's exp while they fit in
    its range and in the row, and the rest one by one through std::exp.  Each column's sum runs
    along the dim from 0, and the exponentials are divided by it."""
    if x.dtype not in _LANES or x.size > EXACT_UP_TO:  # (float16: PyTorch computes in float)
        e = _fast(np.exp, x - np.max(x, axis=dim, keepdims=True))
        return e / _reduce.torch_sum(e, axis=(dim % x.ndim,), keepdims=True)
    x3 = _around(x, dim)
    outer, _, inner = x3.shape
    e = _mixed_exp(x3 - np.max(x3, axis=1, keepdims=True),
                   _softmax_vector_columns(outer, inner, _LANES[x.dtype]))
    return (e / _sequential_sum(e)).reshape(x.shape)


def _softmax_vector_columns(outer, inner, lanes):
    """_vec_softmax's split: parallel_for with grain 0 shares the columns between threads."""
    total = outer * inner
    ranges = _segments(total, inner, _reduce.NUM_THREADS if total > 1 else 1, lanes)
    return _vector_mask(ranges, total).reshape(outer, 1, inner)


def log_softmax_inner(x: np.ndarray, dim: int) -> np.ndarray:
    """_vec_logsoftmax, log_softmax over a dim that is not the last: blocks of CHUNK_SIZE
    columns, SLEEF's exp on each block's whole vectors and std::exp on its remainder, sums
    along the dim from 0, SLEEF's log of each sum, then ``x - max - log(sum)``."""
    if x.dtype not in _LANES or x.size > EXACT_UP_TO:
        shifted = x - np.max(x, axis=dim, keepdims=True)
        return shifted - _fast(np.log, _reduce.torch_sum(_fast(np.exp, shifted),
                                                         axis=(dim % x.ndim,), keepdims=True))
    x3 = _around(x, dim)
    shifted = x3 - np.max(x3, axis=1, keepdims=True)
    e = _mixed_exp(shifted, _log_softmax_vector_columns(x3))
    return (shifted - log(_sequential_sum(e))).reshape(x.shape)


def log_softmax_backward_inner(grad_output: np.ndarray, output: np.ndarray, dim: int):
    """_vec_log_softmax_backward, over a dim that is not the last: each column's grad_output
    summed along the dim from zero, then ``grad_output - exp(output) * sum`` as one fused
    multiply-add, exp SLEEF's or std::exp's by the forward's blocks (CHUNK_SIZE columns)."""
    g3, o3 = _around(grad_output, dim), _around(output, dim)
    total = _sequential_sum(g3) + o3.dtype.type(0)  # from +0: a sum of -0s is +0
    if output.dtype not in _LANES:  # (float16: PyTorch computes in float)
        return (g3 - _fast(np.exp, o3) * total).reshape(output.shape)
    if output.size > EXACT_UP_TO:
        e = _fast(np.exp, o3)
    else:
        e = _mixed_exp(o3, _log_softmax_vector_columns(o3))
    return fma(-e, total, g3).reshape(output.shape)


def _log_softmax_vector_columns(x3):
    """Which columns of x3 (outer, dim, inner) _vec_logsoftmax and its backward give SLEEF's
    exp: blocks of CHUNK_SIZE columns of one outer index, the whole vectors of each."""
    _, size, inner = x3.shape
    lanes = _LANES[x3.dtype]
    chunk = max(128 * 1024 // max(size, 1) // x3.itemsize, lanes) // lanes * lanes
    chunk = min(chunk, inner)
    column = np.arange(inner)
    block = np.minimum(chunk, inner - column // max(chunk, 1) * chunk)
    return (column % max(chunk, 1) < block - block % lanes).reshape(1, 1, inner)


def _sequential_sum(e):
    """Sum along axis 1, one element after another from zero (keeping the axis)."""
    return np.add.accumulate(e, axis=1)[:, -1:] if e.shape[1] else np.zeros_like(e[:, :1])
