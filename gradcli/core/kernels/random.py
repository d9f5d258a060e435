"""PyTorch's default CPU random generator, reproduced bit for bit with numpy.

This mirrors what PyTorch 2.13.0 (CPU build, x86-64) does in
``aten/src/ATen/CPUGeneratorImpl.cpp``, ``core/MT19937RNGEngine.h``,
``core/DistributionsHelper.h``, ``core/TransformationHelper.h`` and
``native/cpu/DistributionTemplates.h``:

* The engine is a 32-bit Mersenne Twister seeded with ``init_genrand`` on the low
  32 bits of the seed (the full 64-bit seed is what ``initial_seed`` reports).
  ``random()`` is one engine output; ``random64()`` is two, the first as the high
  word.  numpy's ``MT19937`` bit generator is the same engine, so its
  ``random_raw`` gives the outputs quickly.
* ``rand``/``uniform_``: float32 keeps the low 24 bits of ``random()``, float64
  the low 53 bits of ``random64()``; the value is scaled by 2**-24 or 2**-53 and
  mapped with one fused multiply-add ``x * (high - low) + low`` (the kernel is
  built with FMA contraction); a float32 result that rounds up to ``high``
  becomes ``low``.
* ``randn``/``normal_``: a tensor with fewer than 16 elements takes the scalar
  Box-Muller path in double precision (two ``random64`` draws per pair, the sine
  half cached in the generator for the next scalar normal, then cast).  16 or
  more elements take ``normal_fill``: every element first gets a uniform, the
  Box-Muller transform runs on blocks of 16 (element ``j`` pairs with ``j + 8``),
  and if the size is not a multiple of 16 the last 16 elements are redrawn and
  transformed again.  PyTorch never sends ``normal`` to its AVX512 kernels, so on
  x86-64 the float32 block transform is the AVX2 one: ``log256_ps`` and
  ``sincos256_ps`` from ``avx_mathfun.h`` with the multiply-adds that GCC fuses,
  which is emulated here in float32 arithmetic.  Float64 blocks call the C
  library's ``log``, ``cos`` and ``sin`` (Python's ``math`` calls the same ones).
* ``randint``: ``random() % range + low``, or ``random64() % range + low`` once
  the range is at least 2**28.
* ``bernoulli_(p)`` (a number ``p``, as dropout draws it): one 53-bit uniform per element,
  ``u < p`` (the build's MKL stream is not used for this dtype and path).
* ``randperm``: the Fisher-Yates variant that swaps ``i`` with
  ``i + random() % (n - i)``.

PyTorch seeds its default generator from ``/dev/urandom`` when it starts (the
constant 67280421310721 is only the default of a newly constructed
``torch.Generator``), so the default generator here does the same; call
``manual_seed`` for reproducible numbers.
"""

from __future__ import annotations

import math
import os
import threading
from fractions import Fraction

import numpy as np

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed",
    "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm",
    "uniform_", "normal_", "bernoulli", "DEFAULT_RNG_SEED",
]

#: The default seed of a newly constructed ``torch.Generator()``.
DEFAULT_RNG_SEED = 67280421310721

_N = 624
_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
# Size in bytes of torch's CPUGeneratorImplState (what torch.get_rng_state returns).
_STATE_BYTES = 5056


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def _np_dtype(np_dtype) -> np.dtype:
    dt = getattr(np_dtype, "np", np_dtype)  # also accept objects carrying a numpy dtype
    return np.dtype(dt)


def _float_dtype(np_dtype) -> np.dtype:
    dt = _np_dtype(np_dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"only float32 and float64 are supported, got {dt}")
    return dt


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {shape}")
    return shape


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


# ---------------------------------------------------------------- fused multiply-add

