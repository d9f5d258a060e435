"""The expression-file language: Python syntax, run by gradcli's own interpreter.

The source is parsed with ``ast.parse`` and nothing else of Python's compiler.
Each allowed node type has a compile handler in ``COMPILERS`` that turns it into
a closure; a node type not in that dict is refused with its name and position,
so the language is an allow-list by construction.  Names come only from the
namespace this module binds (``torch`` and a few safe builtins); attributes are
looked up in a per-type allow-list (``sandbox.py``), and no name or attribute
starting with ``_`` exists for a program.  Loops and calls count steps, and
every size that can explode (integers, strings, lists, and what C walks to
compare, hash or print a value) is checked before the work is done.
"""

from __future__ import annotations

import ast
import copy
import difflib
import operator
import sys
import types
import warnings

from gradcli.core.tensor import Tensor
from gradcli.errors import (GradcliError, LimitError, ParseError, ProgramError, SandboxError,
                            TorchError)
from gradcli.lang import classes, sandbox
from gradcli.lang.settings import MAX_AST_DEPTH, MAX_SOURCE_BYTES, RunOptions

MAX_SHOWN_DEPTH = 200  # lists nested deeper are not shown as the calculator's result
SHOWN_INT_BITS = 14_000  # ints this long (4,215 digits) have text; Python stops at 4,300 digits
# On a syntax error CPython opens the file named in ast.parse to quote the line.  gradcli has
# the source already, so it names a path that cannot exist: nothing is read, whatever the name.
PARSE_FILENAME = "/dev/null/gradcli-program"
OUT_OF_MEMORY = "the program ran out of memory (its memory cap or the machine's)"
MEMORY_HINT = "raise the cap with --max-memory MIB, or use smaller tensors and lists"


# ----- Control flow signals (returned, not raised, by compiled statements) -----

class _Signal:
    __slots__ = ("value",)

    def __init__(self, value=None):
        self.value = value


BREAK, CONTINUE = _Signal(), _Signal()


class Return(_Signal):
    __slots__ = ()


# ----- Frames -----

class Frame:
    """The variables of the module or of one function call; ``parent`` is the defining frame,
    ``function`` the call's UserFunction (``super()`` reads its class)."""

    __slots__ = ("vars", "parent", "function")

    def __init__(self, variables, parent=None, function=None):
        self.vars = variables
        self.parent = parent
        self.function = function


class Signature:
    """A function's parameters: positional (with defaults for the last ones), ``*args``,
    keyword-only (with defaults) and ``**kwargs``."""

    __slots__ = ("params", "defaults", "vararg", "kwonly", "kwdefaults", "kwarg")

    def __init__(self, params, defaults, vararg=None, kwonly=(), kwdefaults=None, kwarg=None):
        self.params, self.defaults, self.vararg = params, defaults, vararg
        self.kwonly, self.kwdefaults, self.kwarg = kwonly, kwdefaults or {}, kwarg


class UserFunction:
    """A ``def`` or ``lambda`` of the program: callable from Python, opaque to the program.
    As a class attribute it binds like a Python function (``obj.method`` passes ``obj``)."""

    __slots__ = ("name", "interp", "signature", "body", "frame", "is_lambda", "line", "owner",
                 "qualname", "__weakref__")

    def __init__(self, name, interp, signature, body, frame, is_lambda, line, qualname=None):
        self.name, self.interp, self.signature = name, interp, signature
        self.body, self.frame, self.is_lambda, self.line = body, frame, is_lambda, line
        self.owner = None  # the class whose body defined it (for super())
        self.qualname = qualname or name

    def __call__(self, *args, **kwargs):
        return self.interp.call_user(self, args, kwargs)

    def __get__(self, instance, owner=None):
        return self if instance is None else types.MethodType(self, instance)

    def __repr__(self) -> str:
        return f"<function {self.qualname} at 0x{id(self):x}>"


# ----- The interpreter -----

