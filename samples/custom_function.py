# The tutorial's custom Function. Its backward returns grad_output unchanged, but
# d(5 a)/da = 5: `gradcli check custom_function.py` catches the bug (exit 3).
import torch
from torch.autograd.function import Function


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


a = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]], requires_grad=True)
b = MulConstant.apply(a, 5)
print("a:" + str(a))
print("b:" + str(b))
b.backward(torch.ones_like(a))
print(a.grad)
