"""torch.nn in plain Python (``import gradcli as torch``): Module, Parameter, containers and
layers, each checked against the text PyTorch 2.13 prints (recorded from it, so these run
without torch; tests/test_nn_parity.py runs generated programs through both)."""

from __future__ import annotations

import contextlib
import io
import textwrap

import pytest

import gradcli as torch
import gradcli.nn as nn
import gradcli.nn.functional as F


def printed(*sources: str) -> str:
    """What the program made of ``sources`` (each dedented) prints, run as plain Python with
    gradcli as torch."""
    buffer = io.StringIO()
    program = "\n".join(textwrap.dedent(source) for source in sources)
    with contextlib.redirect_stdout(buffer):
        exec(program, {"torch": torch, "nn": nn, "F": F, "__name__": "__main__"})
    return buffer.getvalue()


NET = """
    torch.manual_seed(0)
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 3)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(3, 1)
            self.register_buffer("scale", torch.ones(1))

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x))) * self.scale
    net = Net()
"""


# ----- Parameter -----

def test_a_parameter_is_a_leaf_tensor_that_requires_grad():
    assert printed("""
        p = nn.Parameter(torch.tensor([1., 2.]))
        print(p)
        print(isinstance(p, torch.Tensor), p.is_leaf, p.grad_fn, p * 2)
        print(nn.Parameter(torch.ones(2), requires_grad=False))
    """) == ("Parameter containing:\ntensor([1., 2.], requires_grad=True)\n"
             "True True None tensor([2., 4.], grad_fn=<MulBackward0>)\n"
             "Parameter containing:\ntensor([1., 1.])\n")


def test_a_parameter_shares_memory_and_gradients_reach_it():
    data = torch.zeros(2)
    p = nn.Parameter(data)
    with torch.no_grad():
        p.add_(1)
    assert data.tolist() == [1.0, 1.0] and data._version == p._version == 1
    (p * p).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0] and type(p.grad) is torch.Tensor
    assert type(p.detach()) is torch.Tensor and type(p + 1) is torch.Tensor


def test_a_parameter_modified_in_place_is_caught_by_the_saved_version():
    p = nn.Parameter(torch.ones(2))
    out = (p * p).sum()
    with torch.no_grad():
        p.mul_(2)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[2\]\] is at version 1"):
        out.backward()


# ----- Module -----

def test_seed_0_linear_draws_pytorchs_weights():
    assert printed("""
        torch.manual_seed(0)
        layer = nn.Linear(3, 1)
        print(layer.weight, layer.bias)
        print(layer)
    """) == ("Parameter containing:\ntensor([[-0.0043,  0.3097, -0.4752]], requires_grad=True) "
             "Parameter containing:\ntensor([-0.4249], requires_grad=True)\n"
             "Linear(in_features=3, out_features=1, bias=True)\n")


def test_a_module_prints_its_children_as_pytorch():
    assert printed(NET, "print(net)") == (
        "Net(\n  (fc1): Linear(in_features=2, out_features=3, bias=True)\n  (act): ReLU()\n"
        "  (fc2): Linear(in_features=3, out_features=1, bias=True)\n)\n")


def test_attribute_assignment_registers_parameters_buffers_and_submodules():
    assert printed(NET, """
        print([(name, tuple(p.shape)) for name, p in net.named_parameters()])
        print([name for name, _ in net.named_children()], [type(m).__name__ for m in net.modules()])
        print([name for name, _ in net.named_buffers()], list(net.state_dict()))
        print(len(list(net.parameters())), len(list(net.children())))
    """) == ("[('fc1.weight', (3, 2)), ('fc1.bias', (3,)), ('fc2.weight', (1, 3)), "
             "('fc2.bias', (1,))]\n['fc1', 'act', 'fc2'] ['Net', 'Linear', 'ReLU', 'Linear']\n"
             "['scale'] ['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']\n4 3\n")


