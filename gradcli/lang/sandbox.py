"""What a program can reach: its names, and the attributes of each type.

Everything here is an allow-list.  A program sees the ``torch`` namespace, a
``math`` namespace and a few builtins, each a function written here or a member
of gradcli's API; it reads attributes only from the per-type sets below; it can
import nothing but those namespaces.  Sizes that could explode (integers,
strings, lists) are checked before the operation runs, and so is what C would
walk in one call to compare, hash or print a value (see "Walks").
"""

from __future__ import annotations

import builtins
import itertools
import math
import re
import string
import sys
import types

import numpy as np
import collections
from collections import Counter

from gradcli.api import functions as fn
from gradcli.api import names, nn, refusals
from gradcli.api.utils import data
from gradcli.api.autograd import BackwardCFunction, Function, FunctionCtx, Variable
from gradcli.api.autograd.forward_ad import UnpackedDualTensor, dual_level
from gradcli.api.autograd.function import DelayedError
from gradcli.api.autograd.graph import _MultiHandle, save_on_cpu, saved_tensors_hooks
from gradcli.api.methods import METHODS
from gradcli.core.device import device as Device
from gradcli.core.dtypes import dtype as DType
from gradcli.core.tensor import (AccumulateGrad, Limits, Node, OpNode, OutputEdge, Size, Tensor,
                                 _HookHandle)
from gradcli.errors import LimitError, ProgramError, SandboxError, TorchError
from gradcli.lang import classes, modules, numpy_module
from gradcli.lang.settings import RunOptions

# ----- Namespaces -----


class ModuleNamespace:
    """A module as a program sees it: a fixed set of members, nothing else."""

    __slots__ = ("name", "members")

    def __init__(self, name: str, members: dict):
        self.name = name
        self.members = members

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


class TensorType:
    """``torch.Tensor`` as a program sees it: for ``isinstance`` and ``torch.Tensor(data)``."""

    def __call__(self, *data):
        if len(data) == 1 and isinstance(data[0], (list, tuple)):
            return fn.tensor(data[0], dtype=fn.dtypes.float32)
        return fn.zeros(*data)

    def __repr__(self) -> str:
        return "<class 'torch.Tensor'>"


TENSOR_TYPE = TensorType()

# The classes a program may reach through torch, each as the program sees it; any other class
# in the public list (torch.Size, torch.dtype) is left out of the sandbox.
_SANDBOX_CLASSES = {Tensor: TENSOR_TYPE, Function: Function, FunctionCtx: FunctionCtx, Device: Device,
                    **{mode: mode for mode in (fn.no_grad, fn.enable_grad, fn.set_grad_enabled,
                                               fn.inference_mode)},
                    **{cls: cls for cls in (Variable, saved_tensors_hooks, save_on_cpu,
                                            dual_level)}}


# gradcli's packages whose classes a program uses as PyTorch's (nn.Linear, optim.SGD,
# utils.data.DataLoader): their objects offer their public names (lang/classes.py), and the
# bases below can be derived from (nn.Module, Dataset)
LIBRARY_PACKAGES = ("gradcli.api.nn", "gradcli.api.optim", "gradcli.api.utils")
for _package in LIBRARY_PACKAGES:
    classes.register_package(_package)
classes.register_base(nn.Module)
classes.register_base(data.Dataset)


def _namespace(name: str, members: dict) -> ModuleNamespace:
    """A module as a program sees it: submodules become namespaces of their ``__all__``."""
    seen = {}
    for key, value in members.items():
        if isinstance(value, types.ModuleType):
            value = _namespace(f"{name}.{key}", {k: getattr(value, k) for k in value.__all__})
        elif isinstance(value, type):
            if value in _SANDBOX_CLASSES:
                value = _SANDBOX_CLASSES[value]
            elif not value.__module__.startswith(LIBRARY_PACKAGES):
                continue  # torch.Size, torch.dtype...: classes a program has no use for calling
        seen[key] = value
    return ModuleNamespace(name, seen)


def _build_torch() -> ModuleNamespace:
    """The program's ``torch``: the one public list (api/names.py), seen through the sandbox."""
    return _namespace("torch", names.public())


TORCH = _build_torch()
MATH = ModuleNamespace("math", {name: getattr(math, name) for name in (
    "pi", "e", "inf", "nan", "tau", "sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "fabs", "isclose",
    "isnan", "isinf", "isfinite", "hypot", "degrees", "radians", "copysign", "trunc")})

MODULES = {"torch": TORCH, "math": MATH}


def _submodules(namespace, prefix):
    for name, member in namespace.members.items():
        if isinstance(member, ModuleNamespace):
            MODULES[f"{prefix}.{name}"] = member
            _submodules(member, f"{prefix}.{name}")


_submodules(TORCH, "torch")

# Names a hostile program reaches for; refused with a sandbox message, not "not defined".
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "dir", "input", "breakpoint", "help", "exit", "quit", "memoryview",
    "bytearray", "bytes", "format", "os", "sys", "subprocess",
})


class TypeView:
    """What ``type(x)`` gives for a library object: its PyTorch name, nothing to call or open."""

    __slots__ = ("name", "kind")

    def __init__(self, name: str, kind: type | None = None):
        self.name = name
        self.kind = kind  # a library class the program can reach (nn.Linear): equal to it

    def __repr__(self) -> str:
        return f"<class '{self.name}'>"

    def __eq__(self, other) -> bool:
        if self.kind is not None and other is self.kind:
            return True
        return type(other) is TypeView and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


_PLAIN_TYPES = frozenset({int, float, bool, complex, str, list, tuple, dict, set, frozenset,
                          type(None), range, slice})


def type_of(value):
    """``type(value)`` as a program sees it: the class for the program's own objects and plain
    values, torch.Tensor for tensors, a named view for the library's other objects."""
    kind = type(value)
    if kind is Tensor:
        return TENSOR_TYPE
    if classes.is_program_class(kind) or kind in _PLAIN_TYPES or \
            kind in classes.EXCEPTIONS.values():
        return kind
    if not kind.__module__.startswith("gradcli"):  # numpy's arrays and scalars, Python's own
        module = kind.__module__
        return TypeView(kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}")
    if kind.__module__.startswith(LIBRARY_PACKAGES):  # nn.Linear: torch.nn.modules.linear.Linear
        return TypeView(f"torch.{kind.__module__.removeprefix('gradcli.api.')}.{kind.__qualname__}",
                        kind)
    name = getattr(kind, "torch_name", None) or _SHOWN_TYPES.get(kind) or kind.__name__
    return TypeView(name if "." in name else f"torch.{name}")


