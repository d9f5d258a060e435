"""The standard-library modules a program may import, each a small allow-listed namespace.

``random`` is CPython's own generator (one per run, seedable, so ``random.seed(0)`` gives
Python's numbers); ``functools``, ``itertools`` and ``collections`` offer the parts tutorials
use, with every input that C would consume whole (``product``, ``permutations``) listed under
the run's sequence limit first; ``typing`` names exist for imports; ``threading`` runs each
thread to completion when it is started, one after another (deterministic, and nothing runs
outside the run's limits); ``__future__`` features are accepted and change nothing.

``os`` and ``sys`` import, so that a program that only imports them runs, but every attribute
is refused: programs never reach files, processes, the environment or the interpreter.  Other
modules that would (``subprocess``, ``socket``, ``pathlib``...) are refused at the import.
"""

from __future__ import annotations

import collections
import functools
import itertools
import random

from gradcli.errors import LimitError, SandboxError


class RefusingModule:
    """``os`` and ``sys``: importable, but every attribute is refused with the reason."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def refuse(self, attribute: str):
        raise SandboxError(f"{self.name}.{attribute} is not available in gradcli programs: they "
                           "cannot reach files, processes, the environment or the interpreter",
                           hint=f"remove the use of {self.name}; the program's output is what "
                                "it prints")

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


# modules whose import is refused, with the reason
REFUSED = {name: "files, processes and the network are out of reach of gradcli programs"
           for name in ("subprocess", "socket", "shutil", "pathlib", "io", "tempfile", "glob",
                        "pickle", "shelve", "ctypes", "signal", "multiprocessing", "asyncio",
                        "urllib", "http", "requests", "importlib", "builtins", "inspect", "gc",
                        "code", "codeop", "runpy", "pty", "select", "mmap", "resource", "shlex",
                        "platform", "sysconfig", "site", "zipfile", "tarfile", "gzip", "json",
                        "csv", "sqlite3", "logging", "warnings", "weakref", "atexit", "time",
                        "datetime")}


class TypingName:
    """A name from ``typing`` (List, Optional...): it may be imported and subscripted."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __getitem__(self, _item):
        return self

    def __repr__(self) -> str:
        return f"typing.{self.name}"


class Thread:
    """``threading.Thread``: ``start()`` runs the target to completion there and then."""

    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        self._target, self._args, self._kwargs = target, tuple(args), dict(kwargs or {})
        self.name = name or "Thread"
        self.daemon = bool(daemon)
        self._started = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def run(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout=None) -> None:
        return None

    def is_alive(self) -> bool:
        return False


class Lock:
    """``threading.Lock``: nothing ever runs concurrently, so it is always free."""

    def acquire(self, blocking=True, timeout=-1) -> bool:
        return True

    def release(self) -> None:
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


THREAD_ATTRIBUTES = frozenset({"start", "run", "join", "is_alive", "name", "daemon"})
LOCK_ATTRIBUTES = frozenset({"acquire", "release"})
RANDOM_FUNCTIONS = ("seed", "random", "randint", "randrange", "uniform", "choice", "choices",
                    "shuffle", "sample", "gauss", "normalvariate", "expovariate", "triangular",
                    "betavariate", "gammavariate", "lognormvariate", "vonmisesvariate",
                    "paretovariate", "weibullvariate", "getrandbits")


def random_members(interp, bounded_list) -> dict:
    """One CPython generator for the run (seeded from the system until the program seeds it)."""
    generator = random.Random()
    members = {name: getattr(generator, name) for name in RANDOM_FUNCTIONS}
    cap, bits = interp.settings.max_sequence, interp.settings.max_int_bits

    def choices(population, weights=None, *, cum_weights=None, k=1):
        _check_count(k, cap)
        return generator.choices(bounded_list(population), weights, cum_weights=cum_weights, k=k)

    def sample(population, k, *, counts=None):
        _check_count(k, cap)
        return generator.sample(bounded_list(population), k, counts=counts)

    def getrandbits(k):
        _check_count(k, bits, "--max-int-bits")
        return generator.getrandbits(k)
    members.update(choices=choices, sample=sample, getrandbits=getrandbits)
    return members


def _check_count(count, cap, flag="--max-sequence"):
    if isinstance(count, int) and count > cap:
        raise LimitError(f"asking for {count:,} items is over the limit of {cap:,}",
                         hint=f"raise it with {flag} N")


def functools_members(bounded_list) -> dict:
    def reduce(function, iterable, *initial):
        return functools.reduce(function, bounded_list(iterable), *initial)

    def wraps(wrapped, *args, **kwargs):
        return lambda wrapper: wrapper  # a program's functions carry no metadata to copy
    return {"partial": functools.partial, "reduce": reduce, "wraps": wraps}


def itertools_members(bounded_list) -> dict:
    """The iterator tools; those that take their inputs whole in C get bounded lists."""
    def product(*iterables, repeat=1):
        return itertools.product(*(bounded_list(i) for i in iterables), repeat=repeat)

    def permutations(iterable, r=None):
        return itertools.permutations(bounded_list(iterable), r)

    def combinations(iterable, r):
        return itertools.combinations(bounded_list(iterable), r)

    def cycle(iterable):
        return itertools.cycle(bounded_list(iterable))
    return {"product": product, "permutations": permutations, "combinations": combinations,
            "cycle": cycle, "chain": itertools.chain, "count": itertools.count,
            "repeat": itertools.repeat, "islice": itertools.islice,
            "accumulate": itertools.accumulate, "zip_longest": itertools.zip_longest,
            "starmap": itertools.starmap, "takewhile": itertools.takewhile,
            "dropwhile": itertools.dropwhile, "groupby": itertools.groupby}


COLLECTIONS = {"OrderedDict": collections.OrderedDict, "defaultdict": collections.defaultdict,
               "Counter": collections.Counter}
TYPING = {name: TypingName(name) for name in (
    "Any", "List", "Dict", "Tuple", "Set", "Optional", "Union", "Callable", "Iterable",
    "Iterator", "Sequence", "Mapping", "Type", "TypeVar", "Generic")}
FUTURE = {name: name for name in ("annotations", "print_function", "division",
                                  "absolute_import", "unicode_literals", "generators",
                                  "nested_scopes", "with_statement")}
THREADING = {"Thread": Thread, "Lock": Lock, "RLock": Lock}