class Interpreter:
    """Compiles a parsed program to closures and runs it."""

    def __init__(self, filename: str, source: str, *, output=None, settings: RunOptions | None = None,
                 bindings: dict | None = None):
        self.filename = filename
        self.source = source
        self.output = output if output is not None else sys.stdout
        self.settings = settings or RunOptions()
        self.steps = 0
        self.depth = 0
        self.line = 0
        self.last_value = None
        self.last_node = None  # the module-level statement that set last_value
        self.printed = False  # whether print() wrote anything (else the CLI shows last_value)
        # (name, line) -> (name, line, tensor): the latest tensor each module-level line bound.
        # Only the latest: a loop rebinding `x = x @ x` must not keep every x alive.
        self.latest_bindings: dict = {}
        self.globals = sandbox.program_namespace(self)
        if bindings:
            self.globals.update(bindings)
        self.frame = Frame(self.globals)
        self.warned: set = set()
        self.scopes: list = []  # while compiling a function: its global/nonlocal names
        self.handling: list = []  # the errors being handled by except blocks (bare `raise`)
        self.imported: dict = {}  # this run's standard-library namespaces (its random generator)
        self.enclosing: list = []  # while compiling: the (name, 'def' or 'class') around a node
        self.warnings = sys.stderr  # where warnings go (None: nowhere)

    def check_last_value(self) -> None:
        """The CLI shows the last value of a program that printed nothing: walked first, as print's.

        It is shown after the run, at Python's usual recursion limit: deep nesting is refused too.
        """
        if self.printed or self.last_value is None:
            return
        node = self.last_node
        try:
            sandbox.check_walk(self, self.last_value, "showing the last value")
        except GradcliError as error:
            raise error.locate(node.lineno, node.col_offset + 1) from None
        depth = sandbox.nesting_depth(self.last_value)
        if depth > MAX_SHOWN_DEPTH:
            raise LimitError(f"the last value is nested {depth:,} levels deep, too deep to show "
                             f"(the limit is {MAX_SHOWN_DEPTH})", hint="print a part of it, or "
                             "end the program with another expression", line=node.lineno,
                             column=node.col_offset + 1)
        if self.settings.max_int_bits > SHOWN_INT_BITS:
            try:  # an int past Python's 4,300 digits has no text: refused here, as print's is
                repr(self.last_value)
            except ValueError as error:
                raise ProgramError(str(error), kind="ValueError", line=node.lineno,
                                   column=node.col_offset + 1) from None

    def warn(self, node, kind: str, message: str) -> None:
        """A warning on stderr, located like PyTorch's (FILE:LINE: Kind: message)."""
        if self.warnings is not None:
            lines = self.source.splitlines()
            text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
            self.warnings.write(f"{self.filename}:{node.lineno}: {kind}: {message}\n  {text}\n")

    @property
    def assignments(self) -> list:
        """(name, line, tensor) of the tensors bound at module level, in order of last binding."""
        return list(self.latest_bindings.values())

    def note_binding(self, name, line, tensor) -> None:
        key = (name, line)
        self.latest_bindings.pop(key, None)  # re-inserted last: the order is of last binding
        self.latest_bindings[key] = (name, line, tensor)

    # --- entry point ---
    def run(self):
        tree = parse(self.filename, self.source)
        body = self.compile_block(tree.body)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))
        try:
            signal = _run_block(body, self.frame)
        finally:
            sys.setrecursionlimit(limit)
        if isinstance(signal, Return):
            raise SandboxError("'return' outside function")
        return self.globals

    # --- steps and calls ---
    def step(self) -> None:
        self.steps += 1
        if self.steps > self.settings.max_steps:
            raise LimitError(f"the program ran more than {self.settings.max_steps:,} steps "
                             "(loop iterations and calls)", hint="raise it with --max-steps N")

    def call_user(self, function: UserFunction, args, kwargs):
        self.step()
        if self.depth >= self.settings.max_depth:
            raise LimitError(f"calls nested deeper than {self.settings.max_depth} (runaway "
                             f"recursion in '{function.name}'?)", hint="raise it with --max-depth N")
        frame = Frame(_bind_arguments(function, args, kwargs), function.frame, function)
        self.depth += 1
        try:
            if function.is_lambda:
                return function.body(frame)
            signal = _run_block(function.body, frame)
        finally:
            self.depth -= 1
        if isinstance(signal, Return):
            return signal.value
        if signal is BREAK or signal is CONTINUE:
            raise SandboxError("'break' or 'continue' outside loop")
        return None

    # --- compiling ---
    def compile_block(self, statements):
        return [self.compile(statement) for statement in statements]

    def compile(self, node):
        handler = COMPILERS.get(type(node))
        if handler is None:
            raise refused(node)
        try:
            return handler(self, node)
        except GradcliError as error:
            raise error.locate(getattr(node, "lineno", None), getattr(node, "col_offset", -1) + 1)

    def error_at(self, node, error: BaseException) -> GradcliError:
        """Turn any error raised while running ``node`` into a located GradcliError."""
        line, column = getattr(node, "lineno", None), getattr(node, "col_offset", -1) + 1
        if isinstance(error, GradcliError):
            return error.locate(line, column)
        converted = convert_python_error(error)
        if converted is None:
            raise error
        return converted.locate(line, column)


