"""Behaviour at the edges, where a small change to gradcli would still pass the rest of the
suite: the check's tolerance exactly at its bound, the check's demand that its two references
agree, accumulation into .grad by repeated backward(create_graph=True), and the printer's
switches to scientific notation.

Expected values and strings are PyTorch 2.13's, hard-coded so that these tests run without
PyTorch; where PyTorch is installed, a parity test also compares against it live.
Only public interfaces are used: ``gradcli`` itself and the ``gradcli`` command (``cli``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings

import pytest

import gradcli as torch

# `gradcli check`'s default tolerances, per the output's dtype (README, `gradcli check --help`)
RTOL = {"float32": 1e-3, "float64": 1e-6}
ATOL = {"float32": 1e-4, "float64": 1e-8}
DTYPES = sorted(RTOL)


def _real_torch():
    real = pytest.importorskip("torch")
    assert real is not torch  # the real PyTorch, not gradcli standing in for it
    return real


def _check(cli, program):
    """`gradcli check --json`: the exit status and the one JSON document on stdout."""
    result = cli("check", "-e", program, "--json")
    assert result.exit_code in (0, 3), result.stdout + result.stderr
    return result.exit_code, json.loads(result.stdout)


# ----- check: autograd against the references, at the tolerance's bound -----

# A custom Function has no symbolic form, so its backward is checked against central finite
# differences of its forward in float64: the reference for x * x is 2x (to ~1e-11).
CUSTOM_SQUARE = """\
import torch

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * (2 * x * {factor!r} + {offset!r})