def keyword_mapping(interp, mapping) -> dict:
    """``f(**mapping)``: a dict with string keys (names of the program's own choosing, which
    the name check has not seen: dunders stay out)."""
    if type(mapping) not in (dict, collections.OrderedDict, collections.defaultdict):
        raise ProgramError(f"argument after ** must be a mapping, not {_type_name(mapping)}")
    check_length(interp, len(mapping))
    for key in mapping:
        if not isinstance(key, str):
            raise ProgramError("keywords must be strings")
        if key.startswith("__") and key.endswith("__"):
            raise SandboxError(f"names of Python's machinery are not available ('{key}')")
    return dict(mapping)


def make_set(interp, items: list):
    """A set of ``items``: C hashes each, so nested values are walked first."""
    check_length(interp, len(items))
    check_walk(interp, items, "hashing these items")
    return set(items)


IMPORTABLE = ("torch (and its submodules), math, random, numpy (a part), functools, itertools, "
              "collections, typing, threading and __future__")


def import_module(name: str, interp=None):
    """The module ``import name`` binds: torch's and math's namespaces, a per-run namespace for
    the standard-library modules of lang/modules.py, a refusing stand-in for os and sys."""
    module = MODULES.get(name)
    if module is not None:
        return module
    if name in _STDLIB_MAKERS:
        return _stdlib_module(interp, name)
    top = name.split(".")[0]
    if top in ("os", "sys"):
        return modules.RefusingModule(name)
    if top in modules.REFUSED:
        raise SandboxError(f"import of '{name}' is refused: {modules.REFUSED[top]}",
                           hint="remove the import; programs can import " + IMPORTABLE)
    if top == "torch":
        raise SandboxError(refusals.unsupported(name) or
                           f"import of '{name}' is not supported: it is not part of PyTorch's "
                           "public API", hint="programs can import " + IMPORTABLE)
    raise SandboxError(f"import of '{name}' is not supported by gradcli",
                       hint="programs can import " + IMPORTABLE)


def _stdlib_module(interp, name: str) -> ModuleNamespace:
    """One namespace per run and module (``random`` keeps the run's own generator)."""
    cache = interp.imported if interp is not None else {}
    if name not in cache:
        cache[name] = ModuleNamespace(name, _STDLIB_MAKERS[name](interp))
    return cache[name]


def _bounded(interp):
    return lambda value: bounded_list(interp, value)


_STDLIB_MAKERS = {
    "random": lambda interp: modules.random_members(interp or _Defaults(), _bounded(interp)),
    "functools": lambda interp: modules.functools_members(_bounded(interp)),
    "itertools": lambda interp: modules.itertools_members(_bounded(interp)),
    "collections": lambda interp: dict(modules.COLLECTIONS),
    "typing": lambda interp: dict(modules.TYPING),
    "threading": lambda interp: dict(modules.THREADING),
    "__future__": lambda interp: dict(modules.FUTURE),
    "numpy": lambda interp: numpy_module.members(
        ModuleNamespace("numpy.random", numpy_module.random_members()),
        lambda value: check_argument(interp or _Defaults(), value)),
}


def import_name(module, module_name: str, name: str):
    if type(module) is modules.RefusingModule:
        module.refuse(name)
    if name in module.members:
        return module.members[name]
    raise SandboxError(f"cannot import name '{name}' from '{module_name}'",
                       hint=refusals.unsupported(f"{module_name}.{name}")
                       or _close_hint(name, module.members))


# ----- Builtins -----

def program_namespace(interp) -> dict:
    """The names every program starts with: builtins, then torch's functions unprefixed."""
    names = {name: value for name, value in TORCH.members.items()
             if not isinstance(value, ModuleNamespace)}
    names.update(_builtins(interp))
    names["torch"] = TORCH
    return names


def _builtins(interp) -> dict:
    def print_(*args, sep=" ", end="\n", **unsupported):
        if unsupported:
            raise ProgramError(f"print() got an unexpected keyword argument "
                               f"'{next(iter(unsupported))}'",
                               hint="gradcli's print takes sep and end; it writes to stdout only")
        if not isinstance(sep, str) or not isinstance(end, str):
            raise ProgramError("sep and end must be strings")
        text = sep.join(str(a) if type(a) not in WALKED else
                        text_of(interp, a, "printing this value") for a in args) + end
        interp.printed = interp.printed or bool(text)
        interp.output.write(text)

    def range_(*args):
        for value in args:
            if not isinstance(value, int):
                raise ProgramError(f"'{type(value).__name__}' object cannot be interpreted as an "
                                   "integer")
        return range(*args)

    def bounded(function):
        def call(*args, **kwargs):
            for arg in args:
                if isinstance(arg, (range, list, tuple, str)):
                    check_length(interp, len(arg))
            return function(*args, **kwargs)
        call.__name__ = function.__name__
        return call

    def pow_(base, exponent):
        return checked_binary(interp, "Pow", lambda a, b: a ** b)(base, exponent)

    def isinstance_(obj, kinds):
        return builtins.isinstance(obj, _real_types(kinds))

    def sum_(iterable, start=0):
        # list + list in C is quadratic and cannot be interrupted: sum([[0]] * 10**6, [])
        if isinstance(start, (list, tuple, str)):
            raise ProgramError("sum() adds numbers and tensors, not sequences",
                               hint="build lists with a comprehension or list.extend")
        return sum(iterable, start)

    # str, repr, sorted, min, max and dict make C walk what they are given: walked first
    def str_(value=""):
        return text_of(interp, value, "converting this value to text")

    def repr_(value):
        check_walk(interp, value, "converting this value to text")
        return repr(value)

    def sorted_(*args, key=None, reverse=False):
        if len(args) != 1:
            return sorted(*args)  # Python's own TypeError
        return ordered(interp, bounded_list(interp, args[0]), key, reverse)

    def min_(*args, key=None, **options):
        return _extreme(interp, min, args, key, options)

    def max_(*args, key=None, **options):
        return _extreme(interp, max, args, key, options)

    def dict_(*args, **kwargs):
        if args and not isinstance(args[0], dict):  # a dict's keys keep their hashes; pairs are hashed
            pairs = bounded_list(interp, args[0])
            check_walk(interp, [p[0] for p in pairs if type(p) in (tuple, list) and len(p) == 2],
                       "hashing these keys")
            args = (pairs,) + args[1:]
        return dict(*args, **kwargs)

    def type_(*args):
        if len(args) != 1:
            raise ProgramError("type() takes one argument in gradcli programs",
                               hint="define classes with the class statement")
        return type_of(args[0])

    def hash_(value):
        check_walk(interp, value, "hashing this value")
        return hash(value)

    def set_(iterable=()):
        return make_set(interp, bounded_list(interp, iterable))

    def frozenset_(iterable=()):
        return frozenset(set_(iterable))

    def iter_(value):
        return iterate(interp, value)

    def super_(owner, instance):
        if not classes.is_program_class(owner):
            raise ProgramError("super() argument 1 must be one of the program's classes")
        return classes.make_super(owner, instance)

    def hasattr_(obj, name):
        if not isinstance(name, str):
            raise ProgramError("hasattr(): attribute name must be string")
        try:
            get_attribute(obj, name, interp)
        except (ProgramError, SandboxError):
            return False
        return True

    def issubclass_(cls, kinds):
        return builtins.issubclass(cls, _real_types(kinds))

    table = {
        "print": print_, "range": range_, "len": len, "abs": abs, "round": round,
        "type": type_, "hash": hash_, "set": set_, "frozenset": frozenset_, "iter": iter_,
        "next": next, "callable": callable, "id": id, "super": super_, "hasattr": hasattr_,
        "issubclass": issubclass_, "object": object, "staticmethod": staticmethod,
        "classmethod": classmethod, "property": property, "NotImplemented": NotImplemented,
        "__name__": "__main__", **classes.EXCEPTIONS,
        "repr": repr_, "str": str_, "bool": bool, "float": float, "int": _int, "chr": chr,
        "ord": ord, "divmod": divmod, "pow": pow_, "isinstance": isinstance_,
        "sorted": sorted_, "min": min_, "max": max_, "dict": dict_,
    }
    for name, function in (("sum", sum_), ("list", list), ("tuple", tuple),
                           ("enumerate", enumerate), ("zip", zip), ("reversed", reversed),
                           ("any", any), ("all", all), ("map", map), ("filter", filter)):
        table[name] = bounded(function)
    for name, function in table.items():
        if isinstance(function, type) or not callable(function):
            continue
        if function.__name__.endswith("_") or function.__name__ in ("call", f"_{name}"):
            function.__name__ = function.__qualname__ = name  # Python's words in messages
    _REAL_TYPES.update({id(table[name]): real for name, real in (
        ("list", list), ("tuple", tuple), ("dict", dict), ("int", int), ("str", str))})
    return table


