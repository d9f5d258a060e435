"""Classes a program defines, and the exceptions it raises and catches.

A program's ``class`` becomes a real Python class (so ``a + b`` calls its ``__add__``, ``print``
its ``__repr__``, and a library base such as ``torch.autograd.Function`` works as usual), built
here under three rules that keep it inside the sandbox:

- its bases are ``object``, the program's own classes, builtin exception classes, or a library
  class listed in ``LIBRARY_BASES``;
- the dunders it may define are ``USER_DUNDERS``: the ones Python calls for operators, printing,
  calls, containers, comparisons, iteration and ``with``, all while the program runs.  Hooks
  that Python calls at other times or that reach the machinery (``__del__``, ``__getattribute__``,
  ``__init_subclass__``, ``__class_getitem__``, ``__reduce__``, ``__format__``...) are refused;
- a program reads and writes attributes of its own instances and classes only through
  ``get_attribute`` / ``set_attribute`` below: what the program put there (``self._x`` included)
  and what its classes define, never what a library base keeps for itself.
"""

from __future__ import annotations

import builtins
import weakref

from gradcli.api import refusals
from gradcli.core.tensor import Tensor
from gradcli.errors import GradcliError, ProgramError, SandboxError

USER_DUNDERS = frozenset({
    "__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__setitem__",
    "__contains__", "__iter__", "__next__", "__bool__", "__hash__", "__enter__", "__exit__",
    "__delitem__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__neg__", "__pos__", "__abs__", "__invert__",
    *(f"__{prefix}{op}__" for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
                                      "matmul", "and", "or", "xor")
      for prefix in ("", "r", "i")),
})

# Library classes a program may derive from: class -> the names of the base a program may read
# on its instances besides what it defined itself (a library base keeps its state in names of
# its own, which stay out of reach).  The api layer's classes are added by register_base.
LIBRARY_BASES: dict = {}

# builtin exceptions a program may raise, catch and derive from
EXCEPTIONS = {cls.__name__: cls for cls in (
    BaseException, Exception, ArithmeticError, AssertionError, AttributeError, IndexError,
    KeyError, LookupError, NameError, NotImplementedError, OverflowError, RuntimeError,
    StopIteration, TypeError, ValueError, ZeroDivisionError, UnboundLocalError)}
_EXCEPTION_TYPES = frozenset(EXCEPTIONS.values())

_PROGRAM_CLASSES: weakref.WeakSet = weakref.WeakSet()

# Packages of gradcli's API whose objects (an nn.Linear, an optimizer, a DataLoader) offer a
# program their public names: the methods and fields gradcli wrote for it, never '_' ones.
LIBRARY_PACKAGES: list = []


def register_package(prefix: str) -> None:
    LIBRARY_PACKAGES.append(prefix)


def _library_class(klass) -> bool:
    return klass in LIBRARY_BASES or klass.__module__.startswith(tuple(LIBRARY_PACKAGES) or
                                                                 ("\0",))


def register_base(cls, readable=(), private=None) -> None:
    """Let programs derive from library class ``cls``, read ``readable`` (besides its public
    names) on its instances, and never touch ``private``: the state it keeps in its
    instances' ``__dict__`` (by default, what a fresh instance has under '_' names)."""
    LIBRARY_BASES[cls] = frozenset(readable)
    if private is None:
        private = {name for name in vars(cls()) if name.startswith("_")}
    _LIBRARY_PRIVATE[cls] = frozenset(private)


_LIBRARY_PRIVATE: dict = {}


def is_program_class(cls) -> bool:
    return isinstance(cls, type) and cls in _PROGRAM_CLASSES


def is_program_object(obj) -> bool:
    return type(obj) in _PROGRAM_CLASSES


def is_library_object(obj) -> bool:
    """An instance of a registered library base or package (an nn.Linear the program made)."""
    kind = type(obj)
    if isinstance(obj, Tensor):  # tensors (and nn.Parameter) read as tensors
        return False
    return (bool(LIBRARY_BASES) and isinstance(obj, tuple(LIBRARY_BASES))) or \
        (bool(LIBRARY_PACKAGES) and _library_class(kind) and not isinstance(obj, type))


