"""Path patterns with gitignore semantics (``data/**``, ``*.csv``, ``/README*``), compiled once and cached.

A small translation of gitignore patterns to regular expressions, written to give exactly the answers of
``pathspec.GitIgnoreSpec`` with its "simple" backend (the reference the tests compare against), without importing
pathspec on every run: pathspec 1.x pulls in typing_extensions and asyncio, 35-60 ms of a 50-file audit. Patterns
git would reject (a trailing lone backslash) are ignored instead of raising: a broken ``.gitignore`` line in an
audited repository must never stop the audit.

Patterns come from the audited repository (``.gitignore``, ``.gitattributes``, ``exclude``): matching must take
time linear in the path's length, whatever the pattern. pathspec's regexes backtrack: ``*a*a*a*a*b.csv`` against
a long name takes exponential time, and every ``**`` in the middle of a pattern multiplies the work by the length
of the path. Each pattern's regex counts the stretches it may backtrack along, nested (``loops``); a regex with
more than one is used only on paths short enough for its worst case to stay small (``STEP_BUDGET``), which are
nearly all paths. Longer paths are matched by one of two equivalents that stay linear:

- the atomic regex: within one path segment, every ``*`` but the last is matched the way
  :func:`fnmatch.translate` does, as an atomic group (a lookahead and a backreference): the shortest stretch
  before the text that follows it, never tried again. The same answers, because that text cannot contain ``/``
  (a bracket expression that can match ``/`` keeps the plain translation);
- when even that regex may backtrack along two stretches (``**/a/**/b``: two ``**``), the regex as a program for
  a small backtracking matcher that remembers the states it has tried (:func:`_run`): the same trials in the same
  order, so the same answer, in time proportional to the program's size times the path's length.
"""

from __future__ import annotations

import itertools
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

_DIR_MARK = "ps_d"
_DIR_MARK_CG = f"(?P<{_DIR_MARK}>/)"
_DIR_MARK_OPT = f"(?:{_DIR_MARK_CG}|$)"
STEP_BUDGET = 20_000  # a backtracking regex is used on paths where its worst case stays under this many steps

# the operations of a compiled pattern (_run); the program is a tuple of (operation, argument, argument)
_LIT, _NOT_SLASH, _DOT, _CLASS, _SPLIT, _JMP, _END, _MATCH = range(8)
_Op = tuple[int, Any, Any]


class _RangeError(ValueError):
    """Invalid bracket notation: git discards such a pattern."""


# ------------------------------------------------------------------------------------------ one path segment
Atom = tuple[str, str]  # ("lit", char) | ("any", "") | ("star", "") | ("class", bracket expression)


def _bracket_end(pattern: str, i: int) -> int:
    """The index just past the ``]`` closing the bracket expression whose content starts at ``i``."""
    end = len(pattern)
    j = i
    if j < end and pattern[j] in "!^":
        j += 1
    if j < end and pattern[j] == "]":
        j += 1
    while j < end and pattern[j] != "]":
        j += 1
    if j >= end:
        raise _RangeError(pattern)
    return j + 1


def _segment_atoms(pattern: str) -> list[Atom]:
    """One path segment of a glob as atoms (fnmatch with FNM_PATHNAME, git's bracket rules)."""
    atoms: list[Atom] = []
    escape = False
    i, end = 0, len(pattern)
    while i < end:
        char = pattern[i]
        i += 1
        if escape:
            escape = False
            atoms.append(("lit", char))
        elif char == "\\":
            escape = True
        elif char == "*":
            atoms.append(("star", ""))
        elif char == "?":
            atoms.append(("any", ""))
        elif char == "[":
            j = _bracket_end(pattern, i)
            expr = "["
            if pattern[i] in "!^":
                expr += "^"
                i += 1
            atoms.append(("class", expr + pattern[i:j].replace("\\", "\\\\")))
            i = j
        else:
            atoms.append(("lit", char))
    if escape:
        raise ValueError(f"escape character with nothing to escape: {pattern!r}")
    return atoms