_REAL_TYPES: dict = {}


def _int(value=0, base=None):
    if base is not None:
        return int(value, base)
    return int(value)


def _real_type_or(value):
    """The builtin a program names (its ``int`` is a checked wrapper) as numpy reads a dtype."""
    return _REAL_TYPES.get(id(value), value)


def _real_types(kinds):
    if isinstance(kinds, tuple):
        return tuple(_real_type(k) for k in kinds)
    return _real_type(kinds)


def _real_type(kind):
    if kind is TENSOR_TYPE:
        return Tensor
    if kind in (bool, float, set, frozenset, object) or classes.is_program_class(kind) or \
            kind in classes.LIBRARY_BASES or kind in classes.EXCEPTIONS.values() or \
            (isinstance(kind, type) and issubclass(kind, Function)):
        return kind
    real = _REAL_TYPES.get(id(kind))
    if real is None:
        raise ProgramError("isinstance() arg 2 must be a type such as int, float, str, list or "
                           "torch.Tensor")
    return real


# ----- Attributes -----

# @property(...).setter and its kin: the decorators that complete a property
_DESCRIPTOR_ATTRIBUTES = {property: frozenset({"setter", "getter", "deleter"})}

# the gradcli objects a program can hold besides tensors (for wording type errors)
PROGRAM_OBJECT_TYPES = (ModuleNamespace, TensorType, DType, Device, Node, fn._NamedResult,
                        _HookHandle, fn.no_grad, fn.enable_grad, fn.set_grad_enabled, _MultiHandle,
                        saved_tensors_hooks, dual_level)

TENSOR_ATTRIBUTES = frozenset(
    {"data", "grad", "requires_grad", "grad_fn", "is_leaf", "shape", "dtype", "ndim", "T",
     "backward", "item", "tolist", "size", "dim", "numel", "requires_grad_", "detach", "detach_",
     "retain_grad", "register_hook", "is_floating_point", "stride", "is_contiguous",
     "storage_offset", "device", "is_cuda", "is_cpu", "register_post_accumulate_grad_hook"}
    | {name for name in METHODS if not name.startswith("_")})
# Tensor methods that hand out raw memory stay out even if the tensor API grows them.
RAW_MEMORY = frozenset({"array", "storage", "untyped_storage", "data_ptr", "tobytes",
                        "tofile", "ctypes", "__array__", "__array_interface__"})
TENSOR_ATTRIBUTES -= RAW_MEMORY
NODE_ATTRIBUTES = frozenset({"name", "next_functions", "register_hook", "register_prehook"})
ACCUMULATE_ATTRIBUTES = NODE_ATTRIBUTES | {"variable"}
CTX_METHODS = frozenset({"save_for_backward", "saved_tensors", "needs_input_grad",
                         "mark_non_differentiable", "mark_dirty", "set_materialize_grads",
                         "save_for_forward"})
STR_METHODS = frozenset({"upper", "lower", "strip", "lstrip", "rstrip", "startswith", "endswith",
                         "split", "title", "capitalize", "isdigit", "isalpha", "count", "find"})
LIST_METHODS = frozenset({"append", "pop", "insert", "index", "count", "reverse", "sort", "copy",
                          "clear", "remove"})
ATTRIBUTES = {
    Tensor: TENSOR_ATTRIBUTES, OpNode: NODE_ATTRIBUTES, BackwardCFunction: NODE_ATTRIBUTES,
    OutputEdge: NODE_ATTRIBUTES, DelayedError: NODE_ATTRIBUTES,
    AccumulateGrad: ACCUMULATE_ATTRIBUTES, DType: frozenset({"is_floating_point", "itemsize"}),
    Device: frozenset({"type", "index"}),
    Size: frozenset({"numel", "count", "index"}), str: STR_METHODS, list: LIST_METHODS,
    tuple: frozenset({"index", "count"}), float: frozenset({"is_integer"}),
    int: frozenset({"bit_length"}),
    dict: frozenset({"keys", "values", "items", "get", "pop", "copy", "setdefault"}),
    fn._NamedResult: frozenset({"values", "indices"}),
    _HookHandle: frozenset({"remove"}), _MultiHandle: frozenset({"remove"}),
    modules.Thread: modules.THREAD_ATTRIBUTES, modules.Lock: modules.LOCK_ATTRIBUTES,
    np.ndarray: numpy_module.ARRAY_ATTRIBUTES,
    **{kind: numpy_module.SCALAR_ATTRIBUTES for kind in numpy_module.SCALAR_TYPES},
    **{kind: frozenset({"keys", "values", "items", "get", "pop", "copy", "setdefault", "update",
                        "clear"}) | extra
       for kind, extra in ((collections.OrderedDict, {"move_to_end", "popitem"}),
                           (collections.defaultdict, frozenset()),
                           (collections.Counter, {"most_common", "elements"}))},
    set: frozenset({"add", "discard", "remove", "pop", "union", "intersection", "difference",
                    "issubset", "issuperset", "copy", "clear", "update"}),
    frozenset: frozenset({"union", "intersection", "difference", "issubset", "issuperset",
                          "copy"}),
    UnpackedDualTensor: frozenset({"primal", "tangent", "index", "count"}),
}
# attributes that are methods wrapped here with a size check
# (append and insert too: called from C, e.g. `any(map(a.append, a))`, a builtin method could
# grow the list it iterates forever where neither the step count nor the alarm can stop it;
# index, count, remove, sort and the dict lookups compare or hash in C: see "Walks" below)
_CHECKED_METHODS = {(str, "join"), (str, "replace"), (str, "format"), (list, "extend"), (list, "append"),
                    (list, "insert"), (list, "index"), (list, "count"), (list, "remove"),
                    (list, "sort"), (tuple, "index"), (tuple, "count"), (dict, "get"),
                    (dict, "pop"), (dict, "setdefault")}


