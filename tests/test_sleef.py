"""gradcli/_sleef.py against PyTorch 2.13 (x86-64, AVX512 build), bit for bit.

Each case's expected result was computed once with torch: through its public ops for the
kernels, and for the raw routines with the copies torch and the C library ship
(``Sleef_expf16_u10`` and friends in libtorch_cpu.so, glibc's ``expf``/``powf``, called
through ctypes).  A case stores the SHA-256 of the result's bits (NaNs made one NaN) and a few
values, so these tests run without torch.  The inputs come from a counter-based sequence
(splitmix64), not from numpy's generators, whose streams may change between versions.

``test_against_torch`` draws ~10**5 fresh inputs when torch is installed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from conftest import import_torch
from gradcli.core.kernels import reduce as _reduce, sleef as _sleef
from gradcli.core.ops import TABLE

F32, F64 = np.float32, np.float64
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 2.0, 1e-45, 1e-40, 3.4e38, -3.4e38,
           88.72, -87.5, -103.9, 100.5, 709.7, -745.1, 1e30, -1e30, 1e-310]


def splitmix(seed: int, n: int) -> np.ndarray:
    """n uint64 values of splitmix64 from counter ``seed * 2**32``."""
    z = np.arange(n, dtype=np.uint64) + np.uint64(seed << 32) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(seed, n, low, high, dtype):
    unit = (splitmix(seed, n) >> np.uint64(11)).astype(F64) * 2.0 ** -53
    return (low + (high - low) * unit).astype(dtype)


def bit_patterns(seed, n, dtype):
    """Any value of the type: random bits (NaNs, infinities and subnormals included)."""
    raw = splitmix(seed, n)
    return (raw >> np.uint64(32)).astype(np.uint32).view(F32) if dtype == F32 else raw.view(F64)


def sample(dtype, seed, low, high, n=3000):
    with np.errstate(over="ignore"):
        return np.concatenate([np.array(SPECIAL, dtype), uniform(seed, n, low, high, dtype)])


def bits(result: np.ndarray) -> np.ndarray:
    """The result's bit patterns, flat, every NaN made the same NaN."""
    flat = np.where(np.isnan(result), result.dtype.type(np.nan), result).reshape(-1)
    return flat.view(np.uint32 if flat.dtype == F32 else np.uint64)


def digest(result: np.ndarray) -> str:
    return hashlib.sha256(bits(result).tobytes()).hexdigest()[:16]


def picks(result: np.ndarray) -> tuple:
    """Four values spread over the result, as bit patterns."""
    flat = bits(result)
    return tuple(int(flat[i]) for i in np.linspace(0, flat.size - 1, 4).astype(int))


@dataclass(frozen=True)
class Case:
    id: str
    kind: str                 # what computed the expectation (see the module docstring)
    inputs: Callable[[], tuple]
    gradcli: Callable

    def run(self):
        return self.gradcli(*self.inputs())