def parse(filename: str, source: str) -> ast.Module:
    """``ast.parse`` with every way it can fail turned into a ParseError with a position."""
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise LimitError(f"the source is larger than {MAX_SOURCE_BYTES:,} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's SyntaxWarnings are not gradcli's errors
            tree = ast.parse(source, filename=PARSE_FILENAME)
    except SyntaxError as error:
        raise ParseError(error.msg, line=error.lineno, column=error.offset,
                         hint=_syntax_hint(error)) from None
    except (RecursionError, MemoryError):
        raise LimitError("the program is nested too deeply to parse",
                         hint="split long expressions into several assignments", line=1,
                         column=1) from None
    except ValueError as error:  # e.g. NUL bytes
        raise ParseError(str(error), line=1, column=1) from None
    _check_depth(tree)
    _check_future_imports(tree)
    return tree


def _check_future_imports(tree) -> None:
    """Python's compiler (not its parser) requires ``from __future__`` first in the file."""
    leading = True
    for index, statement in enumerate(tree.body):
        is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if is_future and not leading:
            raise ParseError("from __future__ imports must occur at the beginning of the file",
                             line=statement.lineno, column=statement.col_offset + 1)
        if is_future:
            for alias in statement.names:
                if alias.name not in sandbox.modules.FUTURE:
                    raise ParseError(f"future feature {alias.name} is not defined",
                                     line=statement.lineno, column=statement.col_offset + 1)
        elif not (index == 0 and _is_docstring(statement)):
            leading = False


def _syntax_hint(error: SyntaxError) -> str | None:
    message = error.msg or ""
    if any(word in message for word in ("parenthes", "never closed", "unmatched",
                                        "does not match")):
        return "check that every bracket is closed, on this line or the lines before"
    if "indent" in message:
        return "indent each block by the same amount (4 spaces), and never mix tabs and spaces"
    if "string literal" in message:
        return "close the string with the quote that opened it"
    if message.startswith("expected ':'"):
        return "if, for, while, def and class lines end with ':'"
    return "gradcli programs are Python: check this line, and the end of the one before"


def _check_depth(tree) -> None:
    """Refuse trees deeper than MAX_AST_DEPTH before anything recursive touches them."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_AST_DEPTH:
            raise LimitError(f"expression nested more than {MAX_AST_DEPTH} levels deep",
                             hint="split it into several assignments",
                             line=getattr(node, "lineno", None),
                             column=getattr(node, "col_offset", -1) + 1)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def refused(node) -> SandboxError:
    what = _CONSTRUCT_NAMES.get(type(node).__name__, type(node).__name__)
    return SandboxError(f"{what} is not part of the gradcli language",
                        hint="see `gradcli --help` and README.md for what programs can use",
                        line=getattr(node, "lineno", None),
                        column=getattr(node, "col_offset", -1) + 1)


_CONSTRUCT_NAMES = {
    "Raise": "'raise'", "Try": "'try'", "TryStar": "'try'", "Match": "'match'",
    "Global": "'global'", "Nonlocal": "'nonlocal'", "AsyncFunctionDef": "'async def'",
    "Await": "'await'", "Yield": "'yield'", "YieldFrom": "'yield from'", "Set": "a set literal",
    "SetComp": "a set comprehension", "NamedExpr": "':='", "Starred": "'*' unpacking here",
    "Delete": "'del' of this target",
}


def convert_python_error(error: BaseException) -> GradcliError | None:
    """Errors Python raises for a program's mistakes (1/0, [][1], int('a')) become user errors."""
    if isinstance(error, RecursionError):
        return LimitError("Python's recursion limit was reached (calls or values nested too deeply)",
                          hint="lower --max-depth, or build less deeply nested lists")
    if isinstance(error, MemoryError):
        return LimitError(OUT_OF_MEMORY, hint=MEMORY_HINT)
    if isinstance(error, AttributeError) and isinstance(getattr(error, "obj", None),
                                                         _PROGRAM_VALUES):
        # gradcli's API looked for a tensor's attribute on a value the program passed it
        kind = "module" if isinstance(error.obj, sandbox.ModuleNamespace) else \
            "function" if callable(error.obj) else type(error.obj).__name__
        return ProgramError(f"expected a Tensor but got {kind}",
                            hint="check the types of the arguments of the call on this line")
    if isinstance(error, (TypeError, ValueError, ZeroDivisionError, IndexError, KeyError,
                          OverflowError, ArithmeticError, AssertionError, StopIteration)):
        message = str(error) if not isinstance(error, KeyError) else f"key {error} not found"
        converted = ProgramError(message or type(error).__name__, kind=type(error).__name__)
        converted.exception = error  # what an `except` clause of the program sees
        return converted
    return None


# What a program can hold other than tensors (and gradcli's internals never are).
_PROGRAM_VALUES = (int, float, str, type(None), list, tuple, dict, range, slice, type(Ellipsis),
                   UserFunction, type, types.FunctionType, types.BuiltinFunctionType,
                   types.MethodType) + sandbox.PROGRAM_OBJECT_TYPES


def _run_block(statements, frame):
    for statement in statements:
        signal = statement(frame)
        if signal is not None:
            return signal
    return None


def _bind_arguments(function: UserFunction, args, kwargs) -> dict:
    """Python's rules for matching a call's arguments to the parameters, with its messages."""
    sig = function.signature
    params = sig.params
    if len(args) > len(params) and sig.vararg is None:
        raise ProgramError(f"{function.name}() takes {len(params)} positional arguments but "
                           f"{len(args)} were given")
    bound = dict(zip(params, args))
    if sig.vararg is not None:
        bound[sig.vararg] = tuple(args[len(params):])
    extra = {}
    for key, value in kwargs.items():
        if key in params or key in sig.kwonly:
            if key in bound:
                raise ProgramError(f"{function.name}() got multiple values for argument '{key}'")
            bound[key] = value
        elif sig.kwarg is not None:
            extra[key] = value
        else:
            raise ProgramError(f"{function.name}() got an unexpected keyword argument '{key}'")
    first_default = len(params) - len(sig.defaults)
    for index, name in enumerate(params):
        if name not in bound:
            if index < first_default:
                raise ProgramError(f"{function.name}() missing required positional argument: "
                                   f"'{name}'")
            bound[name] = sig.defaults[index - first_default]
    for name in sig.kwonly:
        if name not in bound:
            if name not in sig.kwdefaults:
                raise ProgramError(f"{function.name}() missing required keyword-only argument: "
                                   f"'{name}'")
            bound[name] = sig.kwdefaults[name]
    if sig.kwarg is not None:
        bound[sig.kwarg] = extra
    return bound


# ----- Compile handlers: statements -----

def _located(interp, node, run):
    """Wrap a closure so errors inside it carry this node's position."""
    def located(frame):
        try:
            return run(frame)
        except GradcliError as error:
            raise error.locate(node.lineno, node.col_offset + 1)
        except (KeyboardInterrupt, SystemExit):
            raise
        except StopIteration as error:
            if interp.depth > 0:
                raise  # Python's iteration protocol: a program's __next__ ends a for loop so
            raise interp.error_at(node, error) from None
        except Exception as error:  # noqa: BLE001 - converted or re-raised as internal
            raise interp.error_at(node, error) from None
    return located


def c_expr_statement(interp, node):
    value = interp.compile(node.value)

    def run(frame):
        result = value(frame)
        if frame.parent is None:
            interp.last_value, interp.last_node = result, node
            if isinstance(result, Tensor):
                # an unnamed result (calculator mode: `x ** 2 * sin(x)`) can be the output too
                interp.note_binding(None, node.lineno, result)
    return _located(interp, node, run)


def c_assign(interp, node):
    value = interp.compile(node.value)
    stores = [compile_store(interp, target) for target in node.targets]

    def run(frame):
        result = value(frame)
        for store in stores:
            store(frame, result)
        if frame.parent is None:
            interp.last_value, interp.last_node = result, node
    return _located(interp, node, run)


def c_ann_assign(interp, node):
    if node.value is None:
        return lambda frame: None
    value = interp.compile(node.value)
    store = compile_store(interp, node.target)

    def run(frame):
        store(frame, value(frame))
    return _located(interp, node, run)


def c_aug_assign(interp, node):
    load = interp.compile(_as_load(node.target))
    value = interp.compile(node.value)
    store = compile_store(interp, node.target)
    apply = _inplace_operator(interp, node.op, node)

    def run(frame):
        result = apply(load(frame), value(frame))
        store(frame, result)
        if frame.parent is None:
            interp.last_value, interp.last_node = result, node
    return _located(interp, node, run)


def _as_load(target):
    """The target of ``x += 1`` read as an expression (same nodes, Load context)."""
    clone = copy.deepcopy(target)
    for child in ast.walk(clone):
        if hasattr(child, "ctx"):
            child.ctx = ast.Load()
    return clone


def compile_store(interp, target):
    """A closure ``store(frame, value)`` for an assignment target."""
    if isinstance(target, ast.Name):
        name = _check_name(target.id, target)
        declared = interp.scopes[-1].get(name) if interp.scopes else None
        if declared is not None:
            return _declared_store(interp, name, declared)

        def store_name(frame, value):
            frame.vars[name] = value
            if frame.parent is None:
                _note_assignment(interp, name, target.lineno, value)
        return store_name
    if isinstance(target, (ast.Tuple, ast.List)):
        return _compile_unpack(interp, target)
    if isinstance(target, ast.Attribute):
        obj = interp.compile(target.value)
        attr = _check_name(target.attr, target)

        def store_attr(frame, value):
            sandbox.set_attribute(obj(frame), attr, value)
        return store_attr
    if isinstance(target, ast.Subscript):
        obj = interp.compile(target.value)
        key = interp.compile(target.slice)

        def store_item(frame, value):
            sandbox.set_item(interp, obj(frame), key(frame), value)
        return store_item
    raise refused(target)


def _declared_store(interp, name, declared):
    """A store to a name the function declared ``global`` (the module's variables) or
    ``nonlocal`` (the nearest enclosing function's that has it)."""
    def store_declared(frame, value):
        if declared == "global":
            interp.globals[name] = value
            return
        current = frame.parent
        while current is not None and current.parent is not None:
            if name in current.vars:
                current.vars[name] = value
                return
            current = current.parent
        raise ProgramError(f"no binding for nonlocal '{name}' found", kind="SyntaxError")
    return store_declared


def _compile_unpack(interp, target):
    starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
    if len(starred) > 1:
        raise SandboxError("multiple starred expressions in assignment", kind="SyntaxError",
                           line=target.lineno, column=target.col_offset + 1)
    stores = [compile_store(interp, e.value if isinstance(e, ast.Starred) else e)
              for e in target.elts]
    count = len(stores)
    star = starred[0] if starred else None

    def store_many(frame, value):
        items = sandbox.bounded_list(interp, value)
        if star is not None:
            items = _gather_starred(items, star, count)
        elif len(items) != count:
            raise ProgramError(f"too many values to unpack (expected {count})"
                               if len(items) > count else
                               f"not enough values to unpack (expected {count}, got {len(items)})",
                               kind="ValueError")
        for store, item in zip(stores, items):
            store(frame, item)
    return store_many


def _gather_starred(items, star, count):
    """``first, *rest, last = items``: the starred name takes what the others leave."""
    after = count - star - 1
    if len(items) < count - 1:
        raise ProgramError(f"not enough values to unpack (expected at least {count - 1}, got "
                           f"{len(items)})", kind="ValueError")
    return items[:star] + [items[star:len(items) - after]] + items[len(items) - after:]


def _note_assignment(interp, name, line, value):
    if isinstance(value, Tensor):
        interp.note_binding(name, line, value)
        node = value.grad_fn
        if node is not None and getattr(node, "label", None) is None:
            node.label = (name, line)


def _check_name(name: str, node, allowed=frozenset({"__name__"})) -> str:
    """A program's own names may start with '_' (``_x``, ``self._cache``); names of Python's
    machinery (``__class__``, ``__globals__``) never, except ``allowed`` ones in their place:
    ``__name__`` (the program's is ``'__main__'``), a class's own operator methods, and
    ``super().__init__``."""
    if is_dunder(name) and name not in allowed and not (_IN_CLASS_BODY and
                                                        name in classes.USER_DUNDERS):
        raise SandboxError(f"names of Python's machinery are not available ('{name}')",
                           hint="they are Python's internals; programs use torch's public API",
                           line=node.lineno, column=node.col_offset + 1)
    return name


# while a class body's statements compile: `__radd__ = __add__` names the class's own methods
_IN_CLASS_BODY: list = []


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def c_pass(interp, node):
    return lambda frame: None


def c_break(interp, node):
    return lambda frame: BREAK


def c_continue(interp, node):
    return lambda frame: CONTINUE


def c_return(interp, node):
    value = interp.compile(node.value) if node.value is not None else (lambda frame: None)

    def run(frame):
        if frame.parent is None:
            raise SandboxError("'return' outside function")
        return Return(value(frame))
    return _located(interp, node, run)


def c_if(interp, node):
    test = interp.compile(node.test)
    body = interp.compile_block(node.body)
    orelse = interp.compile_block(node.orelse)

    def run(frame):
        return _run_block(body if sandbox.truth(test(frame)) else orelse, frame)
    return _located(interp, node, run)


def c_while(interp, node):
    test = interp.compile(node.test)
    body = interp.compile_block(node.body)
    orelse = interp.compile_block(node.orelse)
    step = interp.step

    def run(frame):
        while sandbox.truth(test(frame)):
            step()
            signal = _run_block(body, frame)
            if signal is BREAK:
                return None
            if signal is not None and signal is not CONTINUE:
                return signal
        return _run_block(orelse, frame)
    return _located(interp, node, run)


def c_for(interp, node):
    iterable = interp.compile(node.iter)
    store = compile_store(interp, node.target)
    body = interp.compile_block(node.body)
    orelse = interp.compile_block(node.orelse)
    step = interp.step

    def run(frame):
        for item in sandbox.iterate(interp, iterable(frame)):
            step()
            store(frame, item)
            signal = _run_block(body, frame)
            if signal is BREAK:
                return None
            if signal is not None and signal is not CONTINUE:
                return signal
        return _run_block(orelse, frame)
    return _located(interp, node, run)


def c_with(interp, node):
    managers = [interp.compile(item.context_expr) for item in node.items]
    targets = [compile_store(interp, item.optional_vars) if item.optional_vars else None
               for item in node.items]
    body = interp.compile_block(node.body)

    def run(frame):
        entered = []
        try:
            for manager, target in zip(managers, targets):
                context = sandbox.context_manager(manager(frame))
                value = context.__enter__()
                entered.append(context)
                if target is not None:
                    target(frame, value)
            return _run_block(body, frame)
        finally:
            for context in reversed(entered):
                context.__exit__(None, None, None)
    return _located(interp, node, run)


def c_function_def(interp, node):
    name = _check_name(node.name, node)
    make = _decorated(interp, node, _compile_function(interp, node, node.name, node.args,
                                                      node.body, is_lambda=False))

    def run(frame):
        frame.vars[name] = make(frame)
    return _located(interp, node, run)


def _decorated(interp, node, make):
    """``@a @b def f`` is ``a(b(f))``: the decorators run, innermost first, when ``def`` does.
    In a class body they are read in the class's namespace (``@x.setter``), while the
    function closes over the frame around the class."""
    decorators = [interp.compile(d) for d in node.decorator_list]
    if not decorators:
        return lambda frame, scope=None: make(frame)

    def make_decorated(frame, scope=None):
        functions = [d(scope or frame) for d in decorators]  # top to bottom, as Python does
        value = make(frame)
        for decorator in reversed(functions):
            value = sandbox.call(interp, decorator, [value], {})
        return value
    return make_decorated


def _compile_function(interp, node, name, arguments, body, is_lambda):
    positional = [*arguments.posonlyargs, *arguments.args]
    params = tuple(_check_name(a.arg, node) for a in positional)
    vararg = _check_name(arguments.vararg.arg, node) if arguments.vararg else None
    kwarg = _check_name(arguments.kwarg.arg, node) if arguments.kwarg else None
    kwonly = tuple(_check_name(a.arg, node) for a in arguments.kwonlyargs)
    defaults = [interp.compile(d) for d in arguments.defaults]
    kwdefaults = [(a.arg, interp.compile(d)) for a, d in zip(arguments.kwonlyargs,
                                                            arguments.kw_defaults) if d is not None]
    qualname = "".join(f"{outer}.<locals>." if kind == "def" else f"{outer}."
                       for outer, kind in interp.enclosing) + name
    interp.scopes.append(_declared_names(body) if not is_lambda else {})
    interp.enclosing.append((name, "def"))
    try:
        compiled = interp.compile(body) if is_lambda else interp.compile_block(body)
    finally:
        interp.scopes.pop()
        interp.enclosing.pop()

    def make(frame):
        signature = Signature(params, tuple(d(frame) for d in defaults), vararg, kwonly,
                              {key: d(frame) for key, d in kwdefaults}, kwarg)
        return UserFunction(name, interp, signature, compiled, frame, is_lambda, node.lineno,
                            qualname)
    return make


def _declared_names(body) -> dict:
    """The names a function body declares ``global`` or ``nonlocal`` (nested functions and
    classes have their own)."""
    declared = {}
    stack = list(body)
    while stack:
        statement = stack.pop()
        if isinstance(statement, (ast.Global, ast.Nonlocal)):
            kind = "global" if isinstance(statement, ast.Global) else "nonlocal"
            declared.update({name: kind for name in statement.names})
        elif not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                        ast.Lambda)):
            stack.extend(ast.iter_child_nodes(statement))
    return declared


