"""The torch.autograd surface against PyTorch: custom Functions with several outputs,
torch.autograd.functional, forward-mode AD and the values nodes saved (grad_fn._saved_self),
on random shapes and values (hypothesis, fixed
examples unless GRADCLI_FUZZ_RANDOM=1), each program run through gradcli and through PyTorch
and their printed text compared, as in test_parity.py.  Values are printed as tensors and as
``tolist()`` (every bit), so the ops drawn here are those gradcli computes as PyTorch's CPU
kernels do (no exp/log/sin/tanh/sqrt or matmul, whose MKL results differ in the last bit).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcli
from conftest import fixed_examples, import_torch, run_gradcli, run_python

torch = import_torch()

SHAPES = st.sampled_from([(3,), (2, 3), (1, 4), (2, 1, 2), ()])
VALUES = st.sampled_from([-1.5, -1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0, 1.25, 2.0, 0.3,
                          -0.7, 1.1])
DTYPES = st.sampled_from(["torch.float32", "torch.float64"])
SETTINGS = settings(fixed_examples(120), suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.data_too_large])


def same_as_torch(source: str) -> None:
    """The program prints through gradcli's interpreter what it prints through PyTorch."""
    assert run_gradcli(source) == run_python(source, torch), source


def literal(draw, shape) -> str:
    if not shape:
        return repr(draw(VALUES))
    return "[" + ", ".join(literal(draw, shape[1:]) for _ in range(shape[0])) + "]"


def tensor(draw, shape, dtype, requires_grad=True) -> str:
    return f"torch.tensor({literal(draw, shape)}, dtype={dtype}, requires_grad={requires_grad})"


# ----- Custom Functions with several outputs -----
# Each output is an elementwise function of x whose derivative the backward knows; the loss
# uses some of the outputs, so the others reach backward as zeros (or None).

PIECES = {  # forward expression of x, its derivative times the output's gradient g
    "x * 3": "g * 3", "x * x": "g * 2 * x", "x.sigmoid()": "g * x.sigmoid() * (1 - x.sigmoid())",
    "x.relu()": "g * (x > 0)", "x.abs() + 1": "g * x.sign()", "-x / 4": "-g / 4",
}


@st.composite
def several_outputs(draw):
    shape, dtype = draw(SHAPES), draw(DTYPES)
    pieces = draw(st.lists(st.sampled_from(sorted(PIECES)), min_size=2, max_size=3))
    materialize = draw(st.booleans())
    extra = draw(st.sampled_from(["", ", 7", ", 'tag'"]))  # a non-tensor output passes through
    flat = draw(st.booleans()) and shape != ()
    used = draw(st.lists(st.integers(0, len(pieces) - 1), min_size=1, max_size=3, unique=True))
    weights = [draw(VALUES) for _ in used]
    outputs = ", ".join(pieces) + extra
    grads = ", ".join(f"g{i}" for i in range(len(pieces) + (1 if extra else 0)))
    terms = "\n".join(f"        if g{i} is not None:\n            total = total + "
                      f"{PIECES[piece].replace('g', f'g{i}', 1)}"
                      for i, piece in enumerate(pieces))
    loss = " + ".join(f"(outs[{i}] * {w}).sum()" for i, w in zip(used, weights))
    return f"""import torch
class Several(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads({materialize})
        ctx.save_for_backward(x)
        return {outputs}
    @staticmethod
    def backward(ctx, {grads}):
        x, = ctx.saved_tensors
        print("grads in:", {grads})
        total = torch.zeros_like(x)
{terms}
        return total
x = {tensor(draw, shape, dtype)}
outs = Several.apply({'x.flatten()' if flat else 'x'})
print(outs)
print(outs[0].grad_fn, outs[1].grad_fn.next_functions, outs[0].requires_grad)
loss = {loss}
print(loss.grad_fn.next_functions)
loss.backward()
print(x.grad)
print(x.grad.tolist())
"""


@SETTINGS
@given(several_outputs())
def test_functions_with_several_outputs(source):
    same_as_torch(source)