@lru_cache(maxsize=1024)
def _bracket(expr: str) -> re.Pattern[str]:
    """A bracket expression compiled (ValueError when Python's re refuses it, e.g. a backward range)."""
    try:
        with warnings.catch_warnings():  # "possible nested set" for ``[[``: the pattern's business, not ours
            warnings.simplefilter("ignore")
            return re.compile(expr)
    except re.error as exc:
        raise ValueError(f"invalid bracket expression {expr!r}: {exc}") from None


def _matches_slash(atoms: list[Atom]) -> bool:
    """Whether a bracket expression among ``atoms`` can match ``/`` (``[!a]`` can: the segment may then
    stretch over several path segments, as in pathspec)."""
    return any(kind == "class" and _bracket(arg).match("/") for kind, arg in atoms)


def _atom_regex(atom: Atom) -> str:
    kind, arg = atom
    if kind == "lit":
        return re.escape(arg) if not arg.isalnum() else arg
    if kind == "any":
        return "[^/]"
    if kind == "star":
        return "[^/]*"
    return arg


def _segment_regex(atoms: list[Atom], *, atomic: bool, group_ids: Iterator[int] | None = None) -> str:
    """The regex of a segment's atoms; ``atomic``: every star but the last as an atomic group when that cannot
    change the answer (no bracket expression matching ``/``), so the segment never backtracks over them. Each
    atomic group is a named group, named by the next of ``group_ids``."""
    stars = sum(1 for kind, _ in atoms if kind == "star")
    if not atomic or stars < 2 or _matches_slash(atoms):
        return "".join(_atom_regex(a) for a in atoms)
    chunks: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom[0] == "star":
            chunks.append([])
        else:
            chunks[-1].append(atom)
    out = ["".join(_atom_regex(a) for a in chunks[0])]
    group_ids = group_ids if group_ids is not None else itertools.count()
    for chunk in chunks[1:-1]:
        name = f"ps_a{next(group_ids)}"
        out.append(f"(?=(?P<{name}>[^/]*?{''.join(_atom_regex(a) for a in chunk)}))(?P={name})")
    out.append("[^/]*" + "".join(_atom_regex(a) for a in chunks[-1]))
    return "".join(out)


# ------------------------------------------------------------------------------------------ a whole pattern
def _normalize(is_dir: bool, segs: list[str]) -> tuple[list[str] | None, str | None]:
    if not segs[0]:
        del segs[0]
    elif (len(segs) == 1 or (len(segs) == 2 and not segs[1])) and segs[0] != "**":
        segs.insert(0, "**")
    if not segs:
        raise ValueError("pattern normalized to nothing")
    if not segs[-1]:
        segs[-1] = "**"
    for i in range(len(segs) - 1, 0, -1):
        if segs[i - 1] == "**" and segs[i] == "**":
            del segs[i]
    if segs == ["**"]:
        return None, (_DIR_MARK_CG if is_dir else ".")
    if segs == ["**", "*"]:
        return None, "."
    if segs == ["**", "*", "**"]:
        return None, (_DIR_MARK_CG if is_dir else "/")
    return segs, None


class _Program:
    """The instructions of a pattern's regex for :func:`_run`, built alongside the regex text."""

    def __init__(self) -> None:
        self.ops: list[_Op] = []

    def emit(self, op: int, a: Any = None, b: Any = None) -> int:
        self.ops.append((op, a, b))
        return len(self.ops) - 1

    def patch(self, at: int, a: Any, b: Any = None) -> None:
        self.ops[at] = (self.ops[at][0], a, b)

    def char(self, kind: str, arg: str = "") -> None:
        if kind == "lit":
            self.emit(_LIT, arg)
        elif kind == "any":
            self.emit(_NOT_SLASH)
        elif kind == "dot":
            self.emit(_DOT)
        else:
            self.emit(_CLASS, _bracket(arg))

    def star(self, kind: str) -> None:
        """``X*``, greedy: try one more X first, then leave the loop."""
        split = self.emit(_SPLIT)
        self.char(kind)
        self.emit(_JMP, split)
        self.patch(split, split + 1, len(self.ops))

    def optional(self, *body: tuple[str, str]) -> None:
        """``(?:BODY)?``, greedy; BODY is (kind, arg) steps, "dot+" standing for ``.+``."""
        split = self.emit(_SPLIT)
        for kind, arg in body:
            if kind == "dot+":
                self.char("dot")
                self.star("dot")
            else:
                self.char(kind, arg)
        self.patch(split, split + 1, len(self.ops))

    def atoms(self, atoms: list[Atom]) -> None:
        for kind, arg in atoms:
            if kind == "star":
                self.star("any")
            else:
                self.char(kind, arg)


