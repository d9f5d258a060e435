"""tools/mutate.py: the mutants it makes of a toy module (no pytest subprocess is run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "mutate_tool", Path(__file__).resolve().parent.parent / "tools" / "mutate.py")
mutate = importlib.util.module_from_spec(_SPEC)
sys.modules["mutate_tool"] = mutate  # dataclasses look their module up while the file runs
_SPEC.loader.exec_module(mutate)

TOY = '''\
"""Docstring: 1 + 2 is not mutated."""
import logging
from typing import Literal
__all__ = ["f"]
log = logging.getLogger(__name__)
LIMIT: Literal[5] = 5


def f(x: Literal[0] = 0, y=2) -> Literal[1]:
    total = (x) + y
    if x < y and not x == 3:
        total += 1
    log.warning("x is %d", x - 1)
    print(total,
          x / y)
    scale = x * 1  # pragma: no mutate
    label = f"{x + 1}" + "!"
    if x is not None or flag in {True}:
        return total
    return None
'''

# (line, kind, mutated text of the lines the edit touches)
EXPECTED = [
    (6, "5 -> 6", "LIMIT: Literal[5] = 6"),
    (9, "0 -> 1", "def f(x: Literal[0] = 1, y=2) -> Literal[1]:"),
    (9, "2 -> 3", "def f(x: Literal[0] = 0, y=3) -> Literal[1]:"),
    (10, "+ -> -", "    total = (x) - y"),
    (11, "< -> <=", "    if x <= y and not x == 3:"),
    (11, "and -> or", "    if x < y or not x == 3:"),
    (11, "drop not", "    if x < y and x == 3:"),
    (11, "== -> !=", "    if x < y and not x != 3:"),
    (11, "3 -> 4", "    if x < y and not x == 4:"),
    (12, "+= -> -=", "        total -= 1"),
    (12, "+= -> =", "        total = 1"),
    (12, "1 -> 0", "        total += 0"),
    (14, "drop call", "    pass"),
    (15, "/ -> *", "          x * y)"),
    (18, "is not -> is", "    if x is None or flag in {True}:"),
    (18, "or -> and", "    if x is not None and flag in {True}:"),
    (18, "in -> not in", "    if x is not None or flag not in {True}:"),
    (18, "True -> False", "    if x is not None or flag in {False}:"),
    (19, "return None", "        return None"),
]


def test_toy_module_gets_exactly_the_expected_mutants():
    found = mutate.find_mutants(TOY, "toy.py")
    assert [(m.line, m.kind, m.mutated) for m in found] == EXPECTED


def test_every_mutant_compiles_and_changes_only_its_lines():
    for m in mutate.find_mutants(TOY, "toy.py"):
        text = m.apply(TOY)
        assert mutate.compiles(text, "toy.py")
        assert text != TOY
        assert text.count("\n") <= TOY.count("\n")
        assert m.original in TOY and m.mutated in text


def test_left_alone_docstrings_messages_all_annotations_pragma():
    lines = {m.line for m in mutate.find_mutants(TOY, "toy.py")}
    # docstring, __all__, the logging call (and its x - 1), the pragma line, the f-string
    assert not lines & {1, 4, 13, 16, 17}
    kinds = [m.kind for m in mutate.find_mutants(TOY, "toy.py") if m.line == 9]
    assert kinds == ["0 -> 1", "2 -> 3"]  # the defaults, not the Literal[...] annotations


SCOPED = '''\
class Row:
    size = 1

    def grow(self):
        return self.size + 1


def helper(a):
    return a - 1


defop("x", lambda g: g * 2, sympy=lambda s: s * 3)
'''


def _scopes(**options):
    target = mutate.Target("scoped.py", "", **options)
    return sorted({(m.line, m.kind) for m in mutate.find_mutants(SCOPED, "scoped.py", target)})


def test_scope_only_exclude_and_skipped_keyword_arguments():
    everything = _scopes()
    assert (5, "+ -> -") in everything and (12, "3 -> 4") in everything
    assert _scopes(only=("helper",)) == [(9, "- -> +"), (9, "1 -> 0"), (9, "return None")]
    # "Row" covers its methods too; "<module>" is the code outside any def (the lambdas not)
    outside = _scopes(exclude=("Row", "helper", "<module>"), skip_kwargs=("sympy",))
    assert outside == [(12, "* -> /"), (12, "2 -> 3")]


def test_sampling_is_reproducible_per_seed_and_path():
    found = mutate.find_mutants(TOY, "toy.py")
    first = mutate.choose(found, 5, 7, "toy.py")
    assert len(first) == 5 and first == mutate.choose(found, 5, 7, "toy.py")
    assert first == sorted(first, key=lambda m: (m.edits, m.kind))
    others = {tuple(m.id + m.kind for m in mutate.choose(found, 5, seed, "toy.py"))
              for seed in range(10)}
    assert len(others) > 1
    assert mutate.choose(found, None, 0, "toy.py") == found
    assert mutate.choose(found, 100, 0, "toy.py") == found


def test_target_option_parsing():
    target = mutate.parse_target("gradcli/core/*.py=tests/test_ops.py -k 'a and not b'")
    assert target.path == "gradcli/core/*.py"
    assert target.tests == "tests/test_ops.py -k 'a and not b'"
    table_scope = mutate.parse_target(mutate.TARGETS[0].path + "=tests/x.py")
    assert table_scope.exclude == mutate.TARGETS[0].exclude
    with pytest.raises(Exception):
        mutate.parse_target("no-tests-given")
