"""The --json documents: tensors and values as JSON data, nan/inf as strings."""

from __future__ import annotations

import json

import click


def json_value(value):
    """A tensor or Python value as JSON-ready data (nan/inf are handled once, in emit_json)."""
    from gradcli.core.tensor import Tensor
    if isinstance(value, Tensor):
        return value.array.tolist()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return repr(value)


def _finite(value):
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value


def tensor_json(tensor, name=None):
    info = {"value": json_value(tensor), "shape": list(tensor.array.shape),
            "dtype": str(tensor.dtype)}
    if name is not None:
        info = {"name": name, **info}
    if tensor.grad_fn is not None:
        info["grad_fn"] = tensor.grad_fn.name()
    return info


def emit_json(payload) -> None:
    click.echo(json.dumps(_json_safe(payload), allow_nan=False))


def _json_safe(value):
    """nan and inf have no JSON spelling: they become the strings "nan", "inf", "-inf"."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return _finite(value)
