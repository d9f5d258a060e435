"""One list of public names (gradcli/api/names.py) builds every place that enumerates the API:
the ``gradcli`` module, the sandbox's ``torch``, and the README's language reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import gradcli
from gradcli.api import names
from gradcli.lang.sandbox import TORCH

README = Path(__file__).resolve().parent.parent / "README.md"


def test_gradcli_exports_exactly_the_public_names():
    assert gradcli.__all__ == sorted(names.public())
    for leaked in ("annotations", "api", "core", "lang", "errors", "np"):
        assert leaked not in gradcli.__all__


def test_the_public_names_are_the_objects_gradcli_gives():
    for name, value in names.public().items():
        assert getattr(gradcli, name) is value, name
    assert gradcli.divide is gradcli.div and gradcli.long is gradcli.int64


def test_the_sandbox_torch_has_every_public_name_but_the_bare_classes():
    # torch.Size and torch.dtype are classes a program has no use for constructing;
    # torch.Generator's objects have no attribute list in the sandbox yet
    assert set(TORCH.members) == set(names.public()) - {"Size", "dtype", "Generator"}
    assert set(TORCH.members["autograd"].members) == set(gradcli.autograd.__all__)
    assert set(TORCH.members["nn"].members["functional"].members) == \
        set(gradcli.nn.functional.__all__)


def test_an_alias_is_never_a_second_definition():
    for alias, target in names.ALIASES.items():
        assert alias not in names.FUNCTIONS, alias
        assert target in names.FUNCTIONS, target


def _reference() -> str:
    text = README.read_text()
    return text[text.index("<!-- reference:start -->"):text.index("<!-- reference:end -->")]


def test_the_readme_reference_names_every_public_function_and_dtype():
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", _reference()))
    wanted = set(names.FUNCTIONS) | set(names.ALIASES) | set(names.DTYPES)
    assert sorted(wanted - words) == []


def test_python_dash_m_gradcli_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "gradcli", "eval", "-e", "torch.ones(2) * 3"],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "tensor([3., 3.])\n")


def test_torch_style_submodule_imports_work_in_plain_python():
    import gradcli.nn.functional as F
    from gradcli.autograd import Function
    assert F.relu is gradcli.nn.functional.relu and Function is gradcli.autograd.Function


def test_nn_optim_and_data_are_subpackages_with_their_modules_all():
    """torch.nn, torch.optim and torch.utils.data list their public names in __all__, and the
    sandbox offers every one of them, classes included (nn.Linear, optim.SGD, DataLoader)."""
    import gradcli.optim as optim
    import gradcli.utils.data as data
    for module in (gradcli.nn, gradcli.nn.init, optim, optim.lr_scheduler, data):
        assert all(hasattr(module, name) for name in module.__all__), module.__name__
    assert set(TORCH.members["nn"].members["init"].members) == set(gradcli.nn.init.__all__)
    assert set(TORCH.members["nn"].members) == set(gradcli.nn.__all__)
    assert set(TORCH.members["optim"].members) == set(optim.__all__)
    assert set(TORCH.members["utils"].members["data"].members) == set(data.__all__)
