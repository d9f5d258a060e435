"""The torch.autograd surface, each behaviour with the text PyTorch 2.13 prints for it (recorded
from PyTorch, so these run without it; test_autograd_parity.py compares with PyTorch itself).

Programs run through gradcli's interpreter, or as plain Python with ``import torch`` giving
gradcli where they use what the interpreter does not parse yet (decorators).
"""

from __future__ import annotations

import pytest

import gradcli
from conftest import run_gradcli, run_python

PROGRAMS = {}

# a Function returning a tuple: one output each, numbered in next_functions; backward gets one
# gradient per output, zeros for one the loss did not use
PROGRAMS["several_outputs"] = ("eval", """\
import torch
class Split(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x[:2] * 1, x[2:] * 2
    @staticmethod
    def backward(ctx, g_head, g_tail):
        print("backward got", g_head, g_tail)
        return torch.cat([g_head, g_tail * 2])
x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
head, tail = Split.apply(x)
print(head, tail, head.grad_fn.name(), head.grad_fn.next_functions)
total = head.sum() + (tail * tail).sum()
print(total.grad_fn.next_functions[0][0].next_functions, total.grad_fn.next_functions[1][0].next_functions[0][0].next_functions)
total.backward()
print(x.grad)
x.grad = None
head, tail = Split.apply(x)
head.sum().backward()
print(x.grad)
""", """\
tensor([1., 2.], grad_fn=<SplitBackward>) tensor([6., 8.], grad_fn=<SplitBackward>) SplitBackward ((<AccumulateGrad object at 0x?>, 0),)
((<torch.autograd.function.SplitBackward object at 0x?>, 0),) ((<torch.autograd.function.SplitBackward object at 0x?>, 1), (<torch.autograd.function.SplitBackward object at 0x?>, 1))
backward got tensor([1., 1.]) tensor([12., 16.])
tensor([ 1.,  1., 24., 32.])
backward got tensor([1., 1.]) tensor([0., 0.])
tensor([1., 1., 0., 0.])
""")

# set_materialize_grads(False) gives None for outputs without a gradient; a non-differentiable
# output does not require grad; a non-tensor output passes through; needs_input_grad
PROGRAMS["materialize_and_marks"] = ("eval", """\
import torch
class Parts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.set_materialize_grads(False)
        big = x > 1
        ctx.mark_non_differentiable(big)
        print(ctx.needs_input_grad)
        return x * scale, big, "label", x.sum()
    @staticmethod
    def backward(ctx, g, g_big, g_label, g_sum):
        print("backward got", g, g_big, g_label, g_sum)
        if g is None:
            return g_sum.expand(3), None
        return g * 2, None
x = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
scaled, big, label, total = Parts.apply(x, 2)
print(scaled, big, big.requires_grad, big.grad_fn, label, total)
total.backward()
print(x.grad)
(scaled * 3).sum().backward()
print(x.grad)
""", """\
(True, False)
tensor([1., 3., 5.], grad_fn=<PartsBackward>) tensor([False,  True,  True]) False None label tensor(4.5000, grad_fn=<PartsBackward>)
backward got None None None tensor(1.)
tensor([1., 1., 1.])
backward got tensor([3., 3., 3.]) None None None
tensor([7., 7., 7.])
""")

# mark_dirty: the input modified in place is the output, its history continued; a parameter left
# to its default gets a None gradient; a leaf modified in place is refused
PROGRAMS["dirty_and_defaults"] = ("eval", """\
import torch
class AddOne(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.add_(1)
        ctx.mark_dirty(x)
        return x
    @staticmethod
    def backward(ctx, g):
        return g
class Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, bias=None):
        ctx.save_for_backward(x, w)
        out = x * w
        if bias is not None:
            out = out + bias
        return out
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        print(ctx.needs_input_grad)
        return g * w, g * x, None
a = torch.tensor([1., 2.], requires_grad=True)
b = a * 3
c = AddOne.apply(b)
print(c is b, c, b.grad_fn, c.grad_fn.next_functions)
c.sum().backward()
print(a.grad)
w = torch.tensor([0.5, -1.], requires_grad=True)
Linear.apply(a, w).sum().backward()
print(a.grad, w.grad)
AddOne.apply(a)
""", """\
True tensor([4., 7.], grad_fn=<AddOneBackward>) <torch.autograd.function.AddOneBackward object at 0x?> ((<MulBackward0 object at 0x?>, 0),)
tensor([3., 3.])
(True, True)
tensor([3.5000, 2.0000]) tensor([1., 2.])
!! RuntimeError: a leaf Variable that requires grad has been used in an in-place operation.
""")

