"""Forward-mode AD state: the dual level, and the tangent each dual tensor carries.

A tensor is dual while the level it was made in is open: ``make_dual`` gives it a tangent,
and every op applied to dual tensors computes its result's tangent with the op table's
``tangent`` rule (``ops.dispatch``).  Tangents are kept beside the tensors (by id, dropped
when the tensor goes), so tensors that never meet forward mode pay nothing; closing the
level forgets them all, as PyTorch does.
"""

from __future__ import annotations

import contextlib
import weakref

from gradcli.errors import TorchError


class DualMode:
    """Whether a dual level is open, and whether ops compute tangents now (they do not while
    a tangent rule or a custom Function's forward runs)."""

    level = None
    active = False


_TANGENTS: dict = {}  # id(tensor) -> (weak reference to the tensor, tangent)


def enter_level() -> int:
    if DualMode.level is not None:
        raise TorchError("Nested forward mode AD is not supported at the moment")
    DualMode.level = 0
    DualMode.active = True
    return 0


def exit_level(level=None) -> None:
    if DualMode.level is None:
        raise TorchError("Trying to exit a forward AD level that was not the last one that was "
                         "created. This is not supported.")
    DualMode.level = None
    DualMode.active = False
    _TANGENTS.clear()


def tangent_of(tensor):
    """The tangent of a dual tensor, or None."""
    entry = _TANGENTS.get(id(tensor))
    if entry is not None and entry[0]() is tensor:
        return entry[1]
    return None


def set_tangent(tensor, tangent) -> None:
    key = id(tensor)

    def forget(ref, key=key):
        entry = _TANGENTS.get(key)
        if entry is not None and entry[0] is ref:
            del _TANGENTS[key]
    _TANGENTS[key] = (weakref.ref(tensor, forget), tangent)


def tangents_of(values):
    """The tangent of each value (None for plain ones), or None when no value is dual."""
    if not DualMode.active or not _TANGENTS:
        return None
    found = [tangent_of(v) for v in values]
    return found if any(t is not None for t in found) else None


@contextlib.contextmanager
def suspended():
    """Ops inside compute no tangents (tangent rules, a custom Function's forward)."""
    previous = DualMode.active
    DualMode.active = False
    try:
        yield
    finally:
        DualMode.active = previous
