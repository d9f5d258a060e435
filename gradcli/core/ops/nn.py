"""Rows: the layers of torch.nn (addmm for Linear, convolution, pooling, normalization, the
activations and losses that are one op in PyTorch).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.ops.linalg import _check_mm, _mm_mat1_rule, _mm_mat2_rule
from gradcli.core.ops.schema import defop, sample
from gradcli.errors import TorchError


# ----- Linear -----
def _addmm_forward(bias, a, b, layout=None):
    # PyTorch copies the bias into the result and lets gemm add the product to it (beta=1):
    # the product's sum rounded first, then one addition per element
    product = _check_mm(a, b)
    try:
        shape = np.broadcast_shapes(bias.shape, product.shape)
    except ValueError:
        raise TorchError(f"The expanded size of the tensor ({product.shape[-1]}) must match the "
                         f"existing size ({bias.shape[-1]}) at non-singleton dimension 1.  Target "
                         f"sizes: [{product.shape[0]}, {product.shape[1]}].  Tensor sizes: "
                         f"[{', '.join(map(str, bias.shape))}]") from None
    if shape != product.shape:
        raise TorchError(f"The expanded size of the tensor ({product.shape[-1]}) must match the "
                         f"existing size ({shape[-1]}) at non-singleton dimension 1.")
    return product + bias


# layout as mm's: (mat1, mat2) column-major, given only when one is
defop("addmm", "AddmmBackward0", _addmm_forward,
      lambda F, g, r, bias, a, b, layout=(False, False): g,  # (summed to the bias's shape)
      lambda F, g, r, bias, a, b, layout=(False, False): _mm_mat1_rule(F, g, r, a, b, layout),
      lambda F, g, r, bias, a, b, layout=(False, False): _mm_mat2_rule(F, g, r, a, b, layout),
      saved_inputs=((), (2,), (1,)), arg_names=("self", "mat1", "mat2"),
      formula="d(c + A@B)/dc = 1, /dA = G@B^T, /dB = A^T@G", last_input_first=True,
      gradcheck=(sample((4,), (2, 3), (3, 4)), sample((2, 4), (2, 3), (3, 4)),
                 sample((1, 1), (1, 3), (3, 1)), sample((4,), (2, 3), (3, 4), layout=(False, True))))