def test_a_forward_and_backward_through_a_module():
    assert printed(NET, """
        x = torch.randn(4, 2)
        out = net(x)
        print(out)
        out.sum().backward()
        print(net.fc1.weight.grad)
        net.zero_grad()
        print(net.fc1.weight.grad)
    """) == ("tensor([[-0.6305],\n        [-0.6690],\n        [-0.4842],\n        [-0.6920]], "
             "grad_fn=<MulBackward0>)\ntensor([[-0.4686,  0.6326],\n        [ 0.2954, -0.2257],\n"
             "        [ 0.3481, -0.4699]])\nNone\n")


def test_forward_hooks_see_and_replace_inputs_and_outputs():
    assert printed(NET, """
        x = torch.ones(1, 2)
        def pre(module, args):
            print("pre", type(module).__name__, len(args))
            return args[0] * 2
        def post(module, args, out):
            print("post", tuple(out.shape))
            return out + 1
        before = net(x)
        handles = [net.fc1.register_forward_pre_hook(pre), net.fc1.register_forward_hook(post)]
        hooked = net(x)
        for handle in handles:
            handle.remove()
        print(before, hooked, net(x))
    """) == ("pre Linear 1\npost (1, 3)\n"
             "tensor([[-0.4966]], grad_fn=<MulBackward0>) tensor([[-0.3742]], "
             "grad_fn=<MulBackward0>) tensor([[-0.4966]], grad_fn=<MulBackward0>)\n")


def test_train_eval_requires_grad_and_apply_walk_the_tree():
    assert printed(NET, """
        net.eval()
        print(net.training, net.fc1.training)
        print(net.train() is net, net.fc2.training)
        net.requires_grad_(False)
        print([p.requires_grad for p in net.parameters()])
        def init(module):
            if isinstance(module, nn.Linear):
                nn.init.constant_(module.weight, 0.5)
                nn.init.zeros_(module.bias)
        net.apply(init)
        print(net.fc2.weight, net(torch.ones(1, 2)))
    """) == ("False False\nTrue True\n[False, False, False, False]\n"
             "Parameter containing:\ntensor([[0.5000, 0.5000, 0.5000]]) tensor([[1.5000]])\n")


def test_state_dict_round_trip_and_pytorchs_loading_errors():
    assert printed(NET, """
        other = Net()
        print(other.load_state_dict(net.state_dict()))
        print(torch.equal(other.fc1.weight, net.fc1.weight))
        try:
            other.load_state_dict({"fc1.weight": torch.zeros(2, 2)})
        except RuntimeError as error:
            print(error)
        print(other.load_state_dict({"fc1.weight": torch.zeros(3, 2), "bogus": torch.ones(1)},
                                    strict=False))
    """) == (
        "<All keys matched successfully>\nTrue\n"
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "scale", "fc1.bias", "fc2.weight", "fc2.bias". \n'
        "\tsize mismatch for fc1.weight: copying a param with shape torch.Size([2, 2]) from "
        "checkpoint, the shape in current model is torch.Size([3, 2]).\n"
        "_IncompatibleKeys(missing_keys=['scale', 'fc1.bias', 'fc2.weight', 'fc2.bias'], "
        "unexpected_keys=['bogus'])\n")


def test_assignment_errors_are_pytorchs():
    assert printed(NET, """
        for attempt in (lambda: setattr(net, "fc1", 3),
                        lambda: setattr(net.fc1, "weight", torch.ones(3, 2)),
                        lambda: net.nothing, lambda: nn.Module()(1),
                        lambda: net.register_buffer("fc1", torch.ones(1))):
            try:
                attempt()
            except Exception as error:
                kind = next(k for k in (TypeError, AttributeError, NotImplementedError, KeyError)
                            if isinstance(error, k))
                print(kind.__name__, error)
        print(hasattr(net, "fc1"), hasattr(net, "missing"))
    """) == ("TypeError cannot assign 'int' as child module 'fc1' (torch.nn.Module or None "
             "expected)\nTypeError cannot assign 'torch.FloatTensor' as parameter 'weight' "
             "(torch.nn.Parameter or None expected)\n"
             "AttributeError 'Net' object has no attribute 'nothing'\n"
             'NotImplementedError Module [Module] is missing the required "forward" function\n'
             "KeyError \"attribute 'fc1' already exists\"\nTrue False\n")