def test_a_non_differentiable_output_gets_a_zero_gradient():
    same_as_torch("""import torch
class Split(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        positive = x > 0
        ctx.mark_non_differentiable(positive)
        return x * 2, positive, x.sum() * 0
    @staticmethod
    def backward(ctx, g, g_positive, g_sum):
        print(g, g_positive, g_sum)
        return g * 2 + g_sum
x = torch.tensor([1., -2., 3.], requires_grad=True)
a, positive, zero = Split.apply(x)
print(a, positive, positive.requires_grad, positive.grad_fn, zero)
(a * a).sum().backward()
print(x.grad)
""")


# ----- torch.autograd.functional -----

FUNCTIONS = {  # name: (number of inputs, body returning a tensor or a tuple)
    "square": (1, "(a * a).sum(-1) * 2"), "sigmoid": (1, "a.sigmoid() * a"),
    "poly": (1, "a ** 3 - a * 2"), "softmax": (1, "a.softmax(-1) * a"),
    "pair": (2, "a * b + b.sigmoid()"), "ratio": (2, "a / (b * b + 1)"),
    "two_outputs": (1, "(a.relu() * 3, (a * a).sum())"), "mixed": (2, "(a * b, a + b * b)"),
    "clamped": (1, "a.clamp(-1, 1) * a"), "scaled": (1, "(a * a).sum() * a"),
}
SCALAR_FUNCTIONS = {  # one output, one element: what hessian, hvp and vhp take
    "cube": (1, "(a ** 3).sum()"), "sigmoid_sum": (1, "(a.sigmoid() * a).sum()"),
    "pair_sum": (2, "(a * a * b + b.sigmoid()).sum()"), "softmax_sum": (1, "(a.softmax(-1) * a).sum()"),
    "where": (1, "torch.where(a > 0, a * a, -a).sum()"), "prod": (1, "(a * 2).prod()"),
}


def _inputs(draw, count, dtype):
    shape = draw(st.sampled_from([(3,), (2, 2), (2,), (1, 3)]))
    return [tensor(draw, shape, dtype, requires_grad=draw(st.booleans())) for _ in range(count)]


