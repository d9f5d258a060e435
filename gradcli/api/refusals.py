"""What to say about a name gradcli does not have: PyTorch's own, or a near miss of one it has.

``pytorch_names.txt`` lists PyTorch 2.13's public names (``tools/pytorch_names.py`` writes it
from an installed torch).  A program reaching for one of them (``torch.fft``, ``x.stft``,
``torch.nn.functional.grid_sample``) is told that it is part of PyTorch but not supported by
gradcli; any other unknown name gets "did you mean" only for a real near miss, a typo away
from a name gradcli has (``sun`` for ``sum``), never a shorter relative (``cumsum`` is not
``sum``).
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

_NAMES_FILE = Path(__file__).resolve().parent / "pytorch_names.txt"
HINT = "gradcli implements the part of PyTorch its README lists (the language reference)"


@functools.cache
def pytorch_names() -> frozenset:
    """PyTorch's public names, read once when first asked for (not at start-up)."""
    lines = _NAMES_FILE.read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def unsupported(qualified: str) -> str | None:
    """The refusal for ``torch.fft``-like names PyTorch has and gradcli lacks, else None."""
    if qualified in pytorch_names():
        return f"{qualified} is part of PyTorch but not supported by gradcli"
    return None


def near_miss(name: str, candidates) -> str | None:
    """The candidate ``name`` is most likely a typo of: at most one edit (two for longer
    names) away, a swap of neighbours counting as one."""
    allowed = 1 if len(name) < 8 else 2
    for candidate in difflib.get_close_matches(
            name, sorted(c for c in candidates if not c.startswith("_")), n=3, cutoff=0.6):
        if _edits(name, candidate) <= allowed:
            return candidate
    return None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, changes, neighbour swaps."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
