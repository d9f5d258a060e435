# The tutorial's dynamic graph: a while loop whose length depends on the data.
# y is not a scalar, so backward needs a vector: the vector-Jacobian product.
import torch

torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
