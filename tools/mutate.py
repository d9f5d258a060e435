"""Mutation testing for gradcli: do the tests notice when the code is subtly wrong?

Each mutant is one small change to one module.  The tests that own the module run against
it; a failure *kills* the mutant, a pass lets it *survive*.  The changes: ``+``/``-`` and
``*``/``/`` swapped (also in ``+=``...), ``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``is``/``is
not``, ``in``/``not in`` flipped, ``0``/``1`` swapped and other numbers ``n`` made ``n + 1``,
``True``/``False`` swapped, ``and``/``or`` swapped, a ``not`` dropped, a call statement replaced
by ``pass``, ``return x`` made ``return None``, ``x += y`` made ``x = y``.  A survivor is either a missing test or an
equivalent mutant (a change that cannot alter behaviour): ``--survivors`` shows each one as
``file:line`` with the original and the mutated source so a human can decide which.

Usage (from the repository root, with the project's Python)::

    python tools/mutate.py                          # every target in TARGETS, 20 mutants each
    python tools/mutate.py gradcli/core/printing.py --sample 10 --seed 1 --survivors
    python tools/mutate.py --all -j 2 gradcli/inspection/check.py
    python tools/mutate.py --target 'gradcli/core/ops/*.py=tests/test_ops.py -k numpy'
    python tools/mutate.py gradcli/core/printing.py --list     # the mutants, without running them
    python tools/mutate.py --json > mutants.json

How a run works: the repository is copied once per worker (-j, default 2) into a temporary
directory; for each mutant the worker writes the mutated module into its copy, runs
``pytest -x`` on the target's test selection there (PYTHONPATH and the working directory point
at the copy), then restores the module.  The target's selection first runs once unmutated (it
must pass; its time sets the default per-mutant timeout).  A run that exceeds the timeout is
ended (its whole process group) and the mutant counted as "timed out"; the kill rate,
(killed + timed out) / mutants, counts it as detected.  Ctrl-C or ``kill`` ends the pytest runs
and removes the copies.  ``--sample N --seed S`` (default 20, 0) picks the same mutants every
time for the same files; ``--all`` takes every one.

What is never mutated: strings (so docstrings and messages), f-strings and arguments of logging
calls, ``__all__``, type annotations, keyword arguments a target lists in ``skip_kwargs``, code
outside a target's scope, and any line carrying ``# pragma: no mutate``.

The targets live in TARGETS below: a path (or glob) relative to the repository root, the pytest
arguments whose tests should kill its mutants (a few seconds' worth, not the whole suite), and
optionally which functions to mutate: fnmatch patterns on the enclosing definition's qualified
name ("parse", "Interpreter.step", "_size_*"; a pattern covers what is nested inside too, and
"<module>" is the code outside any def or lambda).  Edit the paths when modules move, or pass
``--target PATH=TESTSPEC`` (repeatable) for a one-off.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import glob
import io
import json
import os
import queue
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """A module (or glob of modules) to mutate and the tests that should kill its mutants."""

    path: str                      # relative to the repository root; may be a glob
    tests: str                     # pytest arguments (shell syntax): test files, -k, node ids
    only: tuple = ("*",)           # scopes to mutate (fnmatch on "func", "Class.method", ...)
    exclude: tuple = ()            # scopes left alone; "<module>" is code outside any def
    skip_kwargs: tuple = ()        # keyword arguments whose values are never mutated


# ----- The targets: edit here when modules move -----

# test_security.py without its four slowest tests (10 s of its 20 s)
_FAST_SECURITY = ("tests/test_security.py -k 'not h27_matmul_loop and not audit_hook"
                  " and not real_process and not many_big_lists'")

# core/ops: only the rules and forwards of the table rows, not the machinery around them
_OPS_MACHINERY = ("<module>", "Op", "Sample", "Namespace", "sample", "*_samples", "on_arrays",
                  "*sympy*", "defop", "apply", "_arrays_for", "_promoted", "_scalars_fit",
                  "_untracked", "check_result_size", "_check_broadcast", "_size_*",
                  "index_result_bound", "_count_node", "_shape_error", "broadcast_shape",
                  "_sample_fn", "_build_namespaces", "_bind")
_OPS_ROW_FIELDS = ("sympy", "gradcheck")  # the sympy counterpart, the gradient-test samples

# inspection/check.py and replay.py: the three-way check (tolerances, worst element, verdict)
_CHECK = ("numeric_jacobian", "symbolic_jacobian", "_evaluate", "point_values", "run_check",
          "check_input", "_attempt", "_symbolic_for", "_worst_index", "_at", "_relative", "_agree",
          "check_replay_matches")

# lang/interpreter.py: the guards (limits, refusals, checked names and operators), not the evaluator
_LANGUAGE_GUARDS = ("Interpreter.check_last_value", "Interpreter.step",
                    "Interpreter.call_user", "Interpreter.compile", "parse", "_check_depth",
                    "refused", "convert_python_error", "_check_name", "compile_store",
                    "_compile_unpack", "c_function_def", "_compile_function", "c_class_def",
                    "c_import", "c_import_from", "c_delete", "c_constant", "c_name",
                    "_name_error", "c_attribute", "_binary_operator", "_inplace_operator",
                    "c_compare", "_single_compare", "_checked_operands", "_starred_sequence",
                    "c_dict")

TARGETS = [
    Target("gradcli/core/ops/*.py", "tests/test_ops.py tests/test_engine_memory.py "
           "tests/test_conformance.py", exclude=_OPS_MACHINERY, skip_kwargs=_OPS_ROW_FIELDS),
    Target("gradcli/core/engine.py", "tests/test_conformance.py tests/test_engine_memory.py "
           "tests/test_ops.py tests/test_boundaries.py"),
    Target("gradcli/core/printing.py", "tests/test_printing.py tests/test_boundaries.py"),
    Target("gradcli/inspection/check.py", "tests/test_symbolic.py tests/test_boundaries.py "
           "tests/test_cli.py -k 'test_symbolic or check'", only=_CHECK),
    Target("gradcli/inspection/replay.py", "tests/test_symbolic.py tests/test_boundaries.py "
           "tests/test_cli.py -k 'test_symbolic or check'", only=_CHECK),
    Target("gradcli/lang/sandbox.py", "tests/test_language.py " + _FAST_SECURITY),
    Target("gradcli/lang/interpreter.py", "tests/test_language.py " + _FAST_SECURITY,
           only=_LANGUAGE_GUARDS),
]

PYTEST_FLAGS = ["-x", "-q", "-p", "no:cacheprovider"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.pyc",
                                     ".hypothesis", ".pytest_cache", "*.egg-info", "build",
                                     "dist", "mutants", ".mutmut-cache")
PRAGMA = "# pragma: no mutate"
LOGGING_CALLS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


# ----- Mutants -----

@dataclass(frozen=True)
class Mutant:
    """One change to one file: text edits (start, end, replacement) in character offsets."""

    path: str
    line: int
    col: int
    kind: str                      # e.g. "< -> <=", "0 -> 1", "drop call", "return None"
    edits: tuple
    original: str = field(compare=False)   # the source lines the edits touch ...
    mutated: str = field(compare=False)    # ... and the same lines mutated

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def apply(self, text: str) -> str:
        return apply_edits(text, self.edits)


def apply_edits(text: str, edits) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


class Source:
    """A module's text with position look-ups: ast (line, byte column) and tokens by offset."""

    SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                      tokenize.DEDENT, tokenize.ENDMARKER}

    def __init__(self, text: str):
        self.text = text
        self.lines = io.StringIO(text).readlines()
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.tokens = [(self.starts[t.start[0] - 1] + t.start[1],
                        self.starts[t.end[0] - 1] + t.end[1], t.string)
                       for t in tokenize.generate_tokens(io.StringIO(text).readline)
                       if t.type not in self.SKIPPED_TOKENS]
        self.token_starts = [t[0] for t in self.tokens]

    def offset(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:byte_col].decode())

    def span(self, node) -> tuple:
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def operator_between(self, before, after) -> tuple:
        """The (start, end) of the operator tokens between two nodes, parentheses left out."""
        low, high = self.span(before)[1], self.span(after)[0]
        between = self.tokens[bisect_left(self.token_starts, low):
                              bisect_left(self.token_starts, high)]
        inside = [t for t in between if t[2] not in "()"]
        return inside[0][0], inside[-1][1]

    def token_at(self, offset: int) -> tuple:
        token = self.tokens[bisect_left(self.token_starts, offset)]
        return token[0], token[1]

    def line_of(self, offset: int) -> int:
        return bisect_left(self.starts, offset + 1)  # 1-based

    def lines_around(self, edits) -> tuple:
        """The original and the mutated text of the whole lines that the edits touch."""
        first = self.line_of(min(e[0] for e in edits))
        last = self.line_of(max(e[1] for e in edits) - 1)
        low, high = self.starts[first - 1], self.starts[last]
        shifted = [(s - low, e - low, r) for s, e, r in edits]
        original = self.text[low:high]
        return original.rstrip("\n"), apply_edits(original, shifted).rstrip("\n")


