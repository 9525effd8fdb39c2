"""What a piece of Python source says: imports, calls, string literals, functions, classes.

Sources are parsed with :mod:`ast` and never imported or executed. A notebook cell is a piece of source
too (IPython magics and shell escapes are blanked out first, keeping line numbers).
"""

from __future__ import annotations

import ast
import marshal
import re
import sys
from typing import NamedTuple

from mlops_audit.facts.secrets import scan_text

MAX_CALL_NAME = 256  # characters; longer dotted call names are not recorded (see _dotted)
SUPPRESSION = re.compile(r"#\s*mlops-audit:\s*ignore\[([A-Za-z0-9_,\s]+)\]\s*(.*)")
# a magic or shell escape (``%time``, ``!ls``, ``?obj``), output assigned from one (``files = !ls``, ``path, = !pwd``,
# ``a, b = %sx cmd``), or help on a name (``obj?``, ``Trainer.fit??``, ``np.*load*?``); linear: each optional part
# is anchored by a character the others cannot take
_MAGIC = re.compile(r"^\s*[%!?]|^\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*(?:,\s*)?=\s*[!%]|^[ \t]*[\w.*]+\?{1,2}[ \t]*$")
# automagic shell commands IPython runs without a ``!`` (``pip install -U x``): not Python either
_AUTOMAGIC = re.compile(r"^[ \t]*((pip|pip3|conda|mamba)[ \t]+(install|uninstall)\b"
                        r"|(ls|cd|cat|mkdir|rm|cp|mv|pwd)[ \t]+[\"'/.~$-])")


class Call(NamedTuple):  # a tuple: built 3x faster than a frozen dataclass (60,000 of them per 3,000 files)
    name: str  # dotted, import aliases resolved: "joblib.load", "mlflow.log_metric", "app.get"
    line: int
    kwargs: tuple[tuple[str, str], ...] = ()  # keyword -> its value as written when a constant, else "..."
    first_arg: str | None = None  # first positional argument when it is a string literal
    nargs: int = 0  # number of positional arguments
    scope: str = ""  # the function or method it is made in ("train", "Trainer.fit_epoch"), "" at module level

    @property
    def method(self) -> str:
        """The last segment of the name, e.g. "fit" (not stored: 700,000 calls on 20,000 files)."""
        return self.name.rpartition(".")[2]


_KWARGS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}