class _Translation(NamedTuple):
    regex: str  # pathspec's regex
    atomic: str  # the same with the atomic stars (see _segment_regex): the same answers
    loops: int  # stretches of the path the regex may backtrack along, nested: its cost grows as length ** loops
    atomic_loops: int  # the same for the atomic regex
    segs: tuple[str, ...]  # the normalized segments, for _program
    is_dir: bool


def _translate(segs: list[str], is_dir: bool) -> _Translation:
    out: list[str] = []
    atomic: list[str] = []
    spans = 0  # ``.+`` stretches (leading and inner ``**``)
    star_loops = 0  # stars that backtrack in the regex
    atomic_star_loops = 0  # stars that still backtrack in the atomic regex
    need_slash = False
    end = len(segs) - 1
    group_ids = itertools.count()

    def both(text: str) -> None:
        out.append(text)
        atomic.append(text)

    for i, seg in enumerate(segs):
        if seg == "**":
            if i == 0:
                both("^(?:.+/)?")
                spans += 1
            elif i < end:
                both("(?:/.+)?")
                spans += 1
                need_slash = True
            else:
                both(_DIR_MARK_CG if is_dir else "/")
        else:
            if i == 0:
                both("^")
            if need_slash:
                both("/")
            if seg == "*":
                both("[^/]+")
            elif not any(c in seg for c in "*?[\\"):  # a plain name, the usual case
                both(re.escape(seg))
            else:
                atoms = _segment_atoms(seg)
                stars = sum(1 for kind, _ in atoms if kind == "star")
                if stars < 2:
                    both(_segment_regex(atoms, atomic=False))
                else:
                    out.append(_segment_regex(atoms, atomic=False))
                    atomic.append(_segment_regex(atoms, atomic=True, group_ids=group_ids))
                if stars and _matches_slash(atoms):  # the segment may end at several places: every star backtracks
                    star_loops += stars
                    atomic_star_loops += stars
                else:  # the segment ends where the path's segment does: its last star is tried once per place
                    star_loops += max(0, stars - 1)
            if i == end:
                both(_DIR_MARK_OPT)
            need_slash = True
    # without a ``.+`` stretch the scan of the path itself is the one loop a regex always has
    base = max(spans, 1)
    return _Translation("".join(out), "".join(atomic), base + star_loops, base + atomic_star_loops,
                        tuple(segs), is_dir)


def _program(segs: tuple[str, ...], is_dir: bool) -> tuple[_Op, ...]:
    """The instructions of the regex :func:`_translate` writes for ``segs``, for :func:`_run`."""
    prog = _Program()
    need_slash = False
    end = len(segs) - 1
    for i, seg in enumerate(segs):
        if seg == "**":
            if i == 0:
                prog.optional(("dot+", ""), ("lit", "/"))
            elif i < end:
                prog.optional(("lit", "/"), ("dot+", ""))
                need_slash = True
            else:
                prog.char("lit", "/")
                prog.emit(_MATCH, is_dir)
        else:
            if need_slash:
                prog.char("lit", "/")
            if seg == "*":
                prog.char("any")
                prog.star("any")
            else:
                prog.atoms(_segment_atoms(seg))
            if i == end:
                split = prog.emit(_SPLIT)
                prog.char("lit", "/")
                prog.emit(_MATCH, True)
                prog.patch(split, split + 1, prog.emit(_END))
            need_slash = True
    return tuple(prog.ops)