def get_attribute(obj, name: str, interp=None):
    kind = type(obj)
    if kind is ModuleNamespace:
        if name in obj.members:
            return obj.members[name]
        raise _no_attribute(obj, name, obj.members)
    if isinstance(obj, Tensor):
        kind = Tensor  # nn.Parameter and the other tensor subclasses read as tensors
    elif classes.is_program_object(obj) or classes.is_program_class(obj) or \
            classes.is_library_object(obj):
        return classes.get_attribute(obj, name)
    if kind is super:
        return classes.super_attribute(obj, name)
    if name == "__name__" and (kind is TypeView or obj is TENSOR_TYPE):
        return repr(obj)[8:-2].rpartition(".")[2]
    if name == "__name__" and (obj in _PLAIN_TYPES or obj in classes.EXCEPTIONS.values()):
        return obj.__name__
    if isinstance(obj, BaseException) and name == "args":
        return obj.args
    if kind in _DESCRIPTOR_ATTRIBUTES and name in _DESCRIPTOR_ATTRIBUTES[kind]:
        return getattr(obj, name)  # @property's .setter
    if kind is FunctionCtx:
        return _ctx_attribute(obj, name)
    if kind is np.ndarray and name == "astype":
        return lambda dtype, *args, **kwargs: obj.astype(_real_type_or(dtype), *args, **kwargs)
    if kind is modules.RefusingModule:
        obj.refuse(name)
    if isinstance(obj, type) and issubclass(obj, Function):
        if name == "apply":
            return obj.apply
        raise _no_attribute(obj, name, {"apply"})
    if (kind, name) in _CHECKED_METHODS:
        method = _CHECKED_MAKERS[name](obj, interp if interp is not None else _Defaults())
        method.__qualname__ = name  # Python's words in messages: "sort() takes ..."
        return method
    if kind is OpNode and name.startswith("_saved_"):
        return _saved_attribute(obj, name)
    allowed = ATTRIBUTES.get(kind)
    if allowed is None and name not in dir(obj) and name not in dir(type(obj)):  # not there
        raise ProgramError(f"'{_type_name(obj)}' object has no attribute '{name}'",
                           kind="AttributeError")
    if allowed is None:  # deny by default: a type without a list (functions, iterators) has none
        what = "type" if isinstance(obj, type) else _type_name(obj)
        raise SandboxError(f"'{what}' objects have no attributes in gradcli programs ('{name}' "
                           "is refused)", hint=NO_ATTRIBUTES_HINT)
    if name in allowed:
        return getattr(obj, name)
    raise _no_attribute(obj, name, allowed)


def _saved_attribute(node, name):
    """``grad_fn._saved_self`` and its kin, what the node saved (core/saved.py): the one
    underscore name a program may read on a node, and only on an op's node."""
    try:
        return getattr(node, name)
    except AttributeError:
        raise ProgramError(f"'{node.name()}' object has no attribute '{name}'",
                           kind="AttributeError") from None


NO_ATTRIBUTES_HINT = ("attributes exist only on tensors, grad_fn nodes, dtypes, torch.Size, ctx, "
                      "modules, strings, lists, tuples, dicts and numbers")


def _ctx_attribute(ctx, name):
    if name.startswith("_"):  # ctx's own state (_saved) stays its own
        raise SandboxError(f"'FunctionCtx.{name}' is not available in gradcli programs",
                           hint="ctx offers save_for_backward, saved_tensors, needs_input_grad")
    if name in CTX_METHODS:
        return getattr(ctx, name)
    if name in ctx.__dict__ and not name.startswith("_"):  # ctx's own state (_saved) stays its own
        return ctx.__dict__[name]
    raise _no_attribute(ctx, name, CTX_METHODS | {k for k in ctx.__dict__ if not k.startswith("_")})


class _Defaults:
    """The default limits, for a caller that has no interpreter."""

    settings = RunOptions()


def _default_cap() -> int:
    return _Defaults().settings.max_sequence


def _checked_join(obj, interp):
    cap = interp.settings.max_sequence

    def join(items):
        items = list(items) if not isinstance(items, (list, tuple)) else items
        if sum(len(i) for i in items if isinstance(i, str)) + len(obj) * len(items) > cap:
            raise LimitError(f"string longer than {cap:,} characters")
        return obj.join(items)
    return join


def _checked_format(template, interp):
    """str.format with fields named by position or keyword only: no attribute or index is
    read through the template ('{0.__class__}' is refused), and each spec is a standard one."""
    def format(*args, **kwargs):
        pieces, automatic = [], [0, None]  # next automatic index, numbering mode
        for literal, field, spec, conversion in string.Formatter().parse(template):
            pieces.append(literal)
            if field is None:
                continue
            value = _format_argument(field, args, kwargs, automatic)
            if conversion in ("r", "s", "a"):
                check_walk(interp, value, "formatting this value")
                value = {"r": repr, "s": str, "a": ascii}[conversion](value)
            elif type(value) in WALKED:
                check_walk(interp, value, "formatting this value")
            pieces.append(format_value(value, spec or ""))
            if sum(map(len, pieces)) > interp.settings.max_sequence:
                raise LimitError("string longer than the limit", hint="raise --max-sequence N")
        return "".join(pieces)
    return format


_PERCENT = re.compile(r"%(?:\((?P<key>[A-Za-z]\w*)\))?(?P<spec>[-+ #0]*\d{0,3}(?:\.\d{1,3})?)"
                      r"(?P<kind>[diouxXeEfFgGcrsa%])")


