"""``torch.backends``: which accelerator backends this build has (none: gradcli is CPU-only)."""

from __future__ import annotations

from gradcli.api.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
