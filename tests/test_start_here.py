"""Reports that tell you what to do (issue 15): the terminal report ends with the score, the level and **Start
here** (the few failing rules that matter most for the next level, with what `mlops-audit fix` can do), and the
HTML and Markdown reports carry the same block."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mlops_audit.catalogue import builtin_rules
from mlops_audit.models import Finding, Report, Rule, RuleResult
from mlops_audit.reporters import render
from mlops_audit.scoring import maturity, overall_score, pillar_scores
from repo_builder import audit, legacy_repo

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
CATALOGUE = {r.id: r for r in builtin_rules()}


def result(rule_id: str, places: int = 1, *, located: bool = True, status: str = "fail",
           rule: Rule | None = None) -> RuleResult:
    """A failing result of a catalogue rule at ``places`` places (or one repository-level finding)."""
    rule = rule or CATALOGUE[rule_id]
    if status != "fail":
        return RuleResult(rule, status, reason="ours")  # type: ignore[arg-type]
    findings = [Finding(rule, f"found {i}", f"f{i}.py" if located else None, i + 1 if located else None)
                for i in range(places)]
    return RuleResult(rule, "fail", findings)


def report_of(results: list[RuleResult], root: str = "/somewhere/proj") -> Report:
    """A report of ``results``, with every other catalogue rule passing (unless given)."""
    given = {r.rule.id for r in results}
    every = results + [RuleResult(rule, "pass") for rid, rule in CATALOGUE.items() if rid not in given]
    every.sort(key=lambda r: r.rule.id)
    pillars = pillar_scores(every)
    level, next_level = maturity(every)
    return Report(root, "0", every, pillars, overall_score(pillars), level, next_level, [], True, True, [],
                  unselected=())


def tail(text: str, after: str) -> list[str]:
    lines = text.rstrip("\n").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith(after))
    return lines[start:]


def test_start_here_ends_the_terminal_report_most_important_first() -> None:
    report = report_of([
        result("DAT005", 9),                 # level 1 warning, 9 places
        result("DAT001", 2),                 # level 1 error, fix --unsafe
        result("TST001", located=False),     # level 1 error, repository-wide, fix
        result("DES001", located=False),     # level 1 error, by hand
        result("MOD004", 1),                 # level 1 warning
        result("GOV003", located=False),     # level 1 info
        result("AUT001", located=False),     # level 2 error: after the next level's rules
    ])
    text = render(report, "terminal", color=False)
    block = tail(text, "Score ")
    assert block[0].startswith(f"Score {report.score}/100   Level 0 (Manual process)")
    assert block[1] == "Start here. To reach level 1 (ML pipeline automation), 6 rules must pass; these matter most:"
    items = block[2:7]
    assert [line.split()[1] for line in items] == ["DAT001", "TST001", "DES001", "DAT005", "MOD004"]
    assert items[0].split()[2:] [:6] == ["error", "blocks", "level", "1", "2", "places"]
    assert "fix --unsafe" in items[0] and "  fix  " in items[1] and "by hand" in items[2]
    assert "repository" in items[1] and "9 places" in items[3]
    assert block[7] == "  Also for level 1: GOV003"
    # failing: DAT001 (unsafe), TST001, AUT001 (safe) of 7
    assert block[8] == ("  mlops-audit fix --dry-run shows the remedies for up to 3 of the 7 failing rules "
                        "(1 of them with --unsafe)")
    assert len(block) == 9  # the report ends there (the CLI prints its verdict after it)


def test_start_here_fills_up_from_later_levels_and_names_ignored_blockers() -> None:
    report = report_of([
        result("REP003", status="ignored"),   # level 2, ignored: blocks level 2
        result("AUT004", located=False),      # level 3 info
        result("MON001", 2),                  # level 3 warning
    ])
    assert report.level == 1
    text = render(report, "terminal", color=False)
    block = tail(text, "Score ")
    assert block[1] == "Start here. To reach level 2 (CI/CD pipeline automation), 1 rule must pass; these matter most:"
    assert [line.split()[1] for line in block[2:4]] == ["MON001", "AUT004"]
    assert "blocks level 3" in block[2]
    assert block[4] == "  Resolve for level 2: REP003 (ignored); an ignored rule counts as unmet for its level"
    assert len(block) == 5  # nothing `fix` resolves: no pointer at it


def test_no_start_here_when_nothing_is_left() -> None:
    report = report_of([])
    assert report.level == 3
    text = render(report, "terminal", color=False)
    assert "Start here" not in text and text.rstrip().splitlines()[-1].startswith("Score 100/100   Level 3")


def test_what_fix_can_do_is_what_the_planner_does(tmp_path: Path) -> None:
    """The Start here column and count agree with the planner: a rule is "fix" when a safe remedy resolves it,
    "fix --unsafe" when only an unsafe one does."""
    from mlops_audit.config import discover
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix import REMEDIES
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.plan import build_plan, targets
    from mlops_audit.reporters.advice import automatic
    from test_fix import FAKE_KEY, legacy

    safe: set[str] = set()
    risky: set[str] = set()
    for name, extra in (("a", {"keys.py": f'API_KEY = "{FAKE_KEY}"\n'}),
                        ("b", {"Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nUSER 1000\n",
                               # data git does not hold (an export): unversioned, DAT003
                               "refresh.py": "import pandas as pd\ndf = pd.read_parquet('exports/latest.parquet')\n"})):
        root = legacy(tmp_path / name, extra)
        facts = RepoFacts(root, discover(root))
        report = audit(root)
        plan = build_plan(report, facts, infer_context(facts), targets(report, None, None, None), unsafe=True)
        for remedy in plan.remedies:
            (risky if remedy.unsafe else safe).update(remedy.rules)
    assert {r for r in REMEDIES if automatic(CATALOGUE[r]) == "fix"} == safe
    assert {r for r in REMEDIES if automatic(CATALOGUE[r]) == "fix --unsafe"} == risky - safe
    assert all(automatic(rule) is None for rid, rule in CATALOGUE.items() if rid not in REMEDIES)


def test_a_custom_rule_is_never_fixable() -> None:
    from mlops_audit.reporters.advice import automatic

    custom = Rule("TST001", "x", "testing", "error", 1, "t", "w", "f", {}, source="custom")
    assert automatic(custom) is None


def test_markdown_and_html_carry_the_same_block_after_the_score() -> None:
    from html.parser import HTMLParser

    report = report_of([result("DAT001", 2), result("DES001", located=False), result("MOD004", 1)])
    md = render(report, "markdown")
    lines = md.splitlines()
    assert lines[0] == f"## mlops-audit: score {report.score}/100, level 0 (Manual process)"
    start = lines.index("### Start here: To reach level 1 (ML pipeline automation), 3 rules must pass; these "
                        "matter most:")
    assert start < lines.index("| pillar | score | pass | fail | not applicable |")  # right under the score
    rows = [line for line in lines[start:] if line.startswith("| [")][:3]
    assert [re.match(r"\| \[(\w+)\]", row).group(1) for row in rows] == ["DAT001", "DES001", "MOD004"]  # type: ignore[union-attr]
    assert "`mlops-audit fix --unsafe`" in rows[0] and "by hand" in rows[1] and "1 place" in rows[2]
    assert ("`mlops-audit fix --dry-run` shows the remedies for up to 1 of the 3 failing rules (1 of them with "
            "--unsafe).") in lines

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.items: list[str] = []
            self.inside = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "section" and ("class", "start") in attrs:
                self.inside = True
            elif tag == "li" and self.inside:
                self.items.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "section":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside and self.items:
                self.items[-1] += data

    page = render(report, "html")
    assert page.index('<section class="start">') < page.index("Score by pillar")
    parser = Texts()
    parser.feed(page)
    assert [item.split()[0] for item in parser.items] == ["DAT001", "DES001", "MOD004"]
    assert "blocks level 1 · 2 places · mlops-audit fix --unsafe" in parser.items[0]
    assert "up to 1 of the 3 failing rules" in page


def _pty_run(args: list[str], cwd: Path) -> str:
    """``mlops-audit ARGS`` on a real terminal (a pty 160 columns wide); what it showed, colours removed."""
    import fcntl
    import pty
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "COLUMNS")}
    proc = subprocess.Popen([sys.executable, "-m", "mlops_audit", *args], cwd=cwd, stdin=secondary,
                            stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(primary)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")


def test_on_a_terminal_the_legacy_example_ends_with_where_to_start(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "legacy")
    shown = _pty_run([".", "--exit-zero"], repo)
    lines = [line.rstrip() for line in shown.splitlines() if line.strip()]
    score = max(i for i, line in enumerate(lines) if line.startswith("Score "))
    assert "Level 0 (Manual process)" in lines[score]
    assert lines[score + 1].startswith("Start here. To reach level 1 (ML pipeline automation), ")
    items = lines[score + 2: score + 7]
    assert [line.split()[0] for line in items] == ["1.", "2.", "3.", "4.", "5."]
    assert all(line.split()[2] == "error" for line in items)  # the legacy example has 5+ level-1 errors
    assert all("blocks level 1" in line for line in items)
    assert lines[score + 7].startswith("  Also for level 1: ")
    pointer = lines[score + 8]
    assert re.fullmatch(r"  mlops-audit fix --dry-run shows the remedies for up to \d+ of the \d+ failing rules "
                        r"\(\d+ of them with --unsafe\)", pointer), pointer
    after = lines[score + 9:]  # the CLI's verdict, nothing of the report
    assert len(after) <= 2 and not any(line.startswith(("  ", "Score", "Start here")) for line in after), after
    assert "pillar" in "\n".join(lines[:score]) and "Not checked" in "\n".join(lines[:score])


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_start_here_escapes_what_the_repository_wrote(fmt: str) -> None:
    hostile = Rule("ORG001", "x", "governance", "error", 1, "Owners \x1b]0;pwned\x07<script>x</script>[b]", "w",
                   "Add CODEOWNERS.", {}, source="custom")
    report = report_of([result("ORG001", rule=hostile)])
    text = render(report, fmt, color=False)
    start = text.index("Start here")
    block = text[start:start + 3000]
    assert "\x1b]0" not in text and "\\x1b]0;pwned\\x07" in block
    if fmt != "terminal":
        assert "<script>" not in text
