"""The symbolic side: graph-to-sympy translation, formulas, replay, and the check itself,
plus gradcli's gradients against PyTorch's own where PyTorch is installed."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

import gradcli as torch
from gradcli.inspection import replay, symbolic
from gradcli.core.ops import TABLE

from conftest import TESTS, import_torch


@pytest.fixture(autouse=True)
def keep_values(monkeypatch):
    """As the inspection commands run programs: nodes keep every input and value."""
    from gradcli.core.tensor import GradMode
    monkeypatch.setattr(GradMode, "keep_values", True)


def test_translation_uses_the_programs_names():
    x = torch.tensor(0.5, requires_grad=True)
    y = (x * x + x.sin()).exp()
    symbols = symbolic.leaf_symbols("x", x)
    expression = symbolic.translate(y, {id(x): symbols})[()]
    assert str(expression) == "exp(x**2 + sin(x))"


def test_tensor_leaves_get_one_symbol_per_element():
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([0.5, -1.0])
    expressions = symbolic.translate((w @ v).sum(), {id(w): symbolic.leaf_symbols("w", w)})
    assert str(expressions[()]) == "0.5*w[0, 0] - w[0, 1] + 0.5*w[1, 0] - w[1, 1]"


def test_symbolic_and_numeric_jacobians_agree_with_autograd():
    x = torch.tensor([0.3, -1.2, 2.0], requires_grad=True, dtype=torch.float64)
    y = torch.softmax(x * x, 0) * x.tanh()
    symbols = symbolic.leaf_symbols("x", x)
    exact = symbolic.symbolic_jacobian(symbolic.translate(y, {id(x): symbols}), symbols,
                                       symbolic.point_values(symbols, x))
    numeric, kinks = replay.numeric_jacobian(y, x)
    assert not kinks.any()
    from gradcli.inspection.calculus import jacobian
    auto = jacobian(y, x).array
    np.testing.assert_allclose(exact, auto, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(numeric, auto, rtol=1e-6, atol=1e-8)


def test_replay_in_float64_ignores_float32_casts():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (x.float() * 3).double().sum()
    replayed = replay.replay(y.grad_fn, {id(x): np.array([1.0 + 1e-9, 2.0])})
    assert replayed == pytest.approx(9.0 + 3e-9, abs=1e-15)


def test_sympy_column_is_elementwise_or_marked():
    """Every sympy form is either per element or marked on_arrays (checked by use)."""
    for op in TABLE.values():
        if op.sympy is None:
            continue
        assert callable(op.sympy)


def test_unsupported_is_reported_not_fatal(cli):
    code = ("from torch.autograd import Function\nclass Twice(Function):\n    @staticmethod\n"
            "    def forward(ctx, x):\n        return x * 2\n    @staticmethod\n"
            "    def backward(ctx, g):\n        return g * 2\n"
            "x = tensor([1., 2.], requires_grad=True)\ny = Twice.apply(x).sum()")
    result = cli("check", "-e", code, "--json")
    assert result.exit_code == 0, result.stderr
    check = json.loads(result.stdout)["checks"]["x"]
    assert check["method"] == "numeric" and "custom Function" in check["note"]


def test_symbolic_limit_is_stated(cli):
    code = "x = torch.ones(30, requires_grad=True)\ny = (x * x).exp()"
    result = cli("check", "-e", code, "--json")
    note = json.loads(result.stdout)["checks"]["x"]["note"]
    assert "over the symbolic limit" in note


def test_formula_in_latex(cli):
    result = cli("grad", "-e", "x.exp() * y", "--at", "x=0", "--at", "y=2", "--latex", "--json")
    gradients = json.loads(result.stdout)["gradients"]
    assert gradients["x"]["symbolic"] == "y e^{x}"
    assert gradients["y"]["symbolic"] == "e^{x}"


# ----- against PyTorch itself -----

CASES = ["03_blitz_backward", "11_broadcast_grads", "13_matmul", "14_indexing",
         "15_shape_ops", "25_control_flow", "28_functions"]


@pytest.mark.parametrize("case", CASES)
def test_grad_matches_pytorchs_own_gradients(case, cli):
    real = import_torch()
    assert real is not torch  # the real PyTorch, not gradcli standing in for it
    path = TESTS / "conformance" / f"{case}.py"
    namespace = _run_with_real_torch(path)
    payload = json.loads(cli("grad", path, "--json").stdout)
    output = namespace[payload["output"]["name"]]
    for name, entry in payload["gradients"].items():
        if entry["value"] is None:
            continue
        (expected,) = real.autograd.grad(output, namespace[name], retain_graph=True,
                                         allow_unused=True)
        np.testing.assert_allclose(np.asarray(entry["value"]), expected.detach().numpy(),
                                   rtol=1e-6, atol=1e-6)


def _run_with_real_torch(path):
    source = path.read_text()
    # keep graphs alive through the program's own backward() calls, as `gradcli grad` does
    source = source.replace(".backward()", ".backward(retain_graph=True)")
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, str(path), "exec"), namespace)  # test code runs real PyTorch
    return namespace


# ----- finite differences: kinks, the element limit, empty inputs -----

@pytest.mark.parametrize("slope, kink", [(0.05, False), (1 / 19, False), (0.06, True), (1.0, True)])
def test_a_kink_is_where_one_sided_slopes_differ_by_over_5_percent(slope, kink):
    # relu(x) * slope at 0: one-sided slopes `slope` and 0, a kink when they differ by more than
    # 0.05 * (1 + the larger): slope 1/19 is exactly at that bound (in float64, too)
    x = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    numeric, kinks = replay.numeric_jacobian(x.relu() * slope, x)
    assert kinks.tolist() == [[kink, False], [False, False]]
    assert numeric[1, 1] == pytest.approx(slope, rel=1e-9)


def test_a_steep_smooth_function_has_no_kink():
    # (1000 x)**2 at 1: the one-sided slopes differ by 2 (the second derivative times the step),
    # 1e-6 of the slope itself
    x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    numeric, kinks = replay.numeric_jacobian((x * 1000) ** 2, x)
    assert not kinks.any() and numeric[0, 0] == pytest.approx(2e6, rel=1e-9)


def test_kinks_are_laid_out_as_the_jacobian():
    # output element 0 is relu(x[1]), at its kink; the mask has the Jacobian's layout
    # (output index, then input index)
    x = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    numeric, kinks = replay.numeric_jacobian(x.relu()[[1, 0]], x)
    assert kinks.tolist() == [[False, True, False], [False, False, False]]
    assert numeric.shape == (2, 3) and numeric[1, 0] == pytest.approx(1.0)


def test_finite_differences_take_up_to_the_element_limit(monkeypatch):
    monkeypatch.setattr(replay, "MAX_NUMERIC_ELEMENTS", 4)
    for size in (4, 5):
        x = torch.ones(size, dtype=torch.float64, requires_grad=True)
        if size == 4:
            numeric, _ = replay.numeric_jacobian(x * 2, x)
            np.testing.assert_allclose(numeric, 2 * np.eye(4), atol=1e-9)
        else:
            with pytest.raises(replay.Unsupported, match="more than 4 input elements"):
                replay.numeric_jacobian(x * 2, x)


def test_finite_differences_of_an_empty_input():
    x = torch.ones(2, 0, dtype=torch.float64, requires_grad=True)
    numeric, kinks = replay.numeric_jacobian((x * 2).sum(), x)
    assert numeric.shape == kinks.shape == (2, 0) and kinks.dtype == bool