def c_global(interp, node):
    for name in node.names:
        _check_name(name, node)
    if not interp.scopes:
        if isinstance(node, ast.Nonlocal):
            raise SandboxError("nonlocal declaration not allowed at module level",
                               kind="SyntaxError", line=node.lineno, column=node.col_offset + 1)
    return lambda frame: None


def c_class_def(interp, node):
    """``class Name(bases): body``.  The body runs in a namespace of its own whose parent is
    the enclosing frame; methods see the enclosing frame, not the class body (as in Python)."""
    name = _check_name(node.name, node)
    if node.keywords:
        raise SandboxError("class keywords (metaclass=...) are not supported", line=node.lineno,
                           column=node.col_offset + 1)
    bases = [interp.compile(base) for base in node.bases]
    members = []  # (name, make(frame) or None, compiled statement)
    interp.enclosing.append((name, "class"))
    try:
        _compile_members(interp, node, members)
    finally:
        interp.enclosing.pop()
    qualname = "".join(f"{outer}.<locals>." if kind == "def" else f"{outer}."
                       for outer, kind in interp.enclosing) + name

    def run(frame):
        base_values = tuple(base(frame) for base in bases)
        body = Frame({}, frame)
        owned = []
        for method, _function, make in members:
            if method is None:
                make(body)
            else:
                value = make(frame, body)
                body.vars[method] = value
                owned.append(value)
        cls = _make_class(name, base_values, body.vars, qualname)
        for value in owned:
            for function in _functions_in(value):
                function.owner = cls
        frame.vars[name] = cls
        if frame.parent is None:
            interp.last_value = None
    return _located(interp, node, run)


