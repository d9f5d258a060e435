"""The package's layers import one way: errors <- core <- api <- lang <- inspection <- cli.

Every import in every module is read with ``ast`` (those inside functions too), so an
upward import fails here even when it is hidden from start-up.  A cycle is broken by
registration (the lower layer is handed what it needs), never by a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gradcli"

# lower number = lower layer; a module may import its own layer and the ones below
LAYERS = {"errors": 0, "core": 1, "api": 2, "lang": 3, "inspection": 4, "cli": 5}
TOP = 6  # gradcli/__init__.py and __main__.py sit above everything

# third-party packages that only one layer may touch
ONLY_IN = {"click": {"cli"}, "rich": {"cli"}, "sympy": {"inspection"}}

# Imports inside functions are allowed only to keep start-up fast, never to dodge a cycle:
# the cli loads a command's machinery when that command runs; inspection loads sympy when asked.
LAZY_ALLOWED = {"cli"}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer_of(dotted: str) -> tuple[int, str]:
    parts = dotted.split(".")
    if len(parts) == 1:
        return TOP, "gradcli"
    name = parts[1]
    if name == "__main__":
        return TOP, "gradcli"
    return LAYERS[name], name


def _imports(path: Path):
    """(imported module, line, inside a function?) for every import of the file."""
    tree = ast.parse(path.read_text())
    nested = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            nested.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}:{node.lineno}: use absolute gradcli imports"
            # `from gradcli import x` names a module x; `from gradcli.core.ops import apply` the module
            targets = ([f"gradcli.{a.name}" for a in node.names] if node.module == "gradcli"
                       else [node.module])
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for target in targets:
            yield target, node.lineno, id(node) in nested


def _internal(target: str) -> str | None:
    if target == "gradcli" or not target.startswith("gradcli."):
        return None
    parts = target.split(".")
    return parts[1] if parts[1] in LAYERS else None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    layer, name = _layer_of(_dotted(path))
    problems = []
    for target, line, lazy in _imports(path):
        third_party = target.split(".")[0]
        if third_party in ONLY_IN and name not in ONLY_IN[third_party]:
            problems.append(f"line {line}: {target} belongs to {sorted(ONLY_IN[third_party])} only")
        imported = _internal(target)
        if imported is None:
            continue
        if LAYERS[imported] > layer:
            problems.append(f"line {line}: {name} imports {target}, a higher layer")
        if lazy and name not in LAZY_ALLOWED:
            problems.append(f"line {line}: {target} imported inside a function (a hidden cycle?)")
    assert not problems, "\n".join(problems)


KERNELS = PACKAGE / "core" / "kernels"


@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.py")), ids=lambda p: p.name)
def test_kernels_import_only_kernels(path):
    """The bit-exact ports are numpy in, numpy out: they know nothing of tensors."""
    for target, line, _lazy in _imports(path):
        if target.startswith("gradcli.") and not target.startswith("gradcli.core.kernels"):
            pytest.fail(f"{path.name}:{line} imports {target}")


def test_the_rule_itself_fails_on_an_upward_import(tmp_path, monkeypatch):
    """A check that cannot fail is a defect: an upward import in a core module is caught."""
    fake = tmp_path / "gradcli" / "core"
    fake.mkdir(parents=True)
    module = fake / "bad.py"
    module.write_text("def f():\n    from gradcli.cli import main\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "gradcli")
    with pytest.raises(AssertionError, match="a higher layer"):
        test_imports_point_down(module)