x = torch.tensor({x!r}, dtype=torch.{dtype}, requires_grad=True)
y = Square.apply(x)
"""


def _check_custom_square(cli, dtype, x, factor=1.0, offset=0.0):
    """Check the custom backward 2x * factor + offset; assert every field of the verdict that
    follows from the program, and return whether the check passed."""
    code, payload = _check(cli, CUSTOM_SQUARE.format(dtype=dtype, x=x, factor=factor,
                                                     offset=offset))
    rtol, atol = RTOL[dtype], ATOL[dtype]
    assert (payload["rtol"], payload["atol"]) == (rtol, atol)
    assert payload["output"]["dtype"] == f"torch.{dtype}"
    assert payload["output"]["grad_fn"] == "SquareBackward"
    assert list(payload["checks"]) == ["x"]
    row = payload["checks"]["x"]
    assert row["method"] == "numeric" and row["symbolic"] is None
    assert "custom Function" in row["note"]
    assert row["element"] == []  # a 0-d input and output
    assert row["numeric"] == pytest.approx(2 * x, abs=1e-9)
    # autograd runs in the program's dtype: float32 rounds the factor and the offset
    assert row["autograd"] == pytest.approx(2 * x * factor + offset,
                                            rel=1e-6 if dtype == "float32" else 1e-12,
                                            abs=1e-12)
    assert row["abs_error"] == pytest.approx(abs(row["autograd"] - row["numeric"]), rel=1e-9)
    # the relative error is against the reference's magnitude, 0 where the reference is 0
    reference = abs(row["numeric"])
    assert row["rel_error"] == (pytest.approx(row["abs_error"] / reference, rel=1e-9)
                                if reference else 0.0)
    # the verdict is exactly "abs_error <= atol + rtol * |reference|"
    ok = row["abs_error"] <= atol + rtol * abs(row["numeric"])
    assert row["ok"] is ok and payload["ok"] is ok
    assert code == (0 if ok else 3)
    return ok


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("factor", [1.05, 1.005, 0.995], ids=["5%-high", "0.5%-high", "0.5%-low"])
def test_check_exits_3_when_a_custom_backward_is_off_by_percent(cli, dtype, factor):
    # at x = 0.5 the derivative is 1: 0.5% off is 4.5x float32's bound (1.1e-3), 5% is 45x
    assert _check_custom_square(cli, dtype, 0.5, factor=factor) is False


@pytest.mark.parametrize("dtype", DTYPES)
def test_check_exits_0_when_a_custom_backward_is_right(cli, dtype):
    assert _check_custom_square(cli, dtype, 0.5) is True


def test_check_relative_error_is_against_the_reference(cli):
    # x = 2: the reference is 4, so 1% off is an error of 0.04 and a relative error of 0.01
    assert _check_custom_square(cli, "float64", 2.0, factor=1.01) is False


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("side, ok", [(1.05, False), (0.95, True)],
                         ids=["just-outside", "just-inside"])
def test_check_relative_bound_is_atol_plus_rtol_times_the_reference(cli, dtype, side, ok):
    # derivative 1: allowed = atol + rtol (1.1e-3 in float32, 1.01e-6 in float64); an error of
    # 1.05 x allowed fails, 0.95 x allowed passes (finite differences are 1e-11 off here)
    allowed = ATOL[dtype] + RTOL[dtype] * 1.0
    assert _check_custom_square(cli, dtype, 0.5, factor=1 + side * allowed) is ok


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("side, ok", [(1.05, False), (0.95, True)],
                         ids=["just-outside", "just-inside"])
def test_check_absolute_bound_is_atol_where_the_derivative_is_zero(cli, dtype, side, ok):
    # x = 0: the reference is exactly 0, so the error allowed is atol alone
    assert _check_custom_square(cli, dtype, 0.0, offset=side * ATOL[dtype]) is ok


# ----- check: sympy and finite differences must agree with each other -----

# In float64, x + 20000 keeps x to 3.6e-12, so finite differences (step 1e-6) of
# (x + 20000) - 20000 are 1.48e-6 off at x = 0.01, while sympy's exact derivative is 1:
# the two references disagree by more than the tolerance (1.01e-6). Autograd is the exact 1
# for any honest program, which fails against finite differences anyway; here a hook moves
# it half way (0.99999926), within the tolerance of each reference, so that only the
# references' disagreement with each other can fail the check.
REFERENCES_DISAGREE = """\
import torch
x = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
shifted = x + 20000
shifted.register_hook(lambda g: g * 0.99999926)
y = shifted - 20000
"""


def test_check_exits_3_when_sympy_and_finite_differences_disagree(cli):
    code, payload = _check(cli, REFERENCES_DISAGREE)
    rtol, atol = RTOL["float64"], ATOL["float64"]
    assert (payload["rtol"], payload["atol"]) == (rtol, atol)
    row = payload["checks"]["x"]
    assert row["method"] == "symbolic + numeric"
    symbolic, numeric, autograd = row["symbolic"], row["numeric"], row["autograd"]
    assert symbolic == 1.0 and autograd == 0.99999926
    assert numeric == pytest.approx(1 - 1.48e-6, abs=1e-8)
    # the premise: the references disagree beyond the tolerance...
    assert abs(symbolic - numeric) > atol + rtol * abs(symbolic)
    # ...while autograd is within the tolerance of each of them
    for reference in (symbolic, numeric):
        assert abs(autograd - reference) <= atol + rtol * max(abs(symbolic), abs(numeric))
    assert row["abs_error"] == pytest.approx(max(abs(autograd - symbolic),
                                                 abs(autograd - numeric)), rel=1e-9)
    assert row["ok"] is False and payload["ok"] is False
    assert code == 3


# ----- check: at the tolerance exactly, with references that agree to rtol * |reference| -----

# Finite differences of (x + 2000) - 2000 are ~1e-9 off (2000's rounding over the step), so
# scaled by 1000 the references differ by 2.5e-6: within rtol * |1000| = 1e-3 (not within
# rtol alone).  Autograd and sympy give 1000 exactly.
SCALED_ROUNDING = """\
import torch
x = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
y = ((x + 2000) - 2000) * 1000
"""


def test_check_references_agree_within_rtol_times_the_reference(cli):
    code, payload = _check(cli, SCALED_ROUNDING)
    row = payload["checks"]["x"]
    assert row["symbolic"] == row["autograd"] == 1000.0
    assert 1e-6 < abs(row["numeric"] - 1000.0) < 1e-5
    assert row["ok"] is True and code == 0


def test_check_passes_exactly_at_the_tolerance(cli):
    # with rtol 0 the bound is atol itself: an error equal to it passes, the next float below
    # it fails; the references' own disagreement is held to the same bound
    _, payload = _check(cli, SCALED_ROUNDING)
    error = abs(payload["checks"]["x"]["autograd"] - payload["checks"]["x"]["numeric"])
    for atol, ok in ((error, True), (math.nextafter(error, 0.0), False)):
        result = cli("check", "-e", SCALED_ROUNDING, "--json", "--rtol", "0", "--atol", repr(atol))
        row = json.loads(result.stdout)["checks"]["x"]
        assert row["abs_error"] == error and row["ok"] is ok
        assert result.exit_code == (0 if ok else 3)


# The worst element is the one furthest over (or least under) its own tolerance, not the one
# with the largest error: a custom backward 5e-9 off at x = 0 (allowed 1e-8) and 2e-6 off at
# x = 10 (allowed 2e-5) reports x = 0.
OFF_BY = """\
import torch
offset = torch.tensor({offset!r}, dtype=torch.float64)
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x
    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * (2 * x * {factor!r} + offset)