# once_differentiable: backward runs without recording, and a double backward through its
# results raises PyTorch's error (plain Python: the interpreter has no decorators yet)
PROGRAMS["once_differentiable"] = ("python", """\
import torch
from torch.autograd.function import once_differentiable
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3
    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        print("recording:", torch.is_grad_enabled())
        return 3 * x * x * g
x = torch.tensor([1., 2.], requires_grad=True)
y = Cube.apply(x)
g, = torch.autograd.grad((y * x).sum(), x, create_graph=True)
print(g, g.grad_fn.next_functions[1][0], g.grad_fn.next_functions[1][0].name())
g.sum().backward()
""", """\
recording: False
tensor([ 4., 32.], grad_fn=<AddBackward0>) <Error object at 0x?> torch::autograd::Error
!! RuntimeError: trying to differentiate twice a function that was marked with @once_differentiable
""")

# the deprecated Variable: a tensor sharing the data's memory, requiring grad if asked
PROGRAMS["variable"] = ("eval", """\
import torch
from torch.autograd import Variable
data = torch.tensor([[1., 2.], [3., 4.]])
v = Variable(data, requires_grad=True)
print(v, Variable(data), v.is_leaf)
(v * v).mean().backward()
print(v.grad)
v.data[0, 0] = 10
print(data)
Variable(torch.tensor([1, 2]), requires_grad=True)
""", """\
tensor([[1., 2.],
        [3., 4.]], requires_grad=True) tensor([[1., 2.],
        [3., 4.]]) True
tensor([[0.5000, 1.0000],
        [1.5000, 2.0000]])
tensor([[10.,  2.],
        [ 3.,  4.]])
!! RuntimeError: Only Tensors of floating point and complex dtype can require gradients
""")

# gradcheck and gradgradcheck in float64; a wrong backward returns False or raises
# GradcheckError with both Jacobians
PROGRAMS["gradcheck"] = ("eval", """\
import torch
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2 * x
class Wrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 5
    @staticmethod
    def backward(ctx, g):
        return g
x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(Square.apply, x), torch.autograd.gradgradcheck(Square.apply, x))
print(torch.autograd.gradcheck(lambda a, b: (a * b).sin(), (x, x.detach() + 1)))
print(torch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False))
torch.autograd.gradcheck(Wrong.apply, (x,))
""", """\
True True
True
False
!! GradcheckError: Jacobian mismatch for output 0 with respect to input 0,
numerical:tensor([[5.0000, 0.0000, 0.0000, 0.0000],
        [0.0000, 5.0000, 0.0000, 0.0000],
        [0.0000, 0.0000, 5.0000, 0.0000],
        [0.0000, 0.0000, 0.0000, 5.0000]], dtype=torch.float64)
analytical:tensor([[1., 0., 0., 0.],
        [0., 1., 0., 0.],
        [0., 0., 1., 0.],
        [0., 0., 0., 1.]], dtype=torch.float64)

""")

# GradcheckError is a RuntimeError, with PyTorch's whole message
PROGRAMS["gradcheck_message"] = ("python", """\
import torch
class Wrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 5
    @staticmethod
    def backward(ctx, g):
        return g
x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.gradcheck(Wrong.apply, (x,))
except RuntimeError as error:
    print(type(error).__name__, error)
try:
    torch.autograd.gradcheck(lambda a: a * 2, (torch.ones(2, dtype=torch.float64),))
except ValueError as error:
    print(error)
""", """\
GradcheckError Jacobian mismatch for output 0 with respect to input 0,
numerical:tensor([[5.0000, 0.0000],
        [0.0000, 5.0000]], dtype=torch.float64)
analytical:tensor([[1., 0.],
        [0., 1.]], dtype=torch.float64)

gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True.
""")

