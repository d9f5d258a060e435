"""The ``gradcli`` command: the top layer.  Only this package knows about click and rich,
and only ``app.reports_errors`` turns errors into stderr text and exit codes.  One module
per command (``eval_command``...), the options they share (``options``), and the views
(``views`` for text and rich, ``json_view`` for --json).

Exit codes: 0 ok, 1 error in the program or its input, 2 usage error,
3 gradient check mismatch, 70 internal error (a gradcli bug; --debug shows it).
"""

# Each command module adds its command to `main` when imported.
from gradcli.cli import (check_command, eval_command, explain_command,  # noqa: F401
                         graph_command, grad_command)
from gradcli.cli.app import entry_point, main

__all__ = ["main", "entry_point"]