def percent_format(interp, template: str, values) -> str:
    """``'%.2f' % x``: each conversion a standard one (width and precision at most three
    digits, ``%(name)s`` keys from a dict), applied to one value at a time."""
    mapping = values if isinstance(values, dict) else None
    queue = list(values) if isinstance(values, tuple) else [values]
    pieces, end = [], 0
    for match in _PERCENT.finditer(template):
        if "%" in template[end:match.start()]:
            raise SandboxError(f"format spec {template[end:match.end()]!r} is not supported",
                               hint="use %s, %d, %.3f, %e... or an f-string")
        pieces.append(template[end:match.start()])
        end = match.end()
        if match["kind"] == "%":
            pieces.append("%")
            continue
        if match["key"] is not None:
            if mapping is None:
                raise ProgramError("format requires a mapping")
            value = mapping[match["key"]]
        elif not queue:
            raise ProgramError("not enough arguments for format string")
        else:
            value = queue.pop(0)
        if type(value) in WALKED:
            check_walk(interp, value, "formatting this value")
        pieces.append(f"%{match['spec']}{match['kind']}" % (value,))
    if "%" in template[end:]:
        raise SandboxError(f"format spec {template[end:]!r} is not supported",
                           hint="use %s, %d, %.3f, %e... or an f-string")
    if queue and mapping is None:
        raise ProgramError("not all arguments converted during string formatting")
    pieces.append(template[end:])
    return "".join(pieces)


def _format_argument(field, args, kwargs, automatic):
    if field == "" or field.isdigit():
        mode = "automatic" if field == "" else "manual"
        if automatic[1] not in (None, mode):
            raise ProgramError("cannot switch from manual field specification to automatic "
                               "field numbering", kind="ValueError")
        automatic[1] = mode
        index = automatic[0] if field == "" else int(field)
        automatic[0] += field == ""
        if index >= len(args):
            raise ProgramError(f"Replacement index {index} out of range for positional args "
                               "tuple", kind="IndexError")
        return args[index]
    if field.isidentifier() and not field.startswith("_"):
        if field not in kwargs:
            raise ProgramError(repr(field), kind="KeyError")
        return kwargs[field]
    raise SandboxError(f"format field {field!r} is not supported",
                       hint="name an argument by position or keyword; format reads no "
                            "attribute or item of it")


def _checked_replace(obj, interp):
    cap = interp.settings.max_sequence

    def replace(old, new, count=-1):
        if len(new) > len(old) and len(obj) * builtins.max(len(new), 1) > cap:
            raise LimitError(f"string longer than {cap:,} characters")
        return obj.replace(old, new, count)
    return replace


def _list_too_long(cap):
    return LimitError(f"list longer than {cap:,} elements", hint="raise it with --max-sequence N")


def _checked_extend(obj, interp):
    cap = interp.settings.max_sequence

    def extend(items):
        if not isinstance(items, (range, list, tuple, str)):
            items = bounded_list(interp, items)
        if len(obj) + len(items) > cap:
            raise _list_too_long(cap)
        obj.extend(items)
    return extend


def _checked_append(obj, interp):
    cap = interp.settings.max_sequence

    def append(item):
        if len(obj) >= cap:
            raise _list_too_long(cap)
        obj.append(item)
    return append


def _checked_insert(obj, interp):
    cap = interp.settings.max_sequence

    def insert(index, item):
        if len(obj) >= cap:
            raise _list_too_long(cap)
        obj.insert(index, item)
    return insert


def _checked_search(method_name):
    """list.index, count and remove, tuple.index and count: C compares the value with each item."""
    def make(obj, interp):
        method = getattr(obj, method_name)

        def search(value, *args):
            check_contains(interp, value, obj)
            return method(value, *args)
        return search
    return make


def _checked_sort(obj, interp):
    def sort(*, key=None, reverse=False):
        obj[:] = ordered(interp, list(obj), key, reverse)
    return sort


def _checked_lookup(method_name):
    """dict.get, pop and setdefault: C hashes the key."""
    def make(obj, interp):
        method = getattr(obj, method_name)

        def lookup(key, *args):
            check_key(interp, key)
            return method(key, *args)
        return lookup
    return make


_CHECKED_MAKERS = {"join": _checked_join, "replace": _checked_replace, "format": _checked_format,
                   "extend": _checked_extend,
                   "append": _checked_append, "insert": _checked_insert, "sort": _checked_sort,
                   **{name: _checked_search(name) for name in ("index", "count", "remove")},
                   **{name: _checked_lookup(name) for name in ("get", "pop", "setdefault")}}


def _type_name(obj) -> str:
    if isinstance(obj, type):
        return obj.__name__
    if isinstance(obj, Node):
        return obj.name()
    name = type(obj).__name__
    return _SHOWN_TYPES.get(type(obj), _SHOWN_TYPE_NAMES.get(name, name))


_SHOWN_TYPES = {Tensor: "Tensor", DType: "torch.dtype", Device: "torch.device", Size: "torch.Size",
                ModuleNamespace: "module", TensorType: "type"}
_SHOWN_TYPE_NAMES = {"UserFunction": "function"}  # the interpreter's (language.py imports us)


def _no_attribute(obj, name, allowed):
    """``obj.name`` outside the allow-list: the sandbox's refusal of an attribute the object has,
    PyTorch's name that gradcli lacks (api/refusals.py), or Python's "no attribute" with a near
    miss."""
    module = type(obj) is ModuleNamespace
    exists = not module and (name in dir(type(obj)) or (isinstance(obj, type) and name in dir(obj)))
    if exists:
        return SandboxError(f"'{_type_name(obj)}.{name}' is not available in gradcli programs",
                            hint=_close_hint(name, allowed) or "only the documented tensor "
                            "methods and properties can be used")
    owner = obj.name if module else _PYTORCH_CLASSES.get(type(obj))
    # (raw-memory methods keep Python's words: refusing them is the sandbox's, not a gap)
    refusal = refusals.unsupported(f"{owner}.{name}") if owner and name not in RAW_MEMORY else None
    if refusal is not None:
        return ProgramError(refusal, kind="AttributeError", hint=refusals.HINT)
    what = f"module '{obj.name}'" if module else f"'{_type_name(obj)}' object"
    return ProgramError(f"{what} has no attribute '{name}'", kind="AttributeError",
                        hint=_close_hint(name, allowed))


_PYTORCH_CLASSES = {Tensor: "torch.Tensor", DType: "torch.dtype", Device: "torch.device",
                    Size: "torch.Size"}
refusals.pytorch_names()  # read now: while a program runs, nothing opens a file


def _close_hint(name, candidates) -> str | None:
    close = refusals.near_miss(name, candidates)
    return f"did you mean '{close}'?" if close else None


def set_attribute(obj, name: str, value) -> None:
    if isinstance(obj, Tensor) and name in ("grad", "requires_grad", "data"):
        _set_tensor_attribute(obj, name, value)
        return
    if classes.is_program_object(obj) or classes.is_program_class(obj) or \
            classes.is_library_object(obj):
        classes.set_attribute(obj, name, value)
        return
    if type(obj) is Tensor and name in ("grad", "requires_grad", "data"):
        _set_tensor_attribute(obj, name, value)
        return
    if type(obj) is FunctionCtx and name not in CTX_METHODS and not name.startswith("_"):
        obj.__dict__[name] = value
        return
    raise SandboxError(f"cannot set attribute '{name}' of '{_type_name(obj)}'",
                       hint="tensors allow setting .grad, .requires_grad and .data")


