# The PyTorch autograd tutorial ("60 minute blitz"), verbatim: y = x + 2, out = mean(3 y^2).
import torch

x = torch.ones(2, 2, requires_grad=True)
print(x)

y = x + 2
print(y)
print("y.grad_fn: ", y.grad_fn)

z = y * y * 3
out = z.mean()
print(z, out)

out.backward()
print(x.grad)  # d(out)/dx = 6 (x + 2) / 4 = 4.5
