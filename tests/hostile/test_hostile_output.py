"""A repository whose file names, configuration and notebooks carry terminal escapes (an OSC sequence that
retitles the terminal, one that clears it): the real CLI, in every format and command, prints none of them raw,
on stdout or on stderr, and writes none into the files it writes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import Sandbox, assert_inert
from mlops_audit.reporters import FORMATS
from repo_builder import git, notebook

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
HOSTILE = [f"{RETITLE}data.csv", f"{CLEAR}model.py", f"notes{CLEAR}.ipynb", f"-{RETITLE}.yaml"]
SECRET = 'token = "Zx9Qw8Er7Ty6' + 'Ui5Op4As3Lk2"\n'  # built: no secret in this file
OTHER = 'password = "Qm4Wn8Ex2Rc6' + 'Tv1Yb5Uz9Pa3"'
T_RETITLE, T_CLEAR = "\\u001b]0;pwned\\u0007", "\\u001b[2J"  # the same, as TOML string escapes


def plant(sb: Sandbox) -> None:
    repo = sb.repo
    (repo / "train.py").write_text("import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
                                   "df = pd.read_csv('d.csv')\nLinearRegression().fit(df, df)\n", encoding="utf-8")
    (repo / HOSTILE[0]).write_text("a,b\n1,2\n", encoding="utf-8")
    (repo / HOSTILE[1]).write_text(SECRET + f"{OTHER}  # mlops-audit: ignore[GOV001] {CLEAR}\n", encoding="utf-8")
    (repo / HOSTILE[2]).write_text(notebook(f"print('{CLEAR}')\n", SECRET, outputs=True, counts=[2, 1]),
                                   encoding="utf-8")
    (repo / HOSTILE[3]).write_text(f"key: {CLEAR}\n  bad: [\n", encoding="utf-8")
    (repo / "Dockerfile").write_text(f"FROM python{CLEAR}\n", encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.10"\n'
        '[tool.mlops-audit.ignore]\n'
        f'MON004 = "ignored because {T_RETITLE}"\n'
        '[[tool.mlops-audit.rules]]\n'
        f'id = "ORG001"\npillar = "governance"\nseverity = "error"\nlevel = 1\ntitle = "Has {T_CLEAR} CODEOWNERS"\n'
        f'why = "{T_RETITLE}"\nfix = "Add {T_CLEAR} CODEOWNERS"\ncheck = {{ any_file = ["CODEOWNERS"] }}\n',
        encoding="utf-8")
    git(repo, "init", "-q", "-b", "main", "--template=")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hostile names")


def assert_no_escape(proc: subprocess.CompletedProcess[str], sb: Sandbox, what: str,
                     codes: tuple[int, ...] = (0, 1)) -> None:
    assert_inert(proc, sb, codes=codes)
    for stream, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, (what, stream, text[-2000:])


@pytest.fixture
def hostile(sandbox: Sandbox) -> Sandbox:
    plant(sandbox)
    return sandbox


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_no_escape(hostile: Sandbox, fmt: str) -> None:
    before = hostile.snapshot()
    proc = hostile.run(".", "-f", fmt)
    assert_no_escape(proc, hostile, fmt)
    assert proc.stdout.strip()
    if fmt in ("terminal", "markdown", "junit", "html"):
        assert "\\x1b]0;pwned\\x07" in proc.stdout, fmt  # the name is there, escaped
    assert hostile.snapshot() == before


def test_what_the_repository_wrote_is_shown_escaped(hostile: Sandbox) -> None:
    """Its custom rule's title, its ignore reason, a suppression's reason, a quoted base image: all there."""
    proc = hostile.run(".", "--verbose")
    assert_no_escape(proc, hostile, "terminal")
    for shown in ("Has \\x1b[2J CODEOWNERS", "ignored because \\x1b]0;pwned\\x07", "python\\x1b[2J"):
        assert shown in proc.stdout, shown
    assert "GOV001 \\x1b[2Jmodel.py:2: \\x1b[2J" in proc.stdout  # the suppression and its reason


def test_quiet_several_paths_and_written_reports(hostile: Sandbox) -> None:
    assert_no_escape(hostile.run(".", "--quiet"), hostile, "quiet")
    assert_no_escape(hostile.run(".", ".", "-f", "terminal"), hostile, "two paths")
    out = hostile.base / "reports"
    out.mkdir()
    for fmt in FORMATS:
        target = out / f"report.{fmt}"
        assert_no_escape(hostile.run(".", "-f", fmt, "-o", str(target)), hostile, f"-o {fmt}")
        data = target.read_bytes()
        assert b"\x1b" not in data and b"\x07" not in data, fmt


def test_baseline_file_and_message(hostile: Sandbox) -> None:
    target = hostile.base / "baseline.json"
    proc = hostile.run("baseline", ".", "-o", str(target))
    assert_no_escape(proc, hostile, "baseline", codes=(0,))
    text = target.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\\\\x1b]0;pwned\\\\x07" in text  # JSON of the visible escape
    assert_no_escape(hostile.run(".", "--baseline", str(target)), hostile, "--baseline")


def test_notebook_hook(hostile: Sandbox) -> None:
    proc = hostile.run("notebooks", HOSTILE[2], f"{CLEAR}missing.ipynb")
    assert_no_escape(proc, hostile, "notebooks")
    assert "notes\\x1b[2J.ipynb" in proc.stdout and "\\x1b[2Jmissing.ipynb" in proc.stdout


def test_explain_and_rules_show_a_custom_rule_escaped(hostile: Sandbox) -> None:
    proc = hostile.run("explain", "ORG001")
    assert_no_escape(proc, hostile, "explain", codes=(0,))
    assert "Has \\x1b[2J CODEOWNERS" in proc.stdout
    proc = hostile.run("rules")
    assert_no_escape(proc, hostile, "rules", codes=(0,))
    assert "Has \\x1b[2J CODEOWNERS" in proc.stdout


def test_error_messages_quote_paths_and_values_escaped(hostile: Sandbox) -> None:
    proc = hostile.run(f"{RETITLE}nowhere")
    assert_no_escape(proc, hostile, "missing path", codes=(2,))
    assert "\\x1b]0;pwned\\x07nowhere" in proc.stderr
    proc = hostile.run(HOSTILE[0])  # a file, not a directory
    assert_no_escape(proc, hostile, "not a directory", codes=(2,))
    bad = hostile.base / f"{CLEAR}config.toml"
    bad.write_text(f'select = ["{RETITLE}\n', encoding="utf-8")  # invalid TOML quoting the value
    proc = hostile.run(".", "--config", str(bad))
    assert_no_escape(proc, hostile, "bad config", codes=(2,))
    proc = hostile.run(".", "--select", f"X{RETITLE}")
    assert_no_escape(proc, hostile, "unknown rule", codes=(2,))
    proc = hostile.run("explain", f"X{RETITLE}")
    assert_no_escape(proc, hostile, "unknown rule to explain", codes=(2,))
    proc = hostile.run("baseline", ".", "-o", str(hostile.base / f"{CLEAR}nodir" / "b.json"))
    assert_no_escape(proc, hostile, "unwritable baseline", codes=(2,))


def test_a_non_utf8_name_too(sandbox: Sandbox) -> None:
    plant(sandbox)
    with open(os.fsencode(str(sandbox.repo)) + b"/\xff" + os.fsencode(RETITLE) + b".csv", "wb") as fh:
        fh.write(b"a,b\n1,2\n")
    for fmt in FORMATS:
        assert_no_escape(sandbox.run(".", "-f", fmt), sandbox, fmt)


def test_the_root_folder_name_itself(sandbox: Sandbox) -> None:
    """The audited folder's own name (an unpacked archive names it) is escaped where a report shows it."""
    plant(sandbox)
    odd = sandbox.base / f"unpacked{RETITLE}"
    Path(sandbox.repo).rename(odd)
    for fmt in FORMATS:
        proc = sandbox.run(str(odd), "-f", fmt, cwd=sandbox.base)
        assert_no_escape(proc, sandbox, f"root {fmt}")