def _parse(pattern: str) -> tuple[_Translation, bool] | None:
    """(translation, include) for one gitignore line; None for blanks, comments and patterns git ignores."""
    if not pattern.endswith("\\ "):
        pattern = pattern.rstrip()
    if not pattern or pattern.startswith("#") or pattern == "/":
        return None
    include = True
    if pattern.startswith("!"):
        include = False
        pattern = pattern[1:]
    segs = pattern.split("/")
    is_dir = not segs[-1]
    try:
        norm, override = _normalize(is_dir, segs)
        translation = (_Translation(override, override, 0, 0, (), is_dir) if override is not None
                       else _translate(norm or [], is_dir))
    except ValueError:  # _RangeError and bad bracket expressions included: git discards the pattern
        return None
    return translation, include


def pattern_to_regex(pattern: str) -> tuple[str, bool] | None:
    """(regex, include) for one gitignore line; None for blanks, comments and patterns git ignores."""
    parsed = _parse(pattern)
    return None if parsed is None else (parsed[0].regex, parsed[1])


# ------------------------------------------------------------------------------------------ matching
def _run(program: tuple[_Op, ...], path: str) -> tuple[bool, bool]:
    """(matched, as a directory) of a pattern's program on ``path``: the regex's own backtracking order, with
    every (instruction, position) tried at most once, so at most len(program) * (len(path) + 1) steps. A state
    reached again has failed already: the program has no loop that does not consume a character."""
    size = len(path)
    width = size + 1
    seen = bytearray(len(program) * width)
    stack = [(0, 0)]
    while stack:
        pc, pos = stack.pop()
        while not seen[pc * width + pos]:
            seen[pc * width + pos] = 1
            op, a, b = program[pc]
            if op == _SPLIT:
                stack.append((b, pos))
                pc = a
            elif op == _JMP:
                pc = a
            elif op == _MATCH:
                return True, bool(a)
            elif op == _END:
                if pos == size or (pos == size - 1 and path[pos] == "\n"):  # ``$``, as Python's re reads it
                    return True, False
                break
            elif pos < size and (
                (op == _LIT and path[pos] == a) or (op == _NOT_SLASH and path[pos] != "/")
                or (op == _DOT and path[pos] != "\n")
                or (op == _CLASS and a.match(path, pos) is not None)
            ):
                pc += 1
                pos += 1
            else:
                break
    return False, False


class _Pattern(NamedTuple):
    regex: re.Pattern[str]  # pathspec's regex: the fastest on usual paths
    include: bool
    limit: int  # paths longer than this are matched by ``long_regex`` or ``program``, which stay linear
    long_regex: re.Pattern[str] | None  # the atomic regex, when it is linear
    program: tuple[_Op, ...] | None  # otherwise: the program, run by _run


def _search(regex: re.Pattern[str], path: str) -> tuple[bool, bool]:
    m = regex.search(path)
    return (False, False) if m is None else (True, bool(m.groupdict().get(_DIR_MARK)))


def _long_search(pattern: _Pattern, path: str) -> tuple[bool, bool]:
    """(matched, as a directory) on a path too long for the pattern's regex to be safe."""
    if pattern.long_regex is not None:
        return _search(pattern.long_regex, path)
    assert pattern.program is not None
    return _run(pattern.program, path)


def _regex(text: str) -> re.Pattern[str]:
    if "[" not in text:
        return re.compile(text)
    with warnings.catch_warnings():  # "possible nested set" for ``[[``: the pattern's business, not ours
        warnings.simplefilter("ignore")
        return re.compile(text)


def _limit(loops: int) -> int:
    """The longest path a regex with ``loops`` nested backtracking stretches is trusted with."""
    return sys.maxsize if loops <= 1 else int(STEP_BUDGET ** (1 / loops))


