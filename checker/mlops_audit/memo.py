"""The last report of a folder, given again while nothing it was made from changed: the warm floor.

A pre-commit hook or a CI retry audits the same tree again and again. When every input of the audit is what it
was at the last run, the report is the last one, so the run can stop at the listing: ``git ls-files``, one
``lstat`` a file, ``git rev-parse --all HEAD``, and this file read back (diffusers: 2,849 files, no file read).

The inputs, all in the key (:func:`key`): the code and the rule catalogue of this mlops-audit (the stat of its
modules, the digest of ``rules/``, its version, the Python version); the configuration (every setting, custom
rules and knowledge included) and the ``--select`` / ``--ignore`` of the command line; the audited folder;
every listed file (path, tracked or not, size, modification and change times, inode; a symlink also by its
target's) and the listing's notes; and, in a git repository, every ref tip and HEAD and whether the clone is
shallow (the history scan). The audit reads nothing else: every file it reads is in the listing
(``RepoFacts.text`` refuses the others) and its git calls are the listing and the history.

A report is not kept when it may not hold on the next run for another reason:

- a file changed less than two seconds before the listing (as for the analysis cache: a later write within the
  file system's timestamp granularity could leave the same signature);
- a rule could not be checked for a passing reason (a history scan stopped by its timeout or by git, a rule's
  own exception: ``engine._lasting``). A check not made for a reason its inputs keep (a file that cannot be
  read, a partial clone's incomplete history, kept by the history cache as well) is kept like any answer.

The report is kept in the cache directory, sealed like the analysis cache (a keyed checksum checked before
marshal reads a byte: nothing read from the cache directory is trusted unless sealed), as plain values: the
rules it names (as they were built and validated), the results, findings, scores and notes. ``--no-cache``
neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_audit import __version__
from mlops_audit.cachedir import RACY_NS

if TYPE_CHECKING:
    from mlops_audit.config import Config
    from mlops_audit.inventory import Inventory
    from mlops_audit.models import Report, Rule

FORMAT = 1
_T = TypeVar("_T")
_SEAL = b"mlops-audit kept report"


class NotKept(Exception):
    """An input of the audit the key cannot stand for (nothing is kept or taken then)."""


def path_for(root: Path) -> Path:
    """Where the kept report of ``root`` lives (raises NoCacheDir when there is no cache directory)."""
    from mlops_audit.cachedir import cache_dir

    name = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / f"report-{name}.memo"


# --------------------------------------------------------------------------- the key
def _code_stamp() -> str:
    """This mlops-audit: its version, Python's, the stat of every module (a development install edited between
    two runs) and the digest of the rule catalogue and knowledge."""
    from mlops_audit.catalogue import catalogue_digest

    package = os.path.dirname(os.path.abspath(__file__))
    parts = [f"{FORMAT}", __version__, sys.version, catalogue_digest()]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _canonical(value: Any) -> Any:
    """A configuration value as plain data whose ``repr`` is the same in every process."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return sorted(((str(k), _canonical(v)) for k, v in value.items()), key=lambda kv: kv[0])
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return [type(value).__name__, *((name, _canonical(getattr(value, name))) for name in fields)]
    text = repr(value)
    if " at 0x" in text:  # an object without a stable form: no key can stand for it
        raise NotKept(f"a setting of type {type(value).__name__}")
    return text


def key(root: Path, config: Config, select: list[str] | None, ignore: list[str] | None, inventory: Inventory,
        tips: Iterable[str] | None, now_ns: int) -> str:
    """What the report of this run depends on (see the module), as one digest. Raises NotKept when an input
    cannot be stood for: a file changed moments ago, a git repository whose tips are unknown."""
    h = hashlib.sha256(_code_stamp().encode("utf-8", "surrogatepass"))
    settings = {name: value for name, value in vars(config).items() if name != "problems"}
    h.update(repr((str(root), _canonical(settings), select, ignore)).encode("utf-8", "surrogatepass"))
    h.update(repr(inventory.notes).encode("utf-8", "surrogatepass"))
    recent = now_ns - RACY_NS
    prefix = os.path.join(str(inventory.root), "")
    rows = []
    for entry in inventory.files:
        if max(entry.mtime_ns, entry.ctime_ns) > recent:
            raise NotKept(f"{entry.path} changed moments ago")
        target = ""
        if entry.symlink:  # what it leads to may change while the link does not
            try:
                st = os.stat(prefix + entry.path)
                if max(st.st_mtime_ns, st.st_ctime_ns) > recent:
                    raise NotKept(f"{entry.path} changed moments ago")
                target = f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino} {st.st_mode}"
            except OSError:
                target = "-"
        rows.append(f"{entry.path}\0{entry.tracked:d}\0{entry.size}\0{entry.mtime_ns}\0{entry.ctime_ns}\0"
                    f"{entry.inode}\0{entry.symlink:d}\0{target}\n")
    h.update("".join(rows).encode("utf-8", "surrogatepass"))
    git = inventory.git
    if git is not None:
        if tips is None:
            raise NotKept("the ref tips are unknown")
        shallow = (git.common_dir / "shallow").exists()
        h.update(f"git {git.git_dir} {git.work_tree} {git.kind} {shallow:d} {' '.join(tips)}".encode(
            "utf-8", "surrogatepass"))
    return h.hexdigest()


