"""No regex reads repository text in super-linear time.

- The built-in patterns (every compiled pattern of the package's modules, and every regex literal of its source
  with a quantifier) are run over adversarial 200 KB strings: floods of one character, and each repetition of the
  pattern pumped after what comes before it, then a character that makes the match fail. Each search must end
  within a generous hang guard: the point is exponential or quadratic blow-ups, which take hours on 200 KB, not
  speed.
- A custom rule's regexes (the audited repository's configuration: untrusted) run under RE2, in linear time; a
  pattern RE2 refuses, or any such pattern when RE2 cannot be imported, is refused with a message (AUD002).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlops_audit
import pytest
from mlops_audit import checks
from mlops_audit.checks import CheckSpecError, untrusted_regex, validate
from repo_builder import make_repo

if sys.version_info >= (3, 11):
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover
    import sre_constants as sre_c
    import sre_parse

SIZE = 200_000
HANG_GUARD = 1.0  # seconds per search on 200 KB: linear scans take milliseconds
RE_FUNCTIONS = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2, "finditer": 2, "split": 3,
                "sub": 4}  # where the flags go, positionally
PACKAGE = Path(mlops_audit.__file__).parent

# Patterns known to be quadratic on long input, with the fix each needs as the reason (strict: the day one is
# fixed, this fails and the entry goes). None today.
KNOWN_SUPERLINEAR: dict[str, str] = {}


def _flags(node: ast.expr | None) -> int:
    """The value of a flags expression made of ``re.X`` names and ``|``; 0 when it is anything else."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        value = getattr(re, node.attr, 0)
        return int(value) if isinstance(value, int) else 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    return 0


def _docstrings(tree: ast.Module) -> set[int]:
    nodes = (n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                                         ast.AsyncFunctionDef)))
    return {id(n.body[0].value) for n in nodes if n.body and isinstance(n.body[0], ast.Expr)}


def _source_patterns() -> Iterator[tuple[str, int, str]]:
    """(pattern, flags, where) of every regex-looking literal of the package's source (a quantifier in it)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        flagged: dict[int, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" \
                    and node.func.attr in RE_FUNCTIONS and node.args and isinstance(node.args[0], ast.Constant):
                index = RE_FUNCTIONS[node.func.attr]
                expr = node.args[index] if len(node.args) > index else next(
                    (k.value for k in node.keywords if k.arg == "flags"), None)
                flagged[id(node.args[0])] = _flags(expr)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                    and any(q in node.value for q in "*+?{"):
                flags = flagged.get(id(node), 0)
                try:
                    re.compile(node.value, flags)
                except (re.error, ValueError, OverflowError):
                    continue
                yield node.value, flags, f"{path.relative_to(PACKAGE)}:{node.lineno}"


def _module_patterns() -> Iterator[tuple[str, int, str]]:
    """(pattern, flags, where) of every compiled pattern among the package's module attributes."""
    for info in pkgutil.walk_packages(mlops_audit.__path__, "mlops_audit."):
        if info.name.endswith("__main__"):
            continue  # running it would start the CLI
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                yield value.pattern, value.flags & ~re.UNICODE, f"{info.name}.{name}"


def builtin_patterns() -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for pattern, flags, where in [*_module_patterns(), *_source_patterns()]:
        found.setdefault((pattern, flags), where)
    return found


# ------------------------------------------------------------------------------------------ adversarial inputs
_CANDIDATES = "a0 _-./:=\\\t#'\"x@(\n"


def _sample(items: Any) -> str:
    """A short string the parsed pattern ``items`` matches (roughly: enough to pump a repetition with)."""
    out: list[str] = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op is sre_c.ANY:
            out.append("a")
        elif op is sre_c.IN:
            out.append(next((c for c in _CANDIDATES if _class_matches(av, c)), "a"))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            low, _, sub = av
            out.append(_sample(sub) * max(1, min(low, 8)))
        elif op is sre_c.SUBPATTERN:
            out.append(_sample(av[-1]))
        elif op is sre_c.BRANCH:
            out.append(_sample(av[1][0]))
    return "".join(out)


def _class_matches(items: Any, char: str) -> bool:
    code = ord(char)
    negate = False
    hit = False
    for op, av in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            hit |= av == code
        elif op is sre_c.RANGE:
            hit |= av[0] <= code <= av[1]
        elif op is sre_c.CATEGORY:
            hit |= bool(re.fullmatch({sre_c.CATEGORY_DIGIT: r"\d", sre_c.CATEGORY_SPACE: r"\s",
                                      sre_c.CATEGORY_WORD: r"\w", sre_c.CATEGORY_NOT_DIGIT: r"\D",
                                      sre_c.CATEGORY_NOT_SPACE: r"\S", sre_c.CATEGORY_NOT_WORD: r"\W"}.get(av, "x"),
                                     char))
    return hit != negate