def _compile_members(interp, node, members):
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef):
            method = _check_name(statement.name, statement, allowed=classes.USER_DUNDERS)
            function = _compile_function(interp, statement, statement.name, statement.args,
                                         statement.body, is_lambda=False)
            members.append((method, function, _decorated(interp, statement, function)))
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Pass)) or \
                _is_docstring(statement):
            _IN_CLASS_BODY.append(True)
            try:
                members.append((None, None, interp.compile(statement)))
            finally:
                _IN_CLASS_BODY.pop()
        else:
            raise SandboxError("a class body holds methods, class attributes and a docstring",
                               line=statement.lineno, column=statement.col_offset + 1)


def _make_class(name, bases, namespace, qualname):
    if any(isinstance(base, type) and issubclass(base, sandbox.Function) for base in bases):
        cls = sandbox.define_function_class(name, bases, namespace)
        cls.__qualname__ = qualname
        return cls
    return classes.define_class(name, bases, namespace, qualname)


def _functions_in(value):
    """The UserFunctions a class member holds: itself, or inside staticmethod, classmethod,
    property (whose owner super() needs)."""
    if isinstance(value, UserFunction):
        return [value]
    inner = [getattr(value, attr, None) for attr in ("__func__", "fget", "fset", "fdel")]
    return [f for f in inner if isinstance(f, UserFunction)]


def _is_docstring(statement) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and \
        isinstance(statement.value.value, str)


def c_import(interp, node):
    bindings = []
    for alias in node.names:
        module = sandbox.import_module(alias.name, interp)
        if alias.asname:
            bindings.append((_check_name(alias.asname, node), module))
        else:
            top = alias.name.split(".")[0]
            bindings.append((top, sandbox.import_module(top, interp)))

    def run(frame):
        for name, module in bindings:
            frame.vars[name] = module
    return run


def c_import_from(interp, node):
    if node.level:
        raise SandboxError("relative imports are not supported", line=node.lineno,
                           column=node.col_offset + 1)
    module = sandbox.import_module(node.module or "", interp)
    bindings = []
    for alias in node.names:
        if alias.name == "*":
            raise SandboxError("'import *' is not supported; import the names you use",
                               line=node.lineno, column=node.col_offset + 1)
        value = sandbox.import_name(module, node.module, _check_name(alias.name, node))
        bindings.append((_check_name(alias.asname or alias.name, node), value))

    def run(frame):
        for name, value in bindings:
            frame.vars[name] = value
    return run