def delete_attribute(obj, name: str) -> None:
    """``del obj.name``: the program's own attributes, a ctx field, a tensor's ``.grad``."""
    if classes.is_program_object(obj) or classes.is_program_class(obj):
        classes.delete_attribute(obj, name)
        return
    if type(obj) is FunctionCtx and not name.startswith("_") and name in obj.__dict__:
        del obj.__dict__[name]
        return
    if isinstance(obj, Tensor) and name == "grad":
        obj.grad = None  # as PyTorch's `del x.grad`
        return
    raise SandboxError(f"cannot delete attribute '{name}' of '{_type_name(obj)}'")


def delete_item(interp, obj, key) -> None:
    """``del obj[key]`` on lists, dicts and the program's own containers."""
    kind = type(obj)
    if kind in (dict, collections.OrderedDict, collections.defaultdict, collections.Counter):
        if type(key) in WALKED:
            check_key(interp, key)
        del obj[key]
    elif kind is list or classes.is_program_object(obj):
        del obj[key]
    else:
        raise ProgramError(f"'{_type_name(obj)}' object doesn't support item deletion")


def _set_tensor_attribute(tensor, name, value):
    if name == "requires_grad":
        tensor.requires_grad_(bool(value))
    elif name == "grad":
        if value is not None:
            if not isinstance(value, Tensor):
                raise TorchError(f"assigned grad expected to be a Tensor or None but got grad of "
                                 f"type {type(value).__name__}", kind="TypeError")
            if value.array.shape != tensor.array.shape:
                raise TorchError("assigned grad has data of a different size")
        tensor.grad = value
    else:
        if not isinstance(value, Tensor):
            raise TorchError("data must be a Tensor", kind="TypeError")
        tensor.data = value


# ----- Items, iteration, calls -----

def get_item(interp, obj, key):
    kind = type(obj)
    if kind is list:  # the common case; a list index is never walked
        return obj[key]
    if (kind is Tensor or kind is dict) and type(key) in WALKED:
        _check_index(interp, obj, key)
    if kind is np.ndarray and type(key) in WALKED:
        check_argument(interp, key)
    if isinstance(obj, (Tensor, list, tuple, str, dict, range, modules.TypingName, np.ndarray)) \
            or classes.is_program_object(obj) or classes.is_library_object(obj):
        return obj[key]
    raise ProgramError(f"'{_type_name(obj)}' object is not subscriptable")


def set_item(interp, obj, key, value) -> None:
    kind = type(obj)
    if kind is list:
        obj[key] = value
        return
    if kind is Tensor or kind is dict:
        if type(key) in WALKED:
            _check_index(interp, obj, key)
        if kind is Tensor and type(value) in WALKED:
            check_argument(interp, value)
        obj[key] = value
        return
    if classes.is_program_object(obj):
        obj[key] = value  # the program's own __setitem__
        return
    if kind is np.ndarray:
        for part in (key, value):
            if type(part) in WALKED:
                check_argument(interp, part)
        obj[key] = value
        return
    raise ProgramError(f"'{_type_name(obj)}' object does not support item assignment")


def _check_index(interp, obj, key) -> None:
    if type(obj) is Tensor:
        check_argument(interp, key)  # numpy reads an index list in C
    else:
        check_key(interp, key)  # a dict hashes it


def iterate(interp, obj):
    if isinstance(obj, (Tensor, list, tuple, str, dict, range, zip, enumerate, map, filter,
                        Size, fn._NamedResult)) or type(obj).__name__ in ("list_reverseiterator",
                                                                         "reversed", "dict_keys",
                                                                         "dict_values",
                                                                         "dict_items") \
            or classes.is_program_object(obj) or classes.is_library_object(obj) \
            or type(obj) in (set, frozenset, np.ndarray, types.GeneratorType, _LIST_ITERATOR):
        return iter(obj)
    raise ProgramError(f"'{_type_name(obj)}' object is not iterable")


_LIST_ITERATOR = type(iter([]))


def bounded_list(interp, value) -> list:
    if isinstance(value, (range, list, tuple, str)):
        check_length(interp, len(value))
        return list(value)
    cap = interp.settings.max_sequence if interp is not None else _default_cap()
    items = list(itertools.islice(iterate(interp, value), cap + 1))
    if len(items) > cap:
        raise LimitError(f"a sequence of more than {cap:,} items is over the limit",
                         hint="raise it with --max-sequence N")
    return items


def call(interp, target, args, kwargs):
    if isinstance(target, type) and issubclass(target, Function):
        raise TorchError("Legacy autograd function with non-static forward method is deprecated. "
                         f"Please use new-style autograd function with static forward method: call "
                         f"{target.__name__}.apply(...) instead")
    if not callable(target):
        raise ProgramError(f"'{_type_name(target)}' object is not callable")
    name = _TENSOR_INPUT.get(id(target))
    if name is not None:
        _check_tensor_input(name, args[0] if args else kwargs.get("input", TENSOR_TYPE))
    for value in args:
        if type(value) in WALKED:
            _check_api_arguments(interp, target, args, kwargs)
            break
    else:
        if kwargs:
            _check_api_arguments(interp, target, (), kwargs)
    return target(*args, **kwargs)


def _check_api_arguments(interp, target, args, kwargs) -> None:
    """Lists given to torch functions and tensor methods are walked before numpy reads them."""
    if id(target) in _API_FUNCTIONS or type(getattr(target, "__self__", None)) is Tensor:
        for values in (args, kwargs.values()):
            for value in values:
                # a flat list is no longer than --max-sequence: only nested ones are walked
                if type(value) in WALKED and (type(value) is dict or
                                              not _HEAVY.isdisjoint(map(type, value))):
                    check_argument(interp, value)


def _check_tensor_input(name, value) -> None:
    if not isinstance(value, Tensor) and value is not TENSOR_TYPE:
        kind = "function" if callable(value) else _type_name(value)
        raise TorchError(f"{name}(): argument 'input' (position 1) must be Tensor, not {kind}",
                         kind="TypeError")


# torch.pow(2, x) and these are valid
_NUMBER_FIRST = ("pow", "floor_divide", "remainder", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "bitwise_left_shift", "bitwise_right_shift")


def _tensor_input_functions() -> dict:
    """torch functions whose first parameter is ``input``: they need a Tensor there."""
    found = {}
    for namespace in MODULES.values():
        for name, member in namespace.members.items():
            code = getattr(member, "__code__", None)  # read directly: inspect costs start-up
            if code is not None and code.co_argcount and code.co_varnames[0] == "input" \
                    and name not in _NUMBER_FIRST:
                found[id(member)] = name
    return found


