"""Tensor pretty-printing, a faithful port of PyTorch's ``torch/_tensor_str.py``.

Only the default print options are supported (precision 4, threshold 1000,
edgeitems 3, linewidth 80, sci_mode None) and only dense, strided CPU tensors
of real dtypes, which is all gradcli has.  The structure mirrors the torch
source (``_Formatter``, ``_scalar_str``, ``_vector_str``,
``_tensor_str_with_formatter``, ``_tensor_str``, ``_add_suffixes``,
``get_summarized_data``, ``_str_intern``) so that behaviour can be checked
line by line against it.

Torch formats individual elements with Python's own ``format`` on the value
returned by ``.item()`` / ``.tolist()`` (a Python float, int or bool), so we
do the same on numpy's ``.tolist()`` results; numpy's own float printing is
never used because its rounding and padding rules differ.
"""

import math

import numpy as np

__all__ = ["tensor_repr", "size_repr"]

# Default torch print options (torch._tensor_str.PRINT_OPTS).
PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80

_FLOAT_DTYPES = ("float16", "float32", "float64")
# Dtypes that never get a ``dtype=`` suffix on non-empty tensors: the default
# float dtype plus the dtypes that literal ints / bools are inferred as.
_DEFAULT_DTYPES = ("float32", "int64", "bool")
_DEFAULT_FLOAT = "float32"


class _Formatter:
    """Decides int/sci mode and the common element width for one tensor."""

    def __init__(self, data, floating):
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if floating:
            self._init_float(data)
        else:
            # str() of a Python int/bool is what torch's f"{value}" yields.
            for value in data.ravel().tolist():
                self.max_width = max(self.max_width, len(str(value)))

    def _init_float(self, data):
        flat = data.ravel()
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            # Only zeros / nan / inf: torch keeps int_mode and width 1.
            return
        # Torch does the magnitude maths in float64 (float16 would overflow).
        absvals = np.abs(vals.astype(np.float64))
        nz_min = float(absvals.min())
        nz_max = float(absvals.max())
        # Python floats, exactly what torch's per-element .item() gives.
        values = vals.astype(np.float64).tolist()
        self.int_mode = all(v == math.ceil(v) for v in values)
        self.sci_mode = nz_max / nz_min > 1000.0 or nz_max > 1.0e8 or nz_min < 1.0e-4
        if self.sci_mode:
            spec, extra = f".{PRECISION}e", 0
        elif self.int_mode:
            # The "+1" makes room for the trailing "." that marks floats.
            spec, extra = ".0f", 1
        else:
            spec, extra = f".{PRECISION}f", 0
        for v in values:
            self.max_width = max(self.max_width, len(format(v, spec)) + extra)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            if self.sci_mode:
                ret = format(value, f"{self.max_width}.{PRECISION}e")
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = format(value, f".{PRECISION}f")
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _scalar_str(data, formatter):
    return formatter.format(data.item())


def _vector_str(data, indent, summarize, formatter):
    # Each element costs its width plus ", ".
    element_length = formatter.width() + 2
    elements_per_line = max(1, math.floor((LINEWIDTH - indent) / element_length))

    if summarize and data.shape[0] > 2 * EDGEITEMS:
        elements = (
            [formatter.format(v) for v in data[:EDGEITEMS].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in data[-EDGEITEMS:].tolist()]
        )
    else:
        elements = [formatter.format(v) for v in data.tolist()]

    lines = [
        ", ".join(elements[i : i + elements_per_line])
        for i in range(0, len(elements), elements_per_line)
    ]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(data, indent, summarize, formatter):
    dim = data.ndim
    if dim == 0:
        return _scalar_str(data, formatter)
    if dim == 1:
        return _vector_str(data, indent, summarize, formatter)

    n = data.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n))
    else:
        rows = list(range(n))
    slices = [
        "..." if i is None
        else _tensor_str_with_formatter(data[i], indent + 1, summarize, formatter)
        for i in rows
    ]
    # Higher-rank tensors separate their slices with (dim - 1) newlines,
    # which gives the blank line between 2-D blocks of a 3-D tensor.
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def get_summarized_data(data):
    """Keep only the edge items of every long dimension.

    Equivalent to torch's recursive cat/stack: the formatter only needs the
    set of values that will actually be printed, not their arrangement.
    """
    index = []
    for n in data.shape:
        if n > 2 * EDGEITEMS:
            index.append(np.r_[0:EDGEITEMS, n - EDGEITEMS : n])
        else:
            index.append(np.arange(n))
    return data[np.ix_(*index)] if index else data


def _tensor_str(data, indent, floating):
    if data.size == 0:
        return "[]"
    summarize = data.size > THRESHOLD
    formatter = _Formatter(get_summarized_data(data) if summarize else data, floating)
    return _tensor_str_with_formatter(data, indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    # Torch's off-by-two: counts from the char before the last "\n" (or +2
    # when there is none), so the suffix wraps a little earlier than needed.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _shape_tuple_str(shape):
    return str(tuple(int(n) for n in shape))


def tensor_repr(data, dtype_name, *, grad_fn_name=None, requires_grad=False, tangent=None):
    """Return exactly what PyTorch's repr(tensor)/str(tensor) prints for a tensor holding `data`."""
    data = np.asarray(data, dtype=np.dtype(dtype_name))
    prefix = "tensor("
    indent = len(prefix)
    floating = dtype_name in _FLOAT_DTYPES
    suffixes = []

    if data.size == 0:
        # Match NumPy: the shape is only implied for 1-D empty tensors, and
        # with no elements the dtype cannot be inferred, so any non-default
        # dtype (int64 and bool included) is spelled out.
        if data.ndim != 1:
            suffixes.append("size=" + _shape_tuple_str(data.shape))
        if dtype_name != _DEFAULT_FLOAT:
            suffixes.append("dtype=torch." + dtype_name)
        tensor_str = "[]"
    else:
        if dtype_name not in _DEFAULT_DTYPES:
            suffixes.append("dtype=torch." + dtype_name)
        tensor_str = _tensor_str(data, indent, floating)

    # A non-leaf shows its grad_fn; requires_grad is implied by it.
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:  # a dual tensor (forward-mode AD): its tangent's own text
        suffixes.append(f"tangent={tangent}")

    return _add_suffixes(prefix + tensor_str, suffixes, indent)


def size_repr(shape):
    """Return torch.Size's repr, e.g. ``torch.Size([2, 2])``."""
    return "torch.Size([" + ", ".join(str(int(n)) for n in shape) + "])"