def c_raise(interp, node):
    """``raise X``, ``raise X(...)``, ``raise X from Y`` and, in an except block, ``raise``."""
    value = interp.compile(node.exc) if node.exc is not None else None

    def run(frame):
        if value is None:
            if not interp.handling:
                raise ProgramError("No active exception to reraise", kind="RuntimeError")
            raise interp.handling[-1]
        exception = classes.raised(value(frame))
        if isinstance(exception, StopIteration):
            raise exception  # Python's iteration protocol (a program's __next__) needs the real one
        raise classes.ProgramRaised(exception)
    return _located(interp, node, run)


def c_try(interp, node):
    """``try`` with ``except`` clauses, ``else`` and ``finally``.  An except clause catches the
    program's own exceptions and the errors Python or PyTorch would raise; never a limit, a
    sandbox refusal or a parse error (those end the run whatever the program says)."""
    body = interp.compile_block(node.body)
    handlers = [(interp.compile(h.type) if h.type is not None else None,
                 _check_name(h.name, h) if h.name else None, interp.compile_block(h.body), h)
                for h in node.handlers]
    orelse = interp.compile_block(node.orelse)
    final = interp.compile_block(node.finalbody)

    def run(frame):
        try:
            try:
                signal = _run_block(body, frame)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # noqa: BLE001 - caught() decides, else re-raised
                return _handle(interp, handlers, frame, error)
            if orelse:
                signal = _run_block(orelse, frame)
            return signal
        finally:
            if final:
                final_signal = _run_block(final, frame)
                if final_signal is not None:
                    return final_signal  # noqa: B012 - `return` in finally, as Python allows
    return _located(interp, node, run)


def _handle(interp, handlers, frame, error):
    exception = classes.caught(error)
    if exception is None:
        raise error
    for kinds, name, block, handler in handlers:
        if kinds is not None:
            try:
                matched = isinstance(exception, classes.check_handler(kinds(frame)))
            except GradcliError as problem:
                raise problem.locate(handler.lineno, handler.col_offset + 1) from None
            if not matched:
                continue
        if name is not None:
            frame.vars[name] = exception
        interp.handling.append(error)
        try:
            return _run_block(block, frame)
        finally:
            interp.handling.pop()
            if name is not None:
                frame.vars.pop(name, None)  # Python deletes the name after the block
    raise error


def c_assert(interp, node):
    test = interp.compile(node.test)
    message = interp.compile(node.msg) if node.msg is not None else None

    def run(frame):
        if not sandbox.truth(test(frame)):
            raise ProgramError(sandbox.text_of(interp, message(frame), "converting the message to "
                                               "text") if message else "assertion failed",
                               kind="AssertionError")
    return _located(interp, node, run)


def c_delete(interp, node):
    """``del name``, ``del obj.attr`` and ``del obj[key]``, each target in turn."""
    deletes = [_compile_delete(interp, target) for target in node.targets]

    def run(frame):
        for delete in deletes:
            delete(frame)
    return _located(interp, node, run)


def _compile_delete(interp, target):
    if isinstance(target, ast.Name):
        name = _check_name(target.id, target)

        def delete_name(frame):
            if name not in frame.vars:
                raise ProgramError(f"name '{name}' is not defined", kind="NameError")
            del frame.vars[name]
        return delete_name
    if isinstance(target, ast.Attribute):
        obj = interp.compile(target.value)
        attr = _check_name(target.attr, target)
        return lambda frame: sandbox.delete_attribute(obj(frame), attr)
    if isinstance(target, ast.Subscript):
        obj, key = interp.compile(target.value), interp.compile(target.slice)
        return lambda frame: sandbox.delete_item(interp, obj(frame), key(frame))
    if isinstance(target, (ast.Tuple, ast.List)):
        parts = [_compile_delete(interp, element) for element in target.elts]

        def delete_all(frame):
            for part in parts:
                part(frame)
        return delete_all
    raise refused(target)


# ----- Compile handlers: expressions -----

def c_constant(interp, node):
    value = node.value
    if not isinstance(value, (int, float, str, bool, type(None))) and value is not Ellipsis:
        raise SandboxError(f"{type(value).__name__} literals are not supported", line=node.lineno,
                           column=node.col_offset + 1)
    if isinstance(value, int) and not isinstance(value, bool):
        sandbox.check_int(interp, value)
    if isinstance(value, str) and len(value) > interp.settings.max_sequence:
        raise LimitError("string literal too long", line=node.lineno, column=node.col_offset + 1)
    return lambda frame: value


def c_name(interp, node):
    name = _check_name(node.id, node)

    def load(frame):
        current = frame
        while current is not None:
            variables = current.vars
            if name in variables:
                return variables[name]
            current = current.parent
        raise _name_error(interp, frame, name, node)
    return load


def _name_error(interp, frame, name, node):
    known = set(interp.globals) | {"True", "False", "None"}
    current = frame
    while current is not None:
        known.update(current.vars)
        current = current.parent
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else None
    if name in sandbox.FORBIDDEN_NAMES:
        return SandboxError(f"'{name}' is not available in gradcli programs",
                            hint="programs can only use torch and a few safe builtins",
                            line=node.lineno, column=node.col_offset + 1)
    return ProgramError(f"name '{name}' is not defined", kind="NameError", hint=hint,
                        line=node.lineno, column=node.col_offset + 1)


def c_attribute(interp, node):
    obj = interp.compile(node.value)
    on_super = isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and \
        node.value.func.id == "super"
    attr = _check_name(node.attr, node, allowed=classes.USER_DUNDERS if on_super else
                       _READABLE_DUNDERS)
    if attr == "grad":
        return _located(interp, node, _grad_reader(interp, node, obj))

    def load(frame):
        return sandbox.get_attribute(obj(frame), attr, interp)
    return _located(interp, node, load)


NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.")