def _cases():
    forward = {name: TABLE[name].forward for name in
               ("sigmoid", "pow", "pow_tensor", "pow_base", "softmax", "log_softmax")}
    cases = []
    for dt in (F32, F64):
        t = np.dtype(dt).name
        cases += [
            Case(f"sigmoid {t}", "sigmoid", lambda dt=dt: (sample(dt, 1, -20, 20),),
                 forward["sigmoid"]),
            Case(f"sigmoid {t} 50001 (two threads' tails)", "sigmoid",
                 lambda dt=dt: (uniform(2, 50001, -9, 9, dt),), forward["sigmoid"]),
            Case(f"sigmoid {t} 2-d slice", "sigmoid",
                 lambda dt=dt: (uniform(3, 70 * 50, -9, 9, dt).reshape(70, 50)[:, 3:],),
                 forward["sigmoid"]),
        ]
        for e in (2.5, -1.5, 0.3):
            cases.append(Case(f"x ** {e} {t}", "pow_scalar",
                              lambda dt=dt, e=e: (sample(dt, 4, 0, 10), e),
                              lambda x, e: forward["pow"](x, exponent=e)))
        cases += [
            Case(f"x ** y {t}", "pow_tensor",
                 lambda dt=dt: (sample(dt, 5, 0, 10), sample(dt, 6, -4, 4)), forward["pow_tensor"]),
            Case(f"x ** y {t} broadcast", "pow_tensor",
                 lambda dt=dt: (uniform(7, 3 * 700, 0, 5, dt).reshape(3, 700),
                                uniform(8, 700, -3, 3, dt)), forward["pow_tensor"]),
            Case(f"2 ** x {t}", "pow_base", lambda dt=dt: (sample(dt, 9, -30, 30), 2.0),
                 lambda x, base: forward["pow_base"](x, base=base)),
        ]
        for name in ("softmax", "log_softmax"):
            for shape, dim in (((60, 50), 1), ((50, 60), 0), ((6, 40, 13), 1)):
                cases.append(Case(
                    f"{name} {t} {shape} dim {dim}", name,
                    lambda dt=dt, shape=shape, dim=dim: (
                        uniform(10 + dim, np.prod(shape), -12, 12, dt).reshape(shape), dim),
                    lambda x, dim, name=name: forward[name](x, dim=dim)))
    backward = {name: TABLE[f"{name}_backward_data"].forward for name in ("softmax", "log_softmax")}
    for dt in (F32, F64):
        t = np.dtype(dt).name
        for name in ("softmax", "log_softmax"):
            # (1, 47): one float32 row, whose last partial vector torch adds with fmas
            for shape, dim in (((60, 50), 0), ((6, 40, 13), 1), ((3, 900, 21), 1),
                               ((60, 50), 1), ((1, 47), 1)):
                cases.append(Case(
                    f"{name} backward {t} {shape} dim {dim}", f"{name}_backward",
                    lambda dt=dt, shape=shape, dim=dim, name=name: _backward_inputs(
                        name, dt, shape, dim),
                    lambda g, output, dim, name=name: backward[name](g, output, dim=dim)))
    # the routines themselves, on any bit pattern and on ordinary ranges
    for routine, dt, kind in ((_sleef.expf_u10, F32, "expf_u10"), (_sleef.logf_u1, F32, "logf_u1"),
                              (_sleef.exp_u10, F64, "exp_u10"), (_sleef.log_u1, F64, "log_u1"),
                              (_sleef.glibc_expf, F32, "glibc_expf")):
        low, high = (0, 100) if "log" in kind else (-110, 110)
        cases.append(Case(kind, kind, lambda dt=dt, low=low, high=high: (np.concatenate(
            [sample(dt, 20, low, high), bit_patterns(21, 2000, dt)]),), routine))
    for routine, dt, kind in ((_sleef.powf_u1, F32, "powf_u1"), (_sleef.pow_u1, F64, "pow_u1"),
                              (_sleef.glibc_powf, F32, "glibc_powf")):
        cases.append(Case(kind, kind, lambda dt=dt: (
            np.concatenate([sample(dt, 22, -10, 10), bit_patterns(23, 2000, dt)]),
            np.concatenate([sample(dt, 24, -40, 40), bit_patterns(25, 2000, dt)])), routine))
    return cases


def _backward_inputs(name, dt, shape, dim):
    """grad_output and the forward's output (gradcli's, equal to torch's bit for bit)."""
    n = int(np.prod(shape))
    output = TABLE[name].forward(uniform(30 + dim, n, -12, 12, dt).reshape(shape), dim=dim)
    return uniform(31 + dim, n, -3, 3, dt).reshape(shape), output, dim


CASES = _cases()

