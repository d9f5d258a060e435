"""torch.nn, torch.optim and torch.utils.data against PyTorch itself: hypothesis writes small
programs (random shapes, layers, hyper-parameters, several optimizer steps), each runs as
plain Python once with gradcli as ``torch`` and once with PyTorch, and the printed text must
be the same.  torch is required (CI fails rather than skips without it)."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conftest import fixed_examples, import_torch
import gradcli

torch = import_torch()
ADDRESS = re.compile(r"object at 0x[0-9a-fA-F]+")


def _libraries(module):
    """The names a program sees: torch, nn, F (and optim, data once they exist)."""
    names = {"torch": module, "nn": module.nn, "F": module.nn.functional}
    for name, path in (("optim", "optim"), ("data", "utils.data")):
        target = module
        for part in path.split("."):
            target = getattr(target, part, None)
        if target is not None:
            names[name] = target
    return names


def run(source: str, module) -> str:
    """What ``source`` prints with ``module`` as torch; an exception ends it with its kind and
    first line, which must agree too."""
    buffer = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buffer):
        warnings.simplefilter("ignore")
        try:
            exec(compile(textwrap.dedent(source), "<parity>", "exec"),
                 {**_libraries(module), "__name__": "__main__"})
        except Exception as error:  # noqa: BLE001 - the error is part of the output
            kind = next((k.__name__ for k in (TypeError, ValueError, IndexError, KeyError,
                                              AttributeError, NotImplementedError, RuntimeError)
                         if isinstance(error, k)), type(error).__name__)
            buffer.write(f"!! {kind}: {str(error).splitlines()[0] if str(error) else ''}\n")
    return ADDRESS.sub("object at 0x?", buffer.getvalue())


def assert_same(source: str) -> None:
    expected = run(source, torch)
    assert run(source, gradcli) == expected, source


# ----- Modules -----
# PyTorch's matrix products run on MKL, reproduced bit for bit only for inner sizes up to 3
# (gradcli/core/ops/linalg.py): layer widths and batches stay within that, so that every
# printed digit must agree.

ACTIVATIONS = ["nn.ReLU()", "nn.LeakyReLU(0.1)", "nn.Sigmoid()", "nn.Identity()"]  # (exact ones)


@st.composite
def mlp_programs(draw):
    """A seeded MLP (Sequential or a Module subclass), one forward and backward, the
    gradients and the state dict printed."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(f"nn.Linear({n_in}, {n_out}, bias={draw(st.booleans())})")
        if i < len(sizes) - 2:
            layers.append(draw(st.sampled_from(ACTIVATIONS)))
    batch = draw(st.sampled_from(["", "3, ", "1, ", "2, "]))
    seed = draw(st.integers(0, 2 ** 16))
    if draw(st.booleans()):
        model = f"model = nn.Sequential({', '.join(layers)})"
    else:
        body = "\n".join(f"        self.layer{i} = {layer}" for i, layer in enumerate(layers))
        calls = "x"
        for i in range(len(layers)):
            calls = f"self.layer{i}({calls})"
        model = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                 f"{body}\n    def forward(self, x):\n        return {calls}\nmodel = Net()")
    return f"""
torch.manual_seed({seed})
{model}
print(model)
x = torch.randn({batch}{sizes[0]})
out = model(x)
print(out)
out.sum().backward()
for name, p in model.named_parameters():
    print(name, p.grad)
print(model.state_dict())
"""


@fixed_examples(40)
@given(mlp_programs())
def test_modules_print_and_differentiate_as_pytorch(source):
    assert_same(source)


