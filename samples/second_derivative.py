# Higher-order derivatives: differentiate the derivative (create_graph=True).
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 3 + 2 * x
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
print(dy, d2y)  # 3x^2 + 2 = 14, 6x = 12
