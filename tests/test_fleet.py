"""`mlops-audit fleet`: reading reports (files, folders, a stream), bad input, mixed versions, what moved, escaping
of untrusted text in every format, links, the schema, and the command line."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ml_fixtures import as_json, clean_project
from mlops_audit.fleet.aggregate import aggregate
from mlops_audit.fleet.command import run_fleet
from mlops_audit.fleet.html import render_html
from mlops_audit.fleet.markdown import render_markdown
from mlops_audit.fleet.reading import Entry, assign_names, read_sources
from repo_builder import LEGACY_EXAMPLE, audit, make_repo

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "fleet-v1.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def legacy_doc() -> dict[str, Any]:
    return as_json(audit(LEGACY_EXAMPLE))


@pytest.fixture(scope="module")
def clean_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = make_repo(tmp_path_factory.mktemp("clean") / "clean", {**clean_project()})
    return as_json(audit(root))


def report(base: dict[str, Any], root: str, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    doc["root"] = root
    doc.update(changes)
    return doc


def set_status(doc: dict[str, Any], rule_id: str, status: str) -> dict[str, Any]:
    for rule in doc["rules"]:
        if rule["id"] == rule_id:
            rule["status"] = status
            return doc
    raise KeyError(rule_id)


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def fleet_cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlops_audit.fleet", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def validate(doc: dict[str, Any]) -> None:
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)


def fleet_of(paths: list[str], **kwargs: Any) -> dict[str, Any]:
    doc = aggregate(read_sources(paths), **kwargs)
    validate(doc)
    return doc


# --------------------------------------------------------------------------- reading
def test_reads_files_folders_and_a_stream(tmp_path: Path, legacy_doc: dict[str, Any],
                                          clean_doc: dict[str, Any]) -> None:
    write(tmp_path / "reports" / "a.json", report(legacy_doc, "/ci/org/alpha"))
    write(tmp_path / "reports" / "sub" / "b.json", report(clean_doc, "/ci/org/beta"))
    write(tmp_path / "reports" / "notes.txt", "not read: not *.json")
    write(tmp_path / "c.json", report(legacy_doc, "/ci/org/gamma"))
    lines = json.dumps(report(clean_doc, "/ci/org/delta")) + "\n" + json.dumps(report(legacy_doc, "/ci/org/eps"))
    pretty = json.dumps(report(clean_doc, "/ci/org/zeta"), indent=2) + json.dumps(report(legacy_doc, "/ci/org/eta"))
    stream = io.BytesIO((lines + "\n\n" + pretty + "\n").encode())
    reading = read_sources([str(tmp_path / "reports"), str(tmp_path / "c.json"), "-"], stdin=stream)
    assert reading.skipped == []
    assert sorted(e.name for e in reading.entries) == ["alpha", "beta", "delta", "eps", "eta", "gamma", "zeta"]
    by_name = {e.name: e for e in reading.entries}
    assert by_name["delta"].source == "-#1" and by_name["eta"].source == "-#4" and by_name["delta"].file is None
    assert by_name["beta"].file == str(tmp_path / "reports" / "sub" / "b.json")
    assert by_name["alpha"].score == legacy_doc["score"] and by_name["beta"].level == clean_doc["level"]


def test_a_file_named_twice_is_read_once(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    file = write(tmp_path / "r" / "a.json", report(legacy_doc, "/x/a"))
    reading = read_sources([str(file), str(tmp_path / "r"), str(tmp_path / "r" / ".." / "r" / "a.json")])
    assert len(reading.entries) == 1


def test_names_tell_repositories_apart(legacy_doc: dict[str, Any]) -> None:
    def entry(root: str, file: str | None) -> Entry:
        return Entry(root=root, source=file or "-", file=file, tool="0", catalogue="c", score=0, level=0,
                     assessed=True, pillars=(), counts=(0, 0, 0, 0), failing=(), places=())

    entries = [entry("/w/team-a/churn", None), entry("/w/team-b/churn", None), entry("/w/solo", None),
               entry("/runner/work/repo", "reports/alpha.json"), entry("/runner/work/repo", "reports/beta.json"),
               entry(".", "out/gamma.json"), entry("C:\\src\\win", None)]
    assign_names(entries)
    assert [e.name for e in entries] == ["team-a/churn", "team-b/churn", "solo", "alpha", "beta", "gamma", "win"]


BAD_INPUTS: dict[str, bytes] = {
    "not-json.json": b"{oops",
    "empty.json": b"",
    "binary.json": b"\xff\xfe\x00\x01garbage",
    "list.json": b"[1, 2, 3]",
    "other-tool.json": b'{"schema_version": 1, "tool": {"name": "eslint", "version": "9"}}',
    "future.json": b'{"schema_version": 2, "tool": {"name": "mlops-audit", "version": "9.0"}}',
    "deep.json": b"[" * 100000 + b"]" * 100000,
}


def test_bad_inputs_are_one_line_each_and_skipped(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    folder = tmp_path / "in"
    for name, data in BAD_INPUTS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    truncated = json.dumps(report(legacy_doc, "/x/t"))[:-40]
    write(folder / "truncated.json", truncated)
    write(folder / "score.json", report(legacy_doc, "/x/s", score="high"))
    write(folder / "rules.json", report(legacy_doc, "/x/r", rules=[{"id": "X"}]))
    good = write(tmp_path / "good.json", report(legacy_doc, "/x/good"))
    fleet_doc = aggregate(read_sources([str(good)]))
    write(folder / "fleet.json", fleet_doc)
    proc = fleet_cli(str(folder), str(good), "missing.json", "-f", "json", cwd=tmp_path, stdin="")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    bad = len(BAD_INPUTS) + 4 + 1  # + truncated, score, rules, fleet; + missing.json
    assert len(lines) == bad + 1, lines  # one per bad input, then the count
    assert lines[-1] == f"mlops-audit: fleet: 1 repositories, {bad} input(s) skipped"
    text = "\n".join(lines)
    assert "future.json: not a report: report schema version 2; this mlops-audit reads version 1" in text
    assert "fleet.json: not a report: a fleet report, not a repository's report (give it with --previous)" in text
    assert "score.json: not a report: `score` is not an integer 0-100" in text
    assert "binary.json: not a report: not UTF-8 text" in text
    assert "missing.json: no such file or folder" in text
    assert "deep.json: not a report: not JSON" in text
    doc = json.loads(proc.stdout)
    validate(doc)
    assert doc["summary"]["repositories"] == 1 and len(doc["skipped"]) == bad


def test_strict_fails_on_a_skipped_input(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "r" / "good.json", report(legacy_doc, "/x/good"))
    write(tmp_path / "r" / "bad.json", "{")
    assert fleet_cli("r", cwd=tmp_path).returncode == 0
    assert fleet_cli("r", "--strict", cwd=tmp_path).returncode == 1


def test_no_report_at_all_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "bad.json", "{")
    proc = fleet_cli("bad.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "mlops-audit: error: no report could be read from 1 input(s)"
    assert proc.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["r.json", "-f", "pdf"], "--format must be one of markdown, json, html"),
    ([], "give report files, folders or - (a stream), or --audit DIR..."),
    (["--audit", "x", "-j", "0"], "--jobs must be at least 1"),
    (["r.json", "--save", "out"], "--save keeps the reports of --audit: use it with --audit"),
    (["r.json", "--report-url", "https://ci/x"], "--report-url must contain {name}"),
    (["r.json", "--report-url", "javascript:alert({name})"], "--report-url must be an http(s) URL or a relative path"),
    (["r.json", "--previous", "r.json"], "--previous r.json: not a fleet report"),
    (["r.json", "--previous", "nope.json"], "--previous nope.json: cannot be read"),
    (["r.json", "-o", "no/such/dir/out.md"], "cannot write no/such/dir/out.md"),
])
def test_usage_mistakes_are_exit_2_with_one_line(tmp_path: Path, legacy_doc: dict[str, Any], args: list[str],
                                                 message: str) -> None:
    write(tmp_path / "r.json", report(legacy_doc, "/x/r"))
    proc = fleet_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mlops-audit: error: {message}"), lines


# --------------------------------------------------------------------------- versions
def test_reports_of_other_versions_or_catalogues_are_flagged(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    for i in range(4):
        write(tmp_path / "r" / f"same{i}.json", report(legacy_doc, f"/org/same{i}"))
    write(tmp_path / "r" / "old-tool.json", report(legacy_doc, "/org/old-tool", tool={"name": "mlops-audit",
                                                                                       "version": "0.0.9"}))
    changed = report(legacy_doc, "/org/other-catalogue")
    changed["rules"] = [r for r in changed["rules"] if r["id"] != "MON004"]
    next(r for r in changed["rules"] if r["id"] == "DAT001")["severity"] = "warning"
    write(tmp_path / "r" / "other.json", changed)
    custom = report(legacy_doc, "/org/custom")
    custom["rules"].append({"id": "ORG001", "name": "codeowners", "pillar": "governance", "severity": "error",
                            "level": 1, "title": "Every project has a CODEOWNERS file", "status": "fail",
                            "reason": None, "findings": 1, "evidence_total": 1, "not_shown": 0})
    write(tmp_path / "r" / "custom.json", custom)
    doc = fleet_of([str(tmp_path / "r")])
    versions = doc["versions"]
    assert versions["mixed"] and versions["reports_not_matching"] == 2
    assert versions["reference"]["tool"] == legacy_doc["tool"]["version"]
    assert versions["tools"] == {"0.0.9": 1, legacy_doc["tool"]["version"]: 6}
    [other] = versions["catalogues"]
    assert other["reports"] == 1 and other["removed"] == ["MON004"] and other["changed"] == ["DAT001"]
    flags = {r["name"]: r["flags"] for r in doc["repositories"]}
    assert flags["same0"] == []
    assert flags["old-tool"] == [f"mlops-audit 0.0.9 (most reports: {legacy_doc['tool']['version']})"]
    assert flags["other-catalogue"][0].startswith("catalogue ") and "lacks MON004" in flags["other-catalogue"][0]
    assert flags["custom"] == ["custom rules: ORG001"]  # its own rule is no other catalogue
    org = next(r for r in doc["rules"] if r["id"] == "ORG001")
    assert org["custom"] and org["fix"] is None and org["repositories"] == 1
    md = render_markdown(doc)
    assert "Warning: mixed versions." in md
    table = md.split("## Repositories", 1)[1].splitlines()
    rows = {line.split("`")[1]: line for line in table if line.startswith("| `")}
    assert "⚠" in rows["old-tool"] and "⚠" in rows["other-catalogue"]  # not comparable
    assert "`custom` (custom rules: ORG001)" in rows["custom"] and "⚠" not in rows["custom"]  # only a note
    assert "⚠" not in rows["same0"] and "(" not in rows["same0"].split("|")[1]
    page = render_html(doc)
    assert "<b>Mixed versions.</b>" in page
    data = json.loads(page.split('id="fleet-rows">', 1)[1].split("</script>", 1)[0])["rows"]
    assert {r[0]: r[7] for r in data} == {"same0": False, "same1": False, "same2": False, "same3": False,
                                         "old-tool": True, "other-catalogue": True, "custom": False}
    proc = fleet_cli("r", "--strict", cwd=tmp_path)
    assert proc.returncode == 1
    assert "2 of 7 reports were not made with mlops-audit" in proc.stderr


def test_same_versions_are_not_flagged(tmp_path: Path, legacy_doc: dict[str, Any], clean_doc: dict[str, Any]) -> None:
    write(tmp_path / "a.json", report(legacy_doc, "/o/a"))
    write(tmp_path / "b.json", report(clean_doc, "/o/b"))
    doc = fleet_of([str(tmp_path)])
    assert not doc["versions"]["mixed"] and doc["versions"]["catalogues"] == []
    assert "mixed versions" not in render_markdown(doc).lower() and "Mixed versions" not in render_html(doc)
    assert fleet_cli(".", "--strict", cwd=tmp_path).returncode == 0


# --------------------------------------------------------------------------- what moved
def test_previous_fleet_report_says_what_moved(tmp_path: Path, legacy_doc: dict[str, Any],
                                               clean_doc: dict[str, Any]) -> None:
    before = tmp_path / "before"
    write(before / "a.json", report(legacy_doc, "/o/a"))
    write(before / "b.json", report(clean_doc, "/o/b"))
    write(before / "gone.json", report(legacy_doc, "/o/gone"))
    proc = fleet_cli("before", "-f", "json", "-o", "fleet-1.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = tmp_path / "after"
    a = report(legacy_doc, "/o/a", level=1, score=legacy_doc["score"] + 10)
    resolved = [r["id"] for r in a["rules"] if r["status"] == "fail"][:2]
    for rule_id in resolved:
        set_status(a, rule_id, "pass")
    write(after / "a.json", a)
    b = set_status(report(clean_doc, "/o/b", level=2, score=90), "TST001", "fail")
    write(after / "b.json", b)
    write(after / "new.json", report(legacy_doc, "/o/new"))
    proc = fleet_cli("after", "-f", "json", "--previous", "fleet-1.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    validate(doc)
    moved = doc["moved"]
    assert moved["level_up"] == [{"repository": "a", "from": 0, "to": 1}]
    assert moved["level_down"] == [{"repository": "b", "from": clean_doc["level"], "to": 2}]
    assert moved["new_failures"] == [{"repository": "b", "rules": ["TST001"]}]
    assert moved["resolved"] == [{"repository": "a", "rules": sorted(resolved)}]
    assert moved["added"] == ["new"] and moved["removed"] == ["gone"]
    assert {"id": "TST001", "from": 2, "to": 3} in moved["rules"]
    assert moved["previous"]["repositories"] == 3
    md = render_markdown(doc)
    assert "## What moved" in md and "**1 level(s) up**: a (0 → 1)" in md and "b: TST001" in md
    assert f"a ({legacy_doc['score']} → {legacy_doc['score'] + 10})" in md.split("Scores, largest changes first:")[1]
    assert sorted(moved["scores"], key=lambda m: m["repository"]) == [
        {"repository": "a", "from": legacy_doc["score"], "to": legacy_doc["score"] + 10},
        {"repository": "b", "from": clean_doc["score"], "to": 90}]
    assert "<h2>What moved</h2>" in render_html(doc)


# --------------------------------------------------------------------------- untrusted text
HOSTILE_ROOT = "/org/<script>alert(1)</script>\x1b]0;pwned\x07|`x`\u202eevil"
HOSTILE_TITLE = "<img src=x onerror=alert(1)> | ** [link](javascript:alert(1))"


def _hostile(legacy_doc: dict[str, Any]) -> dict[str, Any]:
    doc = report(legacy_doc, HOSTILE_ROOT, tool={"name": "mlops-audit", "version": legacy_doc["tool"]["version"]})
    doc["rules"].append({"id": "ORG<b>1", "name": "x", "pillar": "governance", "severity": "error", "level": 1,
                         "title": HOSTILE_TITLE, "status": "fail", "reason": None, "findings": 1})
    return doc


def test_untrusted_text_is_escaped_in_html(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "r" / "h.json", _hostile(legacy_doc))
    ok = _hostile(legacy_doc)
    ok["root"] = "/org/ok"
    write(tmp_path / "r" / "ok.json", ok)  # the custom rule fails twice: among the rules listed
    proc = fleet_cli("r", "-f", "html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = proc.stdout
    assert "<script>alert" not in page and "<img" not in page and "<b>1" not in page
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    data = page.split('<script type="application/json" id="fleet-rows">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data  # nothing in the embedded rows can close the element
    rows = json.loads(data)["rows"]
    assert "script>\\x1b]0;pwned\\x07|`x`\\u202eevil" in [r[0] for r in rows]  # visible escapes, once parsed
    assert page.count("<script") == 2  # the embedded rows and our own script, nothing else


def test_untrusted_text_is_escaped_in_markdown_and_json(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "r" / "h.json", _hostile(legacy_doc))
    proc = fleet_cli("r", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    assert "<img" not in md and "<script>" not in md and "\x1b" not in md and "\u202e" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md) and "\\[link\\](javascript:" in md  # no link forms
    row = next(line for line in md.splitlines() if "pwned" in line and line.startswith("| "))
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells: the name's `|` does not add one
    raw = fleet_cli("r", "-f", "json", cwd=tmp_path).stdout
    assert "\x1b" not in raw and "\u202e" not in raw
    assert json.loads(raw)["repositories"][0]["root"] == HOSTILE_ROOT  # escaped, not altered
    assert "\x1b" not in proc.stderr


# --------------------------------------------------------------------------- HTML
def test_html_is_self_contained_and_paginates(tmp_path: Path, legacy_doc: dict[str, Any],
                                              clean_doc: dict[str, Any]) -> None:
    for i in range(120):
        write(tmp_path / "r" / f"repo{i:03d}.json", report(legacy_doc if i % 3 else clean_doc, f"/org/repo{i:03d}"))
    proc = fleet_cli("r", "-f", "html", "-o", "fleet.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "fleet.html").read_text(encoding="utf-8")
    assert not re.search(r"""\b(src|href)=["']?(https?:)?//""", page)  # nothing loaded from anywhere
    assert "<link" not in page and "@import" not in page and "url(" not in page
    tbody = page.split('<tbody id="rows">', 1)[1].split("</tbody>", 1)[0]
    assert tbody.count("<tr>") == 50  # the first page, written for readers without JavaScript
    data = page.split('<script type="application/json" id="fleet-rows">', 1)[1].split("</script>", 1)[0]
    assert len(json.loads(data)["rows"]) == 120
    script = page.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page  # the CSP allows exactly this script
    assert "default-src 'none'" in page
    for name in ("Maturity levels", "Rules failing in the most repositories", "Repositories by pillar"):
        assert name in page
    assert 'class="p h' in tbody  # heat map cells
    lowest = min(legacy_doc["score"], clean_doc["score"])
    assert f'<td class="n">{lowest}</td>' in tbody.split("</tr>", 1)[0]  # lowest score first


