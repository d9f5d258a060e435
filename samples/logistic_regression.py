# Logistic regression by gradient descent: updates in place under no_grad.
import torch

xs = torch.tensor([[0.5, 1.0], [1.5, 2.0], [3.0, 0.5], [2.5, 3.5], [0.2, 0.1], [3.2, 2.8]])
labels = torch.tensor([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
w = torch.zeros(2, requires_grad=True)
b = torch.zeros(1, requires_grad=True)

for step in range(100):
    p = torch.sigmoid(xs @ w + b)
    loss = -(labels * torch.log(p) + (1 - labels) * torch.log(1 - p)).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.5 * w.grad
        b -= 0.5 * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if step % 25 == 0:
        print(step, round(loss.item(), 4))

print(w, b)
print(loss)