# digest, picks: computed with torch 2.13.0+cpu (AVX512, 2 threads), glibc 2.36
# (backward cases: torch._softmax_backward_data / _log_softmax_backward_data)
EXPECTED = {
    'sigmoid float32':
        ('12bb0767763ac3b8', (0x3f000000, 0x3f7fd754, 0x36a562de, 0x3f4aedae)),
    "sigmoid float32 50001 (two threads' tails)":
        ('2eab958929b4714a', (0x3f7fd35e, 0x3f7d2029, 0x3ec332d5, 0x3f7e79ce)),
    'sigmoid float32 2-d slice':
        ('f996819221c38f07', (0x3af4ec3b, 0x3c19e3f4, 0x3be32ea0, 0x3f7fda9d)),
    'x ** 2.5 float32':
        ('d8e42b4ec3ac5f99', (0x0, 0x438772ba, 0x436bf727, 0x41793084)),
    'x ** -1.5 float32':
        ('bba7d8e2bdc2af6c', (0x7f800000, 0x3d0e20a4, 0x3d1a66ba, 0x3e452d10)),
    'x ** 0.3 float32':
        ('22eab62b3865f6ff', (0x0, 0x3ffab205, 0x3ff69399, 0x3fb1f352)),
    'x ** y float32':
        ('013ddff86e1cb18e', (0x3f800000, 0x3ada14da, 0x41802de6, 0x406bb46a)),
    'x ** y float32 broadcast':
        ('636c28dfe50a28fe', (0x4240b864, 0x3e319b60, 0x3f2efd10, 0x4086d513)),
    '2 ** x float32':
        ('089e0512eacb8cf1', (0x3f800000, 0x3dcb6428, 0x408f0147, 0x4465b084)),
    'softmax float32 (60, 50) dim 1':
        ('59de9de5ec7c8ddc', (0x3cddb5b7, 0x39bd9579, 0x36401d89, 0x2f18c261)),
    'softmax float32 (50, 60) dim 0':
        ('42d2b7c3a017f46d', (0x331b42bb, 0x38f0f302, 0x3231ff09, 0x3b30f7d9)),
    'softmax float32 (6, 40, 13) dim 1':
        ('9fb96c3e15886851', (0x3c8eeae2, 0x36e7a64a, 0x3204daa1, 0x3330fc7f)),
    'log_softmax float32 (60, 50) dim 1':
        ('3726749c439341c0', (0xc06702c4, 0xc0fd9950, 0xc14c383e, 0xc1b59381)),
    'log_softmax float32 (50, 60) dim 0':
        ('8b7bb18888d0092d', (0xc18915b8, 0xc11124e2, 0xc19314fa, 0xc0bd42a4)),
    'log_softmax float32 (6, 40, 13) dim 1':
        ('8bdbd1e0d0d1fc24', (0xc0818e82, 0xc13e22a0, 0xc1956c0a, 0xc188097f)),
    'sigmoid float64':
        ('c32e5bb110c1d8e5', (0x3fe0000000000000, 0x3feffaea95c74132,
                              0x3ed4ac5c4ca187a1, 0x3fe95db5cbd1cdbc)),
    "sigmoid float64 50001 (two threads' tails)":
        ('7bfc4b7c15f3239e', (0x3feffa6bb4f574d8, 0x3fefa40525593746,
                              0x3fd8665a9b4a5128, 0x3fefcf39c257b396)),
    'sigmoid float64 2-d slice':
        ('7762f95cfdd0cd1f', (0x3f5e9d873201b33d, 0x3f833c7e4aea2c92,
                              0x3f7c65d3aab99068, 0x3feffb53a009ac0c)),
    'x ** 2.5 float64':
        ('75af6874cdb1d3b1', (0x0, 0x4070ee5754320295, 0x406d7ee4e8b177c0, 0x402f26106c69ca10)),
    'x ** -1.5 float64':
        ('964237c1556d01d1', (0x7ff0000000000000, 0x3fa1c414646ee9f1,
                              0x3fa34cd74f620ca2, 0x3fc8a5a1f676fbd3)),
    'x ** 0.3 float64':
        ('e0e98b943a88acfa', (0x0, 0x3fff56409beb9141, 0x3ffed27320b543bc, 0x3ff63e6a41c4776e)),
    'x ** y float64':
        ('7f314dfad1ed70eb', (0x3ff0000000000000, 0x3f5b429b2701b163,
                              0x403005bc889644d4, 0x400d768d6573fca3)),
    'x ** y float64 broadcast':
        ('965da012131b07f0', (0x4048170c4f5e7777, 0x3fc6336be5edd6ed,
                              0x3fe5dfa1e9d37c95, 0x4010daa26724a90e)),
    '2 ** x float64':
        ('eb9bcfa381b75cf9', (0x3ff0000000000000, 0x3fb96c8505401ff5,
                              0x4011e028dd51917d, 0x408cb610302ffeb9)),
    'softmax float64 (60, 50) dim 1':
        ('b8c3c0bd2fac1e32', (0x3f9bb6b6bbb2c2ec, 0x3f37b2af4feda2d2,
                              0x3ec803b1c260306d, 0x3de3184a493b09f0)),
    'softmax float64 (50, 60) dim 0':
        ('589199289f3a25d3', (0x3e63685713ed7867, 0x3f1e1e602ea4cf4f,
                              0x3e463fe2021abc05, 0x3f661efae1c01168)),
    'softmax float64 (6, 40, 13) dim 1':
        ('563085721be8fa17', (0x3f91dd5c1103ea41, 0x3edcf4c949fe5a3b,
                              0x3e409b530b46b49c, 0x3e661f8f3b078eb4)),
    'log_softmax float64 (60, 50) dim 1':
        ('312194a1e04d14c7', (0xc00ce0589ab5555c, 0xc01fb329f6236381,
                              0xc0298707a540bc1a, 0xc036b2703f599d65)),
    'log_softmax float64 (50, 60) dim 0':
        ('6495f7499d7026ad', (0xc03122b6fb867f95, 0xc022249c3cd73e73,
                              0xc032629f2a1a4080, 0xc017a8549bcb409a)),
    'log_softmax float64 (6, 40, 13) dim 1':
        ('313ae34b7d352256', (0xc01031d03a2de86b, 0xc027c4540cdb1962,
                              0xc032ad814cba341a, 0xc031012ff1ba8acb)),
    'softmax backward float32 (60, 50) dim 0':
        ('238beaf8e114a62e', (0x31b9c612, 0xbb4f8877, 0x3bb7c964, 0xaebeb066)),
    'softmax backward float32 (6, 40, 13) dim 1':
        ('1ff19f0e28669f67', (0x3c983031, 0x3ddcb494, 0x3a04acf5, 0xba9adcca)),
    'softmax backward float32 (3, 900, 21) dim 1':
        ('83f7d6e2ac0a9ef0', (0x394bba6b, 0x3ca464fe, 0x309b9839, 0xb7afcbb1)),
    'softmax backward float32 (60, 50) dim 1':
        ('9158cbfa4c8010fe', (0x3b9e465a, 0xb6623397, 0x345332f5, 0x36512319)),
    'softmax backward float32 (1, 47) dim 1':
        ('9febebae7a124951', (0x3bac14fb, 0xbb25579c, 0x365bce18, 0xbd55a3e5)),
    'log_softmax backward float32 (60, 50) dim 0':
        ('c009b574de7622d4', (0x3fd9cd83, 0xbf8c47b3, 0xbed0e310, 0xbf19bcae)),
    'log_softmax backward float32 (6, 40, 13) dim 1':
        ('6adf612794754f69', (0x3fe5c996, 0xc08040e6, 0x402e9ab5, 0x3f2176ca)),
    'log_softmax backward float32 (3, 900, 21) dim 1':
        ('32036f3069ee1042', (0x3fd54572, 0x4045ef9b, 0x3ee2489c, 0xbf6bb087)),
    'log_softmax backward float32 (60, 50) dim 1':
        ('991414f7465c6dd9', (0x3fd47234, 0xc007fc33, 0x3eb45586, 0x3e4fc249)),
    'log_softmax backward float32 (1, 47) dim 1':
        ('79decb025eabb337', (0x3fd52a54, 0xc0022261, 0x3f5412ce, 0xc031feac)),
    'softmax backward float64 (60, 50) dim 0':
        ('3479201fc9196360', (0x3e3738c26d66c1c8, 0xbf69f111095b150f,
                              0x3f76f92c28b9b59e, 0xbdd7d60d022b3586)),
    'softmax backward float64 (6, 40, 13) dim 1':
        ('b811f97f1b79215b', (0x3f930605c7ef434c, 0x3fbb969222158d64,
                              0x3f40959e3c67ba4f, 0xbf535b9919daecca)),
    'softmax backward float64 (3, 900, 21) dim 1':
        ('ea24dcf8e558103f', (0x3f29774c0dea5e20, 0x3f948ca01e915df5,
                              0x3e137305c89a98c8, 0xbef5f976fbe4a297)),
    'softmax backward float64 (60, 50) dim 1':
        ('f402a288ad389ca6', (0x3f73c8ca99fea908, 0xbecc4672959c1bca,
                              0x3e8a6639c9b84080, 0x3eca246464dfa8e2)),
    'softmax backward float64 (1, 47) dim 1':
        ('71971a63915c62c9', (0x3f75829e8bf6e864, 0xbf64aaf39e523933,
                              0x3ecb79c161744893, 0xbfaab47d42dee7ae)),
    'log_softmax backward float64 (60, 50) dim 0':
        ('12541ddea52cddea', (0x3ffb39b05a5e31b6, 0xbff188f6aeb2e05a,
                              0xbfda1c61cb9eaa3e, 0xbfe33795b9f0aa20)),
    'log_softmax backward float64 (6, 40, 13) dim 1':
        ('c020f18288a9e598', (0x3ffcb932c7fbdb5c, 0xc010081ccfa58565,
                              0x4005d3568d8ba366, 0x3fe42ed935e235da)),
    'log_softmax backward float64 (3, 900, 21) dim 1':
        ('6e6bbc6726921540', (0x3ffaa8ae52d4576e, 0x4008bdf3b44e71df,
                              0x3fdc4913907262c5, 0xbfed7610e1716b0c)),
    'log_softmax backward float64 (60, 50) dim 1':
        ('d735d57f2137278f', (0x3ffa8e46804996a8, 0xc000ff865cabdf7b,
                              0x3fd68ab0ae1cc287, 0x3fc9f8491198e9ea)),
    'log_softmax backward float64 (1, 47) dim 1':
        ('76deaeb38ae72022', (0x3ffaa54a8e8ae081, 0xc000444c1f53f868,
                              0x3fea8259bb2601b1, 0xc0063fd57e540179)),
    'expf_u10':
        ('6c9df90e1c7952f6', (0x3f800000, 0x47c442f3, 0x3f800000, 0x40189b57)),
    'logf_u1':
        ('6b4fa50d6137e8fc', (0xff800000, 0x40805f0e, 0xc26299a0, 0xbe0fcdc6)),
    'exp_u10':
        ('4c72c8ca0f1daba5', (0x3ff0000000000000, 0x40f8885ef9313a32,
                              0x3ff0000000000000, 0x3ff0079f34f027ac)),
    'log_u1':
        ('3ad4d465c32d1831', (0xfff0000000000000, 0x40100be1b3b128cc,
                              0xc07ca5c0cb4b36a9, 0xc0192692f506e095)),
    'glibc_expf':
        ('651e90f4d9f8d7bd', (0x3f800000, 0x47c442f3, 0x3f800000, 0x40189b57)),
    'powf_u1':
        ('720548f712695dd3', (0x3f800000, 0x7fc00000, 0x3f800001, 0x7f800000)),
    'pow_u1':
        ('9afa43b954a53dae', (0x3ff0000000000000, 0x7ff8000000000000,
                              0x3ff0000000000000, 0x7ff0000000000000)),
    'glibc_powf':
        ('4c09b3225aefd6ee', (0x3f800000, 0x7fc00000, 0x3f800001, 0x7f800000)),
}


