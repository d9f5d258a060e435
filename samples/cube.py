# A custom Function done right: it saves its input for backward.
import torch
from torch.autograd import Function


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
y = Cube.apply(x).sum()
y.backward()
print(x.grad)