# hooks on nodes: tensor hooks, then pre hooks, the node, post hooks; a pre hook may replace the
# gradients; post accumulate grad hooks see the leaf; what a hook returns is checked
PROGRAMS["node_hooks"] = ("eval", """\
import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x * 2
z = y.exp()
z.register_hook(lambda g: print("tensor hook", g))
h = z.grad_fn.register_prehook(lambda grads: print("pre hook", grads))
z.grad_fn.register_hook(lambda grads_in, grads_out: print("post hook", grads_in, grads_out))
y.grad_fn.register_prehook(lambda grads: (grads[0] * 10,))
y.grad_fn.next_functions[0][0].register_hook(lambda grads_in, grads_out: print("leaf post hook", grads_in, grads_out))
x.register_post_accumulate_grad_hook(lambda leaf: print("accumulated", leaf.grad))
z.sum().backward(retain_graph=True)
h.remove()
x.grad = None
z.sum().backward()
print(x.grad)
w = x * x
w.grad_fn.register_prehook(lambda grads: (grads[0], grads[0]))
w.sum().backward()
""", """\
tensor hook tensor([1., 1.])
pre hook (tensor([1., 1.]),)
post hook (tensor([ 7.3891, 54.5981]),) (tensor([1., 1.]),)
accumulated tensor([ 147.7811, 1091.9630])
leaf post hook () (tensor([ 147.7811, 1091.9630]),)
tensor hook tensor([1., 1.])
post hook (tensor([ 7.3891, 54.5981]),) (tensor([1., 1.]),)
accumulated tensor([ 147.7811, 1091.9630])
leaf post hook () (tensor([ 147.7811, 1091.9630]),)
tensor([ 147.7811, 1091.9630])
!! RuntimeError: hook '<lambda>' has returned an incorrect number of values (got 2, but expected 1)
""")

# a post hook must return a tuple
PROGRAMS["node_hook_checks"] = ("eval", """\
import torch
x = torch.tensor([1., 2.], requires_grad=True)
w = x * x
w.grad_fn.register_hook(lambda grads_in, grads_out: 3)
w.sum().backward()
""", """\
!! TypeError: expected tuple, but hook returned 'int'
""")

# register_multi_grad_hook waits for the gradients this backward computes (PyTorch's docstring
# example), or takes the first with mode='any'
PROGRAMS["multi_grad_hook"] = ("eval", """\
import torch
a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([3., 4.], requires_grad=True)
c = a * b
d = a * b
def report(grads):
    print([g is not None for g in grads])
torch.autograd.graph.register_multi_grad_hook((a, b, c, d), report)
c.sum().backward(retain_graph=True)
c.sum().backward(inputs=(a,), retain_graph=True)
torch.autograd.graph.register_multi_grad_hook((a, b), lambda g: print("first", g), mode="any")
(a * b).sum().backward()
""", """\
[True, True, True, False]
[True, False, True, False]
first tensor([3., 4.])
[True, True, False, False]
""")

# pack when an op or a Function saves a tensor, unpack each time backward reads it, in PyTorch's
# order; what unpack returns is what backward uses
PROGRAMS["saved_tensors_hooks"] = ("eval", """\
import torch
def pack_hook(x):
    print("Packing", x)
    return x.detach()
def unpack_hook(x):
    print("Unpacking", x)
    return x
a = torch.ones(3, requires_grad=True)
b = torch.ones(3, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b
    z = y.exp()
    w = torch.tensor([1., 2., 3.]) * a
z.sum().backward(retain_graph=True)
w.sum().backward()
z.sum().backward()
class Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x * 2
        ctx.save_for_backward(x, out)
        return out
    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return g * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    t = Twice.apply(a)
t.sum().backward()
with torch.autograd.graph.saved_tensors_hooks(lambda x: x * 10, lambda x: x):
    y = a * a
y.sum().backward()
print(a.grad)
""", """\
Packing tensor([2., 2., 2.], grad_fn=<MulBackward0>)
Packing tensor([1., 1., 1.], requires_grad=True)
Packing tensor([7.3891, 7.3891, 7.3891], grad_fn=<ExpBackward0>)
Packing tensor([1., 2., 3.])
Unpacking tensor([7.3891, 7.3891, 7.3891])
Unpacking tensor([2., 2., 2.])
Unpacking tensor([1., 1., 1.])
Unpacking tensor([1., 2., 3.])
Unpacking tensor([7.3891, 7.3891, 7.3891])
Unpacking tensor([2., 2., 2.])
Unpacking tensor([1., 1., 1.])
Packing tensor([1., 1., 1.], requires_grad=True)
Packing tensor([2., 2., 2.], grad_fn=<TwiceBackward>)
Unpacking tensor([1., 1., 1.])
Unpacking tensor([2., 2., 2.])
tensor([52.5562, 53.5562, 54.5562])
""")