x = torch.tensor({x!r}, dtype=torch.float64, requires_grad=True)
y = Square.apply(x)
"""


def test_check_reports_the_element_furthest_over_its_tolerance(cli):
    program = OFF_BY.format(offset=[5e-9, 5e-9], factor=1 + 1e-7, x=[0.0, 10.0])
    code, payload = _check(cli, program)
    row = payload["checks"]["x"]
    assert row["element"] == [0, 0] and row["autograd"] == 5e-9 and row["numeric"] == 0.0
    assert row["ok"] is True and code == 0


def test_check_with_atol_0_ranks_by_excess_where_the_reference_is_0(cli):
    # atol 0 and a zero reference allow nothing: elements are then ranked by error minus
    # allowance (0/0 and x/0 would not rank), so x[1] (0.01 over) comes before x[2] (0.01 off,
    # 2e-4 allowed) and before the exact x[0]
    program = OFF_BY.format(offset=[0.0, 0.01, 0.01], factor=1.0, x=[0.0, 0.0, 100.0])
    result = cli("check", "-e", program, "--json", "--atol", "0", "--rtol", "1e-6")
    row = json.loads(result.stdout)["checks"]["x"]
    assert row["element"] == [1, 1] and row["abs_error"] == 0.01 and row["rel_error"] == 0.0
    assert row["ok"] is False and result.exit_code == 3


# ----- check: what it refuses, and what it still checks -----

# the output was computed before its input changed (a training step's update): the recorded
# graph no longer gives the output from the inputs, beyond 1e-4 relative or 1e-6 absolute
MODIFIED_AFTER = """\
import torch
x = torch.tensor({x!r}, dtype=torch.float64, requires_grad=True)
y = x * 3
with torch.no_grad():
    x += {step!r}