@pytest.fixture
def torch_threads(monkeypatch):
    monkeypatch.setattr(_reduce, "NUM_THREADS", 2)  # the expectations' thread count
    # the emulation at every size (kernels above EXACT_UP_TO elements take numpy's functions)
    monkeypatch.setattr(_sleef, "EXACT_UP_TO", 10 ** 9)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bits(case, torch_threads):
    with np.errstate(all="ignore"):
        result = case.run()
    want_digest, want_picks = EXPECTED[case.id]
    assert picks(result) == want_picks
    assert digest(result) == want_digest


def test_fma_is_rounded_once():
    # float64 sums that are exactly a float32 halfway point, from inexact exact values
    a = np.full(2, 1 + 2.0 ** -12, F32)  # a*a = 1 + 2**-11 + 2**-24, a float32 halfway point
    tiny = np.array([2.0 ** -60, -(2.0 ** -60)], F32)
    assert _sleef._fma32(a, a, tiny).tolist() == [1 + 2.0 ** -11 + 2.0 ** -23, 1 + 2.0 ** -11]
    # float64: 1 + 2**-30 squared minus 1 has bits below any double near it
    x = 1 + 2.0 ** -30
    assert _sleef._fma64(np.array([x]), x, -1.0)[0] == 2.0 ** -29 + 2.0 ** -60
    # an exact zero takes IEEE addition's sign: -2 * 0 + -0 is -0, one element or many
    for n in (1, 30):
        assert np.signbit(_sleef._fma64(np.full(n, -2.0), 0.0, np.full(n, -0.0))).all()