def shared_kwargs(kwargs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """One copy of each distinct keyword tuple: ``(("random_state", "42"),)`` recurs thousands of times in a
    repository (70,000 keyword tuples, 6 distinct ones, on the 20,000-file benchmark)."""
    return _KWARGS.setdefault(kwargs, kwargs) if kwargs else ()


class Function(NamedTuple):
    name: str
    line: int
    asserts: bool  # contains assert, pytest.raises/approx, self.assert*, mock assert_*
    scope: str = ""  # its qualified name: "train", "Trainer.fit_epoch", "main.step" (what Call.scope names)


def dump_calls(calls: list[Call]) -> bytes:
    """The calls as marshal data (plain tuples: marshal refuses tuple subclasses)."""
    return marshal.dumps(tuple(map(tuple, calls)))


def load_calls(data: bytes) -> list[Call]:
    new = tuple.__new__
    shared = shared_kwargs  # one keyword tuple for all the files that pass the same keywords: 8 MB on 20,000
    return [new(Call, (c[0], c[1], shared(c[2]), c[3], c[4], c[5]) if c[2] else c) for c in marshal.loads(data)]


def dump_functions(functions: list[Function]) -> bytes:
    return marshal.dumps(tuple(map(tuple, functions)))


def load_functions(data: bytes) -> list[Function]:
    new = tuple.__new__
    return [new(Function, f) for f in marshal.loads(data)]


class CodeInfo:
    """What one piece of source says.

    ``calls`` and ``functions`` may be given as the bytes :func:`dump_calls` and :func:`dump_functions` made
    (``calls_data``, ``functions_data``): they are then decoded each time they are read, and never kept. An
    analysis taken from the cache comes so: a third of a repository's files never have their calls read by any
    rule, and most of the others once. The per-file summaries (``call_names``, ``call_lines``, ``keywords``,
    ``packages``) let rules skip a file without reading its calls."""

    __slots__ = ("_calls", "_calls_data", "_functions", "_functions_data", "call_args", "call_lines", "call_names",
                 "classes",
                 "error", "imports", "keywords", "lines", "packages", "secrets", "strings", "suppressions")

    def __init__(
        self,
        imports: list[tuple[str, int]] | None = None,  # full module names ("sklearn.metrics"), line
        calls: list[Call] | None = None,
        strings: list[tuple[str, int]] | None = None,  # path-like string literals only
        functions: list[Function] | None = None,
        classes: list[tuple[str, tuple[str, ...], int]] | None = None,  # name, bases, line
        suppressions: dict[int, dict[str, str]] | None = None,  # line -> {ID: reason}
        lines: int = 0,
        error: str | None = None,
        secrets: list[tuple[int, str]] | None = None,  # (line, kind) of each secret-looking value
        call_names: tuple[str, ...] = (),  # the distinct names of ``calls``, in order of their first line
        call_lines: tuple[int, ...] = (),  # the first line of each of ``call_names``
        call_args: tuple[int, ...] = (),  # the most arguments (positional + keyword) a call of each name passes
        keywords: tuple[str, ...] = (),  # the distinct keyword names of ``calls``
        packages: tuple[str, ...] = (),  # the distinct top-level packages of ``imports`` ("sklearn")
        *,
        calls_data: bytes | None = None,
        functions_data: bytes | None = None,
    ) -> None:
        self.imports = imports if imports is not None else []
        self._calls = calls if calls is not None or calls_data is not None else []
        self._calls_data = calls_data
        self.strings = strings if strings is not None else []
        self._functions = functions if functions is not None or functions_data is not None else []
        self._functions_data = functions_data
        self.classes = classes if classes is not None else []
        self.suppressions = suppressions if suppressions is not None else {}
        self.lines = lines
        self.error = error
        self.secrets = secrets if secrets is not None else []
        self.call_names, self.call_lines, self.keywords, self.packages = call_names, call_lines, keywords, packages
        self.call_args = call_args
        if (calls and not call_names) or (self.imports and not packages):
            summarise(self)

    @property
    def calls(self) -> list[Call]:
        """The calls; decoded anew at each read when given as bytes, and not kept: the bytes take a third of
        the memory of the objects (32 MB of calls on 20,000 files), and the summaries spare most reads."""
        calls = self._calls
        return calls if calls is not None else load_calls(self._calls_data or b"")

    @calls.setter
    def calls(self, value: list[Call]) -> None:
        self._calls, self._calls_data = value, None

    @property
    def functions(self) -> list[Function]:
        """The functions; like ``calls``, decoded at each read when given as bytes."""
        functions = self._functions
        return functions if functions is not None else load_functions(self._functions_data or b"")

    @functions.setter
    def functions(self, value: list[Function]) -> None:
        self._functions, self._functions_data = value, None

    def calls_dump(self) -> bytes:
        """``calls`` as :func:`dump_calls` makes them (the bytes given, when they were never decoded)."""
        return self._calls_data if self._calls is None and self._calls_data is not None else dump_calls(self.calls)

    def functions_dump(self) -> bytes:
        if self._functions is None and self._functions_data is not None:
            return self._functions_data
        return dump_functions(self.functions)

    FIELDS = ("imports", "calls", "strings", "functions", "classes", "suppressions", "lines", "error", "secrets",
              "call_names", "call_lines", "call_args", "keywords", "packages")

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CodeInfo) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return "CodeInfo(" + ", ".join(f"{n}={v!r}" for n, v in zip(self.FIELDS, self._fields(), strict=True)) + ")"


