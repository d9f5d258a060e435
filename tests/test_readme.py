"""The README's tour shows real output: every `$ gradcli ...` block is run and compared."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from conftest import scrub

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"```console\n\$ (gradcli [^\n]*)\n(.*?)```", re.S)


def _examples():
    return BLOCK.findall(README.read_text())


@pytest.mark.parametrize("command,expected", _examples(), ids=lambda v: v[:50] if isinstance(v, str) else "")
def test_readme_example_is_real_output(command, expected, cli, monkeypatch):
    monkeypatch.chdir(README.parent)
    result = cli(*shlex.split(command)[1:])
    shown = scrub(result.stdout + result.stderr).rstrip("\n")
    if os.environ.get("GRADCLI_UPDATE_GOLDEN"):  # rewrite the README's block with what ran
        text = README.read_text()
        README.write_text(text.replace(f"$ {command}\n{expected}", f"$ {command}\n{shown}\n", 1))
        return
    assert shown == scrub(expected).rstrip("\n")


def test_readme_has_examples():
    assert len(_examples()) >= 8