# ----- Finding mutants -----

ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARISON = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
              ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
              ast.In: ast.NotIn, ast.NotIn: ast.In}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=",
           ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
           ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


def find_mutants(text: str, path: str = "<string>", target: Target | None = None) -> list:
    """Every mutant of ``text`` that ``target``'s scope allows, in source order."""
    target = target or Target(path, "")
    finder = _Finder(Source(text), path, target)
    finder.walk(ast.parse(text), "")
    return sorted(finder.mutants, key=lambda m: (m.edits, m.kind))


class _Finder:
    def __init__(self, source: Source, path: str, target: Target):
        self.source, self.path, self.target = source, path, target
        self.mutants = []

    # -- walking, with the scope (qualified name of the enclosing def) and the skip rules --

    def walk(self, node, scope: str) -> None:
        if self._skipped(node):
            return
        if self._in_scope(scope):
            for kind, edits in _mutations(node, self.source):
                self._add(kind, edits)
        for child, child_scope in _children(node, scope):
            self.walk(child, child_scope)

    def _skipped(self, node) -> bool:
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.keyword) and node.arg in self.target.skip_kwargs:
            return True
        if isinstance(node, ast.Expr) and _is_logging_call(node.value):
            return True
        return _is_logging_call(node) or _assigns_all(node)

    def _in_scope(self, scope: str) -> bool:
        parts = scope.split(".") if scope else []
        names = [".".join(parts[:i]) for i in range(1, len(parts) + 1)] or ["<module>"]

        def matches(patterns):
            return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)
        return matches(self.target.only) and not matches(self.target.exclude)

    def _add(self, kind: str, edits) -> None:
        edits = tuple(edits)
        start = min(e[0] for e in edits)
        line = self.source.line_of(start)
        if PRAGMA in self.source.lines[line - 1]:
            return
        col = start - self.source.starts[line - 1] + 1
        original, mutated = self.source.lines_around(edits)
        self.mutants.append(Mutant(self.path, line, col, kind, edits, original, mutated))