def summarise(info: CodeInfo) -> None:
    """Set ``call_names``, ``call_lines``, ``call_args``, ``keywords`` and ``packages`` from ``calls`` and
    ``imports``."""
    calls = info.calls  # read once: an analysis from the cache decodes its calls at each read
    first: dict[str, int] = {}
    most: dict[str, int] = {}
    for call in sorted(calls, key=lambda c: c.line):
        first.setdefault(call.name, call.line)
        args = call.nargs + len(call.kwargs)
        if args > most.get(call.name, -1):
            most[call.name] = args
    info.call_names, info.call_lines = tuple(first), tuple(first.values())
    info.call_args = tuple(most[name] for name in first)
    info.keywords = tuple(dict.fromkeys(k for c in calls for k, _ in c.kwargs))
    info.packages = tuple(dict.fromkeys(sys.intern(m.partition(".")[0]) for m, _ in info.imports))


def blank_magics(source: str) -> str:
    """Replace IPython magics / shell escapes with blank lines so the cell parses as Python, the way IPython
    reads them: a magic goes on after a trailing backslash or an open bracket (``%timeit f(x,\n  y)``); inside a
    block it becomes ``pass`` (``if IN_COLAB:\n    %pip install x`` keeps a body); the first line's indentation
    is removed from every line that has it (IPython's leading-indent transform)."""
    lines = source.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    indent = first[:len(first) - len(first.lstrip())]
    if indent:
        lines = [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines]
    out = []
    in_cell_magic = source.lstrip().startswith("%%")
    depth = 0  # brackets a magic left open, or -1 after a trailing backslash
    for line in lines:
        continued = depth != 0
        magic = in_cell_magic or continued or bool(_MAGIC.match(line) or _AUTOMAGIC.match(line))
        if magic and not continued and not in_cell_magic and line[:1] in (" ", "\t"):
            out.append(line[:len(line) - len(line.lstrip())] + "pass")
        else:
            out.append("" if magic else line)
        if magic and not in_cell_magic:
            depth = max(depth, 0) + sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
            depth = -1 if line.endswith("\\") and depth <= 0 else max(depth, 0)
    return "\n".join(out)


def suppressions_in(source: str) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    if "mlops-audit" not in source:
        return found
    for number, line in enumerate(source.splitlines(), start=1):
        m = SUPPRESSION.search(line)
        if m:
            reason = m.group(2).strip() or "suppressed inline"
            found[number] = {i.strip().upper(): reason for i in m.group(1).split(",") if i.strip()}
    return found


def _dotted(node: ast.AST) -> str | None:
    """The dotted name a call is made through: ``a.b.c``; ``mlflow.MlflowClient().transition`` for a call on a
    call's result. None for anything else (subscripts, lambdas...). A loop, not recursion: ``f()()()...`` can be
    thousands of calls deep. None too for a name longer than MAX_CALL_NAME: no library is called so, and the
    rules' regexes read every name."""
    pending: list[list[str]] = []  # the attributes read after each call's result, outermost first
    size = 0
    while True:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            size += len(node.attr) + 1
            node = node.value
        if size > MAX_CALL_NAME:
            return None
        if isinstance(node, ast.Name):
            break
        if not isinstance(node, ast.Call):
            return None
        pending.append(parts)
        size += 2
        node = node.func
    size += len(node.id)
    if size > MAX_CALL_NAME:
        return None
    name = ".".join([node.id, *reversed(parts)])
    for attrs in reversed(pending):
        name = ".".join([name + "()", *reversed(attrs)])
    return name


