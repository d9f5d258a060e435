"""``nn.Conv1d`` and ``nn.Conv2d``, initialised as PyTorch's _ConvNd.reset_parameters."""

from __future__ import annotations

from gradcli.api.nn import functional as F
from gradcli.api.nn.modules.linear import reset_weight_and_bias, weight_and_bias
from gradcli.api.nn.modules.module import Module
from gradcli.errors import TorchError


class _ConvNd(Module):
    _spatial = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if groups <= 0:
            raise TorchError("groups must be a positive integer", kind="ValueError")
        if in_channels % groups != 0:
            raise TorchError("in_channels must be divisible by groups", kind="ValueError")
        if out_channels % groups != 0:
            raise TorchError("out_channels must be divisible by groups", kind="ValueError")
        if padding_mode != "zeros":
            raise TorchError(f"padding_mode={padding_mode!r} is not supported by gradcli",
                             kind="NotImplementedError")
        n = self._spatial
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._tuple(kernel_size, n)
        self.stride = F._tuple(stride, n)
        self.padding = padding if isinstance(padding, str) else F._tuple(padding, n)
        self.dilation = F._tuple(dilation, n)
        self.transposed, self.output_padding = False, (0,) * n
        self.groups, self.padding_mode = groups, padding_mode
        weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size), bias,
                        out_channels, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        return s.format(**self.__dict__)


class Conv1d(_ConvNd):
    _spatial = 1

    def forward(self, input):
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)
