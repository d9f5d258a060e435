# Newton's method for a root of f(x) = x^3 - 2x - 5, with f' from autograd.grad.
import torch

x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
for step in range(6):
    f = x ** 3 - 2 * x - 5
    (slope,) = torch.autograd.grad(f, x)
    with torch.no_grad():
        x -= f / slope
    print(step, x.item())

f = x ** 3 - 2 * x - 5
print(f)