_ASSERTING_CALLS = frozenset({"raises", "approx", "warns", "deprecated_call", "fail", "assert"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_WITHS = (ast.With, ast.AsyncWith)


# Nodes that never hold anything the scan records, nor children that could: never pushed on the stack. Names and
# their Load/Store contexts are over half of all nodes; calls are read through their parent Call's ``func``.
_LEAVES = frozenset({
    ast.Name, ast.alias, *ast.expr_context.__subclasses__(), *ast.operator.__subclasses__(),
    *ast.unaryop.__subclasses__(), *ast.cmpop.__subclasses__(), *ast.boolop.__subclasses__(),
})
# Fields that never hold a node worth visiting, whatever the node type: names and other plain values, and the
# contexts and operators (leaves). Plus the plain ``value`` of constants. Not read at all (a third of getattr's).
_PLAIN_FIELDS = frozenset({"name", "asname", "module", "level", "arg", "attr", "id", "type_comment", "kind",
                           "conversion", "is_async", "simple", "tag", "rest", "kwd_attrs", "ctx", "op", "ops"})
_PLAIN_VALUE = (ast.Constant, ast.MatchSingleton)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that can hold nodes to visit."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        plain = _PLAIN_FIELDS | ({"value"} if issubclass(kind, _PLAIN_VALUE) else set())
        fields = _CHILD_FIELDS[kind] = tuple(f for f in getattr(kind, "_fields", ()) if f not in plain)
    return fields


def _const_text(node: ast.expr) -> str:
    """How a keyword value reads in the source, for constants (``True``, ``None``, ``42``); ``...`` otherwise."""
    return repr(node.value) if isinstance(node, ast.Constant) else "..."


def _is_suffixed(node: ast.AST) -> bool:
    """``something + "literal"``: the literal is the end of a string built at run time."""
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, str))


def _checked_run(dotted: str, node: ast.Call) -> bool:
    """``subprocess.check_call(...)``, ``run(..., check=True)``: a command whose failure fails the test."""
    last = dotted.rpartition(".")[2]
    if last in ("check_call", "check_output"):
        return True
    return last == "run" and any(k.arg == "check" and isinstance(k.value, ast.Constant) and k.value.value is True
                                 for k in node.keywords)


def _asserting(dotted: str | None) -> bool:
    last = dotted.rsplit(".", 1)[-1] if dotted else ""
    return last.startswith("assert") or last in _ASSERTING_CALLS


_AMBIGUOUS = "\x00"  # a name bound to different values in one source: not resolved through its binding
_BINDING_DEPTH = 3  # ``a = f(); b = a.g(); b.h()`` resolves two bindings deep, then stops


def _bind(bindings: dict[str, str], target: ast.expr, value: ast.expr | None) -> None:
    """Record ``target = value()`` when ``value`` is a call through a dotted name (``vec = CountVectorizer()``,
    ``self.model = RandomForestClassifier()``, ``with mlflow.start_run() as run``) or an attribute of a call's
    result (``alerter = Client().active_stack.alerter``): calls on the name are then read as calls on the
    result (``vec.fit`` -> ``...CountVectorizer().fit``). A name bound twice to different
    values is ambiguous and keeps its own name: no flow analysis, so no guess."""
    key = _dotted(target) if isinstance(target, ast.Attribute | ast.Name) else None
    if key is None:
        return
    if isinstance(value, ast.Call):
        bound = _dotted(value.func)
        bound = bound + "()" if bound is not None else _AMBIGUOUS
    else:  # ``alerter = Client().active_stack.alerter``: an attribute of a call's result, read as that
        bound = _dotted(value) if isinstance(value, ast.Attribute) else None
        bound = bound if bound is not None and "()" in bound else _AMBIGUOUS
    if bindings.get(key, bound) != bound:
        bound = _AMBIGUOUS
    bindings[key] = bound


