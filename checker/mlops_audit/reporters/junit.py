"""JUnit XML: one test suite per pillar, one test case per rule; failures carry the findings.

XML 1.0 cannot hold most control characters at all, not even as character references: every text from the
repository goes through :func:`mlops_audit.safetext.escape` (visible ``\\xNN`` escapes) before ElementTree
escapes the markup characters."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mlops_audit.models import PILLARS, Report
from mlops_audit.reporters.json import SCHEMA_VERSION
from mlops_audit.safetext import escape


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="mlops-audit", tests=str(len(report.results)))
    failures_total = 0
    for pillar in PILLARS:
        results = [r for r in report.results if r.rule.pillar == pillar]
        if not results:
            continue
        failures = sum(r.status in ("fail", "error") for r in results)
        skipped = sum(r.status in ("not_applicable", "ignored") for r in results)
        failures_total += failures
        suite = ET.SubElement(root, "testsuite", name=pillar, tests=str(len(results)), failures=str(failures),
                              skipped=str(skipped), errors="0")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=f"mlops-audit.{pillar}",
                                 name=escape(f"{r.rule.id} {r.rule.title}"))
            if r.status == "fail":
                active = [f for f in r.findings if f.suppressed is None]
                lines = [escape(f"{f.location or '.'}: {f.message}") for f in active]
                count = f"{len(active)} finding(s)"
                if r.omitted:  # "50 of 60 shown (10 more not listed)"
                    lines.append(r.cap_note())
                    count = f"{len(active)} finding(s), {r.cap_note()}"
                failure = ET.SubElement(case, "failure", type=r.rule.severity,
                                        message=f"{count}; fix: mlops-audit explain {r.rule.id}")
                failure.text = "\n".join(lines) + "\n\n" + escape(r.rule.fix, keep_newlines=True)
            elif r.status == "error":
                ET.SubElement(case, "failure", type="rule-error", message=escape(r.reason))
            elif r.status in ("not_applicable", "ignored"):
                ET.SubElement(case, "skipped", message=escape(r.reason))
    root.set("failures", str(failures_total))
    props = ET.SubElement(root, "properties")
    for name, value in (("tool_version", report.tool_version), ("schema_version", str(SCHEMA_VERSION)),
                        ("score", str(report.score)), ("level", str(report.level)),
                        ("level_assessed", str(report.coverage.level_assessed).lower()),
                        ("rules_run", f"{report.coverage.run}/{report.coverage.total}")):
        ET.SubElement(props, "property", name=name, value=value)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