def define_class(name: str, bases: tuple, namespace: dict, qualname: str | None = None):
    """The program's ``class name(*bases)`` with ``namespace`` (methods already made)."""
    for base in bases:
        if not (base is object or is_program_class(base) or base in _EXCEPTION_TYPES
                or base in LIBRARY_BASES):
            raise SandboxError(f"class {name} cannot derive from {_shown(base)}",
                               hint="a class may derive from object, the program's own classes, "
                                    "exception classes and torch's documented base classes")
    for key in namespace:
        if key.startswith("__") and key.endswith("__") and key not in USER_DUNDERS:
            raise SandboxError(f"class {name} may not define '{key}'",
                               hint="programs define __init__, __call__, __repr__, operators, "
                                    "comparisons and container methods; not Python's hooks")
    namespace = {**namespace, "__module__": "__main__", "__qualname__": qualname or name}
    try:
        cls = type(name, bases or (object,), namespace)
    except TypeError as error:  # an impossible MRO, a layout conflict: Python's own words
        raise ProgramError(str(error)) from None
    _PROGRAM_CLASSES.add(cls)
    return cls


def _shown(value) -> str:
    if isinstance(value, type) or callable(value):  # a class, or a builtin wrapped (int, list)
        return getattr(value, "__name__", type(value).__name__)
    return type(value).__name__


def _defined_in_program(cls, name: str):
    """Where ``name`` is found along ``cls``'s MRO: 'program', 'library' or None."""
    for klass in cls.__mro__:
        if klass in _PROGRAM_CLASSES:
            if name in klass.__dict__:
                return "program"
        elif _library_class(klass):
            if name in LIBRARY_BASES.get(klass, ()) or (not name.startswith("_") and
                                                          name in vars(klass)):
                return "library"
        elif klass in _EXCEPTION_TYPES and name == "args":
            return "library"
    return None


def get_attribute(obj, name: str):
    """``obj.name`` for an instance or class of the program's own."""
    if isinstance(obj, type):
        where = _defined_in_program(obj, name)
        if where is not None or name == "__name__":
            return getattr(obj, name)
        raise ProgramError(f"type object '{obj.__name__}' has no attribute '{name}'",
                           kind="AttributeError")
    if name.startswith("_") and _library_owns(type(obj), name):
        raise SandboxError(f"'{type(obj).__name__}.{name}' is kept by the library and not "
                           "available in gradcli programs")
    if name in _instance_dict(obj) and not name.startswith("__"):
        return obj.__dict__[name]
    where = _defined_in_program(type(obj), name)
    if where is not None:
        return getattr(obj, name)
    base_dynamic = _dynamic_attribute(obj, name)
    if base_dynamic is not _MISSING:
        return base_dynamic
    known = [*dir(obj), *(key for store in ("_parameters", "_buffers", "_modules")  # a Module's
                          for key in getattr(obj, store, None) or ())]
    close = refusals.near_miss(name, [n for n in known if not n.startswith("_")])
    raise ProgramError(f"'{type(obj).__name__}' object has no attribute '{name}'",
                       kind="AttributeError", hint=f"did you mean '{close}'?" if close else None)


_MISSING = object()


def _dynamic_attribute(obj, name):
    """A library base that resolves attributes itself (nn.Module's ``__getattr__`` finds its
    parameters, buffers and submodules) answers for a public name no class defines."""
    if name.startswith("_"):
        return _MISSING
    mro = type(obj).__mro__
    if not any(_library_class(klass) and "__getattr__" in vars(klass) for klass in mro):
        return _MISSING
    if any(name in vars(klass) for klass in mro):  # a class attribute: not dynamic
        return _MISSING
    try:
        return getattr(obj, name)
    except AttributeError:
        return _MISSING


def _instance_dict(obj) -> dict:
    return getattr(obj, "__dict__", {})


