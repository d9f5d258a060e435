"""``python -m gradcli``: the command line."""

from gradcli.cli import entry_point

entry_point()
