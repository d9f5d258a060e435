"""Run configuration, written once: every limit with its default, its smallest value and
its help text.  The CLI builds its ``--max-*`` options from ``LIMITS``; the runner and the
interpreter read one ``RunOptions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_SOURCE_BYTES = 1 << 20  # a program's text, whatever the flags
MAX_AST_DEPTH = 400         # nesting of the parsed program, whatever the flags


@dataclass(frozen=True)
class Limit:
    """One resource cap: its ``RunOptions`` field, default, lowest allowed value and help."""

    name: str
    default: int | float
    minimum: int | float
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


LIMITS = (
    Limit("max_elements", 10_000_000, 0, "Most elements one tensor may have (0: no limit)."),
    Limit("max_steps", 1_000_000, 0, "Most loop iterations and calls in a run (0: no limit)."),
    Limit("max_nodes", 100_000, 0, "Most graph nodes a run may record (0: no limit)."),
    Limit("max_depth", 100, 1, "Deepest nesting of calls to the program's own functions."),
    Limit("timeout", 4.0, 0, "Wall-clock seconds a run may take (0: no limit)."),
    Limit("max_sequence", 1_000_000, 1, "Most items in one list, tuple or string."),
    Limit("max_int_bits", 4096, 64, "Most bits in one integer (no 9**9**9)."),
    Limit("max_memory", 1024, 0, "MiB of memory a run may add (0: no limit)."),
)
DEFAULTS = {limit.name: limit.default for limit in LIMITS}


@dataclass
class RunOptions:
    """Every knob of a run; the CLI's flags map one to one onto these."""

    max_elements: int = DEFAULTS["max_elements"]
    max_steps: int = DEFAULTS["max_steps"]
    max_nodes: int = DEFAULTS["max_nodes"]
    max_depth: int = DEFAULTS["max_depth"]
    timeout: float = DEFAULTS["timeout"]
    max_sequence: int = DEFAULTS["max_sequence"]
    max_int_bits: int = DEFAULTS["max_int_bits"]
    max_memory: int = DEFAULTS["max_memory"]  # MiB of address space the run may add
    keep_graphs: bool = False
    bindings: dict = field(default_factory=dict)