def test_ops_fma_is_rounded_once():
    # add with alpha is PyTorch's b * alpha + a in one fma; b * alpha = 1 + 2**-11 + 2**-24,
    # a float32 halfway point, and a tiny a decides the rounding (twice rounded: ties to even)
    b = np.full(2, 1 + 2.0 ** -12, F32)
    a = np.array([2.0 ** -60, -(2.0 ** -60)], F32)
    result = TABLE["add_alpha"].forward(a, b, alpha=1 + 2.0 ** -12)
    assert result.tolist() == [1 + 2.0 ** -11 + 2.0 ** -23, 1 + 2.0 ** -11]


@pytest.mark.parametrize("routine, low, high", [(_sleef.exp_u10, -750, 720),
                                               (_sleef.log_u1, 0, 100)])
def test_a_few_elements_take_the_array_codes_bits(routine, low, high):
    # up to 24 elements the float64 routines run on Python floats, each fma exact
    x = np.concatenate([sample(F64, 26, low, high), bit_patterns(27, 2000, F64)])
    with np.errstate(all="ignore"):
        whole = routine(x)
        few = np.concatenate([routine(x[i:i + 3]) for i in range(0, x.size, 3)])
    assert digest(few) == digest(whole)


def test_backward_against_torch(monkeypatch):
    torch = import_torch()
    monkeypatch.setattr(_reduce, "NUM_THREADS", torch.get_num_threads())
    mismatched = []
    for case in range(120):
        raw = splitmix(60 + case, 4)
        shape = tuple(int(v % 37) + 1 for v in raw[:int(raw[3] % 3) + 1])
        dim = int(raw[3] >> np.uint64(8)) % len(shape)
        n = int(np.prod(shape))
        for dt in (F32, F64):
            x = uniform(2 * case, n, -10, 10, dt).reshape(shape)
            g = uniform(2 * case + 1, n, -3, 3, dt).reshape(shape)
            if case % 10 == 0:
                g = -np.zeros_like(g)  # a sum of -0s is +0
            for name in ("softmax", "log_softmax"):
                output = getattr(torch, name)(torch.from_numpy(x), dim)
                theirs = getattr(torch, f"_{name}_backward_data")(
                    torch.from_numpy(g), output, dim, output.dtype).numpy()
                ours = TABLE[f"{name}_backward_data"].forward(g, output.numpy(), dim=dim)
                if digest(ours) != digest(theirs):
                    mismatched.append((name, np.dtype(dt).name, shape, dim))
    assert mismatched == []


