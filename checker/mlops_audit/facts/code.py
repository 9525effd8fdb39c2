"""What a piece of Python source says: imports, calls, string literals, functions, classes.

Sources are parsed with :mod:`ast` and never imported or executed. A notebook cell is a piece of source
too (IPython magics and shell escapes are blanked out first, keeping line numbers).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

SUPPRESSION = re.compile(r"#\s*mlops-audit:\s*ignore\[([A-Za-z0-9_,\s]+)\]\s*(.*)")
_MAGIC = re.compile(r"^\s*[%!?]|^\s*\w+\s*=\s*!|^\s*\?\?")


@dataclass(frozen=True)
class Call:
    name: str  # dotted, import aliases resolved: "joblib.load", "mlflow.log_metric", "app.get"
    line: int
    kwargs: tuple[tuple[str, str], ...] = ()  # keyword -> source text of its value
    first_arg: str | None = None  # first positional argument when it is a string literal
    method: str = ""  # last segment, e.g. "fit"
    nargs: int = 0  # number of positional arguments


@dataclass(frozen=True)
class Function:
    name: str
    line: int
    asserts: bool  # contains assert, pytest.raises/approx, self.assert*, mock assert_*
    decorators: tuple[str, ...] = ()
    arg_annotations: tuple[str, ...] = ()


@dataclass
class CodeInfo:
    imports: list[tuple[str, int]] = field(default_factory=list)  # full module names ("sklearn.metrics")
    calls: list[Call] = field(default_factory=list)
    strings: list[tuple[str, int]] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    classes: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)  # name, bases, line
    names: set[str] = field(default_factory=set)  # every identifier / attribute used
    suppressions: dict[int, dict[str, str]] = field(default_factory=dict)  # line -> {ID: reason}
    lines: int = 0
    error: str | None = None


def blank_magics(source: str) -> str:
    """Replace IPython magics / shell escapes with blank lines so the cell parses as Python."""
    out = []
    in_cell_magic = source.lstrip().startswith("%%")
    for line in source.splitlines():
        out.append("" if in_cell_magic or _MAGIC.match(line) else line)
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
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # e.g. mlflow.MlflowClient().transition(...) -> "mlflow.MlflowClient().x"
        inner = _dotted(node.func)
        if inner is not None:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return None


_ASSERTING_CALLS = ("raises", "approx", "warns", "deprecated_call", "fail", "assert")


class _Visitor(ast.NodeVisitor):
    def __init__(self, info: CodeInfo) -> None:
        self.info = info
        self.aliases: dict[str, str] = {}

    def resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.info.imports.append((alias.name, node.lineno))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                self.aliases.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.info.imports.append((node.module, node.lineno))
            for alias in node.names:
                self.info.imports.append((f"{node.module}.{alias.name}", node.lineno))
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        else:  # relative import: local code
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f".{node.module or ''}.{alias.name}"

    def visit_Call(self, node: ast.Call) -> None:
        dotted = _dotted(node.func)
        if dotted is not None:
            name = self.resolve(dotted)
            kwargs = tuple((k.arg, ast.unparse(k.value)) for k in node.keywords if k.arg is not None)
            first = None
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                first = node.args[0].value
            self.info.calls.append(Call(name, node.lineno, kwargs, first, name.rsplit(".", 1)[-1], len(node.args)))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value:
            self.info.strings.append((node.value, node.lineno))

    def visit_Name(self, node: ast.Name) -> None:
        self.info.names.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.info.names.add(node.attr)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        asserts = False
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assert):
                asserts = True
                break
            if isinstance(sub, ast.Call):
                d = _dotted(sub.func) or ""
                last = d.rsplit(".", 1)[-1]
                if last.startswith("assert") or last in _ASSERTING_CALLS:
                    asserts = True
                    break
            if isinstance(sub, (ast.With, ast.AsyncWith)):
                for item in sub.items:
                    ctx = _dotted(item.context_expr.func) if isinstance(item.context_expr, ast.Call) else None
                    if ctx and ctx.rsplit(".", 1)[-1] in ("raises", "warns", "assertRaises"):
                        asserts = True
        decorators = tuple(self.resolve(d) for d in (_dotted(x.func if isinstance(x, ast.Call) else x)
                                                     for x in node.decorator_list) if d)
        annotations = tuple(ast.unparse(a.annotation) for a in node.args.args if a.annotation is not None)
        self.info.functions.append(Function(node.name, node.lineno, asserts, decorators, annotations))
        self.generic_visit(node)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = tuple(self.resolve(b) for b in (_dotted(x) for x in node.bases) if b)
        self.info.classes.append((node.name, bases, node.lineno))
        self.generic_visit(node)


def analyse(source: str, *, filename: str = "<source>") -> CodeInfo:
    """Parse ``source`` (never executed) into a :class:`CodeInfo`; a syntax error sets ``error``."""
    info = CodeInfo(lines=source.count("\n") + 1, suppressions=suppressions_in(source))
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        info.error = f"syntax error{f' at line {line}' if line else ''}: {getattr(exc, 'msg', exc)}"
        return info
    try:
        _Visitor(info).visit(tree)
    except RecursionError:
        info.error = "source nested too deeply to analyse"
    return info
