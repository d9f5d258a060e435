"""``python -m gradcli.cli``: the command line (kept for scripts that call it so)."""

from gradcli.cli import entry_point

entry_point()
