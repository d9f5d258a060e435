"""Tests for gradcli.core.kernels.random: golden values recorded from PyTorch 2.13.0 (no torch
needed), checks of the exact-arithmetic helpers, and differential tests that
require bit-for-bit equality with the installed torch (skipped without torch)."""

import hashlib
import random as pyrandom
import time
from fractions import Fraction

import numpy as np
import pytest

from conftest import import_torch
import gradcli.core.kernels.random as grandom
from gradcli.core.kernels.random import (Generator, get_rng_state, initial_seed, manual_seed,
                                         normal_, rand, randint, randn, randperm, seed,
                                         set_rng_state, uniform_)

f32 = np.float32
f64 = np.float64


def same(actual, expected):
    """Exact equality, bit for bit (so -0.0 != 0.0 and dtypes must agree)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if actual.tobytes() != expected.tobytes():
        bad = np.nonzero(actual.reshape(-1).view(np.uint8).reshape(actual.size, -1)
                         != expected.reshape(-1).view(np.uint8).reshape(expected.size, -1))[0]
        i = int(bad[0])
        raise AssertionError(f"{bad.size} byte(s) differ; first element {i}: "
                             f"{actual.reshape(-1)[i]!r} != {expected.reshape(-1)[i]!r}")


# ------------------------------------------------------------------ golden values
# Printed by PyTorch 2.13.0 (CPU, x86-64) with repr(tensor.flatten().tolist()).

GOLDEN_A = [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]
GOLDEN_B = [-0.4338788092136383, 0.8487103581428528, 0.6920091509819031, -0.31601276993751526,
            1.85300612449646, 0.46809640526771545, -0.1577124446630478, 1.4436601400375366,
            0.26604941487312317, 0.16645534336566925, 0.8743818402290344, -0.14347384870052338,
            -0.843676745891571, 0.9318265914916992, 1.2590092420578003, 2.0049805641174316,
            0.05373690277338028, 0.6180566549301147, -0.41280221939086914, -0.8410648107528687]
GOLDEN_C = [0.9386906521884646, 0.9492663379471606, 0.2652213389775099, 0.9378804114004019]


def test_golden_brief_sequence():
    # torch.manual_seed(0); a = torch.rand(3); b = torch.randn(20)
    # c = torch.rand(2, 2, dtype=torch.float64)
    manual_seed(0)
    a = rand((3,), f32)
    b = randn((20,), f32)
    c = rand((2, 2), f64)
    same(a, np.array(GOLDEN_A, f32))
    same(b, np.array(GOLDEN_B, f32))
    same(c, np.array(GOLDEN_C, f64).reshape(2, 2))


def test_golden_seed_42_sequence():
    manual_seed(42)
    assert initial_seed() == 42
    same(rand((5,), f32), np.array(
        [0.8822692632675171, 0.9150039553642273, 0.38286375999450684, 0.9593056440353394,
         0.3904482126235962], f32))
    # fewer than 16 elements: scalar Box-Muller in double, the sine half is cached ...
    same(randn((4,), f32), np.array(
        [0.3257518708705902, -0.8676281571388245, 1.5231338739395142, 0.6646648645401001], f32))
    # ... and this one comes from the cache
    same(randn((1,), f32), np.array([-1.0324476957321167], f32))
    same(randn((17,), f64), np.array(
        [-0.6760028315220064, -0.7577836113835701, -0.6132612430713945, -0.7286827402392264,
         -0.7286783564918868, 0.40285537336983446, -0.5775842223827289, -0.6234750395872724,
         -0.08752729745762633, -0.7988000829488171, -0.5356453898593739, 1.2681571405838297,
         -2.190769914022346, -0.42606294365048725, -0.5434868138178084, 1.2487970447855756,
         0.5974152424350231], f64))
    same(randn((33,), f32), np.array(
        [-0.5853705406188965, 0.5361881256103516, 0.5246226191520691, 1.1412016153335571,
         0.05164359509944916, 0.7281095385551453, -0.7106419205665588, -0.602068305015564,
         0.603898823261261, -1.7222950458526611, -0.827768862247467, 1.334702968597412,
         0.48353928327560425, -0.19756168127059937, 1.2683113813400269, 1.2242628335952759,
         0.02864718623459339, 0.7261772155761719, 0.09115186333656311, -0.3890652060508728,
         0.5279164910316467, 1.031091570854187, -0.7047650218009949, 1.013148307800293,
         -0.330817848443985, 1.095009684562683, 0.3398909568786621, 0.7199674844741821,
         0.41140761971473694, -0.5733190178871155, 0.5068639516830444, -0.4752098321914673,
         -0.49202650785446167], f32))
    same(randint(-5, 10, (6,)), np.array([6, 5, -4, 8, 6, 8], np.int64))
    same(randint(0, 2 ** 40, (4,)),
         np.array([302466206216, 375358157952, 1010577836679, 923478441022], np.int64))
    same(randperm(10), np.array([0, 9, 2, 6, 8, 7, 3, 4, 5, 1], np.int64))
    # the whole generator state, in torch.get_rng_state()'s byte layout
    assert hashlib.sha256(get_rng_state().tobytes()).hexdigest() == \
        "b7d887c0465ca174adde4098ee9bae36e27c4a49bace2a2a2751cb8eb07d783a"


def test_golden_big_seed_and_parameters():
    manual_seed(2 ** 40 + 3)  # the engine uses the low 32 bits; initial_seed keeps all 64
    assert initial_seed() == 1099511627779
    same(rand((3,), f64), np.array(
        [0.03410819565052048, 0.28674022672130695, 0.7729149443285843], f64))
    same(randn((16,), f32), np.array(
        [1.6205507516860962, -1.596708059310913, 0.6053608059883118, 1.9861493110656738,
         0.6287151575088501, 1.266487717628479, -0.3397901654243469, 0.22252526879310608,
         0.573984682559967, 0.41633129119873047, 1.1993408203125, -0.6566315293312073,
         -0.8967414498329163, -1.268777847290039, -0.45739057660102844, 0.9884512424468994], f32))
    same(normal_((5,), 1.5, 0.25, f64), np.array(
        [1.274391561156701, 1.3478339415124712, 1.1383299158129532, 2.054699508200364,
         1.6055025676097379], f64))
    same(normal_((20,), -2.0, 3.0, f32), np.array(
        [-3.0442678928375244, -0.9537609219551086, -1.8887994289398193, -2.203056812286377,
         1.8050403594970703, -2.744981288909912, -0.14089369773864746, 3.729093551635742,
         -6.734190940856934, -0.47860974073410034, -1.3909629583358765, -2.6132683753967285,
         2.0632855892181396, 2.133275032043457, -0.12846451997756958, 1.4308339357376099,
         -2.3643102645874023, -0.12080252170562744, -7.862278938293457, -5.664897441864014], f32))
    same(uniform_((4,), -1.3, 2.9, f32), np.array(
        [1.2517305612564087, 2.5303285121917725, -0.1526021659374237, 0.8313156962394714], f32))


def test_golden_negative_seed():
    manual_seed(-1)  # like torch: reinterpreted as uint64
    assert initial_seed() == 2 ** 64 - 1
    same(rand((2,), f32), np.array([0.9937993884086609, 0.5713063478469849], f32))


# ------------------------------------------------------------- torch-free checks

def test_seed_range_and_errors():
    manual_seed(2 ** 64 - 1)
    assert initial_seed() == 2 ** 64 - 1
    manual_seed(-(2 ** 63))
    assert initial_seed() == 2 ** 63
    with pytest.raises(ValueError):
        manual_seed(2 ** 64)
    with pytest.raises(ValueError):
        manual_seed(-(2 ** 63) - 1)
    manual_seed(1.7)  # int() like torch
    assert initial_seed() == 1


def test_default_seed_is_nondeterministic_like_torch():
    # torch seeds its default CPU generator from /dev/urandom at startup
    # (getNonDeterministicRandom); 67280421310721 is only the default of a new
    # torch.Generator().
    assert 0 <= initial_seed() < 2 ** 64
    assert Generator().initial_seed() == grandom.DEFAULT_RNG_SEED == 67280421310721
    s = seed()
    assert initial_seed() == s and 0 <= s < 2 ** 64
    values = {seed() for _ in range(4)}
    assert len(values) > 1


def test_reseeding_resets_everything():
    manual_seed(11)
    first = [rand((7,), f32), randn((3,), f64), randn((40,), f32), randint(0, 9, (5,))]
    manual_seed(11)
    randn((1,), f64)  # leaves a cached normal behind
    manual_seed(11)
    second = [rand((7,), f32), randn((3,), f64), randn((40,), f32), randint(0, 9, (5,))]
    for a, b in zip(first, second):
        same(a, b)


def test_state_roundtrip_including_cached_normal():
    manual_seed(5)
    randn((3,), f64)  # odd count: one normal cached
    state = get_rng_state()
    assert state.dtype == np.uint8 and state.shape == (5056,)
    a = [randn((1,), f64), rand((700,), f32), randn((19,), f32)]
    set_rng_state(state)
    same(get_rng_state(), state)
    b = [randn((1,), f64), rand((700,), f32), randn((19,), f32)]
    for x, y in zip(a, b):
        same(x, y)


def test_generators_are_independent():
    g1, g2 = Generator(3), Generator(3)
    manual_seed(3)
    x = randn((50,), f32)
    rand((10,), f32, generator=g2)  # advancing g2 does not touch g1 or the default
    same(randn((50,), f32, generator=g1), x)
    assert not np.array_equal(randn((50,), f32, generator=g2), x)


def test_shapes_dtypes_and_ranges():
    manual_seed(0)
    assert rand((), f32).shape == ()
    assert rand((2, 0, 3), f64).shape == (2, 0, 3)
    assert randn((4, 5), f64).dtype == np.float64
    x = rand((10000,), f32)
    assert x.dtype == np.float32 and (x >= 0).all() and (x < 1).all()
    u = uniform_((10000,), -2.0, 3.0, f64)
    assert (u >= -2.0).all() and (u < 3.0).all()
    r = randint(-3, 4, (2, 500))
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 3
    full = randint(-(2 ** 63), 2 ** 63 - 1, (1000,))
    assert full.dtype == np.int64 and full.min() < -(2 ** 61) and full.max() > 2 ** 61
    p = randperm(100)
    assert sorted(p.tolist()) == list(range(100))
    with pytest.raises(RuntimeError):
        randint(5, 5, (1,))
    with pytest.raises(RuntimeError):
        normal_((3,), 0.0, -1.0, f32)
    with pytest.raises(TypeError):
        rand((3,), np.int32)
    n = randn((100000,), f64)
    assert abs(float(n.mean())) < 0.02 and abs(float(n.std()) - 1) < 0.02


def _round_to_float32(exact: Fraction) -> np.float32:
    f = f32(float(exact))
    candidates = [np.nextafter(f, f32(-np.inf)), f, np.nextafter(f, f32(np.inf))]
    best = min((abs(Fraction(float(c)) - exact), int(np.array(c).view(np.int32)) & 1, c)
               for c in candidates if np.isfinite(c))
    return best[2]


def test_fused_multiply_add_helpers_are_correctly_rounded():
    rng = np.random.default_rng(0)
    n = 3000
    a = rng.standard_normal(n).astype(f32)
    b = rng.standard_normal(n).astype(f32)
    c = (rng.standard_normal(n) * 10.0 ** rng.integers(-8, 3, n)).astype(f32)
    c[:1000] = (-(a[:1000].astype(f64) * b[:1000]) * (1 + 2.0 ** -25)).astype(f32)  # cancellation
    # exact sums on a float32 midpoint, plus or minus a little: the double-rounding traps
    a[-3:] = b[-3:] = f32(1 + 2 ** -23)
    c[-3:] = [f32(2.0 ** -24), f32(-(2.0 ** -46)), f32(0.0)]
    got = grandom._fma32(a, b, c)
    for i in range(n):
        exact = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
        if exact:
            assert got[i] == _round_to_float32(exact), i
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    z = rng.standard_normal(n) * 10.0 ** rng.integers(-20, 5, n)
    z[:1000] = -(x[:1000] * y[:1000])
    got = grandom._fma64(x, y, z)
    for i in range(n):
        exact = Fraction(x[i]) * Fraction(y[i]) + Fraction(z[i])
        if exact:
            assert got[i] == float(exact), i


def test_speed():
    manual_seed(0)
    start = time.perf_counter()
    rand((10 ** 6,), f32)
    rand((10 ** 6,), f64)
    randn((10 ** 6,), f32)
    randn((10 ** 6,), f64)
    randint(0, 10, (10 ** 6,))
    assert time.perf_counter() - start < 5.0  # about 0.4 s on the development machine


# ------------------------------------------------------- differential, vs torch

def _torch():
    return import_torch()


TORCH_DTYPE = {f32: "float32", f64: "float64"}


def _td(torch, dt):
    return getattr(torch, TORCH_DTYPE[dt])


def _check_state(torch):
    same(get_rng_state(), torch.get_rng_state().numpy())


SIZES = sorted(set(list(range(0, 130)) + [255, 256, 257, 511, 512, 513, 999, 1000, 1023, 1024,
                                          1025, 1500, 1999, 2000]
                   + pyrandom.Random(7).sample(range(130, 2001), 40)))


@pytest.mark.parametrize("dt", [f32, f64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", ["rand", "randn"])
def test_vs_torch_every_size(op, dt):
    torch = _torch()
    for n in SIZES:
        for s in (n, 10_000 + n):
            torch.manual_seed(s)
            manual_seed(s)
            expected = getattr(torch, op)(n, dtype=_td(torch, dt)).numpy()
            same(getattr(grandom, op)((n,), dt), expected)
            # a second call checks how much state the first consumed
            expected = getattr(torch, op)(3, dtype=_td(torch, dt)).numpy()
            same(getattr(grandom, op)((3,), dt), expected)
            _check_state(torch)


@pytest.mark.parametrize("shape", [(), (1,), (3, 5), (2, 8), (4, 4, 1), (15,), (16,), (17,),
                                   (31,), (33,), (2, 3, 7), (0, 4), (100, 20), (7, 300)])
def test_vs_torch_multidim_shapes(shape):
    torch = _torch()
    for s in range(5):
        torch.manual_seed(s)
        manual_seed(s)
        for dt in (f32, f64):
            same(rand(shape, dt), torch.rand(shape, dtype=_td(torch, dt)).numpy())
            same(randn(shape, dt), torch.randn(shape, dtype=_td(torch, dt)).numpy())
        same(randint(-4, 99, shape), torch.randint(-4, 99, shape).numpy())
        _check_state(torch)


def test_vs_torch_interleaved_sequences():
    torch = _torch()
    rng = pyrandom.Random(1234)
    calls = 0
    seeds = [0, 1, 7, 42, 2 ** 32, 2 ** 32 + 1, 2 ** 63, 2 ** 64 - 1, -5, 67280421310721]
    seeds += [rng.randrange(2 ** 64) for _ in range(20)]
    for s in seeds:
        torch.manual_seed(s)
        manual_seed(s)
        assert initial_seed() == torch.initial_seed()
        for _ in range(40):
            op = rng.choice(["rand", "randn", "randn", "randint", "randperm", "uniform", "normal"])
            dt = rng.choice([f32, f64])
            shape = tuple(rng.choice([1, 2, 3, 5, 8, 15, 16, 17, 31, 33])
                          for _ in range(rng.randint(0, 2)))
            td = _td(torch, dt)
            if op == "rand":
                same(rand(shape, dt), torch.rand(shape, dtype=td).numpy())
            elif op == "randn":
                same(randn(shape, dt), torch.randn(shape, dtype=td).numpy())
            elif op == "randint":
                lo = rng.randint(-1000, 1000)
                hi = lo + rng.choice([1, 2, 10, 1000, 2 ** 28 - 1, 2 ** 28, 2 ** 33])
                same(randint(lo, hi, shape), torch.randint(lo, hi, shape).numpy())
            elif op == "randperm":
                n = rng.randint(0, 40)
                same(randperm(n), torch.randperm(n).numpy())
            elif op == "uniform":
                lo = rng.uniform(-5, 5)
                hi = lo + rng.choice([rng.uniform(0, 7), 0.0, 1e-6, 1e6])
                same(uniform_(shape, lo, hi, dt), torch.empty(shape, dtype=td).uniform_(lo, hi).numpy())
            else:
                mean, std = rng.uniform(-5, 5), rng.choice([rng.uniform(0, 4), 0.0, 1e-7, 321.5])
                same(normal_(shape, mean, std, dt),
                     torch.empty(shape, dtype=td).normal_(mean, std).numpy())
            _check_state(torch)
            calls += 1
    assert calls == 40 * len(seeds)


def test_vs_torch_hypothesis_sequences():
    torch = _torch()
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    call = st.tuples(st.sampled_from(["rand", "randn", "randint"]), st.sampled_from([f32, f64]),
                     st.integers(0, 70))

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
    @hypothesis.given(st.integers(-(2 ** 63), 2 ** 64 - 1), st.lists(call, max_size=8))
    def check(s, calls):
        torch.manual_seed(s)
        manual_seed(s)
        for op, dt, n in calls:
            if op == "randint":
                same(randint(-n, n + 1, (n,)), torch.randint(-n, n + 1, (n,)).numpy())
            else:
                same(getattr(grandom, op)((n,), dt),
                     getattr(torch, op)(n, dtype=_td(torch, dt)).numpy())
        _check_state(torch)

    check()


def test_vs_torch_large():
    torch = _torch()
    for s in (3, 2 ** 40 + 17):
        for dt in (f32, f64):
            torch.manual_seed(s)
            manual_seed(s)
            td = _td(torch, dt)
            same(rand((100_003,), dt), torch.rand(100_003, dtype=td).numpy())
            same(randn((100_003,), dt), torch.randn(100_003, dtype=td).numpy())
            same(normal_((65_536,), 0.5, 2.5, dt),
                 torch.empty(65_536, dtype=td).normal_(0.5, 2.5).numpy())
            same(uniform_((50_000,), -0.3, 0.7, dt),
                 torch.empty(50_000, dtype=td).uniform_(-0.3, 0.7).numpy())
        same(randint(0, 2 ** 31, (100_000,)), torch.randint(0, 2 ** 31, (100_000,)).numpy())
        same(randint(-(2 ** 63), 2 ** 63 - 1, (1000,)),
             torch.randint(-(2 ** 63), 2 ** 63 - 1, (1000,)).numpy())
        same(randperm(20_000), torch.randperm(20_000).numpy())
        _check_state(torch)


# Driving both generators to chosen engine outputs: a state with next_ == 1 and
# left_ == 624 yields the tempered state[1..623] before the next twist.

def _untemper(y):
    y = np.asarray(y, np.uint64)
    y = y ^ (y >> np.uint64(18))
    y = y ^ ((y << np.uint64(15)) & np.uint64(0xEFC60000))
    x = y
    for _ in range(5):
        y = x ^ ((y << np.uint64(7)) & np.uint64(0x9D2C5680))
    y &= np.uint64(0xFFFFFFFF)
    x = y
    for _ in range(3):
        y = x ^ (y >> np.uint64(11))
    return y & np.uint64(0xFFFFFFFF)


def _state_with_outputs(outputs):
    outputs = np.asarray(outputs, np.uint64)
    assert outputs.size <= 623
    key = np.zeros(624, np.uint64)
    key[1:1 + outputs.size] = _untemper(outputs)
    buf = bytearray(5056)
    buf[0:8] = (12345).to_bytes(8, "little")
    buf[8:12] = (624).to_bytes(4, "little")
    buf[12:16] = (1).to_bytes(4, "little")
    buf[16:24] = (1).to_bytes(8, "little")
    buf[24:24 + 8 * 624] = key.astype("<u8").tobytes()
    return np.frombuffer(bytes(buf), np.uint8).copy()


def test_untemper_inverts_the_engine():
    g = Generator(99)
    outputs = g._random(623)
    set_rng_state(_state_with_outputs(outputs))
    same(grandom.default_generator._random(623), outputs)


def test_vs_torch_chosen_uniforms():
    """Box-Muller and uniform edge inputs: u == 0, u just below 1, angles on the
    octant boundaries of sincos256_ps, extreme 53-bit values for float64."""
    torch = _torch()
    k24 = [0, 1, 2, 3, 2 ** 23, 2 ** 24 - 1, 2 ** 24 - 2, 2 ** 22, 3 * 2 ** 22, 12345, 0xABCDEF]
    # float32 u2 values whose angle 2*pi*u2 sits next to a multiple of pi/4
    for q in range(1, 8):
        k = int(round(q / 8 * 2 ** 24))
        k24 += [k - 1, k, k + 1]
    words = np.array([(k | (0x5A << 24)) for k in k24], np.uint64)  # high byte is ignored
    rng = np.random.default_rng(1)
    for trial in range(6):
        u = rng.permutation(np.resize(words, 608))  # 38 blocks of 16
        state = _state_with_outputs(u)
        for op, n in (("randn", 608), ("randn", 600), ("randn", 15), ("rand", 608)):
            torch.set_rng_state(torch.from_numpy(state))
            set_rng_state(state)
            same(getattr(grandom, op)((n,), f32), getattr(torch, op)(n, dtype=torch.float32).numpy())
            _check_state(torch)
    hi_words = [0, 1, 2 ** 21 - 1, 2 ** 20, 0xFFFFFFFF, 0x12345]
    lo_words = [0, 1, 0xFFFFFFFF, 0x80000000, 0xFFFFFFFE, 7]
    pairs = np.array([[h, l] for h in hi_words for l in lo_words], np.uint64)
    for trial in range(6):
        u = rng.permutation(np.resize(pairs, (304, 2)), axis=0).reshape(-1)
        state = _state_with_outputs(u)
        for op, n in (("randn", 304), ("randn", 300), ("randn", 15), ("rand", 304)):
            torch.set_rng_state(torch.from_numpy(state))
            set_rng_state(state)
            same(getattr(grandom, op)((n,), f64), getattr(torch, op)(n, dtype=torch.float64).numpy())
            _check_state(torch)


def test_vs_torch_state_interop():
    torch = _torch()
    torch.manual_seed(77)
    torch.rand(1000)
    torch.randn(5, dtype=torch.float64)  # leaves a cached normal
    set_rng_state(torch.get_rng_state().numpy())
    _check_state(torch)
    same(randn((1,), f64), torch.randn(1, dtype=torch.float64).numpy())
    same(randn((40,), f32), torch.randn(40).numpy())
    manual_seed(78)
    rand((624,), f32)  # exactly one block of engine outputs: left_ == 1, next_ == 624
    torch.set_rng_state(torch.from_numpy(get_rng_state()))
    same(rand((5,), f32), torch.rand(5).numpy())
    manual_seed(79)  # freshly seeded: left_ == 1, next_ == 0
    torch.manual_seed(79)
    _check_state(torch)


def _untempered_below(n):
    """``_untemper(k)`` for every k < n (a power of two), at the cost of n XORs.

    Tempering is linear over GF(2) (shifts, masks, XORs), so its inverse is too:
    untemper(k) is the XOR of untemper(2**i) over the bits of k.
    """
    out = np.zeros(n, np.uint32)
    size = 1
    while size < n:
        out[size:2 * size] = out[:size] ^ np.uint32(_untemper(size))
        size *= 2
    return out


def test_untempered_below_is_untemper():
    same(_untempered_below(1 << 16), _untemper(np.arange(1 << 16)).astype(np.uint32))


def test_vs_torch_every_float32_box_muller_input():
    """All 2**24 float32 uniforms k * 2**-24 through randn's block transform, each once as u1
    (log256_ps gets 1 - u1) and once as u2 (sincos256_ps gets 2*pi*u2), bit for bit against
    torch.

    Every input, not a sample: the transform's cases are not classes one could pick from
    with confidence (log256_ps branches on the mantissa against sqrt(1/2) over 25
    exponents; sincos256_ps on the octant of 2*pi*u2 and on how each reduction step rounds),
    and 2**24 is few enough to try them all: 2.5-4.6 s on a shared 2-CPU machine (load
    average 2-3; 12 s when each state was built on its own), because
    - torch is driven by crafted states of 38 blocks (8 u1 words, then 8 u2 words each);
      the words are untempered once for all 2**24 values, not per state;
    - u1 = k1 * 2**-24 is paired with u2 = k2 * 2**-24, k2 = (k1 * 0x9E3779 + 0x5A5A5A) mod
      2**24: an odd multiplier, so a bijection (cheaper than a random permutation, and just
      as complete);
    - gradcli's transform runs on about 40,000 values at a time, where numpy's float64
      temporaries stay in cache: about 5 times faster than 2**24 values at once.
    """
    torch = _torch()
    n, blocks, calls = 1 << 24, 38, 64  # 38 * 16 = 608 outputs of the 623 before a twist
    untempered = _untempered_below(n)
    state = _state_with_outputs([])
    key = state[24:24 + 8 * 624].view("<u8")  # what torch.set_rng_state reads the words from
    state_tensor = torch.from_numpy(state)
    chunk = calls * blocks * 8  # u1 values per chunk
    for start in range(0, n, chunk):
        k1 = np.arange(start, start + chunk) % n  # the last chunk wraps around to 0
        k2 = (k1 * 0x9E3779 + 0x5A5A5A) % n
        ks = np.concatenate([k1.reshape(-1, 8), k2.reshape(-1, 8)], axis=1)  # rows of 16
        words = untempered[ks].reshape(calls, -1)
        expected = np.empty((calls, blocks * 16), np.float32)
        for call in range(calls):
            key[1:1 + blocks * 16] = words[call]
            torch.set_rng_state(state_tensor)
            expected[call] = torch.randn(blocks * 16).numpy()
        got = grandom._fill16_f32(ks.astype(np.float32) * f32(2.0 ** -24), 0.0, 1.0)
        got, expected = got.reshape(-1, 16), expected.reshape(-1, 16)
        if got.tobytes() != expected.tobytes():
            differ = got.view(np.uint32) != expected.view(np.uint32)
            row, column = divmod(int(np.flatnonzero(differ)[0]), 16)
            pair = column % 8
            raise AssertionError(f"u1 = {ks[row, pair]} * 2**-24, u2 = {ks[row, 8 + pair]} "
                                 f"* 2**-24: gradcli {got[row, column]!r}, "
                                 f"torch {expected[row, column]!r}")