_TENSOR_INPUT = _tensor_input_functions()
_API_FUNCTIONS = {id(member) for namespace in MODULES.values()
                  for member in namespace.members.values() if callable(member)} | {id(TENSOR_TYPE)}


def context_manager(value):
    if isinstance(value, (fn.no_grad, fn.enable_grad, fn.set_grad_enabled, saved_tensors_hooks,
                          dual_level)) or classes.is_program_object(value):
        return value
    raise SandboxError("'with' works only with torch.no_grad(), torch.enable_grad(), "
                       "torch.set_grad_enabled(...), torch.autograd.graph.saved_tensors_hooks(...) "
                       "and torch.autograd.forward_ad.dual_level()")


def define_function_class(name: str, bases: tuple, members: dict):
    """A custom autograd Function: ``class Exp(torch.autograd.Function)`` with static forward and
    backward (written with or without ``@staticmethod``, as PyTorch tolerates either)."""
    if bases != (Function,):
        raise SandboxError(f"class {name}: a custom autograd Function derives from "
                           "torch.autograd.Function alone")
    for member in members:  # the interpreter refuses such names too; this holds without it
        if member.startswith("_"):
            raise SandboxError(f"a Function class defines static methods with public names only, "
                               f"not '{member}'")
    if "forward" not in members:  # (backward or jvp: PyTorch asks for the one a pass uses)
        raise SandboxError(f"class {name} needs a static method 'forward'")
    return type(name, (Function,), {key: value if isinstance(value, (staticmethod, classmethod))
                                    or not callable(value) else staticmethod(value)
                                    for key, value in members.items()})


def truth(value) -> bool:
    return bool(value)


# ----- Sizes checked before the work -----

def check_length(interp, length: int) -> None:
    cap = interp.settings.max_sequence
    if length > cap:
        raise LimitError(f"a sequence of {length:,} items is over the limit of {cap:,}",
                         hint="raise it with --max-sequence N")


def check_int(interp, value: int) -> None:
    if value.bit_length() > interp.settings.max_int_bits:
        raise LimitError(f"an integer of {value.bit_length():,} bits is over the limit of "
                         f"{interp.settings.max_int_bits:,} bits", hint="raise it with "
                         "--max-int-bits N")


_SEQUENCES = (str, list, tuple)


def checked_binary(interp, op_name: str, function):
    """``function(left, right)`` with the size of its result checked before it is computed."""
    bits = interp.settings.max_int_bits
    cap = interp.settings.max_sequence
    set_operation = op_name in ("BitAnd", "BitOr", "Sub")  # on dict views: hashes every key

    def too_big(what):
        return LimitError(f"{what} is over the limit", hint=f"integers are limited to {bits:,} "
                          f"bits (--max-int-bits N) and sequences to {cap:,} items "
                          "(--max-sequence N)")

    def run(left, right):
        left_int = type(left) is int
        right_int = type(right) is int
        if op_name == "Pow" and left_int and right_int and right > 0 and \
                builtins.max(left.bit_length() - 1, 1) * right > bits:
            raise too_big(f"an integer power of about {(left.bit_length() - 1) * right:,} bits")
        if op_name == "LShift" and left_int and right_int and left.bit_length() + right > bits:
            raise too_big(f"a shift to {left.bit_length() + right:,} bits")
        if op_name == "Mult":
            if left_int and right_int and left.bit_length() + right.bit_length() > bits:
                raise too_big("the product")
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, _SEQUENCES) and type(count) is int and len(seq) * count > cap:
                    raise too_big(f"a sequence of {len(seq) * count:,} items")
        if op_name == "Add" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES) \
                and len(left) + len(right) > cap:
            raise too_big(f"a sequence of {len(left) + len(right):,} items")
        if op_name == "Mod" and isinstance(left, str):
            return percent_format(interp, left, right)
        if set_operation and (type(left) in _HASHED_VIEWS or type(right) in _HASHED_VIEWS):
            check_walk(interp, [left, right], "hashing the keys of these views")
        if op_name == "BitXor" and not (_bitwise_operand(left) and _bitwise_operand(right)):
            raise ProgramError("'^' is bitwise xor, not a power", kind="TypeError",
                               hint="write x ** 2 for powers")
        numpy_module.broadcast_check(left, right)
        result = function(left, right)
        if type(result) is int and result.bit_length() > bits:
            raise too_big("the integer result")
        return result
    return run


def _bitwise_operand(value) -> bool:
    """What '^' takes: Python ints and bools, integer and bool tensors (a float is a power
    misspelt)."""
    return isinstance(value, (int, bool)) or isinstance(value, Tensor) and \
        value.array.dtype.kind in "biu"


# ----- Walks C makes in one call -----
#
# Comparing, hashing or printing a list makes C walk it, in one call that neither the step
# count nor the alarm can interrupt.  A list can hold the same list twice, so
# `for i in range(100): a = [a, a]` is 101 lists in memory but 2**100 items to C.  Whatever
# walks a program's value counts first what C would visit, and is refused past --max-sequence.

_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_HASHED_VIEWS = (_VIEWS[0], _VIEWS[2])  # `in` and set operations hash: one walk of the item
WALKED = frozenset({list, tuple, dict, Size, *_VIEWS})
_HEAVY = WALKED | {str}  # values that cost C more than one step to compare or print
_CHARACTERS_PER_ITEM = 64  # C copies and compares characters far faster than it visits items


def walk_size(value, cap: int) -> int:
    """How many items C visits walking ``value``: a child reached twice counts twice.

    Memoized by id, the count looks once at each distinct container (a flat list of numbers
    is one C pass over its item types), and stops as soon as it passes ``cap``.
    """
    kind = type(value)
    if kind is list or kind is tuple or kind is Size:  # the common case: a flat list of numbers
        if len(value) > 16:
            if set(map(type, value)).isdisjoint(_HEAVY):  # one C pass
                return len(value)
        elif all([type(item) not in _HEAVY for item in value]):
            return len(value) or 1
    elif kind not in WALKED:
        return _leaf_size(value)
    return _measure(value, cap)[0]


def nesting_depth(value) -> int:
    """How deep lists nest in ``value`` (C's repr recurses once a level)."""
    return _measure(value, sys.maxsize)[1] if type(value) in WALKED else 0


