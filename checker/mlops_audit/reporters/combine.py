"""Several audits in one run (monorepos): each report on its own, plus a combined summary."""

from __future__ import annotations

import json
from typing import Any

from mlops_audit.models import Report
from mlops_audit.reporters import render, safe_output
from mlops_audit.safetext import escape
from mlops_audit.scoring import LEVEL_NAMES


def _summary_rows(reports: list[Report]) -> list[tuple[str, int, str, int]]:
    """(path, score, level, findings) per audit; the path escaped (a folder's name is the repository's), the
    level "-" where it is not assessed (see :mod:`mlops_audit.scoring`)."""
    return [(escape(r.display_path(None)), r.score, str(r.level) if r.coverage.level_assessed else "-",
             len(r.findings)) for r in reports]


def _lowest_level(reports: list[Report]) -> str:
    """"lowest level 0 (Manual process)", over the audits whose level is assessed."""
    assessed = [r.level for r in reports if r.coverage.level_assessed]
    unknown = len(reports) - len(assessed)
    if not assessed:
        return "level not assessed"
    worst = min(assessed)
    return f"lowest level {worst} ({LEVEL_NAMES[worst]})" + (f", {unknown} not assessed" if unknown else "")


def render_many(reports: list[Report], fmt: str, *, color: bool | None = None, verbose: bool = False) -> str:
    if len(reports) == 1:
        return render(reports[0], fmt, color=color, verbose=verbose)
    return safe_output(_render_many(reports, fmt, color=color, verbose=verbose), fmt)


def _render_many(reports: list[Report], fmt: str, *, color: bool | None, verbose: bool) -> str:
    rows = _summary_rows(reports)
    if fmt == "terminal":
        parts = [render(r, fmt, color=color, verbose=verbose) for r in reports]
        width = max(len(p) for p, *_ in rows)
        table = "\n".join(f"  {p:<{width}}  score {s:>3}  level {lv}  findings {n}" for p, s, lv, n in rows)
        summary = (f"Combined: {len(reports)} audits, lowest score {min(r.score for r in reports)}, "
                   f"{_lowest_level(reports)}\n{table}\n")
        return ("\n" + "=" * 60 + "\n\n").join(parts) + "\n" + summary
    if fmt == "json":
        from mlops_audit.reporters.json import SCHEMA_VERSION, report_dict

        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "mlops-audit", "version": reports[0].tool_version},
            "reports": [report_dict(r) for r in reports],
            "summary": {"audits": len(reports), "min_score": min(r.score for r in reports),
                        "min_level": min(r.level for r in reports),
                        "levels_assessed": all(r.coverage.level_assessed for r in reports),
                        "findings": sum(len(r.findings) for r in reports)},
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        docs = [json.loads(render(r, fmt)) for r in reports]
        merged = docs[0]
        merged["runs"] = [run for d in docs for run in d["runs"]]
        return json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    if fmt == "gitlab":
        issues = [issue for r in reports for issue in json.loads(render(r, fmt))]
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
    if fmt == "badge":
        return render(min(reports, key=lambda r: (r.score, r.level)), fmt)
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        root = ET.Element("testsuites", name="mlops-audit")
        for r in reports:
            tree = ET.fromstring(render(r, fmt))
            for suite in tree.findall("testsuite"):
                suite.set("name", f"{escape(r.display_path(None))}:{suite.get('name')}")
                root.append(suite)
        root.set("tests", str(sum(int(s.get("tests", "0")) for s in root)))
        root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    if fmt == "markdown":
        from mlops_audit.reporters.markdown import code

        head = ["## mlops-audit: combined", "", "| path | score | level | findings |", "|---|---:|---:|---:|"]
        head += [f"| {code(p)} | {s} | {lv} | {n} |" for p, s, lv, n in rows]
        return "\n".join(head) + "\n\n" + "\n".join(render(r, fmt) for r in reports)
    # html: one document, each audit's body after the other
    pages = [render(r, fmt) for r in reports]
    bodies = [p[p.index("<main>") + len("<main>"): p.index("</main>")] for p in pages]
    return pages[0][: pages[0].index("<main>") + len("<main>")] + "<hr>".join(bodies) + "</main></body></html>\n"
