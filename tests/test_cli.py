"""The command line: every command and flag, with real values against known gradients,
plus golden files for the graph tree, DOT output and explain (black's style: one small
function turns golden files into parametrized tests; GRADCLI_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TESTS, scrub

SAMPLES = TESTS.parent / "samples"
GOLDEN = TESTS / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GRADCLI_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path}"


# ----- eval -----

def test_eval_calculator_mode_prints_the_last_value(cli):
    result = cli("eval", "-e", "tensor([1., 2.]) * 3")
    assert result.exit_code == 0
    assert result.stdout == "tensor([3., 6.])\n"


def test_eval_prints_nothing_extra_when_the_program_prints(cli):
    result = cli("eval", "-e", "x = tensor([1., 2.]) * 3\nprint(x.sum())")
    assert result.stdout == "tensor(9.)\n"


def test_eval_reads_stdin(cli):
    result = cli("eval", "-", input="print(torch.ones(2) * 3)\n")
    assert result.stdout == "tensor([3., 3.])\n"


def test_eval_vars_table(cli):
    result = cli("eval", SAMPLES / "blitz.py", "--vars")
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("name"))
    rows = {line.split()[0]: line for line in lines[header + 1:]}
    assert set(rows) == {"x", "y", "z", "out"}
    assert "MeanBackward0" in rows["out"] and "tensor(27.)" in rows["out"]
    assert "tensor([[4.5000, 4.5000], [4.5000, 4.5000]])" in rows["x"]


def test_eval_json(cli):
    result = cli("eval", "-e", "x = tensor([1., 2.], requires_grad=True)\n(x * x).sum()", "--json",
                 "--vars")
    payload = json.loads(result.stdout)
    assert payload["value"] == 5.0
    assert payload["variables"][0] == {"name": "x", "value": [1.0, 2.0], "shape": [2],
                                       "dtype": "torch.float32"}


def test_eval_error_format(cli, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import torch\nx = torch.ones(2)\ny = x @ torch.ones(3)\n")
    result = cli("eval", path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:3:5: RuntimeError: ")
    assert lines[1] == "    y = x @ torch.ones(3)"
    assert lines[2] == "        ^"


def test_eval_error_as_json(cli):
    result = cli("eval", "-e", "y = undefined_name + 1", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == "NameError" and error["line"] == 1 and error["column"] == 5


def test_usage_errors_exit_2(cli):
    assert cli("eval").exit_code == 2
    assert cli("eval", "-e", "1", "file.py").exit_code == 2
    assert cli("grad", "-e", "x * 2", "--at", "x").exit_code == 2
    assert cli("nonsense").exit_code == 2


def test_version_and_help(cli):
    assert cli("--version").stdout.startswith("gradcli, version ")
    help_text = cli("--help").stdout
    for command in ("eval", "grad", "graph", "check", "explain"):
        assert command in help_text
    assert "Exit status" in cli("grad", "--help").stdout


# ----- grad -----

def test_grad_of_the_tutorial(cli):
    result = cli("grad", SAMPLES / "blitz.py", "--wrt", "x")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("out = tensor(27., grad_fn=<MeanBackward0>)")
    assert "line 12" in lines[0]
    assert lines[1:] == ["d(out)/d(x) = tensor([[4.5000, 4.5000],",
                         "                      [4.5000, 4.5000]])"]


def test_grad_calculator(cli):
    result = cli("grad", "-e", "x ** 2 * sin(x)", "--wrt", "x", "--at", "x=1.5")
    # d/dx x^2 sin x = 2x sin x + x^2 cos x = 3.1516 at 1.5
    assert result.stdout.splitlines()[1] == "d(out)/d(x) = tensor(3.1516)"


def test_grad_intermediate_variable(cli):
    result = cli("grad", SAMPLES / "blitz.py", "--wrt", "y", "--wrt", "z", "--json")
    payload = json.loads(result.stdout)
    assert payload["gradients"]["y"]["value"] == [[4.5, 4.5], [4.5, 4.5]]
    assert payload["gradients"]["z"]["value"] == [[0.25, 0.25], [0.25, 0.25]]
    assert payload["output"] == {"name": "out", "value": 27.0, "shape": [],
                                 "dtype": "torch.float32", "grad_fn": "MeanBackward0", "line": 12}


def test_grad_explains_a_missing_dependency(cli):
    code = "a = tensor(2., requires_grad=True)\nb = tensor(3., requires_grad=True)\nc = a * 2"
    result = cli("grad", "-e", code, "--wrt", "b")
    assert result.exit_code == 0
    assert "d(c)/d(b): none" in result.stdout and "does not depend on 'b'" in result.stdout
    detached = "a = tensor(2., requires_grad=True)\nd = a.detach()\nc = a * d"
    result = cli("grad", "-e", detached, "--wrt", "d")
    assert "does not require grad" in result.stdout


def test_grad_non_scalar_suggests_jacobian_or_sum(cli):
    code = "x = tensor([1., 2.], requires_grad=True)\ny = x * x"
    result = cli("grad", "-e", code, "--wrt", "x")
    assert result.exit_code == 1
    assert "--jacobian" in result.stderr and "--sum" in result.stderr
    jac = json.loads(cli("grad", "-e", code, "--wrt", "x", "--jacobian", "--json").stdout)
    assert jac["gradients"]["x"]["value"] == [[2.0, 0.0], [0.0, 4.0]]
    total = json.loads(cli("grad", "-e", code, "--wrt", "x", "--sum", "--json").stdout)
    assert total["gradients"]["x"]["value"] == [2.0, 4.0]


def test_grad_hessian(cli):
    result = cli("grad", "-e", "(x ** 3).sum()", "--at", "x=[1.0, 2.0]", "--hessian", "--json")
    assert json.loads(result.stdout)["gradients"]["x"]["value"] == [[6.0, 0.0], [0.0, 12.0]]


def test_grad_symbolic_formula(cli):
    result = cli("grad", "-e", "sin(x) * cos(y) + x ** 2 * y", "--wrt", "x", "--wrt", "y",
                 "--at", "x=1", "--at", "y=2", "--symbolic", "--json")
    gradients = json.loads(result.stdout)["gradients"]
    assert gradients["x"]["symbolic"] == "2*x*y + cos(x)*cos(y)"
    assert gradients["y"]["symbolic"] == "x**2 - sin(x)*sin(y)"
    assert gradients["x"]["value"] == pytest.approx(3.7752, abs=1e-4)
    latex = cli("grad", "-e", "x ** 2", "--at", "x=3", "--latex").stdout
    assert "2 x" in latex


def test_grad_at_refuses_an_assigned_name(cli):
    result = cli("grad", "-e", "x = tensor(1.)\ny = x * 2", "--at", "x=2")
    assert result.exit_code == 2
    assert "assigns 'x'" in result.stderr


def test_grad_of_picks_output_and_dtype(cli):
    code = "a = x * 2\nb = a * 3"
    result = cli("grad", "-e", code, "--of", "a", "--at", "x=1", "--dtype", "float64", "--json")
    payload = json.loads(result.stdout)
    assert payload["output"]["name"] == "a"
    assert payload["gradients"]["x"] == {"value": 2.0, "shape": [], "dtype": "torch.float64"}


def test_grad_after_the_programs_own_backward(cli):
    # the program's own backward() frees nothing under `grad`: its graph is still there
    result = cli("grad", TESTS / "conformance" / "18_backward_twice_error.py", "--wrt", "x")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "d(y)/d(x) = tensor([ 5.4366, 14.7781])"


def test_show_output(cli):
    hidden = cli("grad", SAMPLES / "blitz.py", "--wrt", "x")
    shown = cli("grad", SAMPLES / "blitz.py", "--wrt", "x", "--show-output")
    assert "y.grad_fn" not in hidden.stdout and "y.grad_fn" in shown.stdout


# ----- graph -----

@pytest.mark.parametrize("sample", ["blitz", "mlp", "cube", "newton"])
def test_graph_tree_golden(cli, sample):
    result = cli("graph", SAMPLES / f"{sample}.py")
    assert result.exit_code == 0, result.stderr
    check_golden(f"graph_{sample}.txt", result.stdout)


@pytest.mark.parametrize("sample", ["blitz", "mlp"])
def test_graph_dot_golden(cli, sample):
    result = cli("graph", SAMPLES / f"{sample}.py", "--dot", "--saved")
    assert result.stdout.startswith("digraph gradcli {")
    check_golden(f"graph_{sample}.dot", result.stdout)


def test_graph_json_schema(cli):
    payload = json.loads(cli("graph", SAMPLES / "blitz.py", "--json").stdout)
    assert payload["output"] == "out"
    ops = [(n["op"], n["name"], n["kind"]) for n in payload["nodes"]]
    assert ops == [("MeanBackward0", "out", "output"), ("MulBackward0", "z", "op"),
                   ("MulBackward0", None, "op"), ("AddBackward0", "y", "op"),
                   ("AccumulateGrad", "x", "leaf")]
    # y * y: the add node feeds the product twice; edges point in the forward direction
    assert payload["edges"].count({"from": 3, "to": 2}) == 2
    assert {"from": 4, "to": 3} in payload["edges"]


def test_graph_values_and_depth(cli):
    values = cli("graph", SAMPLES / "blitz.py", "--values").stdout
    assert "grad  tensor([[4.5000, 4.5000]," in values
    shallow = cli("graph", SAMPLES / "mlp.py", "--depth", "1").stdout
    assert "more nodes (raise --depth)" in shallow


def test_graph_render_without_graphviz_says_how_to_install(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("graph", SAMPLES / "blitz.py", "-o", tmp_path / "g.svg")
    assert result.exit_code == 1
    assert "install Graphviz" in result.stderr


# ----- check -----

def test_check_passes_on_the_tutorial(cli):
    result = cli("check", SAMPLES / "blitz.py", "--json")
    assert result.exit_code == 0
    check = json.loads(result.stdout)["checks"]["x"]
    assert check["ok"] and check["method"] == "symbolic + numeric"
    assert check["autograd"] == pytest.approx(4.5) and check["symbolic"] == pytest.approx(4.5)


def test_check_catches_the_tutorials_wrong_backward(cli):
    result = cli("check", TESTS / "conformance" / "06_blitz_custom_function.py")
    assert result.exit_code == 3
    assert "MISMATCH" in result.stdout
    assert "CheckMismatch" in result.stderr


@pytest.mark.parametrize("case", ["01_blitz_tensor", "03_blitz_backward", "11_broadcast_grads",
                                  "13_matmul", "14_indexing", "15_shape_ops", "16_activations",
                                  "20_autograd_grad", "25_control_flow", "28_functions"])
def test_check_agrees_on_correct_programs(cli, case):
    result = cli("check", TESTS / "conformance" / f"{case}.py")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_check_tolerances_are_settable(cli):
    code = "x = tensor(0.3, requires_grad=True)\ny = x.exp()"
    strict = cli("check", "-e", code, "--rtol", "0", "--atol", "0")
    assert strict.exit_code == 3  # float32 autograd cannot match float64 exactly
    assert cli("check", "-e", code).exit_code == 0


# ----- explain -----

def test_explain_golden(cli):
    result = cli("explain", SAMPLES / "blitz.py", "--wrt", "x")
    assert result.exit_code == 0, result.stderr
    assert "adds (+=) to y (AddBackward0)" in result.stdout
    check_golden("explain_blitz.txt", scrub(result.stdout))


# ----- real processes -----

def test_closed_pipe_ends_quietly(tmp_path):
    program = tmp_path / "many.py"
    program.write_text("for i in range(20000):\n    print(i)\n")
    command = f"{sys.executable} -m gradcli.cli eval {program} | head -1"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    assert result.stdout == "0\n"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_no_colour_when_piped(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gradcli.cli", "graph",
                             str(SAMPLES / "blitz.py")], capture_output=True, text=True,
                            timeout=60)
    assert "\x1b[" not in result.stdout
    assert result.stdout.startswith("MeanBackward0  out  line 12")


def test_graph_renders_through_graphviz(cli, tmp_path):
    import shutil
    target = tmp_path / "mlp.svg"
    result = cli("graph", SAMPLES / "mlp.py", "-o", target)
    if shutil.which("dot") is None:  # the other branch: say how to get it
        assert result.exit_code == 1 and "install Graphviz" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    svg = target.read_text()
    assert svg.lstrip().startswith("<?xml") and "MeanBackward0" in svg and "w1" in svg


def test_custom_function_gradient_of_the_wrong_shape_is_pytorchs_error(cli):
    code = ("from torch.autograd import Function\nclass Sq(Function):\n    @staticmethod\n"
            "    def forward(ctx, x):\n        return x * x\n    @staticmethod\n"
            "    def backward(ctx, g):\n        return g.sum()\n"
            "x = tensor([1., 2.], requires_grad=True)\nSq.apply(x).sum().backward()")
    result = cli("eval", "-e", code)
    assert result.exit_code == 1
    assert ("RuntimeError: Function SqBackward returned an invalid gradient at index 0 - got [] "
            "but expected shape compatible with [2]") in result.stderr


def test_grad_notes_a_graph_older_than_its_inputs(cli):
    result = cli("grad", SAMPLES / "logistic_regression.py", "--wrt", "w")
    assert result.exit_code == 0
    assert "modified in place after it was computed" in result.stderr


def test_at_refuses_language_names_and_duplicates(cli):
    assert "name of the language" in cli("grad", "-e", "sin(x)", "--at", "sin=1").stderr
    assert "given twice" in cli("grad", "-e", "x * 2", "--at", "x=1", "--at", "x=2").stderr


def test_check_skips_kinks_and_names_hooks(cli, tmp_path):
    kink = cli("check", "-e", "x = tensor([-1., 0., 2.], requires_grad=True)\n"
                              "y = (x.relu() + x.abs()).sum()", "--json")
    assert kink.exit_code == 0
    assert "kink" in json.loads(kink.stdout)["checks"]["x"]["note"]
    hooked = cli("check", "-e", "x = tensor([1., 2.], requires_grad=True)\ny = x * 3\n"
                                "y.register_hook(lambda g: g * 10)\nz = (y * y).sum()")
    assert hooked.exit_code == 3
    assert "register_hook" in hooked.stderr


def test_explain_sum_of_a_non_scalar_output(cli):
    refused = cli("explain", SAMPLES / "vjp_while.py")
    assert refused.exit_code == 1 and "--sum" in refused.stderr
    result = cli("explain", SAMPLES / "vjp_while.py", "--sum")
    assert result.exit_code == 0, result.stderr
    # |x| = 2.68 for seed 0, so the loop stops at y = x * 2**9 (norm 1373): d(sum(y))/dx = 512
    assert result.stdout.rstrip().endswith("d(sum(y))/d(x) = tensor([512., 512., 512.])")


def test_usage_errors_are_json_too_with_json(cli):
    result = cli("grad", "--json", "--wrt")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == {
        "kind": "UsageError", "message": "Option '--wrt' requires an argument.", "hint": None,
        "file": None, "line": None, "column": None}