# torch.autograd.functional: PyTorch's docstring examples and the structures for several inputs
# and outputs
PROGRAMS["functional"] = ("eval", """\
import torch
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
torch.manual_seed(0)
def exp_reducer(x):
    return x.exp().sum(dim=1)
inputs = torch.rand(2, 2)
print(jacobian(exp_reducer, inputs))
print(jacobian(exp_reducer, inputs, create_graph=True))
def exp_adder(x, y):
    return 2 * x.exp() + 3 * y
print(jacobian(exp_adder, (torch.rand(2), torch.rand(2))))
def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()
print(hessian(pow_adder_reducer, (torch.rand(2), torch.rand(2))))
def adder(x, y):
    return 2 * x + 3 * y
print(vjp(adder, (torch.ones(2), torch.ones(2)), torch.ones(2)))
print(jvp(adder, (torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(2))))
def cube_sum(x):
    return (x ** 3).sum()
print(hvp(cube_sum, torch.tensor([1., 2.]), torch.ones(2)))
print(vhp(cube_sum, torch.tensor([1., 2.]), torch.ones(2), create_graph=True))
print(jacobian(lambda a: (a * 2, a.sum()), torch.ones(2)))
""", """\
tensor([[[1.6426, 2.1559],
         [0.0000, 0.0000]],

        [[0.0000, 0.0000],
         [1.0925, 1.1411]]])
tensor([[[1.6426, 2.1559],
         [0.0000, 0.0000]],

        [[0.0000, 0.0000],
         [1.0925, 1.1411]]], grad_fn=<ViewBackward0>)
(tensor([[2.7198, 0.0000],
        [0.0000, 3.7706]]), tensor([[3., 0.],
        [0., 3.]]))
((tensor([[4., 0.],
        [0., 4.]]), tensor([[0., 0.],
        [0., 0.]])), (tensor([[0., 0.],
        [0., 0.]]), tensor([[6., 0.],
        [0., 6.]])))
(tensor([5., 5.]), (tensor([2., 2.]), tensor([3., 3.])))
(tensor([5., 5.]), tensor([5., 5.]))
(tensor(9.), tensor([ 6., 12.]))
(tensor(9., grad_fn=<SumBackward0>), tensor([ 6., 12.], grad_fn=<MulBackward0>))
(tensor([[2., 0.],
        [0., 2.]]), tensor([1., 1.]))
""")

# forward mode: dual tensors print their tangent, unpack_dual, tangents gone after the level, an
# op without a tangent rule refuses
PROGRAMS["forward_ad"] = ("eval", """\
import torch
import torch.autograd.forward_ad as fwAD
x = torch.tensor([1., 2., 3.])
t = torch.tensor([1., 0.5, 0.25])
with fwAD.dual_level():
    d = fwAD.make_dual(x, t)
    y = d * d + d.sigmoid()
    print(d)
    print(y)
    print(fwAD.unpack_dual(y))
    print(fwAD.unpack_dual(d).tangent is t, fwAD.unpack_dual(x))
    s = y.sum()
    print(s, fwAD.unpack_dual(s).tangent)
print(y, fwAD.unpack_dual(y).tangent)
with fwAD.dual_level():
    fwAD.make_dual(x, t) // 2
""", """\
tensor([1., 2., 3.], tangent=tensor([1.0000, 0.5000, 0.2500]))
tensor([1.7311, 4.8808, 9.9526], tangent=tensor([2.1966, 2.0525, 1.5113]))
UnpackedDualTensor(primal=tensor([1.7311, 4.8808, 9.9526]), tangent=tensor([2.1966, 2.0525, 1.5113]))
True UnpackedDualTensor(primal=tensor([1., 2., 3.]), tangent=None)
tensor(16.5644, tangent=5.760402679443359) tensor(5.7604)
tensor([1.7311, 4.8808, 9.9526]) None
!! NotImplementedError: Trying to use forward AD with aten::floor_divide that does not support it.
""")