@st.composite
def functional_programs(draw):
    api = draw(st.sampled_from(["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]))
    table = SCALAR_FUNCTIONS if api in ("hessian", "hvp", "vhp") else FUNCTIONS
    name = draw(st.sampled_from(sorted(table)))
    count, body = table[name]
    dtype = draw(DTYPES)
    inputs = _inputs(draw, count, dtype)
    as_tuple = count > 1 or draw(st.booleans())
    params = "a, b" if count == 2 else "a"
    inputs_text = f"({', '.join(inputs)},)" if as_tuple else inputs[0]
    create_graph = draw(st.booleans())
    lines = ["import torch", "from torch.autograd.functional import " + api,
             f"def f({params}):\n    return {body}", f"inputs = {inputs_text}"]
    args = f"f, inputs, create_graph={create_graph}"
    if api in ("vjp", "jvp", "hvp", "vhp"):
        lines.append(f"v = {_vectors(api, as_tuple, count)}")
        args += ", v=v"
    if api in ("jacobian", "hessian"):
        args += f", strict={draw(st.booleans())}"
    lines += [f"result = {api}({args})", "print(result)", "print(show(result))"]
    return "\n".join([lines[0], SHOW] + lines[1:]) + "\n"


SHOW = """def show(value):
    if isinstance(value, (tuple, list)):
        return [show(item) for item in value]
    return (value.tolist(), value.requires_grad)"""


def _vectors(api, as_tuple, count) -> str:
    """v like the inputs (jvp, hvp, vhp), or like the outputs of f (vjp)."""
    if api == "vjp":
        out = "(f(*inputs) if isinstance(inputs, tuple) else f(inputs))"
        return (f"tuple(torch.ones_like(t) * 0.5 for t in {out}) if isinstance({out}, tuple) "
                f"else torch.ones_like({out}) * 0.5")
    if as_tuple:
        return "tuple(torch.ones_like(t) * 0.5 for t in inputs)"
    return "torch.ones_like(inputs) * 0.5"


@SETTINGS
@given(functional_programs())
def test_functional_apis(source):
    same_as_torch(source)


FUNCTIONAL_FIXED = [
    # the inputs untouched, the structures of several inputs and outputs
    "x = torch.tensor([1., 2.], requires_grad=True)\ny = torch.tensor([3., -1.])\n"
    "j = torch.autograd.functional.jacobian(lambda a, b: (a * b, a.sum() * b), (x, y))\n"
    "print(j, x.grad, y.requires_grad)",
    # strict mode's refusals
    "torch.autograd.functional.jacobian(lambda a: a * 0 + torch.ones(2), torch.ones(2), "
    "strict=True)",
    "torch.autograd.functional.hessian(lambda a: (a * 2).sum(), torch.ones(2), strict=True)",
    "torch.autograd.functional.vjp(lambda a: a * 2, torch.ones(2))",
    "torch.autograd.functional.jvp(lambda a: a * 2, (torch.ones(2),), (torch.ones(3),))",
    "torch.autograd.functional.hvp(lambda a: a * 2, torch.ones(2), torch.ones(2))",
    "torch.autograd.functional.jacobian(lambda a: a, [torch.ones(2)])",
    "print(torch.autograd.functional.jacobian(lambda a, b: a * b, (torch.ones(2), torch.ones(2)), "
    "strategy='forward-mode', vectorize=True))",
    "print(torch.autograd.functional.hessian(lambda a: (a ** 3).sum(), torch.tensor([1., 2.]), "
    "vectorize=True))",
]


@pytest.mark.parametrize("body", FUNCTIONAL_FIXED)
def test_functional_fixed_programs(body):
    same_as_torch("import torch\n" + body + "\n")


# ----- Forward mode -----

# steps that keep a's shape (b has it too), then one last op of any kind
SAME_SHAPE = [
    "a + b", "a - b", "a * b", "a / (b * b + 1)", "a * 2.5", "2.5 - a", "a / 3", "a ** 2",
    "a ** 3", "a.abs() ** 1.5", "2 ** a", "a.sigmoid()", "a.relu()", "a.abs()",
    "(a + 3).reciprocal()", "-a", "a.square()", "a.clamp(-0.5, 0.5)", "a.clamp(min=0)",
    "torch.where(a > 0, a, b)", "torch.maximum(a, b)", "torch.minimum(a, b)", "a.add(b, alpha=2)",
    "a.sub(b, alpha=0.5)", "a % 0.7", "a.clone()", "a.sigmoid() * b - a / 2", "a * b.sum()",
    "a.softmax(-1)", "a.log_softmax(0)", "a.floor()", "a.ceil()", "a.round()", "a.trunc()",
    "a.round(decimals=1)", "a.frac()", "a.flip(0)", "a.cumsum(-1)", "a.cumprod(0)",
    "a.sort(-1)[0]",
]
LAST = SAME_SHAPE + [
    "a.sum()", "a.sum(0)", "a.mean(-1, keepdim=True)", "a.prod()", "a.max()", "a.min(0)[0]",
    "a.reshape(-1)", "a.unsqueeze(0)", "a[0]", "a[1:]", "a[[0, 0]]", "a[a > 0]", "a.t()",
    "torch.cat([a, b])", "torch.stack([a, b], -1)", "a.double()", "a.flatten()",
    "torch.nn.functional.mse_loss(a, b)", "a.expand(2, *a.shape)", "torch.atan2(a, b)",
    "a.std()", "a.var(0)", "a.std(-1, keepdim=True)", "a.topk(1)[0]",
    "a.tril()", "a.triu(1)", "a.repeat(2, 1)", "a.diagonal()", "a.split(1)[0]", "a.chunk(2)[-1]",
    "a.scatter_add(0, torch.zeros_like(a, dtype=torch.long), b)",
    "a.scatter(0, torch.zeros_like(a, dtype=torch.long), 2.5)",
]


@st.composite
def forward_programs(draw):
    shape = draw(st.sampled_from([(3,), (2, 3), (2, 2)]))
    dtype = draw(DTYPES)
    steps = draw(st.lists(st.sampled_from(SAME_SHAPE), max_size=2)) + [draw(st.sampled_from(LAST))]
    which = draw(st.sampled_from(["a", "b", "ab"]))
    lines = ["import torch", "import torch.autograd.forward_ad as fwAD",
             f"x = {tensor(draw, shape, dtype, False)}", f"tx = {tensor(draw, shape, dtype, False)}",
             f"y = {tensor(draw, shape, dtype, False)}", f"ty = {tensor(draw, shape, dtype, False)}",
             "with fwAD.dual_level():",
             f"    a = {'fwAD.make_dual(x, tx)' if 'a' in which else 'x'}",
             f"    b = {'fwAD.make_dual(y, ty)' if 'b' in which else 'y'}"]
    for step in steps:
        lines.append(f"    a = {step}")
        lines.append("    primal, tangent = fwAD.unpack_dual(a)")
        lines.append("    print(a, None if tangent is None else tangent.tolist())")
    lines.append("print(a, fwAD.unpack_dual(a))")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(forward_programs())
def test_forward_mode(source):
    same_as_torch(source)


FORWARD_FIXED = [
    # the dual API's messages
    "x = torch.ones(2)\ntorch.autograd.forward_ad.make_dual(x, x)",
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    fwAD.make_dual(torch.ones(2), torch.ones(3))",
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    fwAD.make_dual(torch.tensor([1, 2]), torch.ones(2))",
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    d = fwAD.make_dual(torch.ones(2), torch.ones(2))\n    fwAD.make_dual(d, torch.ones(2))",
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    with fwAD.dual_level():\n        pass",
    # an op without a tangent rule refuses
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    d = fwAD.make_dual(torch.tensor([3., 4.]), torch.ones(2))\n    print(d // 2)",
    # the tangent as given, or a copy in the primal's layout; gone after the level
    "import torch.autograd.forward_ad as fwAD\nx = torch.ones(2, 2)\nt = torch.tensor([[1., 2.], "
    "[3., 4.]])\nwith fwAD.dual_level():\n    d = fwAD.make_dual(x, t)\n"
    "    e = fwAD.make_dual(x, t.T)\n    print(fwAD.unpack_dual(d).tangent is t, "
    "fwAD.unpack_dual(e).tangent is t, fwAD.unpack_dual(e).tangent)\n    y = d * 3\n"
    "print(y, fwAD.unpack_dual(y))",
    # a dual that requires grad: its view, the primal an Identity, backward through it
    "import torch.autograd.forward_ad as fwAD\nx = torch.tensor([1., 2.], requires_grad=True)\n"
    "with fwAD.dual_level():\n    d = fwAD.make_dual(x, torch.ones(2))\n    y = (d * d).sum()\n"
    "    print(d, y, fwAD.unpack_dual(y).primal)\n    y.backward()\nprint(x.grad)",
    # in place on a dual
    "import torch.autograd.forward_ad as fwAD\nwith fwAD.dual_level():\n"
    "    d = fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., -1.]))\n    y = d * 3\n"
    "    y.add_(d)\n    y.mul_(2)\n    print(y)",
    # the tangent rules of cumulative ops (past a zero too), moments, rounding (zero tangents),
    # sorting, shape ops, scatters and normal; unique has none, in PyTorch's words
    "import torch.autograd.forward_ad as fwAD\ntan = lambda v: fwAD.unpack_dual(v).tangent\n"
    "with fwAD.dual_level():\n"
    "    z = fwAD.make_dual(torch.tensor([2., 0., 3., 0., 5.]), torch.arange(1., 6.))\n"
    "    print(tan(z.cumprod(0)), tan(z.cumsum(0)))\n"
    "    print(tan(fwAD.make_dual(torch.tensor(0.), torch.tensor(3.)).cumprod(0)))\n"
    "    c = fwAD.make_dual(torch.ones(2, 3), torch.tensor([[1., 2., 3.], [0., 0., 1.]]))\n"
    "    print(tan(c.std(1)), tan(c.var()), tan(c.floor()), tan(c.frac()))\n"
    "    print(tan(torch.atan2(c, c + 1)), tan(c.logsumexp(1)), tan(c.round(decimals=1)))\n"
    "    print(tan(c.sort(1, descending=True).values), tan(c.topk(2).values))\n"
    "    print(tan(c.split(2, 1)[1]), tan(c.repeat(1, 2)), tan(c.flip(1).tril()))\n"
    "    print(tan(c.triu(1).diagonal()), tan(torch.normal(c, 1.)))\n"
    "    print(tan(c.scatter_add(1, torch.tensor([[0, 0], [2, 2]]), c)))\n"
    "    print(tan(c.scatter(1, torch.tensor([[1], [0]]), 7.)))\n"
    "    try:\n        c.unique()\n    except NotImplementedError as e:\n        print(e)",
    # a custom Function's jvp
    "import torch.autograd.forward_ad as fwAD\nclass Cube(torch.autograd.Function):\n"
    "    @staticmethod\n    def forward(ctx, x, k):\n        ctx.save_for_forward(x)\n"
    "        return x ** 3 * k\n    @staticmethod\n    def jvp(ctx, t, kt):\n"
    "        x, = ctx.saved_tensors\n        print(kt)\n        return 3 * x * x * t\n"
    "with fwAD.dual_level():\n    d = fwAD.make_dual(torch.tensor([1., 2.]), torch.ones(2))\n"
    "    print(Cube.apply(d, 1))",
    "import torch.autograd.forward_ad as fwAD\nclass Twice(torch.autograd.Function):\n"
    "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n    @staticmethod\n"
    "    def backward(ctx, g):\n        return g * 2\nwith fwAD.dual_level():\n"
    "    Twice.apply(fwAD.make_dual(torch.ones(2), torch.ones(2)))",
]


@pytest.mark.parametrize("body", FORWARD_FIXED)
def test_forward_mode_fixed_programs(body):
    same_as_torch("import torch\n" + body + "\n")


# ----- Saved values: grad_fn._saved_<name> -----
# For each expression, the names PyTorch's node offers (read from PyTorch itself), each printed
# before and after a backward that frees the node (a freed tensor raises, numbers and sizes
# stay): through gradcli's interpreter, and as plain Python, whose node offers the same names.

SAVED_EXPRESSIONS = [
    "x * y", "x * 2", "2.5 * x", "x / y", "x + y", "x - 2", "x ** 2", "x ** y", "2 ** x",
    "x.pow(0.5)", "x.exp()", "x.sin()", "x.tanh()", "x.sigmoid()", "x.relu()", "x.sqrt()",
    "x.sum()", "x.sum(0)", "x.sum(1, keepdim=True)", "x.mean()", "x.mean(0)", "x @ y.t()",
    "x.t() @ y", "x[0] @ y[1]", "x.mv(y[0])", "x.view(6)", "x.reshape(3, 2)", "x[0]",
    "x[:, 1]", "x.expand(2, 2, 3)", "x.unsqueeze(0).squeeze(0)", "x.transpose(0, 1)",
    "x.index_select(0, torch.tensor([1]))", "x.index_add(0, torch.tensor([1]), y[:1])",
    "x.gather(1, torch.tensor([[0], [2]]))", "x.masked_fill(x > 0, 0.)", "x.sort(1)[0]",
    "x.norm()", "x.clamp(0, 1)", "x.softmax(1)", "x.log_softmax(1)", "x.std(1)", "x.var()",
    "torch.where(x > 0, x, y)", "x.repeat(2, 1)", "x.diagonal()", "x.cross(y, dim=1)",
    "x.cumsum(1)", "x.double()"]
SAVED_HEAD = ("import torch\nx = torch.tensor([[1., -2., 3.], [4., 5., -6.]], requires_grad=True)\n"
              "y = torch.tensor([[0.5, 1., 2.], [3., -1., 0.25]], requires_grad=True)\n")


def _saved_names(node) -> list:
    return sorted(name for name in dir(node) if name.startswith("_saved_"))


@pytest.mark.parametrize("expression", SAVED_EXPRESSIONS)
def test_saved_values_are_pytorchs(expression):
    namespace = {}
    exec(SAVED_HEAD + f"node = ({expression}).grad_fn\n", {"torch": torch}, namespace)
    names = _saved_names(namespace["node"])
    exec(SAVED_HEAD.replace("import torch\n", "") + f"node = ({expression}).grad_fn\n",
         {"torch": gradcli}, namespace)
    assert _saved_names(namespace["node"]) == names
    reads = "".join(f"try:\n    print('{name}', node.{name})\nexcept RuntimeError as error:\n"
                    f"    print('{name}', error)\n" for name in names)
    source = (SAVED_HEAD + f"out = {expression}\nnode = out.grad_fn\n" + reads
              + "out.sum().backward()\n" + reads + "node._saved_nothing\n")
    same_as_torch(source)
    assert run_python(source, gradcli).splitlines()[:-1] == \
        run_python(source, torch).splitlines()[:-1]  # (the last line names OpNode, not the node)