@st.composite
def layer_programs(draw):
    """One layer whose CPU kernel gradcli reproduces bit for bit, with drawn hyper-parameters on
    a drawn input: output, input and parameter gradients (of a weighted sum, so that every
    position counts), and its repr."""
    n, c, h, w = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 5)),
                  draw(st.integers(2, 5)))
    k = draw(st.integers(1, min(h, w)))
    s, p = draw(st.integers(1, 2)), draw(st.integers(0, k // 2))
    image = f"torch.randn({n}, {c}, {h}, {w})"
    layer, x = draw(st.sampled_from([
        (f"nn.MaxPool2d({k}, stride={s}, padding={p}, ceil_mode={draw(st.booleans())})", image),
        (f"nn.AvgPool2d({k}, stride={s}, padding={p}, "
         f"count_include_pad={draw(st.booleans())})", image),
        (f"nn.AdaptiveAvgPool2d(({draw(st.integers(1, h))}, {draw(st.integers(1, w))}))", image),
        (f"nn.Dropout({draw(st.sampled_from([0.0, 0.25, 0.5, 0.9]))})", image),
        ("nn.LeakyReLU(0.2)", image), ("nn.ReLU()", image), ("nn.Sigmoid()", image),
        ("nn.Softmax(dim=1)", image), ("nn.LogSoftmax(dim=-1)", image), ("nn.Flatten()", image),
        (f"nn.Embedding(5, {c})", f"torch.randint(0, 5, ({n}, {h}))")]))
    seed = draw(st.integers(0, 2 ** 16))
    return f"""
torch.manual_seed({seed})
layer = {layer}
print(layer)
x = {x}
if x.is_floating_point():
    x.requires_grad_()
out = layer(x)
print(out)
(out * torch.rand(out.shape)).sum().backward()
print(x.grad)
for name, p in layer.named_parameters():
    print(name, p.grad)
"""


@fixed_examples(60)
@given(layer_programs())
def test_layers_print_and_differentiate_as_pytorch(source):
    assert_same(source)


def _layer_run(module, layer, shape, seed):
    """A layer's repr, grad_fn name, output, input gradient and parameter gradients (the
    values as float64 arrays)."""
    module.manual_seed(seed)
    made = eval(layer, {"nn": module.nn})  # noqa: S307 - our own drawn text
    x = module.randn(*shape, requires_grad=True)
    out = made(x)
    (out * module.rand(*out.shape)).sum().backward()
    grads = [p.grad for p in made.parameters()]
    return (repr(made), out.grad_fn.name(),
            [np.array(t.tolist(), dtype=np.float64) for t in [out, x.grad, *grads]])


@fixed_examples(60)
@given(st.sampled_from(["nn.Conv2d({c}, 2, {k}, stride={s}, padding={p}, bias={a})",
                        "nn.Conv1d({c}, 3, {k}, padding={p})", "nn.BatchNorm1d({c})",
                        "nn.BatchNorm2d({c}, affine={a})", "nn.LayerNorm({w})",
                        "nn.LayerNorm([{h}, {w}], elementwise_affine={a})", "nn.GELU()",
                        "nn.GELU('tanh')", "nn.ELU(alpha={s})", "nn.Tanh()"]),
       st.integers(2, 3), st.integers(1, 3), st.integers(2, 5), st.integers(2, 5),
       st.booleans(), st.integers(1, 2), st.integers(0, 2 ** 16))
def test_layers_within_float32_rounding_agree_with_pytorch(form, n, c, h, w, affine, s, seed):
    """The layers whose kernels are not reproduced to the bit (oneDNN's convolution sums,
    ATen's per-channel and Welford sums in the norms, SLEEF's erf/expm1/tanh): reprs and
    grad_fn names exactly, values to float32 rounding (absolute too: a layer norm over few
    elements has an input gradient made of rounding noise, and over two a badly conditioned
    one: layer norms here normalize three or more)."""
    if "LayerNorm" in form:
        w = max(w, 3)
    k = min(h, w, 1 + seed % 3)
    layer = form.format(c=c, h=h, w=w, a=affine, k=k, s=s, p=min(k // 2, seed % 2))
    if "Conv1d" in layer:
        shape = (n, c, w)
    elif "BatchNorm1d" in layer:
        shape = (n, c)
    else:
        shape = (n, c, h, w)
    expected = _layer_run(torch, layer, shape, seed)
    got = _layer_run(gradcli, layer, shape, seed)
    assert got[:2] == expected[:2]
    for mine, theirs in zip(got[2], expected[2]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


# ----- Losses -----

@st.composite
def loss_programs(draw):
    """A loss with drawn reduction and options on drawn logits: the loss, its grad_fn and the
    gradient of the logits (and of a soft target)."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    classes = f"torch.randint(0, {c}, ({n},))"
    weight = draw(st.sampled_from(["None", f"torch.rand({c})"]))
    call = draw(st.sampled_from([
        f"F.mse_loss(x, y, reduction='{reduction}')",
        f"F.l1_loss(x, y, reduction='{reduction}')",
        f"F.smooth_l1_loss(x, y, reduction='{reduction}', beta={draw(st.sampled_from([0.0, 0.5, 1.0]))})",
        f"F.huber_loss(x, y, reduction='{reduction}', delta={draw(st.sampled_from([0.5, 1.0, 2.0]))})",
        f"F.cross_entropy(x, {classes}, weight={weight}, reduction='{reduction}', "
        f"label_smoothing={draw(st.sampled_from([0.0, 0.1, 0.25]))})",
        f"F.cross_entropy(x, torch.tensor([{', '.join(draw(st.sampled_from(['0', '1', '-100'])) for _ in range(n))}]), "
        f"reduction='{reduction}', label_smoothing={draw(st.sampled_from([0.0, 0.2]))})",
        f"F.cross_entropy(x, y.softmax(1), weight={weight}, reduction='{reduction}', "
        f"label_smoothing={draw(st.sampled_from([0.0, 0.3]))})",
        f"F.nll_loss(F.log_softmax(x, 1), {classes}, weight={weight}, reduction='{reduction}')",
        f"F.binary_cross_entropy(torch.sigmoid(x), torch.rand({n}, {c}), reduction='{reduction}')",
        f"F.binary_cross_entropy_with_logits(x, torch.rand({n}, {c}), reduction='{reduction}', "
        f"pos_weight={draw(st.sampled_from(['None', f'torch.rand({c})']))})",
        f"F.kl_div(F.log_softmax(x, 1), y.softmax(1), reduction='{reduction}')",
        "F.kl_div(x, y, reduction='batchmean', log_target=True)",
        f"nn.CrossEntropyLoss(reduction='{reduction}')(x, {classes})",
        f"nn.BCEWithLogitsLoss(reduction='{reduction}')(x, torch.rand({n}, {c}))"]))
    seed = draw(st.integers(0, 2 ** 16))
    return f"""
torch.manual_seed({seed})
x = torch.randn({n}, {c}, requires_grad=True)
y = torch.randn({n}, {c}, requires_grad=True)
loss = {call}
print(loss, loss.grad_fn)
loss.sum().backward()
print(x.grad, y.grad)
"""


@fixed_examples(80)
@given(loss_programs())
def test_losses_print_and_differentiate_as_pytorch(source):
    assert_same(source)


# ----- Optimizers and schedulers -----
# SGD's updates are exact, so its losses are printed to the last digit (.item()); the adaptive
# optimizers divide by a square root, which PyTorch takes from MKL (within an ulp, not
# reproduced), so theirs are printed at the tensor's 4 digits.

OPTIMIZERS = {
    "SGD": lambda d: (f"optim.SGD(model.parameters(), lr={d(st.sampled_from([0.01, 0.1, 0.5]))}, "
                      f"momentum={d(st.sampled_from([0, 0.5, 0.9]))}, "
                      f"dampening={d(st.sampled_from([0, 0.1]))}, "
                      f"weight_decay={d(st.sampled_from([0, 0.01]))}, "
                      f"maximize={d(st.booleans())})"),
    "SGD nesterov": lambda d: (f"optim.SGD(model.parameters(), lr=0.05, momentum=0.9, "
                               f"nesterov=True, weight_decay={d(st.sampled_from([0, 0.1]))})"),
    "Adam": lambda d: (f"optim.Adam(model.parameters(), lr={d(st.sampled_from([0.001, 0.01, 0.1]))}, "
                       f"amsgrad={d(st.booleans())}, weight_decay={d(st.sampled_from([0, 0.1]))})"),
    "AdamW": lambda d: "optim.AdamW(model.parameters(), lr=0.01, betas=(0.8, 0.99))",
    "RMSprop": lambda d: (f"optim.RMSprop(model.parameters(), lr=0.01, "
                          f"momentum={d(st.sampled_from([0, 0.5]))}, centered={d(st.booleans())})"),
    "Adagrad": lambda d: (f"optim.Adagrad(model.parameters(), lr=0.1, "
                          f"lr_decay={d(st.sampled_from([0, 0.01]))})"),
}
SCHEDULERS = ["None", "optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)",
              "optim.lr_scheduler.ExponentialLR(opt, 0.9)",
              "optim.lr_scheduler.CosineAnnealingLR(opt, 3, eta_min=0.001)",
              "optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))"]


@st.composite
def training_programs(draw):
    """A seeded MLP trained for a few steps by a drawn optimizer and scheduler."""
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    exact = name.startswith("SGD")
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(f"nn.Linear({n_in}, {n_out})")
        if i < len(sizes) - 2:
            layers.append(draw(st.sampled_from(["nn.ReLU()", "nn.Sigmoid()"])))
    batch = draw(st.integers(1, 3))
    loss = draw(st.sampled_from(["F.mse_loss(out, y)", "F.l1_loss(out, y)",
                                 "F.smooth_l1_loss(out, y)"]))
    shown = "loss.item()" if exact else "loss"
    return f"""
torch.manual_seed({draw(st.integers(0, 2 ** 16))})
model = nn.Sequential({', '.join(layers)})
x = torch.randn({batch}, {sizes[0]})
y = torch.randn({batch}, {sizes[-1]})
opt = {OPTIMIZERS[name](draw)}
scheduler = {draw(st.sampled_from(SCHEDULERS))}
for step in range({draw(st.integers(1, 5))}):
    opt.zero_grad()
    out = model(x)
    loss = {loss}
    loss.backward()
    opt.step()
    if scheduler is not None:
        scheduler.step()
    print(step, {shown}, opt.param_groups[0]["lr"])
print(opt)
print([p.detach() for p in model.parameters()])
"""


@fixed_examples(60)
@given(training_programs())
def test_training_loops_print_as_pytorch(source):
    assert_same(source)


# ----- Data loading -----

@st.composite
def loader_programs(draw):
    """DataLoader passes (shuffled or not, with or without a generator) and random_split over a
    TensorDataset; a random draw at the end shows the default generator advanced as PyTorch's."""
    n = draw(st.integers(1, 12))
    loader = (f"data.DataLoader(ds, batch_size={draw(st.integers(1, 5))}, "
              f"shuffle={draw(st.booleans())}, drop_last={draw(st.booleans())}, "
              f"generator={draw(st.sampled_from(['None', 'torch.Generator().manual_seed(7)']))})")
    split = draw(st.sampled_from([f"[{n // 2}, {n - n // 2}]", "[0.5, 0.5]", "[0.7, 0.2, 0.1]"]))
    return f"""
torch.manual_seed({draw(st.integers(0, 2 ** 16))})
ds = data.TensorDataset(torch.randn({n}, 2), torch.arange({n}))
loader = {loader}
print(len(loader))
for epoch in range({draw(st.integers(1, 3))}):
    for x, y in loader:
        print(epoch, x.shape, y)
parts = data.random_split(ds, {split})
print([part.indices for part in parts])
print(torch.rand(2))
"""


@fixed_examples(40)
@given(loader_programs())
def test_data_loading_prints_as_pytorch(source):
    assert_same(source)