# grad_fn._saved_<name>: the very input tensors a node saved (None where it needed none), a
# number as PyTorch's wrapped 0-d tensor, scalar arguments, sizes, the result as a new tensor
# whose grad_fn is the node; after backward the tensors are freed (the numbers and sizes stay),
# and one modified in place since is reported as backward would
PROGRAMS["saved_values"] = ("eval", """\
import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = torch.tensor([4., 5., 6.], requires_grad=True)
m = x * y
p = x ** 2
s = x.sum()
e = x.exp()
mm = x.view(3, 1) @ y.view(1, 3)
print(m.grad_fn._saved_self is x, m.grad_fn._saved_other is y, (x * 2).grad_fn._saved_other, (x * 2.5).grad_fn._saved_other, (x * torch.tensor([1., 2., 3.])).grad_fn._saved_self)
print(p.grad_fn._saved_exponent, p.grad_fn._saved_self is x, (x ** y).grad_fn._saved_exponent is y, (2 ** x).grad_fn._saved_self, (x.pow(0.5)).grad_fn._saved_exponent)
print(e.grad_fn._saved_result, e.grad_fn._saved_result is e, e.equal(e.grad_fn._saved_result), e.grad_fn._saved_result.grad_fn is e.grad_fn)
print(s.grad_fn._saved_self_sym_sizes, x.sum(0).grad_fn._saved_dim, x.sum(0).grad_fn._saved_keepdim, x.view(1, 3).sum(1, keepdim=True).grad_fn._saved_self_sym_sizes, x.mean().grad_fn._saved_self_sym_numel)
print(mm.grad_fn._saved_self, mm.grad_fn._saved_mat2, mm.grad_fn._saved_self_sym_sizes, mm.grad_fn._saved_mat2_sym_strides, mm.grad_fn._saved_self_sym_strides)
t = torch.ones(2, 3, requires_grad=True)
mt = t @ torch.ones(3, 2).t().t()
print(mt.grad_fn._saved_self, mt.grad_fn._saved_mat2)
try:
    m.grad_fn._saved_foo
except AttributeError as err:
    print(err)
(m.sum() + p.sum() + s + e.sum() + mm.sum()).backward()
def show(read):
    try:
        print(read())
    except RuntimeError as err:
        print(err)
for read in (lambda: m.grad_fn._saved_self, lambda: m.grad_fn._saved_other, lambda: p.grad_fn._saved_exponent, lambda: p.grad_fn._saved_self, lambda: s.grad_fn._saved_self_sym_sizes, lambda: e.grad_fn._saved_result, lambda: mm.grad_fn._saved_mat2, lambda: mm.grad_fn._saved_self_sym_sizes):
    show(read)
w = x * 1
v = w.sin()
w.add_(1)
try:
    v.grad_fn._saved_self
except RuntimeError as err:
    print(err)
u = (x * 1).exp()
node = u.grad_fn
u.add_(1)
try:
    node._saved_result
except RuntimeError as err:
    print(err)
def pack(t):
    print("pack", t)
    return t * 10
def unpack(t):
    print("unpack", t)
    return t / 10
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    z = x.sin()
print(z.grad_fn._saved_self)
""", """\
True True tensor(2) tensor(2.5000, dtype=torch.float64) None
2 True True 2 0.5
tensor([ 2.7183,  7.3891, 20.0855], grad_fn=<ExpBackward0>) False True True
(3,) (0,) False (1, 3) 3
tensor([[1.],
        [2.],
        [3.]], grad_fn=<ViewBackward0>) tensor([[4., 5., 6.]], grad_fn=<ViewBackward0>) (3, 1) (3, 1) (1, 1)
None tensor([[1., 1.],
        [1., 1.],
        [1., 1.]])
'MulBackward0' object has no attribute '_saved_foo'
Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
2
Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
(3,)
Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
(3, 1)
one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Add, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).
pack tensor([1., 2., 3.], requires_grad=True)
unpack tensor([10., 20., 30.])
tensor([1., 2., 3.], requires_grad=True)
""")

