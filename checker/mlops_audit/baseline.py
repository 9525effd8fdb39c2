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


def baseline_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": {"name": "mlops-audit", "version": __version__},
        "findings": sorted(
            ({"fingerprint": f.fingerprint, "rule": f.rule.id, "path": f.path, "line": f.line, "message": f.message}
             for f in report.findings),
            key=lambda d: (d["rule"], d["path"] or "", d["line"] or 0, d["fingerprint"]),
        ),
    }


def write_baseline(report: Report, path: Path) -> int:
    from mlops_audit.safetext import json_text

    doc = baseline_dict(report)  # paths and messages arrive escaped (Finding); the JSON stays valid UTF-8
    path.write_text(json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    return len(doc["findings"])


def load_baseline(path: Path) -> Counter[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path} is not an mlops-audit baseline (no `findings` list)")
    if doc.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise BaselineError(f"{path}: unsupported baseline schema version {doc.get('schema_version')!r}")
    return Counter(str(item.get("fingerprint")) for item in doc["findings"] if isinstance(item, dict))


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