# --------------------------------------------------------------------------- links
def test_links_go_to_each_report(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "reports" / "a.json", report(legacy_doc, "/o/a"))
    write(tmp_path / "reports" / "b.json", report(legacy_doc, "/o/b"))
    (tmp_path / "reports" / "b.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "site").mkdir()
    proc = fleet_cli("reports", "-f", "json", "-o", "site/fleet.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    links = {r["name"]: r["report"] for r in json.loads((tmp_path / "site" / "fleet.json").read_text())["repositories"]}
    assert links == {"a": "../reports/a.json", "b": "../reports/b.html"}  # the HTML report when there is one
    proc = fleet_cli("reports", "-f", "json", "--report-url", "https://ci.example.com/{name}/report.html",
                     cwd=tmp_path)
    links = {r["name"]: r["report"] for r in json.loads(proc.stdout)["repositories"]}
    assert links["a"] == "https://ci.example.com/a/report.html"


# --------------------------------------------------------------------------- the command line
def test_markdown_is_the_default_and_lists_every_section(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "a.json", report(legacy_doc, "/o/a"))
    proc = fleet_cli("a.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for heading in ("# mlops-audit fleet report", "## Maturity levels", "## Pillars",
                    "## Rules failing in the most repositories", "## Repositories"):
        assert heading in proc.stdout
    assert proc.stderr.strip() == "mlops-audit: fleet: 1 repositories"


def test_rows_limits_the_markdown_table(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    for i in range(5):
        write(tmp_path / "r" / f"{i}.json", report(legacy_doc, f"/o/r{i}"))
    md = fleet_cli("r", "--rows", "2", cwd=tmp_path).stdout
    assert "The 2 lowest scores of 5" in md and "`r1`" in md and "`r4`" not in md
    assert "`r4`" in fleet_cli("r", "--rows", "0", cwd=tmp_path).stdout


def test_the_command_is_registered_in_the_cli(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    from mlops_audit.cli import app
    from typer.testing import CliRunner

    write(tmp_path / "a.json", report(legacy_doc, "/o/a"))
    result = CliRunner().invoke(app, ["fleet", str(tmp_path / "a.json"), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert '"kind": "mlops-audit-fleet"' in result.output


def test_mlops_audit_fleet_from_the_console_script(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    from mlops_audit import entry

    if "fleet" not in entry.COMMANDS:
        pytest.skip("entry.COMMANDS does not route `fleet` yet (mlops-audit fleet would audit a folder 'fleet')")
    write(tmp_path / "a.json", report(legacy_doc, "/o/a"))
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "fleet", "a.json", "-f", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kind"] == "mlops-audit-fleet"


def test_run_fleet_writes_the_output_file(tmp_path: Path, legacy_doc: dict[str, Any]) -> None:
    write(tmp_path / "a.json", report(legacy_doc, "/o/a"))
    out = tmp_path / "fleet.md"
    assert run_fleet([str(tmp_path / "a.json")], output=out) == 0
    assert out.read_text(encoding="utf-8").startswith("# mlops-audit fleet report")


def test_fleet_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema_version"] == {"const": 1}


def test_audit_skips_what_cannot_be_audited_with_one_line(tmp_path: Path) -> None:
    make_repo(tmp_path / "good", {"train.py": "import sklearn\n"})
    make_repo(tmp_path / "bad-config", {"pyproject.toml": '[tool.mlops-audit]\nselectt = ["DAT"]\n'})
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    proc = fleet_cli("--audit", "good", "./good", "bad-config", "a-file", "missing", "-f", "json", "-j", "2",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("mlops-audit: fleet: bad-config: not audited: configuration error: ")
    assert "unknown key `selectt`" in lines[0]
    assert lines[1:] == ["mlops-audit: fleet: a-file: not audited: not a directory",
                         "mlops-audit: fleet: missing: not audited: not a directory",
                         "mlops-audit: fleet: 1 repositories, 3 input(s) skipped"]
    doc = json.loads(proc.stdout)
    assert [r["name"] for r in doc["repositories"]] == ["good"]  # audited once
    assert "Traceback" not in proc.stderr