# through saved_tensors_hooks: packed with grad mode off, unpacked on each read, the unpacked
# tensor attached where the saved one was (its grad_fn, or the leaf it stands for)
PROGRAMS["saved_values_through_hooks"] = ("eval", """\
import torch
x = torch.tensor([1., 2.], requires_grad=True)
def pack(t):
    print("pack grad mode", torch.is_grad_enabled(), t.requires_grad)
    return t * 10
def unpack(t):
    print("unpack grad mode", torch.is_grad_enabled(), t)
    return t / 10
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    w = x * 2
    z = w.sin()
    e = x.exp()
    q = x.cos()
a = z.grad_fn._saved_self
print(a, a is w, a.grad_fn, a.is_leaf)
b = e.grad_fn._saved_result
print(b, b.grad_fn)
c = q.grad_fn._saved_self
print(c, c.is_leaf, c.requires_grad)
(c * 3).sum().backward()
print(x.grad)
z.sum().backward()
print(x.grad)
print(z.grad_fn._saved_self if False else "done")
""", """\
pack grad mode False True
pack grad mode False True
pack grad mode False True
unpack grad mode True tensor([20., 40.])
tensor([2., 4.], grad_fn=<MulBackward0>) False <MulBackward0 object at 0x?> False
unpack grad mode True tensor([27.1828, 73.8906])
tensor([2.7183, 7.3891], grad_fn=<ExpBackward0>) <ExpBackward0 object at 0x?>
unpack grad mode True tensor([10., 20.])
tensor([1., 2.], requires_grad=True) True True
tensor([3., 3.])
unpack grad mode False tensor([20., 40.])
tensor([2.1677, 1.6927])
done
""")

# the tangent rules of the ops PyTorch's derivatives.yaml gives one: cumprod past a zero, std and
# var, rounding (zeros), atan2, logsumexp, sorting, shape ops, scatters, normal (zeros); unique
# refuses forward mode in PyTorch's words
PROGRAMS["forward_ad_tangent_rules"] = ("eval", """\
import torch
import torch.autograd.forward_ad as fwAD
tan = lambda v: fwAD.unpack_dual(v).tangent
with fwAD.dual_level():
    z = fwAD.make_dual(torch.tensor([2., 0., 3., 0., 5.]), torch.arange(1., 6.))
    print(tan(z.cumprod(0)), tan(z.cumsum(0)))
    print(tan(fwAD.make_dual(torch.tensor(0.), torch.tensor(3.)).cumprod(0)))
    c = fwAD.make_dual(torch.ones(2, 3), torch.tensor([[1., 2., 3.], [0., 0., 1.]]))
    print(tan(c.std(1)), tan(c.var()), tan(c.floor()), tan(c.frac()))
    print(tan(torch.atan2(c, c + 1)), tan(c.logsumexp(1)), tan(c.round(decimals=1)))
    print(tan(c.sort(1, descending=True).values), tan(c.topk(2).values))
    print(tan(c.split(2, 1)[1]), tan(c.repeat(1, 2)), tan(c.flip(1).tril()))
    print(tan(c.triu(1).diagonal()), tan(torch.normal(c, 1.)))
    print(tan(c.scatter_add(1, torch.tensor([[0, 0], [2, 2]]), c)))
    print(tan(c.scatter(1, torch.tensor([[1], [0]]), 7.)))
    try:
        c.unique()
    except NotImplementedError as e:
        print(e)
""", """\
tensor([ 1.,  4., 12.,  0.,  0.]) tensor([ 1.,  3.,  6., 10., 15.])
tensor(3.)
tensor([0., 0.]) tensor(0.) tensor([[0., 0., 0.],
        [0., 0., 0.]]) tensor([[1., 2., 3.],
        [0., 0., 1.]])
tensor([[0.2000, 0.4000, 0.6000],
        [0.0000, 0.0000, 0.2000]]) tensor([2.0000, 0.3333]) tensor([[0., 0., 0.],
        [0., 0., 0.]])
tensor([[1., 2., 3.],
        [0., 0., 1.]]) tensor([[1., 2.],
        [0., 0.]])
tensor([[3.],
        [1.]]) tensor([[1., 2., 3., 1., 2., 3.],
        [0., 0., 1., 0., 0., 1.]]) tensor([[3., 0., 0.],
        [1., 0., 0.]])
tensor([0., 0.]) tensor([[0., 0., 0.],
        [0., 0., 0.]])
tensor([[4., 2., 3.],
        [0., 0., 1.]])
tensor([[1., 0., 3.],
        [0., 0., 1.]])
Trying to use forward AD with _unique2 that does not support it because it has not been implemented yet.
Please file an issue to PyTorch at https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so that we can prioritize its implementation or submit a PR adding the implementation to derivatives.yaml
""")

@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_prints_what_pytorch_prints(name):
    mode, source, expected = PROGRAMS[name]
    got = run_gradcli(source) if mode == "eval" else run_python(source, gradcli)
    assert got == expected
