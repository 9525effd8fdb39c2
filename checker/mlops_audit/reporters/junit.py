"""JUnit XML: one test suite per pillar, one test case per rule; failures carry the findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mlops_audit.models import PILLARS, Report
from mlops_audit.reporters.json import SCHEMA_VERSION


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
                                 name=f"{r.rule.id} {r.rule.title}")
            if r.status == "fail":
                active = [f for f in r.findings if f.suppressed is None]
                body = "\n".join(f"{f.location or '.'}: {f.message}" for f in active)
                failure = ET.SubElement(case, "failure", type=r.rule.severity,
                                        message=f"{len(active)} finding(s); fix: mlops-audit explain {r.rule.id}")
                failure.text = body + "\n\n" + r.rule.fix
            elif r.status == "error":
                ET.SubElement(case, "failure", type="rule-error", message=r.reason)
            elif r.status in ("not_applicable", "ignored"):
                ET.SubElement(case, "skipped", message=r.reason)
    root.set("failures", str(failures_total))
    props = ET.SubElement(root, "properties")
    for name, value in (("tool_version", report.tool_version), ("schema_version", str(SCHEMA_VERSION)),
                        ("score", str(report.score)), ("level", str(report.level))):
        ET.SubElement(props, "property", name=name, value=value)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