def test_against_torch(monkeypatch):
    torch = import_torch()
    monkeypatch.setattr(_reduce, "NUM_THREADS", torch.get_num_threads())
    monkeypatch.setattr(_sleef, "EXACT_UP_TO", 10 ** 9)
    forward = TABLE
    checks = []
    for dt in (F32, F64):
        n = 40_000 if dt == F32 else 10_000
        x = np.concatenate([np.array(SPECIAL, dt), uniform(90, n, -30, 30, dt)])
        checks.append((forward["sigmoid"].forward(x), torch.sigmoid(torch.from_numpy(x))))
        pos = np.abs(uniform(91, n, -10, 10, dt))
        checks.append((forward["pow"].forward(pos, exponent=1.7), torch.from_numpy(pos) ** 1.7))
        y = uniform(92, n, -5, 5, dt)
        checks.append((forward["pow_tensor"].forward(pos, y),
                       torch.from_numpy(pos) ** torch.from_numpy(y)))
        m = uniform(93, n, -15, 15, dt).reshape(-1, 40)
        for name, dim in (("softmax", 1), ("softmax", 0), ("log_softmax", 1), ("log_softmax", 0)):
            checks.append((forward[name].forward(m, dim=dim),
                           getattr(torch, name)(torch.from_numpy(m), dim)))
    with np.errstate(all="ignore"):
        for ours, theirs in checks:
            assert digest(ours) == digest(theirs.numpy())


@pytest.mark.parametrize("dt", [F32, F64])
def test_large_tensors_take_numpys_functions(dt):
    """Above EXACT_UP_TO elements the kernels trade the last bit for numpy's speed: the result
    is numpy's function (float32 through float64); both it and the exact emulation are within
    an ulp of the true value, so they are at most two apart."""
    n = _sleef.EXACT_UP_TO + 1
    x = uniform(7, n, -9, 9, dt)
    pos = np.abs(x) + dt(0.5)
    wide = np.float64
    one = dt(1)  # sigmoid's 1 / (1 + exp(-x)) in the tensor's dtype, exp through float64
    cases = [(TABLE["sigmoid"].forward(x), one / (one + np.exp(-x.astype(wide)).astype(dt)),
              _sleef.sigmoid(x[:4096])),
             (TABLE["pow"].forward(pos, exponent=1.7), np.power(pos.astype(wide), dt(1.7)),
              _sleef.pow_scalar(pos[:4096], 1.7)),
             (TABLE["softmax"].forward(x.reshape(-1, 1), dim=0), None, None)]
    for ours, reference, exact_head in cases[:2]:
        assert ours.dtype == dt
        np.testing.assert_array_equal(ours, reference.astype(dt))
        ulps = np.abs(bits(ours[:4096]).astype(np.int64) - bits(exact_head).astype(np.int64))
        assert ulps.max() <= 2
    softmax = cases[2][0]
    assert softmax.dtype == dt and abs(float(softmax.sum(dtype=np.float64)) - 1) < 1e-5
