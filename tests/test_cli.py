"""The command line: every command and flag, with real values against known gradients,
plus golden files for the graph tree, DOT output and explain (black's style: one small
function turns golden files into parametrized tests; GRADCLI_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from _process import run
from conftest import TESTS, import_torch, scrub

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


def test_grad_hessian_has_the_mixed_blocks(cli):
    # out = y * sum(x^2): d2/dx2 = 2y I, d2/dx dy = d2/dy dx = 2x, d2/dy2 = 0
    code = "(x ** 2).sum() * y"
    result = cli("grad", "-e", code, "--at", "x=[1, 2]", "--at", "y=3", "--hessian")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "d2(out)/d(x)2 = tensor([[6., 0.],",
        "                        [0., 6.]])",
        "d2(out)/d(x)d(y) = tensor([2., 4.])",
        "d2(out)/d(y)d(x) = tensor([2., 4.])",
        "d2(out)/d(y)2 = tensor(0.)"]


def test_grad_hessian_json_blocks(cli):
    # out = sum(x^2 y) + y^3 at x = [1, 2], y = 3: d2/dx2 = 2y I, d2/dx dy = 2x, d2/dy2 = 6y
    code = "(x ** 2 * y).sum() + y ** 3"
    payload = json.loads(cli("grad", "-e", code, "--at", "x=[1, 2]", "--at", "y=3", "--wrt", "x",
                             "--wrt", "y", "--hessian", "--json").stdout)
    assert payload["derivative"] == "hessian"
    blocks = payload["hessian"]
    assert list(blocks) == ["x", "y"] and all(list(row) == ["x", "y"] for row in blocks.values())
    assert blocks["x"]["x"] == {"value": [[6.0, 0.0], [0.0, 6.0]], "shape": [2, 2],
                                "dtype": "torch.float32"}
    assert blocks["x"]["y"] == {"value": [2.0, 4.0], "shape": [2], "dtype": "torch.float32"}
    assert blocks["y"]["x"] == blocks["x"]["y"]
    assert blocks["y"]["y"] == {"value": 18.0, "shape": [], "dtype": "torch.float32"}
    # "gradients" keeps the diagonal blocks, as with a single --wrt
    assert payload["gradients"] == {"x": blocks["x"]["x"], "y": blocks["y"]["y"]}


def test_grad_hessian_zero_and_missing_blocks(cli):
    # x and y never meet: the mixed blocks are zeros of shape (2, 3) and (3, 2); out does not
    # use z at all, so every block with z is none, with the reason
    code = "a = (x ** 3).sum() + y.sin().sum()"
    payload = json.loads(cli("grad", "-e", code, "--at", "x=[1, 2]", "--at", "y=[0, 1, 2]",
                             "--at", "z=5", "--hessian", "--json").stdout)
    blocks = payload["hessian"]
    assert blocks["x"]["y"] == {"value": [[0.0] * 3] * 2, "shape": [2, 3],
                                "dtype": "torch.float32"}
    assert blocks["y"]["x"]["shape"] == [3, 2] and blocks["y"]["x"]["value"] == [[0.0] * 2] * 3
    assert blocks["x"]["x"]["value"] == [[6.0, 0.0], [0.0, 12.0]]  # 6x on the diagonal
    diagonal = [blocks["y"]["y"]["value"][i][i] for i in range(3)]  # -sin y, zero elsewhere
    assert diagonal == pytest.approx([0.0, -0.841471, -0.909297], abs=1e-6)
    assert sum(abs(v) for row in blocks["y"]["y"]["value"] for v in row) == pytest.approx(
        0.841471 + 0.909297, abs=1e-6)
    for row, column in [("x", "z"), ("z", "x"), ("y", "z"), ("z", "z")]:
        assert blocks[row][column]["value"] is None
        assert "does not depend on 'z'" in blocks[row][column]["reason"]
    text = cli("grad", "-e", code, "--at", "x=[1, 2]", "--at", "y=[0, 1, 2]", "--at", "z=5",
               "--hessian").stdout
    assert "d2(a)/d(x)d(z): none  # 'a' does not depend on 'z'" in text


def test_grad_hessian_of_a_non_scalar_output_says_what_to_do(cli):
    result = cli("grad", "-e", "y = x * x", "--at", "x=[1, 2]", "--hessian")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "<expr>: NonScalarOutput: 'y' has shape (2,), not a single number, so its gradient is "
        "not one tensor",
        "hint: --hessian needs a scalar output: pick one with --of NAME, or reduce it in the "
        "program (e.g. y.sum())"]


HESSIAN_PROGRAMS = [
    # (gradcli program, its inputs, the same function for torch)
    ("(x ** 2 * y).sum() + (y ** 3).sum()", {"x": [1.0, 2.0], "y": 3.0},
     lambda x, y: (x ** 2 * y).sum() + (y ** 3).sum()),
    ("(x @ w).tanh().sum() + (w ** 2).sum() * x.sum()",
     {"x": [[0.5, -1.0, 2.0]], "w": [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]},
     lambda x, w: (x @ w).tanh().sum() + (w ** 2).sum() * x.sum()),
    ("x.exp().sum() * y.sin().prod() + z * x.sum()",
     {"x": [0.1, 0.2], "y": [[0.3, 0.4], [0.5, 0.6]], "z": 1.5},
     lambda x, y, z: x.exp().sum() * y.sin().prod() + z * x.sum()),
    ("(x ** 3).sum() + y.sin().sum()", {"x": [1.0, 2.0], "y": [0.5, 1.0, 1.5]},
     lambda x, y: (x ** 3).sum() + y.sin().sum()),
    ("x * y + x ** 2", {"x": 2.0, "y": 3.0}, lambda x, y: x * y + x ** 2),
    ("torch.log(x.sum() + y) / (1 + (x * x).sum())", {"x": [[1.0, 2.0], [3.0, 4.0]], "y": 0.7},
     lambda x, y: torch_module().log(x.sum() + y) / (1 + (x * x).sum())),
]


def torch_module():
    return import_torch()


@pytest.mark.parametrize("code,inputs,function", HESSIAN_PROGRAMS, ids=[c for c, _, _ in
                                                                        HESSIAN_PROGRAMS])
def test_grad_hessian_matches_torch_functional_hessian(cli, code, inputs, function):
    import numpy as np
    torch = torch_module()
    arguments = ["grad", "-e", code, "--hessian", "--json", "--dtype", "float64"]
    for name, value in inputs.items():
        arguments += ["--at", f"{name}={value}", "--wrt", name]
    result = cli(*arguments)
    assert result.exit_code == 0, result.stderr
    blocks = json.loads(result.stdout)["hessian"]
    expected = torch.autograd.functional.hessian(
        function, tuple(torch.tensor(v, dtype=torch.float64) for v in inputs.values()))
    for i, row in enumerate(inputs):
        for j, column in enumerate(inputs):
            block, reference = blocks[row][column], expected[i][j].numpy()
            assert block["shape"] == list(reference.shape), (row, column)
            np.testing.assert_allclose(block["value"], reference, rtol=1e-12, atol=1e-12)


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


LEAF_PROGRAM = ("x = torch.tensor([1., 2.], requires_grad=True)\n"
                "w = torch.tensor(2., requires_grad=True)\ny = (x * x * w).sum()")


def test_grad_of_a_leaf_with_respect_to_itself(cli):
    # torch.autograd.grad(x, x) is 1 for a scalar leaf (ones against ones for a vector)
    scalar = cli("grad", "-e", LEAF_PROGRAM, "--of", "w", "--wrt", "w", "--wrt", "x")
    assert scalar.exit_code == 0, scalar.stderr
    assert scalar.stdout.splitlines()[1:] == [
        "d(w)/d(w) = tensor(1.)",
        "d(w)/d(x): none  # 'w' is a leaf (an input, not computed from other tensors), so it "
        "depends on nothing but itself, not on 'x'"]
    summed = json.loads(cli("grad", "-e", LEAF_PROGRAM, "--of", "x", "--wrt", "x", "--sum",
                            "--json").stdout)
    assert summed["gradients"]["x"]["value"] == [1.0, 1.0]
    jacobian = json.loads(cli("grad", "-e", LEAF_PROGRAM, "--of", "x", "--wrt", "x",
                              "--jacobian", "--json").stdout)
    assert jacobian["gradients"]["x"]["value"] == [[1.0, 0.0], [0.0, 1.0]]
    hessian = json.loads(cli("grad", "-e", LEAF_PROGRAM, "--of", "w", "--wrt", "w", "--hessian",
                             "--json").stdout)
    assert hessian["hessian"]["w"]["w"]["value"] == 0.0


def test_grad_of_a_leaf_agrees_with_torch(cli):
    torch = torch_module()
    w = torch.tensor(2., requires_grad=True)
    x = torch.tensor([1., 2.], requires_grad=True)
    (expected,) = torch.autograd.grad(w, w)
    (expected_sum,) = torch.autograd.grad(x.sum(), x)
    scalar = json.loads(cli("grad", "-e", LEAF_PROGRAM, "--of", "w", "--wrt", "w",
                            "--json").stdout)
    summed = json.loads(cli("grad", "-e", LEAF_PROGRAM, "--of", "x", "--wrt", "x", "--sum",
                            "--json").stdout)
    assert scalar["gradients"]["w"]["value"] == expected.item() == 1.0
    assert summed["gradients"]["x"]["value"] == expected_sum.tolist() == [1.0, 1.0]


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


def test_graph_of_a_leaf_is_its_one_leaf_node(cli):
    note = ("x is a leaf (an input, not computed from other tensors): its backward graph is this "
            "one node, where x.grad collects")
    tree = cli("graph", "-e", LEAF_PROGRAM, "--of", "x")
    assert tree.exit_code == 0, tree.stderr
    assert tree.stdout.splitlines() == ["x AccumulateGrad  line 1  (2,) float32  #0", note]
    payload = json.loads(cli("graph", "-e", LEAF_PROGRAM, "--of", "x", "--json").stdout)
    assert payload == {"output": "x", "edges": [], "nodes": [
        {"id": 0, "op": "AccumulateGrad", "name": "x", "line": 1, "shape": [2],
         "dtype": "torch.float32", "kind": "leaf"}]}
    dot = cli("graph", "-e", LEAF_PROGRAM, "--of", "x", "--dot").stdout.splitlines()
    assert [line for line in dot if "->" in line] == []
    assert '  n0 [label="x\\nline 1\\n(2,)", fillcolor="lightblue"];' in dot
    assert f'  label="{note}"; labelloc=t;' in dot


def test_graph_of_a_computed_output_has_no_leaf_note(cli):
    result = cli("graph", "-e", LEAF_PROGRAM)
    assert result.stdout.splitlines()[0].startswith("SumBackward0  y  line 3")
    assert "is a leaf" not in result.stdout
    assert "labelloc" not in cli("graph", "-e", LEAF_PROGRAM, "--dot").stdout


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


def test_check_json_mismatch_is_one_document(cli):
    result = cli("check", TESTS / "conformance" / "06_blitz_custom_function.py", "--json")
    assert result.exit_code == 3
    payload = json.loads(result.stdout)  # the verdict alone: no error document after it
    assert payload["ok"] is False and payload["checks"]["a"]["ok"] is False
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


def test_explain_of_a_leaf(cli):
    # x.backward() on a scalar leaf: one AccumulateGrad step, and w.grad = 1
    result = cli("explain", "-e", LEAF_PROGRAM, "--of", "w")
    assert result.exit_code == 0, result.stderr
    assert "Backward pass of w towards w" in result.stdout
    assert "step 1  w (AccumulateGrad)    line 2" in result.stdout
    assert "step 2" not in result.stdout
    assert result.stdout.rstrip().endswith("d(w)/d(w) = tensor(1.)")
    refused = cli("explain", "-e", LEAF_PROGRAM, "--of", "w", "--wrt", "x")
    assert refused.exit_code == 1
    assert "NothingToExplain: 'w' is a leaf" in refused.stderr
    vector = cli("explain", "-e", LEAF_PROGRAM, "--of", "x")
    assert vector.exit_code == 1 and "--sum" in vector.stderr


def test_check_of_a_leaf(cli):
    payload = json.loads(cli("check", "-e", LEAF_PROGRAM, "--of", "x", "--json").stdout)
    assert list(payload["checks"]) == ["x"] and payload["ok"]
    assert payload["checks"]["x"]["autograd"] == 1.0  # the worst element of the identity


# ----- real processes -----

def test_closed_pipe_ends_quietly(tmp_path):
    program = tmp_path / "many.py"
    program.write_text("for i in range(20000):\n    print(i)\n")
    command = f"{sys.executable} -m gradcli.cli eval {program} | head -1"
    result = run(command, shell=True, timeout=60)  # the shell, gradcli and head: one group
    assert result.stdout == "0\n"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_no_colour_when_piped(tmp_path):
    result = run([sys.executable, "-m", "gradcli.cli", "graph", str(SAMPLES / "blitz.py")],
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


# ----- Modules: parameters are named as in a state_dict -----

MODULE_PROGRAM = """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
x = torch.ones(3, 2)
loss = net(x).pow(2).mean()
"""


def test_grad_wrt_a_module_parameter_by_its_state_dict_name(cli, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODULE_PROGRAM)
    result = cli("grad", path, "--wrt", "net.0.weight")
    assert result.exit_code == 0, result.stderr
    # PyTorch 2.13: loss.backward(); net[0].weight.grad
    assert result.stdout.splitlines()[1:] == [
        "d(loss)/d(net.0.weight) = tensor([[ 0.0130,  0.0130],",
        "                                  [-0.2515, -0.2515]])"]


def test_graph_names_module_parameters_on_its_leaves(cli, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODULE_PROGRAM)
    tree = cli("graph", path).stdout
    for name in ("net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"):
        assert f"{name} AccumulateGrad" in tree
