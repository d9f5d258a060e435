# A tiny two-layer perceptron on four points, one forward and backward pass.
import torch

torch.manual_seed(0)
xs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
ys = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

w1 = torch.randn(2, 3, requires_grad=True)
b1 = torch.zeros(3, requires_grad=True)
w2 = torch.randn(3, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)

hidden = torch.tanh(xs @ w1 + b1)
pred = torch.sigmoid(hidden @ w2 + b2)
loss = ((pred - ys) ** 2).mean()
loss.backward()
print(loss)
print(w1.grad)
print(w2.grad)