def set_attribute(obj, name: str, value) -> None:
    """``obj.name = value`` on an instance (or class) of the program's own."""
    if name.startswith("__") and name.endswith("__"):
        raise SandboxError(f"cannot set attribute '{name}'")
    if name.startswith("_") and _library_owns(type(obj) if not isinstance(obj, type) else obj,
                                              name):
        raise SandboxError(f"cannot set attribute '{name}': the library base keeps it")
    setattr(obj, name, value)


def delete_attribute(obj, name: str) -> None:
    """``del obj.name`` on an instance (or class) of the program's own."""
    if name.startswith("__") and name.endswith("__") or \
            (name.startswith("_") and _library_owns(obj if isinstance(obj, type) else type(obj),
                                                    name)):
        raise SandboxError(f"cannot delete attribute '{name}'")
    try:
        delattr(obj, name)
    except AttributeError:
        raise ProgramError(f"'{type(obj).__name__}' object has no attribute '{name}'",
                           kind="AttributeError") from None


def _library_owns(cls, name: str) -> bool:
    return any(klass not in _PROGRAM_CLASSES and klass is not object and
               (hasattr(klass, name) or name in _LIBRARY_PRIVATE.get(klass, ()))
               for klass in cls.__mro__)


def make_super(owner, instance):
    """``super()`` inside a method of ``owner`` called on ``instance``."""
    if owner is None or not isinstance(instance, owner):
        raise ProgramError("super(): no arguments", kind="RuntimeError",
                           hint="super() works inside a method of a class, with self first")
    return builtins.super(owner, instance)


def super_attribute(proxy, name: str):
    """``super().name``: looked up after the method's class, by the same rules."""
    owner, instance = proxy.__thisclass__, proxy.__self__
    mro = type(instance).__mro__
    for klass in mro[mro.index(owner) + 1:]:
        if klass in _PROGRAM_CLASSES and name in klass.__dict__:
            return getattr(proxy, name)
        if klass in LIBRARY_BASES and (name in LIBRARY_BASES[klass] or name == "__init__"):
            return getattr(proxy, name)
        if klass is object and name == "__init__":
            return getattr(proxy, name)
    raise ProgramError(f"'super' object has no attribute '{name}'", kind="AttributeError")


# ----- Exceptions -----

class ProgramRaised(ProgramError):
    """An exception the program raised (``raise ValueError('...')``), carried through gradcli's
    error handling with the program's exception object, so ``except`` can match its class."""

    def __init__(self, exception: BaseException):
        message = str(exception)
        if isinstance(exception, KeyError) and exception.args:
            message = repr(exception.args[0])
        super().__init__(message, kind=type(exception).__name__)
        self.exception = exception


def raised(value) -> BaseException:
    """What ``raise value`` raises: an exception instance, or the class called with nothing."""
    if isinstance(value, type) and issubclass(value, BaseException):
        value = value()
    if not isinstance(value, BaseException):
        raise ProgramError("exceptions must derive from BaseException")
    if type(value) not in _EXCEPTION_TYPES and type(value) not in _PROGRAM_CLASSES:
        raise SandboxError(f"raising {type(value).__name__} is not supported")
    return value


def caught(error: BaseException):
    """The exception object an ``except`` clause sees for ``error``, or None when a program
    may not catch it: limits, sandbox refusals and parse errors always end the run."""
    original = getattr(error, "exception", None)
    if isinstance(error, GradcliError) and error.catchable and original is not None and \
            (type(original) in _EXCEPTION_TYPES or type(original) in _PROGRAM_CLASSES):
        return original
    if isinstance(error, GradcliError):
        if not error.catchable:
            return None
        return EXCEPTIONS.get(error.kind, RuntimeError)(error.message)
    if type(error) in _EXCEPTION_TYPES or type(error) in _PROGRAM_CLASSES:
        return error
    return None


def check_handler(kinds):
    """The class (or tuple of classes) after ``except``: exception classes only."""
    for kind in kinds if isinstance(kinds, tuple) else (kinds,):
        if not (isinstance(kind, type) and issubclass(kind, BaseException)):
            raise ProgramError("catching classes that do not inherit from BaseException is not "
                               "allowed")
    return kinds