def _grad_reader(interp, node, obj):
    """``t.grad``, with PyTorch's warning (once per place) when ``t`` is not a leaf."""
    def load(frame):
        value = obj(frame)
        if isinstance(value, Tensor) and value.grad_fn is not None and \
                not value._retains_grad and node.lineno not in interp.warned:
            interp.warned.add(node.lineno)
            interp.warn(node, "UserWarning", NON_LEAF_GRAD)
        return sandbox.get_attribute(value, "grad", interp)
    return load


def c_subscript(interp, node):
    obj = interp.compile(node.value)
    key = interp.compile(node.slice)

    def load(frame):
        return sandbox.get_item(interp, obj(frame), key(frame))
    return _located(interp, node, load)


def c_slice(interp, node):
    parts = [interp.compile(p) if p is not None else (lambda frame: None)
             for p in (node.lower, node.upper, node.step)]
    lower, upper, step = parts
    return lambda frame: slice(lower(frame), upper(frame), step(frame))


def c_tuple(interp, node):
    if any(isinstance(e, ast.Starred) for e in node.elts):
        return _starred_sequence(interp, node, tuple)
    elements = [interp.compile(e) for e in node.elts]
    return lambda frame: tuple([e(frame) for e in elements])


def c_list(interp, node):
    if any(isinstance(e, ast.Starred) for e in node.elts):
        return _starred_sequence(interp, node, list)
    elements = [interp.compile(e) for e in node.elts]
    return lambda frame: [e(frame) for e in elements]


def _starred_sequence(interp, node, kind):
    parts = [(isinstance(e, ast.Starred), interp.compile(e.value if isinstance(e, ast.Starred) else e))
             for e in node.elts]

    def build(frame):
        items = []
        for starred, part in parts:
            if starred:
                items.extend(sandbox.bounded_list(interp, part(frame)))
            else:
                items.append(part(frame))
            sandbox.check_length(interp, len(items))
        return kind(items)
    return _located(interp, node, build)


def c_dict(interp, node):
    if any(k is None for k in node.keys):
        raise refused(node)
    entries = [(interp.compile(k), interp.compile(v)) for k, v in zip(node.keys, node.values)]

    def build(frame):
        result = {}
        for key, value in entries:
            key = key(frame)
            if type(key) is tuple:
                sandbox.check_key(interp, key)
            result[key] = value(frame)
        return result
    return _located(interp, node, build)


_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_INPLACE = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod,
}


def _binary_operator(interp, op_node, node):
    function = _BINARY.get(type(op_node))
    if function is None:
        raise refused(op_node)
    return sandbox.checked_binary(interp, type(op_node).__name__, function)


def _inplace_operator(interp, op_node, node):
    function = _INPLACE.get(type(op_node))
    plain = _binary_operator(interp, op_node, node)
    if function is None:
        return plain

    def apply(left, right):
        # tensors update in place (PyTorch's `w -= lr * w.grad`); everything else rebinds
        if isinstance(left, Tensor):
            return function(left, right)
        return plain(left, right)
    return apply


def c_binop(interp, node):
    left = interp.compile(node.left)
    right = interp.compile(node.right)
    function = _binary_operator(interp, node.op, node)

    def run(frame):
        return function(left(frame), right(frame))
    return _located(interp, node, run)


_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}


def c_unaryop(interp, node):
    operand = interp.compile(node.operand)
    if isinstance(node.op, ast.Not):
        return _located(interp, node, lambda frame: not sandbox.truth(operand(frame)))
    function = _UNARY[type(node.op)]
    return _located(interp, node, lambda frame: function(operand(frame)))


def c_boolop(interp, node):
    values = [interp.compile(v) for v in node.values]
    is_and = isinstance(node.op, ast.And)

    def run(frame):
        result = None
        for value in values:
            result = value(frame)
            if sandbox.truth(result) != is_and:
                return result
        return result
    return _located(interp, node, run)


_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ORDERS, _SEARCHES = "orders", "searches"
_WALKS = {**dict.fromkeys((ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE), _ORDERS),
          ast.In: _SEARCHES, ast.NotIn: _SEARCHES}


def c_compare(interp, node):
    left = interp.compile(node.left)
    comparators = [(_COMPARE[type(op)], _WALKS.get(type(op)), interp.compile(c))
                   for op, c in zip(node.ops, node.comparators)]
    if len(comparators) == 1:
        return _located(interp, node, _single_compare(interp, left, *comparators[0]))

    def run(frame):
        current = left(frame)
        result = True
        for function, walks, comparator in comparators:
            other = comparator(frame)
            result = function(*_checked_operands(interp, walks, current, other))
            if not sandbox.truth(result):
                return result
            current = other
        return result
    return _located(interp, node, run)


def _single_compare(interp, left, function, walks, right):
    """``a < b``, the common case, with the check inlined: numbers go straight through."""
    walked = sandbox.WALKED
    if walks is _ORDERS:
        def run(frame):
            a, b = left(frame), right(frame)
            if type(a) in walked and type(b) in walked:
                sandbox.check_compare(interp, a, b)
            return function(a, b)
    elif walks is _SEARCHES:
        def run(frame):
            a, b = left(frame), right(frame)
            if type(a) is not int:
                b = sandbox.check_contains(interp, a, b)
            return function(a, b)
    else:
        def run(frame):
            return function(left(frame), right(frame))
    return run


def _checked_operands(interp, walks, left, right):
    """What C walks is counted first (sandbox, "Walks"); the operands, a lazy container listed."""
    if walks is _ORDERS and type(left) in sandbox.WALKED and type(right) in sandbox.WALKED:
        sandbox.check_compare(interp, left, right)
    elif walks is _SEARCHES and type(left) is not int:
        right = sandbox.check_contains(interp, left, right)
    return left, right


def c_ifexp(interp, node):
    test, body, orelse = (interp.compile(n) for n in (node.test, node.body, node.orelse))
    return lambda frame: body(frame) if sandbox.truth(test(frame)) else orelse(frame)