def _compile(line: str) -> _Pattern | None:
    parsed = _parse(line)
    if parsed is None:
        return None
    translation, include = parsed
    try:
        regex = _regex(translation.regex)
        if translation.loops <= 1:
            return _Pattern(regex, include, sys.maxsize, None, None)
        if translation.atomic_loops <= 1:
            return _Pattern(regex, include, _limit(translation.loops), _regex(translation.atomic), None)
    except re.error:
        return None
    return _Pattern(regex, include, _limit(translation.loops), None, _program(translation.segs, translation.is_dir))


class Matcher:
    """A compiled set of gitignore-style patterns; the last matching pattern decides, as in git."""

    __slots__ = ("_any", "_any_short", "_checks", "_limit", "_linear", "_patterns")

    def __init__(self, lines: Iterable[str]) -> None:
        compiled = [p for p in map(_compile, lines) if p is not None]
        compiled.reverse()  # the last pattern wins: check from the end
        self._patterns = compiled
        self._limit = min((p.limit for p in compiled), default=sys.maxsize)  # paths every regex is trusted with
        # the usual case, every regex linear on any path: the loop of (regex, include) pairs, nothing else
        self._linear = [(p.regex, p.include) for p in compiled] if self._limit == sys.maxsize else None
        self._checks = [(p.regex.search, p.include, p.limit, p) for p in compiled]
        self._any: re.Pattern[str] | None = None  # no negation, every regex linear
        self._any_short: re.Pattern[str] | None = None  # no negation, for paths up to _limit
        if compiled and all(p.include for p in compiled):
            # no negation: "does any pattern match" is the whole question, one regex answers it
            combined = re.compile("|".join(f"(?:{p.regex.pattern.replace(_DIR_MARK_CG, '/')})" for p in compiled))
            if self._linear is not None:
                self._any = combined
            else:
                self._any_short = combined

    def match_file(self, path: str) -> bool:
        if path.startswith("/"):
            path = path[1:]
        elif path.startswith("./"):
            path = path[2:]
        if self._any is not None:
            return self._any.search(path) is not None
        linear = self._linear
        if linear is None:
            return self._match_long(path)
        result = False
        priority = 0
        for regex, include in linear:
            m = regex.search(path)
            if m is None:
                continue
            mine = 1 if m.groupdict().get(_DIR_MARK) else 2
            if mine > priority:
                result, priority = include, mine
            if mine == 2:
                break
        return result

    def _match_long(self, path: str) -> bool:
        """``match_file`` when some pattern's regex is trusted only with paths up to its ``limit``."""
        size = len(path)
        if self._any_short is not None and size <= self._limit:
            return self._any_short.search(path) is not None
        result = False
        priority = 0
        as_dir: object
        for search, include, limit, pattern in self._checks:
            if size > limit:
                matched, as_dir = _long_search(pattern, path)
                if not matched:
                    continue
            else:
                m = search(path)
                if m is None:
                    continue
                as_dir = m.groupdict().get(_DIR_MARK)
            mine = 1 if as_dir else 2
            if mine > priority:
                result, priority = include, mine
            if mine == 2:
                break
        return result

    def filter(self, paths: Iterable[str]) -> list[str]:
        """The paths that match, in their order."""
        if not self._patterns:
            return []
        match_file = self.match_file
        if self._any is not None:
            search = self._any.search
            return [p for p in paths if (match_file(p) if p.startswith(("/", "./")) else search(p))]
        if self._any_short is not None:
            search, limit = self._any_short.search, self._limit
            return [p for p in paths if (match_file(p) if len(p) > limit or p.startswith(("/", "./")) else search(p))]
        return [p for p in paths if match_file(p)]


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> Matcher:
    return Matcher(patterns)


def matcher(patterns: Iterable[str]) -> Matcher:
    """A compiled pattern set; ``.match_file(path)`` tells whether a relative posix path matches."""
    return _spec(tuple(patterns))


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True when ``path`` (relative, posix) matches any of the gitignore-style ``patterns``."""
    pats = tuple(patterns)
    return bool(pats) and _spec(pats).match_file(path)