def _fma32_odd(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    # float64 inputs holding float32 values.  The product is exact in float64;
    # the sum is rounded to odd, after which rounding to float32 is correct
    # (53 >= 24 + 2).
    p = a * b
    s = p + c
    bb = s - p
    err = (p - (s - bb)) + (c - bb)
    fix = (err != 0) & ((s.view(np.int64) & 1) == 0) & np.isfinite(s)
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s.astype(np.float32)


def _fma32(a, b, c) -> np.ndarray:
    """Correctly rounded float32 ``a * b + c`` (one rounding), elementwise."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float32), np.asarray(b, np.float32),
                                  np.asarray(c, np.float32))
    a, b, c = a.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    s = a * b + c  # exact product, one float64 rounding of the sum
    out = s.astype(np.float32)
    # Rounding twice (to float64, then float32) can only go wrong when the
    # float64 sum landed exactly halfway between two float32 values, or in
    # float32's subnormal range; redo those few with round-to-odd.
    with np.errstate(invalid="ignore"):
        suspect = ((s.view(np.int64) & 0x1FFFFFFF) == 0x10000000) | \
            ((s != 0) & (np.abs(s) < 2.0 ** -126))
    if suspect.any():
        out[suspect] = _fma32_odd(a[suspect], b[suspect], c[suspect])
    return out


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    t = 134217729.0 * a  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _fma64_exact(a: float, b: float, c: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # the sign of an exact zero follows IEEE addition
    return float(exact)


def _fma64(a, b, c) -> np.ndarray:
    """Correctly rounded float64 ``a * b + c``, elementwise (Boldo & Melquiond:
    exact product, exact sum, round-to-odd of the tails, one final rounding)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        uh = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
        th, tl = _two_sum(c, uh)
        v, verr = _two_sum(tl, ul)
        fix = (verr != 0) & ((v.view(np.int64) & 1) == 0)
        if fix.any():
            v = np.where(fix, np.nextafter(v, np.where(verr > 0, np.inf, -np.inf)), v)
        out = th + v
    # Outside the range where the error-free transformations are exact (huge
    # operands overflow the split, tiny products underflow), fall back to exact
    # rational arithmetic.
    big, tiny = 1e290, 1e-280
    aa, ab, ac = np.abs(a), np.abs(b), np.abs(c)
    bad = ~np.isfinite(out) | (aa > big) | (ab > big) | (ac > big) | \
        ((uh != 0) & (np.abs(uh) < tiny)) | ((out != 0) & (np.abs(out) < tiny))
    if bad.any():
        out = np.array(out, copy=True)
        for idx in zip(*np.nonzero(bad)):
            out[idx] = _fma64_exact(float(a[idx]), float(b[idx]), float(c[idx]))
    return out


# ------------------------------------------------ float32 Box-Muller (avx_mathfun.h)

_F = np.float32
_ONE = _F(1.0)
_HALF = _F(0.5)
_ZERO = _F(0.0)
_MIN_NORM = np.array([0x00800000], np.int32).view(np.float32)[0]
_SQRTHF = _F(0.707106781186547524)
_LOG_P = [_F(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                          -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                          2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1 = _F(-2.12194440e-4)
_LOG_Q2 = _F(0.693359375)
_DP1 = _F(-0.78515625)
_DP2 = _F(-2.4187564849853515625e-4)
_DP3 = _F(-3.77489497744594108e-8)
_SINCOF = [_F(-1.9515295891E-4), _F(8.3321608736E-3), _F(-1.6666654611E-1)]
_COSCOF = [_F(2.443315711809948E-005), _F(-1.388731625493765E-003), _F(4.166664568298827E-002)]
_FOPI = _F(1.27323954473516)
_TWO_PI_F = _F(2.0 * math.pi)
_SIGN = np.int32(-0x80000000)


def _log256_ps(x: np.ndarray) -> np.ndarray:
    """``log256_ps`` for positive float32 input, with GCC's FMA contractions."""
    x = np.maximum(x, _MIN_NORM)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(np.float32) + _ONE
    x = ((bits & np.int32(~0x7F800000)) | _HALF.view(np.int32)).view(np.float32)
    mask = x < _SQRTHF
    tmp = np.where(mask, x, _ZERO)
    x = x - _ONE
    e = e - np.where(mask, _ONE, _ZERO)
    x = x + tmp
    z = x * x
    y = _fma32(_LOG_P[0], x, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = y - z * _HALF  # z * 0.5 is exact, so fused or not is the same
    x = x + y
    return x + e * _LOG_Q2  # e * q2 is exact


def _sincos256_ps(x: np.ndarray):
    """``sincos256_ps`` from avx_mathfun.h, with GCC's FMA contractions."""
    sign_sin = x.view(np.int32) & _SIGN
    x = np.abs(x)
    j = (x * _FOPI).astype(np.int32)  # truncation, like cvttps
    j = (j + 1) & np.int32(~1)
    y = j.astype(np.float32)
    swap_sin = (j & 4) << 29
    poly = (j & 2) == 0
    x = _fma32(y, _DP1, x)
    x = _fma32(y, _DP2, x)
    x = _fma32(y, _DP3, x)
    sign_cos = (~(j - 2) & 4) << 29
    sign_sin = sign_sin ^ swap_sin
    z = x * x
    yc = _fma32(_COSCOF[0], z, _COSCOF[1])
    yc = _fma32(yc, z, _COSCOF[2])
    yc = yc * z
    yc = _fma32(yc, z, -(z * _HALF))
    yc = yc + _ONE
    ys = _fma32(_SINCOF[0], z, _SINCOF[1])
    ys = _fma32(ys, z, _SINCOF[2])
    ys = ys * z
    ys = _fma32(ys, x, x)
    ysin2 = np.where(poly, ys, _ZERO)
    ysin1 = np.where(poly, _ZERO, yc)
    ys = ys - ysin2
    yc = yc - ysin1
    s = ((ysin1 + ysin2).view(np.int32) ^ sign_sin).view(np.float32)
    c = ((yc + ys).view(np.int32) ^ sign_cos).view(np.float32)
    return s, c


def _fill16_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Box-Muller on float32 uniforms whose length is a multiple of 16."""
    d = u.reshape(-1, 16)
    radius = np.sqrt(_F(-2.0) * _log256_ps(_ONE - d[:, :8]))
    s, c = _sincos256_ps(_TWO_PI_F * d[:, 8:])
    out = np.empty_like(d)
    m, sd = _F(mean), _F(std)
    out[:, :8] = _fma32(radius * c, sd, m)
    out[:, 8:] = _fma32(radius * s, sd, m)
    return out.reshape(-1)


def _fill16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Box-Muller on float64 uniforms (libm log/cos/sin) for a multiple of 16."""
    d = u.reshape(-1, 16)
    u1 = (1.0 - d[:, :8]).ravel()
    theta = (2.0 * math.pi) * d[:, 8:].ravel()
    logs = np.fromiter(map(math.log, u1.tolist()), np.float64, u1.size)
    t = theta.tolist()
    cos = np.fromiter(map(math.cos, t), np.float64, u1.size)
    sin = np.fromiter(map(math.sin, t), np.float64, u1.size)
    radius = np.sqrt(-2.0 * logs)
    out = np.empty_like(d)
    if mean == 0.0 and std == 1.0:  # fma(x, 1, 0) == x + 0
        out[:, :8] = (radius * cos).reshape(-1, 8) + 0.0
        out[:, 8:] = (radius * sin).reshape(-1, 8) + 0.0
    else:
        out[:, :8] = _fma64(radius * cos, std, mean).reshape(-1, 8)
        out[:, 8:] = _fma64(radius * sin, std, mean).reshape(-1, 8)
    return out.reshape(-1)


# --------------------------------------------------------------------- generator

class Generator:
    """A CPU generator with the state and draws of ``torch.Generator()``."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.RLock()
        self._bitgen = np.random.MT19937()
        self.manual_seed(DEFAULT_RNG_SEED if seed is None else seed)

    # -- seeding and state ---------------------------------------------------------

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if seed < 0:
            if seed < -(1 << 63):
                raise ValueError("Overflow when unpacking long long")
            seed += 1 << 64
        elif seed > _MASK64:
            raise ValueError("Overflow when unpacking long long")
        key = np.empty(_N, np.uint32)
        s = seed & _MASK32
        key[0] = s
        for j in range(1, _N):
            s = (1812433253 * (s ^ (s >> 30)) + j) & _MASK32
            key[j] = s
        with self._lock:
            self._seed = seed
            # pos == 624: the first draw twists the freshly initialised state,
            # exactly like at::mt19937's left_ == 1.
            self._bitgen.state = {"bit_generator": "MT19937",
                                  "state": {"key": key, "pos": _N}}
            self._next_double_normal = None
            self._next_float_normal = None
        return self

    def seed(self) -> int:
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> np.ndarray:
        """The state in torch's byte layout (``torch.Generator.get_state()``)."""
        with self._lock:
            st = self._bitgen.state["state"]
            pos = int(st["pos"])
            buf = bytearray(_STATE_BYTES)
            left, nxt = (1, 0) if pos == _N and self._fresh() else (_N + 1 - pos, pos)
            buf[0:8] = self._seed.to_bytes(8, "little")
            buf[8:12] = left.to_bytes(4, "little", signed=True)
            buf[12:16] = (1).to_bytes(4, "little")
            buf[16:24] = nxt.to_bytes(8, "little")
            buf[24:24 + 8 * _N] = np.asarray(st["key"], np.uint64).astype("<u8").tobytes()
            if self._next_double_normal is not None:
                buf[5024:5032] = np.array([self._next_double_normal], "<f8").tobytes()
                buf[5040:5044] = (1).to_bytes(4, "little")
            if self._next_float_normal is not None:
                buf[5048:5052] = np.array([self._next_float_normal], "<f4").tobytes()
                buf[5052] = 1
        return np.frombuffer(bytes(buf), np.uint8).copy()

    def _fresh(self) -> bool:
        # A just-seeded engine has next_ == 0 and an untwisted state; numpy keeps
        # no such flag, but the untwisted state is recognisable from its seed.
        key = self._bitgen.state["state"]["key"]
        return int(key[0]) == self._seed & _MASK32 and \
            int(key[1]) == (1812433253 * (int(key[0]) ^ (int(key[0]) >> 30)) + 1) & _MASK32

    def set_state(self, state) -> "Generator":
        buf = bytes(np.asarray(state, np.uint8).tobytes())
        if len(buf) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} "
                               f"but found the input RNG state size to be {len(buf)}")
        seed = int.from_bytes(buf[0:8], "little")
        left = int.from_bytes(buf[8:12], "little", signed=True)
        seeded = int.from_bytes(buf[12:16], "little")
        nxt = int.from_bytes(buf[16:24], "little")
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        key = np.frombuffer(buf[24:24 + 8 * _N], "<u8").astype(np.uint32)
        if left == 1:
            pos = _N  # the next draw twists, whatever next_ says
        else:
            if nxt != _N + 1 - left:
                raise RuntimeError("mt19937 state with inconsistent left/next is not supported")
            pos = nxt
        valid_d = int.from_bytes(buf[5040:5044], "little")
        with self._lock:
            self._seed = seed
            self._bitgen.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
            self._next_double_normal = (float(np.frombuffer(buf[5024:5032], "<f8")[0])
                                        if valid_d else None)
            self._next_float_normal = (float(np.frombuffer(buf[5048:5052], "<f4")[0])
                                       if buf[5052] else None)
        return self

    # -- raw draws -----------------------------------------------------------------

    def _random(self, n: int) -> np.ndarray:
        """``n`` outputs of ``random()`` (uint32 values, as uint64)."""
        if n <= 0:
            return np.zeros(0, np.uint64)
        return self._bitgen.random_raw(n)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` outputs of ``random64()``: two engine outputs, first one high."""
        r = self._random(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def _uniform_f32(self, n: int) -> np.ndarray:
        r = self._random(n) & np.uint64(0xFFFFFF)
        return r.astype(np.float32) * _F(2.0 ** -24)

    def _uniform_f64(self, n: int) -> np.ndarray:
        r = self._random64(n) & np.uint64((1 << 53) - 1)
        return r.astype(np.float64) * (2.0 ** -53)

    # -- distributions -------------------------------------------------------------

    def uniform_(self, shape, low: float = 0.0, high: float = 1.0, np_dtype=np.float32):
        dt, shape = _float_dtype(np_dtype), _shape(shape)
        n = _numel(shape)
        low, high = float(low), float(high)
        if dt == np.float32:
            lo, hi = _F(low), _F(high)
            if not lo <= hi:
                raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
            with self._lock:
                x = self._uniform_f32(n)
            if lo == 0 and hi == 1:
                out = x  # fma(x, 1, 0) == x, and x < 1
            else:
                with np.errstate(over="ignore"):
                    out = _fma32(x, hi - lo, lo)
                out = np.where(out == hi, lo, out)
        else:
            if not low <= high:
                raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
            with self._lock:
                x = self._uniform_f64(n)
            if low == 0 and high == 1:
                out = x
            else:
                out = _fma64(x, high - low, low)
                out = np.where(out == high, low, out)
        return np.ascontiguousarray(out, dtype=dt).reshape(shape)

    def rand(self, shape, np_dtype=np.float32) -> np.ndarray:
        return self.uniform_(shape, 0.0, 1.0, np_dtype)

    def normal_(self, shape, mean: float = 0.0, std: float = 1.0, np_dtype=np.float32):
        dt, shape = _float_dtype(np_dtype), _shape(shape)
        n = _numel(shape)
        mean, std = float(mean), float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        if n == 0:
            return np.zeros(shape, dt)
        if n < 16:
            with self._lock:
                vals = [self._scalar_normal(mean, std) for _ in range(n)]
            return np.array(vals, np.float64).astype(dt).reshape(shape)
        tail = n % 16 != 0
        with self._lock:
            if dt == np.float32:
                u = self._uniform_f32(n)
                extra = self._uniform_f32(16) if tail else None
            else:
                u = self._uniform_f64(n)
                extra = self._uniform_f64(16) if tail else None
        fill = _fill16_f32 if dt == np.float32 else _fill16_f64
        full = n - n % 16
        out = u  # positions past the last full block are overwritten below
        if full:
            out[:full] = fill(u[:full], mean, std)
        if tail:
            out[n - 16:] = fill(extra, mean, std)
        return out.reshape(shape)

    def randn(self, shape, np_dtype=np.float32) -> np.ndarray:
        return self.normal_(shape, 0.0, 1.0, np_dtype)

    def _scalar_normal(self, mean: float, std: float) -> float:
        """``at::normal_distribution<double>`` (caller holds the lock)."""
        ret = self._next_double_normal
        if ret is not None:
            self._next_double_normal = None
        else:
            u = self._uniform_f64(2)
            u1, u2 = float(u[0]), float(u[1])
            r = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self._next_double_normal = r * math.sin(theta)
            ret = r * math.cos(theta)
        if std == 1.0 and mean == 0.0:
            return ret + 0.0
        return float(_fma64(ret, std, mean))

    def bernoulli(self, shape, p: float) -> np.ndarray:
        """``bernoulli_(p)`` with a scalar ``p`` (the CPU kernel PyTorch's dropout uses): one
        53-bit uniform per element, ``u < p``; a bool array."""
        shape = _shape(shape)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        with self._lock:
            u = self._uniform_f64(_numel(shape))
        return (u < p).reshape(shape)

    def random_int64(self) -> int:
        """``torch.empty((), dtype=torch.int64).random_()``: one ``random64()`` modulo 2**63
        (how the DataLoader draws its seeds)."""
        with self._lock:
            return int(self._random64(1)[0]) % (1 << 63)

    def randint(self, low: int, high: int, shape) -> np.ndarray:
        shape = _shape(shape)
        low, high = int(low), int(high)
        if not low < high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if low < -(1 << 63) or high - 1 > (1 << 63) - 1:
            raise RuntimeError("random_ expects 'from' and 'to' to fit in int64")
        n = _numel(shape)
        rng = (high - low) & _MASK64
        with self._lock:
            if rng >= 1 << 28:
                v = self._random64(n)
            else:
                v = self._random(n)
        v = (v % np.uint64(rng)) + np.uint64(low & _MASK64)
        return v.view(np.int64).reshape(shape)

    def randperm(self, n: int) -> np.ndarray:
        n = int(n)
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        if n >= _MASK32 // 20:
            raise NotImplementedError("randperm for n >= 2**32 / 20 is not reproduced")
        with self._lock:
            draws = self._random(n - 1).tolist()
        perm = list(range(n))
        for i, r in enumerate(draws):
            z = i + r % (n - i)
            perm[i], perm[z] = perm[z], perm[i]
        return np.array(perm, np.int64)


#: The process-wide generator, seeded nondeterministically like torch's.
default_generator = Generator(_nondeterministic_seed())


def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def manual_seed(seed: int) -> None:
    """Seed the default generator (``torch.manual_seed``)."""
    default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator nondeterministically (``torch.seed``)."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator (``torch.initial_seed``)."""
    return default_generator.initial_seed()


def get_rng_state() -> np.ndarray:
    """``torch.get_rng_state()`` as a uint8 array of 5056 bytes."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """``torch.set_rng_state``; accepts what ``get_rng_state`` (or torch) returns."""
    default_generator.set_state(state)


def rand(shape, np_dtype=np.float32, *, generator: Generator | None = None) -> np.ndarray:
    """``torch.rand(*shape, dtype=...)``: uniform on [0, 1)."""
    return _gen(generator).rand(shape, np_dtype)


def randn(shape, np_dtype=np.float32, *, generator: Generator | None = None) -> np.ndarray:
    """``torch.randn(*shape, dtype=...)``: standard normal."""
    return _gen(generator).randn(shape, np_dtype)


def uniform_(shape, low: float = 0.0, high: float = 1.0, np_dtype=np.float32, *,
             generator: Generator | None = None) -> np.ndarray:
    """``torch.empty(shape, dtype=...).uniform_(low, high)``."""
    return _gen(generator).uniform_(shape, low, high, np_dtype)


def normal_(shape, mean: float = 0.0, std: float = 1.0, np_dtype=np.float32, *,
            generator: Generator | None = None) -> np.ndarray:
    """``torch.empty(shape, dtype=...).normal_(mean, std)``."""
    return _gen(generator).normal_(shape, mean, std, np_dtype)


def bernoulli(shape, p: float, *, generator: Generator | None = None) -> np.ndarray:
    """``torch.empty(shape).bernoulli_(p)`` as a bool array."""
    return _gen(generator).bernoulli(shape, p)


def randint(low: int, high: int, shape, *, generator: Generator | None = None) -> np.ndarray:
    """``torch.randint(low, high, shape)``: int64 on [low, high)."""
    return _gen(generator).randint(low, high, shape)


def randperm(n: int, *, generator: Generator | None = None) -> np.ndarray:
    """``torch.randperm(n)``: int64 permutation of range(n)."""
    return _gen(generator).randperm(n)