def c_call(interp, node):
    if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args \
            and not node.keywords:
        return _located(interp, node, _zero_argument_super)
    function = interp.compile(node.func)
    args = [(isinstance(a, ast.Starred), interp.compile(a.value if isinstance(a, ast.Starred)
                                                        else a)) for a in node.args]
    keywords = []  # (name, value); name None for **mapping
    for keyword in node.keywords:
        name = _check_name(keyword.arg, node) if keyword.arg is not None else None
        keywords.append((name, interp.compile(keyword.value)))
    simple = not any(starred for starred, _ in args)
    plain_args = [a for _, a in args]

    def run(frame):
        target = function(frame)
        if simple:
            values = [a(frame) for a in plain_args]
        else:
            values = []
            for starred, a in args:
                if starred:
                    values.extend(sandbox.bounded_list(interp, a(frame)))
                else:
                    values.append(a(frame))
        kwargs = {}
        for name, value in keywords:
            if name is not None:
                kwargs[name] = value(frame)
            else:
                kwargs.update(sandbox.keyword_mapping(interp, value(frame)))
        return sandbox.call(interp, target, values, kwargs)
    return _located(interp, node, run)


# `type(x).__name__`: the attribute guard answers it for classes (and nothing else)
_READABLE_DUNDERS = frozenset({"__name__"})


def _zero_argument_super(frame):
    """``super()`` in a method: its class and its first argument, as Python's compiler gives."""
    current = frame
    while current is not None and current.function is None:
        current = current.parent
    function = current.function if current is not None else None
    params = function.signature.params if function is not None else ()
    instance = current.vars.get(params[0]) if params else None
    return classes.make_super(function.owner if function is not None else None, instance)


def c_lambda(interp, node):
    make = _compile_function(interp, node, "<lambda>", node.args, node.body, is_lambda=True)
    return make


def _compile_comprehension(interp, node, element_compilers):
    generators = []
    for generator in node.generators:
        if generator.is_async:
            raise refused(node)
        generators.append((interp.compile(generator.iter), compile_store(interp, generator.target),
                           [interp.compile(test) for test in generator.ifs]))
    step = interp.step

    def produce(frame, emit):
        # comprehensions run in their own scope, as in Python 3
        inner = Frame({}, frame)

        def loop(level):
            if level == len(generators):
                emit(inner)
                return
            iterable, store, tests = generators[level]
            for item in sandbox.iterate(interp, iterable(inner if level else frame)):
                step()
                store(inner, item)
                if all(sandbox.truth(test(inner)) for test in tests):
                    loop(level + 1)
        loop(0)
    return produce


def c_listcomp(interp, node):
    element = interp.compile(node.elt)
    produce = _compile_comprehension(interp, node, [element])

    def run(frame):
        items = []
        produce(frame, lambda inner: items.append(element(inner)))
        sandbox.check_length(interp, len(items))
        return items
    return _located(interp, node, run)


def c_generatorexp(interp, node):
    """``(x for x in xs)``: computed at once (bounded like a list comprehension), handed out as
    an iterator, so ``next(...)`` and ``for`` see what a generator would give."""
    as_list = c_listcomp(interp, node)
    return lambda frame: iter(as_list(frame))


def c_set(interp, node):
    as_list = c_list(interp, node)

    def run(frame):
        return sandbox.make_set(interp, as_list(frame))
    return _located(interp, node, run)


def c_setcomp(interp, node):
    as_list = c_listcomp(interp, node)

    def run(frame):
        return sandbox.make_set(interp, as_list(frame))
    return _located(interp, node, run)


def c_dictcomp(interp, node):
    key, value = interp.compile(node.key), interp.compile(node.value)
    produce = _compile_comprehension(interp, node, [key, value])

    def run(frame):
        items = {}

        def emit(inner):
            k = key(inner)
            if type(k) is tuple:
                sandbox.check_key(interp, k)
            items[k] = value(inner)
        produce(frame, emit)
        return items
    return _located(interp, node, run)


def c_joined_str(interp, node):
    parts = [interp.compile(value) for value in node.values]

    def run(frame):
        text = "".join(str(part(frame)) for part in parts)
        sandbox.check_length(interp, len(text))
        return text
    return _located(interp, node, run)


def c_formatted_value(interp, node):
    value = interp.compile(node.value)
    spec = interp.compile(node.format_spec) if node.format_spec is not None else None
    conversion = node.conversion
    walked = sandbox.WALKED

    def run(frame):
        result = value(frame)
        if type(result) in walked:
            sandbox.check_walk(interp, result, "formatting this value")
        if conversion == ord("r"):
            result = repr(result)
        elif conversion == ord("s"):
            result = str(result)
        elif conversion == ord("a"):
            result = ascii(result)
        return sandbox.format_value(result, spec(frame) if spec is not None else "")
    return _located(interp, node, run)


COMPILERS = {
    ast.Expr: c_expr_statement, ast.Assign: c_assign, ast.AnnAssign: c_ann_assign,
    ast.AugAssign: c_aug_assign, ast.Pass: c_pass, ast.Break: c_break,
    ast.Continue: c_continue, ast.Return: c_return, ast.If: c_if, ast.While: c_while,
    ast.For: c_for, ast.With: c_with, ast.FunctionDef: c_function_def,
    ast.ClassDef: c_class_def, ast.Import: c_import, ast.ImportFrom: c_import_from,
    ast.Assert: c_assert, ast.Delete: c_delete, ast.Raise: c_raise, ast.Try: c_try,
    ast.Global: c_global, ast.Nonlocal: c_global,
    ast.Constant: c_constant, ast.Name: c_name, ast.Attribute: c_attribute,
    ast.Subscript: c_subscript, ast.Slice: c_slice, ast.Tuple: c_tuple, ast.List: c_list,
    ast.Dict: c_dict, ast.BinOp: c_binop, ast.UnaryOp: c_unaryop, ast.BoolOp: c_boolop,
    ast.Compare: c_compare, ast.IfExp: c_ifexp, ast.Call: c_call, ast.Lambda: c_lambda,
    ast.ListComp: c_listcomp, ast.GeneratorExp: c_generatorexp, ast.DictComp: c_dictcomp,
    ast.Set: c_set, ast.SetComp: c_setcomp,
    ast.JoinedStr: c_joined_str, ast.FormattedValue: c_formatted_value,
}


def run_source(filename: str, source: str, **options) -> Interpreter:
    """Parse, compile and run a program; returns the interpreter (its globals, last value)."""
    interp = Interpreter(filename, source, **options)
    interp.run()
    return interp


__all__ = ["Interpreter", "parse", "run_source", "TorchError"]