# --------------------------------------------------------------------------- the report as plain values
def _rule_row(rule: Rule) -> tuple[Any, ...]:
    return (rule.id, rule.name, rule.pillar, rule.severity, rule.level, rule.title, rule.why, rule.fix,
            marshal.dumps(rule.check), rule.applies_when, rule.references, rule.source)


def _dump(report: Report, problems: list[str]) -> bytes:
    rules: dict[str, Rule] = {}
    for result in report.results:
        rules[result.rule.id] = result.rule
    for rule in [*report.next_level, *(report.unselected or ())]:
        rules[rule.id] = rule
    results = tuple(
        (r.rule.id, r.status, r.reason, r.omitted,
         tuple((f.message, f.path, f.line, f.cell, f.suppressed, f.fingerprint) for f in r.findings))
        for r in report.results)
    pillars = tuple((p.pillar, p.score, p.passed, p.failed, p.not_applicable) for p in report.pillars)
    return marshal.dumps((
        tuple(_rule_row(rule) for rule in rules.values()), results, pillars, report.root, report.tool_version,
        report.score, report.level, tuple(r.id for r in report.next_level), tuple(report.notes), report.is_git,
        report.ml_project, tuple(report.ml_evidence),
        None if report.unselected is None else tuple(r.id for r in report.unselected), tuple(problems)))


def _bare(cls: type[_T], **fields: Any) -> _T:
    """An instance of the dataclass ``cls`` with these fields, not cleaned again: a kept report's text was
    escaped and its secrets masked when the report was first made (``models.shown``, which is idempotent), so
    it is set as it is (and the secret patterns need not be compiled to give a kept report)."""
    if fields.keys() != getattr(cls, "__dataclass_fields__", {}).keys():  # a field added since: not restorable
        raise ValueError(f"{cls.__name__} has other fields")
    obj = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(obj, name, value)
    return obj


def _load(body: bytes) -> tuple[Report, list[str]]:
    from mlops_audit.models import Finding, PillarScore, Report, Rule, RuleResult

    (rule_rows, results, pillars, root, version, score, level, next_level, notes, is_git, ml_project, evidence,
     unselected, problems) = marshal.loads(body)
    rules = {}
    for rid, name, pillar, severity, rule_level, title, why, fix, check, applies, refs, source in rule_rows:
        rules[rid] = _bare(Rule, id=rid, name=name, pillar=pillar, severity=severity, level=rule_level,
                           title=title, why=why, fix=fix, check=marshal.loads(check), applies_when=tuple(applies),
                           references=tuple(refs), source=source)
    out = []
    for rid, status, reason, omitted, findings in results:
        rule = rules[rid]
        out.append(_bare(RuleResult, rule=rule, status=status, reason=reason, omitted=omitted, findings=[
            _bare(Finding, rule=rule, message=message, path=path, line=line, cell=cell, suppressed=suppressed,
                  fingerprint=fingerprint, baseline=None)
            for message, path, line, cell, suppressed, fingerprint in findings]))
    report = _bare(
        Report, root=root, tool_version=version, results=out, pillars=[PillarScore(*p) for p in pillars],
        score=score, level=level, next_level=[rules[r] for r in next_level], notes=list(notes), is_git=is_git,
        ml_project=ml_project, ml_evidence=list(evidence), baseline_fixed=None,
        unselected=None if unselected is None else tuple(rules[r] for r in unselected))
    return report, list(problems)


# --------------------------------------------------------------------------- reading and writing
def take(path: Path, wanted: str) -> tuple[Report, list[str]] | None:
    """The report kept under key ``wanted`` and the configuration problems its run found, or None (none kept,
    another key, or bytes not sealed by this tool)."""
    from mlops_audit.cachedir import open_regular
    from mlops_audit.sealing import unseal

    try:
        with open_regular(path) as fh:
            data = fh.read()
        body = unseal(data, _SEAL)
    except (OSError, ValueError):
        return None
    if bytes(body[:64]) != wanted.encode("ascii"):
        return None
    try:
        return _load(bytes(body[64:]))
    except (ValueError, TypeError, EOFError, KeyError, IndexError):  # pragma: no cover - sealed by us
        return None


def keep(path: Path, wanted: str, report: Report, problems: list[str]) -> None:
    """Keep ``report`` under key ``wanted`` (the caller knows it lasting: see the module)."""
    from mlops_audit.sealing import seal

    try:
        data = seal(wanted.encode("ascii") + _dump(report, problems), _SEAL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):  # a read-only or full disk, a value marshal refuses: the audit does not need it
        return
