# A small convolutional network, the idea of the "Neural Networks" chapter of PyTorch's
# 60-minute blitz told again: two convolutions with max pooling, three linear layers, one
# random 32x32 image, a mean squared error against a random target, and one SGD step.
#
# `gradcli eval samples/neural_network.py` prints what `python samples/neural_network.py`
# prints with PyTorch installed.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class LeNet(nn.Module):
    """Image (1 channel, 32x32) -> 10 scores."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)     # 1x32x32 -> 6x28x28, pooled to 6x14x14
        self.conv2 = nn.Conv2d(6, 16, 5)    # 6x14x14 -> 16x10x10, pooled to 16x5x5
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, image):
        features = F.max_pool2d(F.relu(self.conv1(image)), (2, 2))
        features = F.max_pool2d(F.relu(self.conv2(features)), 2)
        flat = torch.flatten(features, 1)
        hidden = F.relu(self.fc2(F.relu(self.fc1(flat))))
        return self.fc3(hidden)


torch.manual_seed(0)
net = LeNet()
print(net)

params = list(net.parameters())
print(len(params), "parameter tensors;", sum(p.numel() for p in params), "numbers")
print("conv1.weight:", params[0].size())

image = torch.randn(1, 1, 32, 32)
scores = net(image)
print(scores)

# The scores against a made-up target, and the graph from the loss back to the image (each
# node's first input that is not a parameter's AccumulateGrad).
target = torch.randn(10).view(1, -1)
criterion = nn.MSELoss()
loss = criterion(scores, target)
print(loss)
node = loss.grad_fn
while node is not None:
    print("  ", node.name())
    node = next((child for child, _ in node.next_functions if child is not None
                 and child.name() != "torch::autograd::AccumulateGrad"), None)

# Backward: gradients accumulate, so clear them first.
net.zero_grad()
print("conv1.bias.grad before backward:", net.conv1.bias.grad)
loss.backward()
print("conv1.bias.grad after backward:", net.conv1.bias.grad)

# One step of plain SGD, and the loss it leads to.
optimizer = optim.SGD(net.parameters(), lr=0.01)
optimizer.step()
print(criterion(net(image), target))
