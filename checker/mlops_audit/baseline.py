"""Baselines for legacy repositories: record today's findings, then fail only on new ones.

A finding's fingerprint hashes its rule, its message with numbers and its own path taken out, and an anchor:
the text of the flagged line for line findings (so it survives the line moving, and the file being renamed),
the file name for file findings (it survives a move to another folder), nothing for repository findings.
Matching counts fingerprints, so two identical findings need two baseline entries.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from mlops_audit import __version__
from mlops_audit.models import Finding, Report

BASELINE_NAME = ".mlops-audit-baseline.json"
BASELINE_SCHEMA_VERSION = 1
_DIGITS = re.compile(r"\d+(\.\d+)?")


class BaselineError(ValueError):
    """The baseline file cannot be used."""


def fingerprint(rule_id: str, message: str, path: str | None, anchor: str) -> str:
    text = message
    if path:
        text = text.replace(path, "<path>")
    text = _DIGITS.sub("#", text)
    if anchor:
        where = "line:" + " ".join(anchor.split())
    elif path:
        where = "file:" + PurePosixPath(path).name
    else:
        where = "repo"
    return hashlib.sha256(f"{rule_id}\0{text}\0{where}".encode("utf-8", "surrogateescape")).hexdigest()[:24]


def baseline_dict(report: Report | Iterable[Finding], *, provisional: bool = False) -> dict[str, Any]:
    """The baseline document of a report's active findings (or of the given findings). ``provisional``: what
    `fix` foresees before its changes are applied; it records the findings the audit then finds in its place,
    and a later `fix` does so if that one did not finish."""
    findings = report.findings if isinstance(report, Report) else list(report)
    return {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": {"name": "mlops-audit", "version": __version__},
        **({"provisional": True} if provisional else {}),
        "findings": sorted(
            ({"fingerprint": f.fingerprint, "rule": f.rule.id, "path": f.path, "line": f.line, "message": f.message}
             for f in findings),
            key=lambda d: (d["rule"], d["path"] or "", d["line"] or 0, d["fingerprint"]),
        ),
    }


def baseline_text(report: Report | Iterable[Finding], *, provisional: bool = False) -> str:
    """The baseline file of a report (or of these findings), as `mlops-audit baseline` writes it; `init` and
    `fix` write the same."""
    from mlops_audit.safetext import json_text

    doc = baseline_dict(report, provisional=provisional)  # paths and messages arrive escaped (Finding)
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def is_provisional(text: str) -> bool:
    """Whether a baseline file's ``text`` is one `fix` wrote before its changes were applied."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(doc, dict) and doc.get("provisional") is True


def write_baseline(report: Report, path: Path) -> int:
    path.write_text(baseline_text(report), encoding="utf-8")
    return len(report.findings)


def parse_baseline(text: str, path: Path | str) -> Counter[str]:
    """The fingerprints a baseline file's ``text`` records (BaselineError: not a baseline this version reads)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path} is not an mlops-audit baseline (no `findings` list)")
    if doc.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise BaselineError(f"{path}: unsupported baseline schema version {doc.get('schema_version')!r}")
    return Counter(str(item.get("fingerprint")) for item in doc["findings"] if isinstance(item, dict))


def load_baseline(path: Path) -> Counter[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    return parse_baseline(text, path)


def not_in_baseline(report: Report | Iterable[Finding], known: Counter[str]) -> int:
    """How many of the report's active findings (or of these findings) ``known`` does not cover: what a gate on
    that baseline would still fail on."""
    remaining = Counter(known)
    missing = 0
    for f in report.findings if isinstance(report, Report) else report:
        if remaining[f.fingerprint] > 0:
            remaining[f.fingerprint] -= 1
        else:
            missing += 1
    return missing


def apply_baseline(report: Report, known: Counter[str]) -> Report:
    """Mark every finding "known" (in the baseline) or "new"."""
    remaining = Counter(known)
    for result in report.results:
        marked: list[Finding] = []
        for f in result.findings:
            if f.suppressed is None and remaining[f.fingerprint] > 0:
                remaining[f.fingerprint] -= 1
                marked.append(replace(f, baseline="known"))
            else:
                marked.append(replace(f, baseline="new" if f.suppressed is None else None))
        result.findings = marked
    report.baseline_fixed = sum(remaining.values())
    return report