def _measure(value, cap: int) -> tuple:
    """(items C visits, levels of nesting) of a container, one look at each distinct one."""
    sizes, depths, kept = {}, {}, []  # kept: children lists made here live on (no id reused)
    stack = [(value, None)]
    while stack:
        node, counted = stack.pop()
        if counted is None:  # first visit
            if id(node) in sizes:
                continue
            items = _children(node)
            kept.append(items)
            kinds = set(map(type, items))
            if kinds.isdisjoint(WALKED):
                size, depth = len(items) + _extra_characters(items, kinds), 1
            else:
                # each distinct child once, with how often it is held (`[row] * n`), both in C
                distinct, counts = dict(zip(map(id, items), items)), Counter(map(id, items))
                # until measured: a list holding itself counts once (C prints [...])
                sizes[id(node)], depths[id(node)] = 1, 1
                stack.append((node, (distinct, counts)))
                stack.extend((child, None) for child in distinct.values()
                             if type(child) in WALKED and id(child) not in sizes)
                continue
        else:
            distinct, counts = counted
            size = sum([count * (sizes[key] if type(distinct[key]) in WALKED else
                                 _leaf_size(distinct[key])) for key, count in counts.items()])
            depth = 1 + builtins.max([depths[key] for key, child in distinct.items()
                                      if type(child) in WALKED])
        if size > cap:
            return size, depth
        sizes[id(node)], depths[id(node)] = builtins.max(size, 1), depth
    return sizes[id(value)], depths[id(value)]


def _children(node):
    kind = type(node)
    if kind is list or kind is tuple or kind is Size:
        return node
    if kind is dict:  # a number key is counted with its value; a tuple or string key by itself
        values = list(node.values())
        if _HEAVY.isdisjoint(map(type, node)):
            return values
        return values + [key for key in node if type(key) in _HEAVY]
    return list(node)  # a dict view


def _extra_characters(items, kinds) -> int:
    if str not in kinds:
        return 0
    if len(kinds) == 1:
        return sum(map(len, items)) // _CHARACTERS_PER_ITEM
    return sum(len(item) for item in items if type(item) is str) // _CHARACTERS_PER_ITEM


def _leaf_size(value) -> int:
    return 1 + len(value) // _CHARACTERS_PER_ITEM if type(value) is str else 1


def _walk_too_long(doing: str, cap: int, flag: str = "--max-sequence") -> LimitError:
    return LimitError(f"{doing} would walk more than {cap:,} items at once (an item counts each "
                      f"time it is reached, a string once per {_CHARACTERS_PER_ITEM} characters)",
                      hint=f"raise it with {flag} N, or work on smaller pieces")


def check_walk(interp, value, doing: str) -> None:
    """Refuse ``value`` if C would walk more than --max-sequence items comparing or printing it."""
    cap = interp.settings.max_sequence
    if type(value) in WALKED and walk_size(value, cap) > cap:
        raise _walk_too_long(doing, cap)


def text_of(interp, value, doing: str) -> str:
    """``str(value)``, walked first."""
    check_walk(interp, value, doing)
    return str(value)


def check_compare(interp, left, right) -> None:
    """``left == right``, ``<`` and the like: C stops at the end of the smaller walk."""
    cap = interp.settings.max_sequence
    if walk_size(left, cap) > cap and walk_size(right, cap) > cap:
        raise _walk_too_long("comparing these values", cap)


def check_contains(interp, item, container):
    """``item in container`` (and list.index, count, remove): the container to search.

    C compares ``item`` with each element (and quotes it in "x is not in list"); a range
    steps through every number unless ``item`` is an int.
    """
    kind = type(container)
    cap = interp.settings.max_sequence
    if kind is range:
        if type(item) not in (int, bool) and _range_length(container) > cap:
            raise _walk_too_long("searching a range for a value that is not an int", cap)
        return container
    if type(item) not in _HEAVY:
        return container  # a number or a tensor compares with each element in one step
    if kind not in WALKED and kind is not str and kind is not Tensor:
        container = bounded_list(interp, container)  # a lazy iterator, searched in C
        kind = list
    size = walk_size(item, cap)
    if size > cap or (kind in WALKED and kind is not dict and kind not in _HASHED_VIEWS
                      and len(container) * size > cap and walk_size(container, cap) > cap):
        raise _walk_too_long("searching for this value", cap)
    return container


def _range_length(numbers: range) -> int:
    try:
        return len(numbers)
    except OverflowError:  # more than sys.maxsize numbers
        return sys.maxsize


def check_key(interp, key) -> None:
    """A dict hashes a key in C (and compares it on a collision): a tuple walks all it holds."""
    if type(key) is tuple:
        check_walk(interp, key, "hashing this key")


def ordered(interp, items: list, key, reverse) -> list:
    """``sorted(items, key=key, reverse=reverse)`` with what C compares walked first."""
    if key is None:
        check_walk(interp, items, "sorting these values")
        return sorted(items, reverse=reverse)
    keys = [key(item) for item in items]
    check_walk(interp, keys, "sorting by these keys")
    return [items[i] for i in sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)]


def _extreme(interp, function, args, key, options):
    """``min(...)`` or ``max(...)`` with what C compares (the items or their keys) walked first."""
    if not args or (len(args) > 1 and options):
        return function(*args, **options)  # Python's own TypeError
    if key is None:
        items = bounded_list(interp, args[0]) if len(args) == 1 else list(args)
        check_walk(interp, items, "comparing these values")
        return function(items, **options)
    items, keys = [], []
    cap = interp.settings.max_sequence
    # live, as Python's: a key that grows the list it reads (`max(a, key=a.append)`) meets the cap
    for item in iterate(interp, args[0]) if len(args) == 1 else args:
        items.append(item)
        keys.append(key(item))
        if len(items) > cap:
            raise LimitError(f"a sequence of more than {cap:,} items is over the limit",
                             hint="raise it with --max-sequence N")
    if not items:
        return function(items, **options)
    check_walk(interp, keys, "comparing these keys")
    return items[function(range(len(items)), key=keys.__getitem__)]


def check_argument(interp, value) -> None:
    """A list given to gradcli's API is read by numpy in C: walked first.

    Tensor data can be as large as --max-elements allows, so the larger of the two caps holds.
    """
    cap, flag = interp.settings.max_sequence, "--max-sequence"
    if Limits.max_elements is not None and Limits.max_elements > cap:
        cap, flag = Limits.max_elements, "--max-elements"
    if walk_size(value, cap) > cap:
        raise _walk_too_long("reading this list", cap, flag)


# ----- f-strings -----

_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[+\- ]?z?#?0?\d{0,3}[,_]?(?:\.\d{1,3})?[bcdeEfFgGnosxX%]?")


def format_value(value, spec: str) -> str:
    if not isinstance(spec, str) or not _FORMAT_SPEC.fullmatch(spec):
        raise SandboxError(f"format spec {spec!r} is not supported",
                           hint="use a standard spec such as :.3f, :>8 or :e")
    if spec and isinstance(value, Tensor) and value.array.ndim:
        raise TorchError("unsupported format string passed to Tensor.__format__", kind="TypeError")
    return format(value, spec)