def _bare_decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
                     raw_calls: list[tuple[str, ast.Call, int]], scope: int) -> None:
    """``@bentoml.service`` / ``@serve.deployment`` without parentheses: a call all the same (the decorator is
    called with the function), recorded with no arguments. A decorator with parentheses is a Call node, seen
    by the walk."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Name | ast.Attribute):
            dotted = _dotted(decorator)
            if dotted is not None:
                call = ast.Call(func=decorator, args=[], keywords=[])
                call.lineno = decorator.lineno
                raw_calls.append((dotted, call, scope))


def _scan(tree: ast.AST, info: CodeInfo) -> None:
    """One iterative pass over the tree (no recursion, no second walk per function)."""
    aliases: dict[str, str] = {}
    bindings: dict[str, str] = {}
    raw_calls: list[tuple[str, ast.Call, int]] = []
    # functions and classes: each is a scope, the module is -1
    scope_nodes: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
    scope_names: list[str] = []  # qualified: "Trainer.fit_epoch"
    asserts: list[bool] = []  # per scope: does its body (nested functions included) assert anything?
    parents: list[int] = []  # enclosing scope of each scope, -1 at module level
    stack: list[tuple[ast.AST, int]] = [(tree, -1)]
    push = stack.append
    leaves = _LEAVES
    AST = ast.AST  # a local alias: the loop runs a million times on 3,000 files
    child_fields = _CHILD_FIELDS

    def mark(fn: int) -> None:
        while fn >= 0 and not asserts[fn]:
            asserts[fn] = True
            fn = parents[fn]

    def enter(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, fn: int) -> int:
        scope_nodes.append(node)
        scope_names.append(f"{scope_names[fn]}.{node.name}" if fn >= 0 else node.name)
        asserts.append(False)
        parents.append(fn)
        return len(scope_nodes) - 1

    while stack:
        node, fn = stack.pop()
        kind = type(node)
        if kind is ast.Call:
            assert isinstance(node, ast.Call)
            dotted = _dotted(node.func)
            if dotted is not None:
                raw_calls.append((dotted, node, fn))
                if fn >= 0 and (_asserting(dotted) or _checked_run(dotted, node)
                                or any(k.arg and k.arg.startswith("assert") for k in node.keywords)):
                    mark(fn)  # ``call(x, assert_data=...)``: a checking helper
        elif kind is ast.JoinedStr:  # f"{base}/data/x.csv": its literal pieces are not paths on their own
            assert isinstance(node, ast.JoinedStr)
            for part in node.values:
                if not isinstance(part, ast.Constant):
                    push((part, fn))
            continue
        elif kind is ast.BinOp and _is_suffixed(node):  # prefix + "/data/train": a suffix, not a path
            assert isinstance(node, ast.BinOp)
            push((node.left, fn))
            continue
        elif kind is ast.Constant:
            assert isinstance(node, ast.Constant)
            value = node.value
            # only path-like literals are kept (the rules look for absolute paths): the rest costs memory
            if (isinstance(value, str) and value[:1] in ("/", "\\")) or (
                    isinstance(value, str) and value[1:3] in (":\\", ":/")):
                info.strings.append((value, node.lineno))
        elif kind is ast.Assign:
            assert isinstance(node, ast.Assign)
            for target in node.targets:
                _bind(bindings, target, node.value)
        elif kind is ast.AnnAssign:
            assert isinstance(node, ast.AnnAssign)
            if node.value is not None:
                _bind(bindings, node.target, node.value)
        elif kind is ast.Import:
            assert isinstance(node, ast.Import)
            for alias in node.names:
                info.imports.append((alias.name, node.lineno))
                head = alias.name.split(".")[0]
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases.setdefault(head, head)
        elif kind is ast.ImportFrom:
            assert isinstance(node, ast.ImportFrom)
            if node.level == 0 and node.module:
                info.imports.append((node.module, node.lineno))
                for alias in node.names:
                    info.imports.append((f"{node.module}.{alias.name}", node.lineno))
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            else:  # relative import: local code, "." per level ("..utils.seed" two packages up)
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{'.' * node.level}{node.module or ''}.{alias.name}"
        elif kind in _FUNCTIONS:
            assert isinstance(node, _FUNCTIONS)
            _bare_decorators(node, raw_calls, fn)
            fn = enter(node, fn)
        elif kind is ast.ClassDef:
            assert isinstance(node, ast.ClassDef)
            info.classes.append((node.name, tuple(b for b in (_dotted(x) for x in node.bases) if b), node.lineno))
            _bare_decorators(node, raw_calls, fn)
            fn = enter(node, fn)
        elif kind is ast.Assert or kind is ast.Raise:  # a test that raises on a bad result checks it
            if fn >= 0:
                mark(fn)
        elif kind in _WITHS:
            assert isinstance(node, _WITHS)
            for item in node.items:
                if item.optional_vars is not None:
                    _bind(bindings, item.optional_vars, item.context_expr)
            if fn >= 0 and any(isinstance(i.context_expr, ast.Call) and _asserting(_dotted(i.context_expr.func))
                               for i in node.items):
                mark(fn)
        fields = child_fields.get(kind)
        for name in fields if fields is not None else _child_fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if type(item) not in leaves and isinstance(item, AST):
                        push((item, fn))
            elif type(value) not in leaves and isinstance(value, AST):
                push((value, fn))

    def resolve_import(dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        called = head.endswith("()")  # ``CountVectorizer().fit``, after a binding
        target = aliases.get(head[:-2] if called else head)
        if target is None:
            return dotted
        target += "()" if called else ""
        return f"{target}.{rest}" if rest else target

    def resolve(dotted: str) -> str:
        """Through the bindings (the longest bound prefix first), then the imports."""
        for _ in range(_BINDING_DEPTH if bindings else 0):
            parts = dotted.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                prefix = ".".join(parts[:cut])
                bound = bindings.get(prefix)
                if bound is not None:
                    break
            else:
                break
            if bound == _AMBIGUOUS or prefix in aliases:
                break
            dotted = bound + "." + ".".join(parts[cut:])
        return resolve_import(dotted)

    intern = sys.intern  # the same names recur in every file of a repository: keep one copy of each
    scopes = [intern(n) for n in scope_names]
    for dotted, node, fn in raw_calls:
        name = intern(resolve(dotted))
        kwargs = shared_kwargs(tuple((intern(k.arg), intern(_const_text(k.value)))
                                     for k in node.keywords if k.arg is not None))
        first = node.args[0] if node.args else None
        first_str = intern(first.value) if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        info.calls.append(Call(name, node.lineno, kwargs, first_str, len(node.args), scopes[fn] if fn >= 0 else ""))
    info.calls.sort(key=lambda c: c.line)
    info.strings.sort(key=lambda s: s[1])
    info.imports = sorted(((intern(m), n) for m, n in info.imports), key=lambda i: i[1])
    info.classes = [(n, tuple(resolve_import(b) for b in bases), line) for n, bases, line in info.classes]
    info.functions = sorted((Function(intern(f.name), f.lineno, a, scopes[i])
                             for i, (f, a) in enumerate(zip(scope_nodes, asserts, strict=True))
                             if isinstance(f, _FUNCTIONS)), key=lambda f: f.line)
    summarise(info)


def analyse(source: str, *, filename: str = "<source>") -> CodeInfo:
    """Parse ``source`` (never executed) into a :class:`CodeInfo`. Source that cannot be parsed or analysed sets
    ``error`` (reported by AUD001), whatever went wrong: a syntax error, nesting deeper than the parser's
    recursion, a parser out of memory, a null byte. The secret scan is done here too: the source is in hand,
    and its result is cached with the rest."""
    try:
        info = CodeInfo(lines=source.count("\n") + 1, suppressions=suppressions_in(source),
                        secrets=scan_text(source))
    except Exception as exc:  # pragma: no cover - defensive: the scans are plain loops and linear regexes
        return CodeInfo(lines=source.count("\n") + 1, error=f"could not be scanned: {describe_error(exc)}")
    try:
        tree = ast.parse(source, filename=filename)
    except Exception as exc:  # SyntaxError, RecursionError, MemoryError, ValueError (null bytes)...
        info.error = parse_error(exc)
        return info
    try:
        _scan(tree, info)
    except Exception as exc:
        info.error = f"could not be analysed: {describe_error(exc)}"
        info.imports, info.calls, info.strings, info.functions, info.classes = [], [], [], [], []
        summarise(info)
    return info


def describe_error(exc: BaseException) -> str:
    """An exception as a reason a person can read: its message, or what its kind means when it has none (a
    MemoryError from the parser has no message)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply (the parser's recursion limit)"
    if isinstance(exc, MemoryError):
        return "too large or too deeply nested (out of memory)"
    message = str(getattr(exc, "msg", "") or exc).strip()
    return message or type(exc).__name__


def parse_error(exc: BaseException) -> str:
    """Why ``ast.parse`` refused a source: ``syntax error at line 3: ...`` and the like, never empty."""
    if isinstance(exc, SyntaxError):
        line = exc.lineno
        return f"syntax error{f' at line {line}' if line else ''}: {describe_error(exc)}"
    return f"could not be parsed: {describe_error(exc)}"