"""


@pytest.mark.parametrize("x, step, refused", [(1.0, 0.5, True), (0.0, 0.2, True),
                                              (1.0, 3e-5, False), (0.0, 3e-7, False)])
def test_check_refuses_an_output_older_than_its_inputs(cli, x, step, refused):
    result = cli("check", "-e", MODIFIED_AFTER.format(x=x, step=step), "--json")
    if refused:
        assert result.exit_code == 1
        error = json.loads(result.stdout)["error"]
        assert error["kind"] == "CheckUnavailable" and "modified in place" in error["message"]
    else:
        assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_check_of_an_output_holding_nan_is_a_mismatch_not_a_refusal(cli):
    # log(-1) is nan in the output and in its replay: not a modified input
    code, payload = _check(cli, "x = torch.tensor([-1., 2.], dtype=torch.float64, "
                                "requires_grad=True)\ny = x.log()")
    row = payload["checks"]["x"]
    assert row["numeric"] == "nan" and row["symbolic"] == row["autograd"] == -1.0
    assert row["element"] == [0, 0] and row["ok"] is False and code == 3


def test_check_of_an_empty_input(cli):
    code, payload = _check(cli, "x = torch.ones(0, requires_grad=True)\ny = (x * 2).sum()")
    row = payload["checks"]["x"]
    assert row["element"] == [] and row["method"] == "symbolic + numeric"
    assert row["autograd"] is row["symbolic"] is row["numeric"] is None
    assert row["abs_error"] == row["rel_error"] == 0.0
    assert row["ok"] is True and code == 0


@pytest.mark.parametrize("inputs, method", [(20, "symbolic + numeric"), (21, "numeric")])
def test_check_differentiates_up_to_400_derivatives_symbolically(cli, inputs, method):
    code, payload = _check(cli, f"x = torch.linspace(0.1, 2.0, {inputs}, dtype=torch.float64, "
                                "requires_grad=True)\ny = x.exp()[:20]")
    row = payload["checks"]["x"]
    assert row["method"] == method and row["ok"] is True and code == 0


def test_check_states_the_symbolic_limit_before_translating(cli):
    # 30 x 30 derivatives are over the limit of 400: sympy is not tried, so the note is the
    # limit, not the custom Function sympy could not have translated anyway
    program = OFF_BY.format(offset=[0.0] * 30, factor=1.0, x=[0.5] * 30)
    code, payload = _check(cli, program)
    note = payload["checks"]["x"]["note"]
    assert note == "symbolic: 30 x 30 derivatives is over the symbolic limit of 400"
    assert code == 0


# ----- engine: backward(create_graph=True) twice accumulates into .grad -----

ACCUMULATE = """\
import torch
x = torch.tensor([1., 2.], requires_grad=True)
(x ** 3).sum().backward(create_graph=True)
print(x.grad)
(x * x).sum().backward(create_graph=True)
print(x.grad)
print(torch.autograd.grad(x.grad.sum(), x))
"""

# PyTorch 2.13's output: 3x**2 + 2x, the sum recorded, so its derivative is 6x + 2
ACCUMULATE_PRINTS = ("tensor([ 3., 12.], grad_fn=<CopyBackwards>)\n"
                     "tensor([ 5., 16.], grad_fn=<AddBackward0>)\n"
                     "(tensor([ 8., 14.]),)\n")


def test_two_create_graph_backwards_accumulate_into_grad():
    x = torch.tensor([1., 2.], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    first = x.grad
    assert first.tolist() == [3., 12.] and first.grad_fn.name() == "CopyBackwards"
    (x * x).sum().backward(create_graph=True)
    assert x.grad.tolist() == [5., 16.]  # 3x**2 + 2x, not the last 2x alone
    assert x.grad.grad_fn.name() == "AddBackward0"
    assert first.tolist() == [3., 12.]  # summed out of place: the earlier .grad is unchanged
    (second_order,) = torch.autograd.grad(x.grad.sum(), x)
    assert second_order.tolist() == [8., 14.]  # both contributions are in the graph: 6x + 2


def test_two_create_graph_backwards_print_what_pytorch_prints(cli):
    result = cli("eval", "-e", ACCUMULATE)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ACCUMULATE_PRINTS


def test_two_create_graph_backwards_match_live_pytorch(cli):
    _real_torch()
    printed = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        warnings.simplefilter("ignore")  # backward(create_graph=True)'s reference-cycle warning
        exec(compile(ACCUMULATE, "<accumulate>", "exec"), {"__name__": "__main__"})
    assert printed.getvalue() == ACCUMULATE_PRINTS
    assert cli("eval", "-e", ACCUMULATE).stdout == printed.getvalue()


# ----- printing: when PyTorch switches to scientific notation -----
# Scientific notation when, over the finite non-zero elements (magnitudes in float64),
# max / min > 1000, max > 1e8 or min < 1e-4; each bound itself stays fixed-point.
# Expressions are evaluated with `torch` bound to gradcli (and to PyTorch for parity).

RATIO_1000 = [
    ("torch.tensor([1., 1000.])", "tensor([   1., 1000.])"),
    ("torch.tensor([-1., 1000.])", "tensor([  -1., 1000.])"),
    ("torch.tensor([1., 999.])", "tensor([  1., 999.])"),
    ("torch.tensor([1., 1001.])", "tensor([1.0000e+00, 1.0010e+03])"),
    ("torch.tensor([1., 1000.0001])", "tensor([1.0000e+00, 1.0000e+03])"),
    ("torch.tensor([0.25, 250.])", "tensor([  0.2500, 250.0000])"),
    ("torch.tensor([0.25, 250.25])", "tensor([2.5000e-01, 2.5025e+02])"),
    ("torch.tensor([0.000125, 0.125])", "tensor([0.0001, 0.1250])"),
    ("torch.tensor([1., 1000.], dtype=torch.float64)",
     "tensor([   1., 1000.], dtype=torch.float64)"),
    ("torch.tensor([1., 1000.], dtype=torch.float16)",
     "tensor([   1., 1000.], dtype=torch.float16)"),
    ("torch.tensor([1., 1000.], requires_grad=True)",
     "tensor([   1., 1000.], requires_grad=True)"),
    ("torch.tensor([1., 1000.], requires_grad=True) * 1",
     "tensor([   1., 1000.], grad_fn=<MulBackward0>)"),
    ("torch.tensor([1., 1001.], dtype=torch.float64, requires_grad=True)",
     "tensor([1.0000e+00, 1.0010e+03], dtype=torch.float64, requires_grad=True)"),
    # the ratio of the stored values: float32's 0.9 is 0.89999998, so 900 / 0.9 > 1000 ...
    ("torch.tensor([0.9, 900.])", "tensor([9.0000e-01, 9.0000e+02])"),
    ("torch.tensor([[-0.9], [900.]])", "tensor([[-9.0000e-01],\n        [ 9.0000e+02]])"),
    # ... and 1.1f is 1.10000002, so 1100 / 1.1 < 1000; float64's 0.9 ratio is 1000 exactly
    ("torch.tensor([1.1, 1100.])", "tensor([   1.1000, 1100.0000])"),
    ("torch.tensor([0.9, 900.], dtype=torch.float64)",
     "tensor([  0.9000, 900.0000], dtype=torch.float64)"),
    ("torch.tensor([0.7, 700.], dtype=torch.float64)",
     "tensor([7.0000e-01, 7.0000e+02], dtype=torch.float64)"),
    ("torch.tensor([0.9, 900.], dtype=torch.float16)",
     "tensor([8.9990e-01, 9.0000e+02], dtype=torch.float16)"),
]

MAGNITUDE_BOUNDS = [
    ("torch.tensor(1e8)", "tensor(100000000.)"),
    ("torch.tensor([100000000.])", "tensor([100000000.])"),
    ("torch.tensor([100000000.], dtype=torch.float64)",
     "tensor([100000000.], dtype=torch.float64)"),
    ("torch.tensor([100000001.], dtype=torch.float64)", "tensor([1.0000e+08], dtype=torch.float64)"),
    ("torch.tensor([100000008.])", "tensor([1.0000e+08])"),  # float32's next value after 1e8
    ("torch.tensor(1.0000001e8)", "tensor(1.0000e+08)"),
    ("torch.tensor([1e8, 2e5])", "tensor([100000000.,    200000.])"),
    ("torch.tensor([1e8, 1e5], dtype=torch.float64)",
     "tensor([100000000.,    100000.], dtype=torch.float64)"),
    ("torch.tensor([1e8, 99999.], dtype=torch.float64)",
     "tensor([1.0000e+08, 9.9999e+04], dtype=torch.float64)"),
    # float32's 1e-4 is 9.99999975e-05, below the bound; float64's is the bound itself
    ("torch.tensor([0.0001])", "tensor([1.0000e-04])"),
    ("torch.tensor([0.0001], dtype=torch.float64)", "tensor([0.0001], dtype=torch.float64)"),
    ("torch.tensor([0.0001, 0.1], dtype=torch.float64)",
     "tensor([0.0001, 0.1000], dtype=torch.float64)"),
    ("torch.tensor([1e-4, 0.10001], dtype=torch.float64)",
     "tensor([1.0000e-04, 1.0001e-01], dtype=torch.float64)"),
    ("torch.tensor([0.00009999, 0.05], dtype=torch.float64)",
     "tensor([9.9990e-05, 5.0000e-02], dtype=torch.float64)"),
]

NEGATIVE_ZERO = [
    ("torch.tensor(-0.)", "tensor(-0.)"),
    ("torch.tensor([-0., 0.])", "tensor([-0., 0.])"),
    ("-torch.zeros(2, 2)", "tensor([[-0., -0.],\n        [-0., -0.]])"),
    ("torch.tensor([-0., 1.])", "tensor([-0., 1.])"),
    ("torch.tensor([-0., 0.5])", "tensor([-0.0000, 0.5000])"),
    ("torch.tensor([-0., 1e-5])", "tensor([-0.0000e+00, 1.0000e-05])"),
    # zeros are left out of the ratio and the bounds
    ("torch.tensor([-0., 1000.])", "tensor([  -0., 1000.])"),
    ("torch.tensor([-0., -1e8])", "tensor([        -0., -100000000.])"),
    ("torch.tensor([-0., -100000008.])", "tensor([-0.0000e+00, -1.0000e+08])"),
    ("torch.tensor([-0., float('nan'), 1.])", "tensor([-0., nan, 1.])"),
]

MIXED_KINDS = [
    ("torch.tensor([1, 2.5])", "tensor([1.0000, 2.5000])"),
    ("torch.tensor([True, 2])", "tensor([1, 2])"),
    ("torch.tensor([True, 1.5])", "tensor([1.0000, 1.5000])"),
    ("torch.tensor([[1, 2], [3, 4.0]])", "tensor([[1., 2.],\n        [3., 4.]])"),
    ("torch.tensor([1, 2, 3]) > 1", "tensor([False,  True,  True])"),
    ("torch.tensor([True, False]) + 1000", "tensor([1001, 1000])"),
    ("torch.tensor([True, False]) * 0.5", "tensor([0.5000, 0.0000])"),
    ("torch.tensor([1, 10000]) + True", "tensor([    2, 10001])"),  # integers: never scientific
    ("torch.tensor([1, 1000]) * 1.", "tensor([   1., 1000.])"),
    ("torch.tensor([1, 1001]) / 1", "tensor([1.0000e+00, 1.0010e+03])"),
    ("torch.tensor([-1000, 1]) * 1.5", "tensor([-1500.0000,     1.5000])"),
    ("torch.tensor(100000000) * 1.", "tensor(100000000.)"),
    ("torch.tensor([0.5, 2.]) * torch.tensor([2, 500])", "tensor([   1., 1000.])"),
]

PRINTED = RATIO_1000 + MAGNITUDE_BOUNDS + NEGATIVE_ZERO + MIXED_KINDS


def _printed(expression, module):
    return repr(eval(expression, {"torch": module}))  # the tests' own expressions


def _ids(cases):
    return [expression for expression, _ in cases]


@pytest.mark.parametrize("expression, expected", RATIO_1000, ids=_ids(RATIO_1000))
def test_print_is_scientific_only_above_a_max_min_ratio_of_1000(expression, expected):
    assert _printed(expression, torch) == expected


@pytest.mark.parametrize("expression, expected", MAGNITUDE_BOUNDS, ids=_ids(MAGNITUDE_BOUNDS))
def test_print_is_scientific_only_above_1e8_or_below_1e_4(expression, expected):
    assert _printed(expression, torch) == expected


@pytest.mark.parametrize("expression, expected", NEGATIVE_ZERO, ids=_ids(NEGATIVE_ZERO))
def test_print_keeps_the_sign_of_negative_zero(expression, expected):
    assert _printed(expression, torch) == expected


@pytest.mark.parametrize("expression, expected", MIXED_KINDS, ids=_ids(MIXED_KINDS))
def test_print_of_int_float_bool_mixes(expression, expected):
    assert _printed(expression, torch) == expected


@pytest.mark.parametrize("expression, expected", PRINTED, ids=_ids(PRINTED))
def test_print_boundaries_match_live_pytorch(expression, expected):
    real = _real_torch()
    assert _printed(expression, real) == expected  # the hard-coded strings are PyTorch's
    assert _printed(expression, torch) == _printed(expression, real)