def test_to_double_casts_parameters_and_buffers_in_place():
    layer = nn.Linear(2, 1)
    weight = layer.weight
    assert layer.double() is layer and layer.weight is weight
    assert str(layer.weight.dtype) == "torch.float64" and layer(torch.ones(1, 2).double()).dtype \
        == torch.float64
    assert layer.to(torch.float32).weight.dtype == torch.float32 and layer.cpu() is layer


def test_a_module_without_bias_and_shared_modules_counted_once():
    assert printed("""
        torch.manual_seed(0)
        shared = nn.Linear(2, 2, bias=False)
        class Twice(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = shared
                self.b = shared
            def forward(self, x):
                return self.b(self.a(x))
        model = Twice()
        print(model, [name for name, _ in model.named_parameters()])
        print(model(torch.ones(2)))
    """) == ("Twice(\n  (a): Linear(in_features=2, out_features=2, bias=False)\n"
             "  (b): Linear(in_features=2, out_features=2, bias=False)\n) ['a.weight']\n"
             "tensor([-0.4201,  0.3560], grad_fn=<SqueezeBackward4>)\n")


# ----- Containers -----

def test_sequential_indexes_slices_iterates_and_grows():
    assert printed("""
        seq = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
        print(len(seq), seq[0], seq[-1])
        print(seq[1:])
        print([type(m).__name__ for m in seq])
        seq.add_module("extra", nn.Sigmoid())
        print(seq)
    """) == ("3 Linear(in_features=2, out_features=4, bias=True) Linear(in_features=4, "
             "out_features=1, bias=True)\nSequential(\n  (1): Tanh()\n  (2): Linear(in_features=4, "
             "out_features=1, bias=True)\n)\n['Linear', 'Tanh', 'Linear']\nSequential(\n"
             "  (0): Linear(in_features=2, out_features=4, bias=True)\n  (1): Tanh()\n"
             "  (2): Linear(in_features=4, out_features=1, bias=True)\n  (extra): Sigmoid()\n)\n")


def test_module_list_folds_repeats_and_module_dict_keeps_order():
    assert printed("""
        print(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]))
        dict_ = nn.ModuleDict({"a": nn.ReLU()})
        dict_["b"] = nn.Tanh()
        print(dict_, list(dict_.keys()), "a" in dict_, len(dict_))
    """) == ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
             "  (3): ReLU()\n)\nModuleDict(\n  (a): ReLU()\n  (b): Tanh()\n) ['a', 'b'] True 2\n")


def test_identity_flatten_unflatten():
    x = torch.ones(2, 3, 4, requires_grad=True)
    assert nn.Identity(54, unused=1)(x) is x
    assert repr(nn.Flatten()(x)).endswith("grad_fn=<ViewBackward0>)")
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (3, 1))(x).shape == (2, 3, 1, 4)
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"


def test_linear_records_pytorchs_nodes_for_each_input_rank():
    torch.manual_seed(0)
    layer = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    assert layer(x).grad_fn.name() == "AddmmBackward0"
    vector = layer(x[0]).grad_fn
    assert vector.name() == "ViewBackward0" and vector.next_functions[0][0].name() == \
        "AddmmBackward0"
    assert layer(torch.randn(2, 5, 3)).shape == (2, 5, 2)
    assert nn.Linear(3, 2, bias=False)(x).grad_fn.name() == "MmBackward0"
    assert layer.weight.t().grad_fn.name() == "TBackward0"