def _pumps(items: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(what comes before, what repeats) for each repetition of the parsed pattern."""
    items = list(items)
    for i, (op, av) in enumerate(items):
        before = prefix + _sample(items[:i])
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            body = _sample(av[2])
            if body:
                yield before, body
            yield from _pumps(av[2], before)
        elif op is sre_c.SUBPATTERN:
            yield from _pumps(av[-1], before)
        elif op is sre_c.BRANCH:
            for branch in av[1]:
                yield from _pumps(branch, before)


def adversarial(pattern: str, flags: int) -> Iterator[tuple[str, str]]:
    """(label, text): 200 KB strings that nearly match ``pattern`` in many ways."""
    for char in _CANDIDATES:
        yield f"flood of {char!r}", char * SIZE
    seen: set[str] = set()
    for before, body in _pumps(sre_parse.parse(pattern, flags)):
        for label, text in ((f"{body!r} pumped after {before[:20]!r}", before + body * (SIZE // len(body))),
                            (f"{body!r} pumped", body * (SIZE // len(body))),
                            (f"{(before + body)[:20]!r} repeated", (before + body) * (SIZE // len(before + body)))):
            if text not in seen:
                seen.add(text)
                yield label, text + "\x00"


class _Timeout(Exception):
    pass


def _time_search(regex: re.Pattern[str], text: str) -> float:
    """Seconds ``regex.search(text)`` took; HANG_GUARD * 10 when the guard interrupted it (the regex engine checks
    for signals as it runs)."""
    def interrupt(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, HANG_GUARD * 2)
    start = time.perf_counter()
    try:
        regex.search(text)
        return time.perf_counter() - start
    except _Timeout:
        return HANG_GUARD * 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


PATTERNS = builtin_patterns()


def test_the_collection_finds_the_builtin_patterns() -> None:
    wheres = set(PATTERNS.values())
    assert len(PATTERNS) > 60
    assert "mlops_audit.facts.code.SUPPRESSION" in wheres
    assert any(w.startswith("facts/repo.py:") for w in wheres)  # inline ones too (re.search(r"...", text))


def test_the_guard_catches_a_quadratic_pattern() -> None:
    """The check can fail: a pattern known to be quadratic trips it."""
    slow = re.compile(r"\s*x")
    assert _time_search(slow, " " * SIZE + "\x00") > HANG_GUARD


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the hang guard needs SIGALRM")
@pytest.mark.parametrize(
    ("pattern", "flags"),
    [pytest.param(p, f, id=where, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_SUPERLINEAR[p])]
                  if p in KNOWN_SUPERLINEAR else [])
     for (p, f), where in sorted(PATTERNS.items(), key=lambda item: item[1])],
)
def test_builtin_pattern_is_linear_on_adversarial_text(pattern: str, flags: int) -> None:
    regex = re.compile(pattern, flags)
    for label, text in adversarial(pattern, flags):
        seconds = _time_search(regex, text)
        assert seconds <= HANG_GUARD, f"{pattern!r} took over {HANG_GUARD} s on 200 KB: {label}"


# ------------------------------------------------------------------------------------------ custom rules
def _custom(check: dict[str, Any]) -> None:
    validate(check, untrusted=True)


def test_a_custom_rule_pattern_runs_under_re2_in_linear_time() -> None:
    regex = untrusted_regex(r"^(a|aa)+$")  # exponential in Python's re on "aaaa...b"
    assert type(regex).__module__.startswith("re2")
    start = time.perf_counter()
    assert regex.search("a" * SIZE + "b") is None
    assert time.perf_counter() - start < HANG_GUARD
    assert regex.search("aaaa") is not None


@pytest.mark.parametrize(("check", "words"), [
    ({"no_call": [r"(a)\1"]}, "invalid escape sequence"),  # backreference
    ({"any_text": {"files": ["*"], "pattern": r"(?=x)y"}}, "perl operator"),  # lookahead
    ({"any_of": [{"no_text": {"pattern": r"(?<!x)y"}}]}, "refused"),  # nested, lookbehind
])
def test_a_custom_rule_pattern_re2_refuses_is_a_clear_problem(check: dict[str, Any], words: str) -> None:
    with pytest.raises(CheckSpecError, match=words) as info:
        _custom(check)
    assert "RE2" in str(info.value) and "regex" in str(info.value)


def test_builtin_checks_keep_pythons_re() -> None:
    validate({"no_call": [r"(a)\1"]})  # ours: backreferences allowed, no RE2
    assert isinstance(checks._regex(r"(a)\1", "no_call", untrusted=False), re.Pattern)


def test_without_re2_custom_regexes_are_refused_not_run_with_re(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 -> ImportError
    untrusted_regex.cache_clear()
    try:
        with pytest.raises(CheckSpecError, match="google-re2"):
            _custom({"any_call": ["^print$"]})
        validate({"any_call": ["^print$"]})  # the built-in rules need no RE2
    finally:
        untrusted_regex.cache_clear()


RULE = """
[[tool.mlops-audit.rules]]
id = "ORG00{n}"
pillar = "governance"
severity = "error"
level = 1
title = "t"
why = "w"
fix = "f"
check = {check}
"""


def test_a_hostile_custom_rule_neither_hangs_nor_ends_the_audit(tmp_path: Path) -> None:
    from mlops_audit.config import discover
    from mlops_audit.engine import run_audit

    rules = (RULE.format(n=1, check='{ no_text = { files = ["*.txt"], pattern = "(a|aa)+b$" } }')
             + RULE.format(n=2, check='{ no_call = ["(x)\\\\1"] }'))
    root = make_repo(tmp_path / "r", {"pyproject.toml": "[tool.mlops-audit]\n" + rules,
                                      "x.txt": "a" * 50_000 + "c\n", "a.py": "print(1)\n"})
    start = time.perf_counter()
    report = run_audit(root, discover(root), cache=False)
    assert time.perf_counter() - start < 60  # Python's re would take longer than the universe has
    by_id = {r.rule.id: r for r in report.results}
    assert by_id["ORG001"].status == "pass"
    assert "ORG002" not in by_id  # refused: skipped, and said so
    assert by_id["AUD002"].status == "fail"
    assert any("ORG002" in f.message and "RE2" in f.message for f in by_id["AUD002"].findings)


def test_re2_is_imported_only_for_custom_regexes() -> None:
    import subprocess

    code = ("import sys; from mlops_audit.catalogue import all_rules; all_rules(); "
            "print('re2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert checks.untrusted_regex is untrusted_regex