def _children(node, scope: str):
    """The child nodes to walk, each with its scope; annotations are left out."""
    body_scope = scope
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        body_scope = f"{scope}.{node.name}" if scope else node.name
    elif isinstance(node, ast.Lambda):
        body_scope = f"{scope}.<lambda>" if scope else "<lambda>"
    for name, value in ast.iter_fields(node):
        if name in ("annotation", "returns", "type_comment"):
            continue
        child_scope = body_scope if name == "body" else scope
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield child, child_scope


def _is_logging_call(node) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOGGING_CALLS)


def _assigns_all(node) -> bool:
    targets = (node.targets if isinstance(node, ast.Assign) else
               [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _is_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                               and isinstance(node.value, (str, bytes)))


def _mutations(node, src: Source):
    """(kind, edits) for each mutation of this one node."""
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        if not (_is_text(node.left) or _is_text(node.right)):
            yield _swap(src, node.left, node.right, node.op, ARITHMETIC)
    elif isinstance(node, ast.AugAssign) and type(node.op) in ARITHMETIC:
        low, high = src.operator_between(node.target, node.value)
        new = SYMBOLS[ARITHMETIC[type(node.op)]] + "="
        yield f"{SYMBOLS[type(node.op)]}= -> {new}", [(low, high, new)]
        yield f"{SYMBOLS[type(node.op)]}= -> =", [(low, high, "=")]
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            yield _swap(src, operands[i], operands[i + 1], op, COMPARISON)
    elif isinstance(node, ast.BoolOp):
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        edits = [src.operator_between(a, b) + (new,) for a, b in zip(node.values, node.values[1:])]
        yield f"{old} -> {new}", edits
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        low, high = src.token_at(src.span(node)[0])
        while src.text[high] == " ":
            high += 1
        yield "drop not", [(low, high, "")]
    elif isinstance(node, ast.Constant):
        yield from _constant(node, src)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "drop call", [src.span(node) + ("pass",)]
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return None", [src.span(node.value) + ("None",)]


def _swap(src: Source, left, right, op, table) -> tuple:
    old, new = SYMBOLS[type(op)], SYMBOLS[table[type(op)]]
    return f"{old} -> {new}", [src.operator_between(left, right) + (new,)]


def _constant(node, src: Source):
    value = node.value
    if isinstance(value, bool):
        new = not value
    elif isinstance(value, (int, float)):
        new = 1 if value == 0 else 0 if value == 1 else value + 1
        new = float(new) if isinstance(value, float) else new
    else:
        return
    yield f"{value!r} -> {new!r}", [src.span(node) + (repr(new),)]


# ----- Choosing mutants -----

def choose(mutants: list, sample: int | None, seed: int, path: str) -> list:
    """``sample`` of the mutants (all when None), picked reproducibly from ``seed`` and path."""
    if sample is None or sample >= len(mutants):
        return list(mutants)
    chosen = random.Random(f"{seed}:{path}").sample(mutants, sample)
    return sorted(chosen, key=lambda m: (m.edits, m.kind))


def compiles(text: str, path: str) -> bool:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


# ----- Running -----

class Workspace:
    """One worker's private copy of the repository; runs pytest there with one file swapped."""

    def __init__(self, root: Path):
        self.tmp = Path(tempfile.mkdtemp(prefix="gradcli-mutate-"))
        self.repo = self.tmp / "repo"
        shutil.copytree(root, self.repo, ignore=COPY_IGNORE)
        self.stamp = 0
        self.lock = threading.Lock()   # guards process and stopped
        self.process = None
        self.stopped = False

    def env(self) -> dict:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(self.repo), os.environ.get("PYTHONPATH")) if p))
        env.pop("COVERAGE_PROCESS_START", None)
        return env

    def check_imports_copy(self, module_path: str) -> None:
        """Fail loudly if the copy's module is not the one Python would import."""
        name = module_path[:-3].replace("/", ".").removesuffix(".__init__")
        code = f"import importlib.util as u; print(u.find_spec({name!r}).origin)"
        out = subprocess.run([sys.executable, "-c", code], cwd=self.repo, env=self.env(),
                             capture_output=True, text=True).stdout.strip()
        if Path(out).resolve() != (self.repo / module_path).resolve():
            sys.exit(f"mutate: {name} imports from {out or '?'}, not from the copy {self.repo}")

    def write(self, relpath: str, text: str) -> None:
        """Write a file with an mtime of its own: a same-size mutant written within the same
        second would otherwise pass Python's bytecode check (mtime + size) and run stale code."""
        path = self.repo / relpath
        path.write_text(text)
        self.stamp += 1
        base = int(os.stat(path).st_mtime)
        os.utime(path, (base + self.stamp, base + self.stamp))

    def run_tests(self, tests: str, timeout: float) -> tuple:
        """(status, seconds, output tail): "passed", "failed", "timeout" or "stopped"."""
        shutil.rmtree(self.repo / ".hypothesis", ignore_errors=True)
        command = [sys.executable, "-m", "pytest", *PYTEST_FLAGS, *shlex.split(tests)]
        started = time.monotonic()
        with self.lock:
            if self.stopped:
                return "stopped", 0.0, ""
            self.process = process = subprocess.Popen(
                command, cwd=self.repo, env=self.env(), text=True, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=timeout)
            status = "passed" if process.returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            self._kill(process)
            output, _ = process.communicate()
            status = "timeout"
        with self.lock:
            self.process = None
            status = "stopped" if self.stopped else status
        return status, time.monotonic() - started, output[-2000:]

    def run_mutant(self, mutant: Mutant, original: str, tests: str, timeout: float) -> tuple:
        mutated = mutant.apply(original)
        if not compiles(mutated, mutant.path):  # a bug of this tool: say so, run nothing
            return "invalid", 0.0, ""
        self.write(mutant.path, mutated)
        try:
            return self.run_tests(tests, timeout)
        finally:
            self.write(mutant.path, original)

    def stop(self) -> None:
        """End the running pytest (if any) and refuse to start another."""
        with self.lock:
            self.stopped = True
            if self.process is not None:
                self._kill(self.process)

    @staticmethod
    def _kill(process) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # pytest and whatever it started

    def remove(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


STATUS = {"failed": "killed", "timeout": "timed out", "passed": "survived", "invalid": "invalid",
          "stopped": "stopped"}


@dataclass
class Module:
    """One file under test: its target, the mutants chosen and, after the run, the results."""

    path: str
    target: Target
    text: str
    available: int
    mutants: list
    baseline: float = 0.0
    results: dict = field(default_factory=dict)   # mutant -> (status, seconds)


def run_all(root: Path, modules: list, jobs: int, timeout: float | None) -> None:
    """Run the baselines, then every chosen mutant, on ``jobs`` private copies of the repo."""
    if not modules:
        return
    workspaces, free = [], queue.Queue()
    lock, done = threading.Lock(), [0]
    total = sum(len(m.mutants) for m in modules)

    def baseline(module):
        status, seconds, output = _borrow(free, lambda w: w.run_tests(module.target.tests, 1800))
        if status != "passed":
            sys.exit(f"mutate: the tests for {module.path} fail without any mutant:\n{output}")
        module.baseline = seconds
        _progress(lock, f"baseline {module.path}: {seconds:.1f} s ({module.target.tests})")

    def one(module, mutant):
        limit = timeout or 2 * module.baseline + 10
        status, seconds, _ = _borrow(free, lambda w: w.run_mutant(
            mutant, module.text, module.target.tests, limit))
        module.results[mutant] = (STATUS[status], seconds)
        with lock:
            done[0] += 1
            count = done[0]
        _progress(lock, f"[{count}/{total}] {mutant.id} {mutant.kind}: "
                        f"{STATUS[status]} ({seconds:.1f} s)")

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        for _ in range(jobs):
            workspaces.append(Workspace(root))
            workspaces[-1].check_imports_copy(modules[0].path)
            free.put(workspaces[-1])
        list(pool.map(baseline, modules))
        work = [(module, mutant) for module in modules for mutant in module.mutants]
        list(pool.map(lambda pair: one(*pair), work))
    finally:  # on Ctrl-C or an error too: nothing left running, no copy left behind
        pool.shutdown(wait=False, cancel_futures=True)
        for workspace in workspaces:
            workspace.stop()
        pool.shutdown(wait=True)
        for workspace in workspaces:
            workspace.remove()


def _borrow(free: queue.Queue, use):
    workspace = free.get()
    try:
        return use(workspace)
    finally:
        free.put(workspace)


def _progress(lock, message: str) -> None:
    with lock:
        print(message, file=sys.stderr, flush=True)


# ----- Reporting -----

def summary(module: Module) -> dict:
    statuses = [status for status, _ in module.results.values()]
    killed, timed_out = statuses.count("killed"), statuses.count("timed out")
    count = killed + timed_out + statuses.count("survived")
    seconds = [s for status, s in module.results.values() if status != "invalid"]
    return {"module": module.path, "available": module.available, "mutants": count,
            "killed": killed, "timed_out": timed_out, "survived": statuses.count("survived"),
            "invalid": statuses.count("invalid"),
            "kill_rate": round(100 * (killed + timed_out) / count, 1) if count else None,
            "baseline_seconds": round(module.baseline, 2),
            "mean_seconds": round(sum(seconds) / len(seconds), 2) if seconds else None}


def table(modules: list) -> str:
    header = ["module", "mutants", "killed", "timed out", "survived", "kill rate %", "s/mutant"]
    rows = [header]
    for module in modules:
        s = summary(module)
        rate = "-" if s["kill_rate"] is None else f"{s['kill_rate']:.1f}"
        mean = "-" if s["mean_seconds"] is None else f"{s['mean_seconds']:.1f}"
        rows.append([s["module"], f"{s['mutants']} of {s['available']}", str(s["killed"]),
                     str(s["timed_out"]), str(s["survived"]), rate, mean])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def describe(mutant: Mutant) -> str:
    head = f"{mutant.path}:{mutant.line}  [{mutant.kind}]"
    original = "\n".join("  - " + line for line in mutant.original.splitlines())
    mutated = "\n".join("  + " + line for line in mutant.mutated.splitlines())
    return f"{head}\n{original}\n{mutated}"


def as_json(modules: list, seed: int) -> str:
    def result(module, mutant):
        status, seconds = module.results.get(mutant, (None, 0.0))
        return {"id": mutant.id, "line": mutant.line, "kind": mutant.kind, "status": status,
                "seconds": round(seconds, 2), "original": mutant.original,
                "mutated": mutant.mutated}
    out = [summary(module) | {"tests": module.target.tests,
                              "results": [result(module, m) for m in module.mutants]}
           for module in modules]
    return json.dumps({"seed": seed, "modules": out}, indent=2)


# ----- Command line -----

def parse_target(spec: str) -> Target:
    """``PATH=TESTSPEC`` as given to --target; the table's scope is kept for a known path."""
    path, sep, tests = spec.partition("=")
    if not sep or not path.strip() or not tests.strip():
        raise argparse.ArgumentTypeError(f"expected PATH=TESTSPEC, got {spec!r}")
    known = {t.path: t for t in TARGETS}.get(path.strip())
    return replace(known or Target(path.strip(), ""), tests=tests.strip())


def select_targets(paths: list, extra: list, root: Path) -> list:
    """(file, Target) pairs: named files from the table plus --target ones; else the table."""
    if not paths and not extra:
        chosen = list(TARGETS)
    else:
        chosen = [_table_entry(path, root) for path in paths] + list(extra)
    pairs = []
    for target in chosen:
        files = sorted(glob.glob(target.path, root_dir=root, recursive=True))
        if not files:
            sys.exit(f"mutate: no file matches {target.path!r} under {root} (edit TARGETS in "
                     "tools/mutate.py or pass --target PATH=TESTSPEC)")
        pairs += [(f, target) for f in files if f.endswith(".py")]
    return pairs


def _table_entry(path: str, root: Path) -> Target:
    for target in TARGETS:
        if path == target.path or path in glob.glob(target.path, root_dir=root, recursive=True):
            return replace(target, path=path)
    sys.exit(f"mutate: {path!r} is not in TARGETS; name its tests with --target {path}=TESTSPEC")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Mutation testing: which small changes to a module do its tests miss?",
        usage="python tools/mutate.py [PATH ...] [--target PATH=TESTSPEC] [--sample N | --all] "
              "[--seed S] [-j N] [--timeout S] [--survivors] [--json] [--list] [--root DIR]")
    parser.add_argument("paths", nargs="*", help="modules from TARGETS to mutate (default: all)")
    parser.add_argument("--target", action="append", default=[], type=parse_target,
                        metavar="PATH=TESTSPEC", help="also mutate PATH (glob), tested by pytest "
                        "arguments TESTSPEC; repeatable")
    how_many = parser.add_mutually_exclusive_group()
    how_many.add_argument("--sample", type=int, default=20, metavar="N",
                          help="mutants per module, picked reproducibly (default 20)")
    how_many.add_argument("--all", action="store_true", help="every mutant of every module")
    parser.add_argument("--seed", type=int, default=0, help="seed for --sample (default 0)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: twice the "
                        "unmutated run plus 10)")
    parser.add_argument("--survivors", action="store_true", help="show each surviving mutant")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--list", action="store_true", help="list the chosen mutants; run nothing")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root (default: this script's parent's parent)")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    sample = None if args.all else args.sample
    modules = []
    for path, target in select_targets(args.paths, args.target, root):
        text = (root / path).read_text()
        found = find_mutants(text, path, target)
        modules.append(Module(path, target, text, len(found),
                              choose(found, sample, args.seed, path)))

    if args.list:
        for module in modules:
            print(f"# {module.path}: {len(module.mutants)} of {module.available} mutants")
            print("\n".join(describe(m) for m in module.mutants))
        return 0
    # a plain `kill` ends the run as Ctrl-C does: through run_all's clean-up
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_all(root, [m for m in modules if m.mutants], max(1, args.jobs), args.timeout)
    if args.json:
        print(as_json(modules, args.seed))
        return 0
    print(table(modules))
    if args.survivors:
        for module in modules:
            for mutant in module.mutants:
                if module.results.get(mutant, ("",))[0] == "survived":
                    print("\n" + describe(mutant))
    return 0


if __name__ == "__main__":
    sys.exit(main())
