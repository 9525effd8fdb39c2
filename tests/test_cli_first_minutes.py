"""Issue 15, the command line and its configuration: what a newcomer meets in the first minutes.

Configuration mistakes are one-line errors (exit 2); a pyproject.toml that is not TOML is an error finding named
first; ``--isolated``; the repository's top and its configuration found from a subfolder; the verdict printed last;
no colour when asked, the progress bar included; progress by files; ``--version`` in the help, the audit's
options in the top-level help, shell completion, "did you mean", ``rules --pillar`` checked, a header on
``rules``, ``explain`` rendered on a terminal, ``--statistics`` and ``--quiet``."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mlops_audit.entry import main
from repo_builder import legacy_repo, make_repo

SGR = re.compile(r"\x1b\[[0-9;]*m")
CLEAN = {
    "README.md": "# docs\n",
    "LICENSE": "MIT\n",
    "requirements.lock": "rich==13.7.1\n",
    "src/x/__init__.py": "def hello() -> str:\n    return 'hi'\n",
    "tests/test_x.py": "from x import hello\n\ndef test_hello():\n    assert hello() == 'hi'\n",
    ".github/workflows/ci.yml": ("on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                 "      - run: pytest\n"),
}
PROJECT = '[project]\nname = "x"\nrequires-python = ">=3.10"\ndependencies = ["rich==13.7.1"]\n'


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def cli(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env.update(kwargs.pop("env", {}))
    return subprocess.run([sys.executable, "-m", "mlops_audit", *args], cwd=cwd, text=True, timeout=120, env=env,
                          **kwargs)


def in_pty(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``args`` run with a terminal as stdin, stdout and stderr (outside CI): the exit code and all it wrote."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    environ.update({"TERM": "xterm-256color", "COLUMNS": "120", **(env or {})})
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary, env=environ)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=120)
    os.close(primary)
    return code, b"".join(chunks).decode("utf-8", "replace")


def clean_repo(root: Path, pyproject: str = PROJECT, extra: dict[str, str | bytes] | None = None) -> Path:
    return make_repo(root, {**CLEAN, "pyproject.toml": pyproject, **(extra or {})})


# --------------------------------------------------------------------------- 1. configuration errors are errors
RULE = ('[[tool.mlops-audit.rules]]\nid = "ORG001"\npillar = "governance"\nseverity = "error"\nlevel = 1\n'
        'title = "Every project has a CODEOWNERS file"\n')


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        pytest.param('[tool.mlops-audit]\nselectt = ["DAT"]\n',
                     "pyproject.toml [tool.mlops-audit]: unknown key `selectt` (did you mean `select`?)", id="typo"),
        pytest.param('[tool.mlops-audit]\nfail-on = "bogus"\n',
                     "pyproject.toml [tool.mlops-audit]: `fail-on` must be one of error, warning, info, never "
                     "(got 'bogus')", id="fail-on"),
        pytest.param('[tool.mlops-audit]\nmin-score = "high"\n',
                     "pyproject.toml [tool.mlops-audit]: `min-score` must be a whole number from 0 to 100 "
                     "(got 'high')", id="min-score"),
        pytest.param('[tool.mlops-audit]\nmin-score = 250\n', "`min-score` must be a whole number from 0 to 100",
                     id="min-score-range"),
        pytest.param(RULE, "pyproject.toml [[tool.mlops-audit.rules]]: rule ORG001 lacks why, fix, check",
                     id="incomplete-rule"),
        pytest.param('[[tool.mlops-audit.knowledge]]\ncapability = "trackin"\nimports = ["acme"]\nwhy = "x"\n',
                     "pyproject.toml [[tool.mlops-audit.knowledge]]: entry 1: `capability` must be one of",
                     id="knowledge"),
        pytest.param('[tool.mlops-audit]\nselect = ["NOPE"]\n',
                     "pyproject.toml [tool.mlops-audit]: `select`: no rule matches 'NOPE'", id="select"),
        pytest.param('[tool.mlops-audit]\nignore = ["ZZZ9"]\n',
                     "pyproject.toml [tool.mlops-audit]: `ignore`: no rule matches 'ZZZ9'", id="ignore"),
        pytest.param('[tool.mlops-audit.ignore]\nNOPE001 = "why"\n', "`ignore`: no rule matches 'NOPE001'",
                     id="ignore-table"),
        pytest.param('[tool.mlops-audit.per-path-ignores]\n"a/**" = ["QQQ"]\n',
                     '`per-path-ignores` "a/**": no rule matches \'QQQ\'', id="per-path-ignores"),
        pytest.param('[tool]\nmlops-audit = 3\n', "pyproject.toml: `[tool.mlops-audit]` must be a table", id="table"),
    ],
)
def test_a_configuration_mistake_is_one_line_and_exit_2(tmp_path: Path, section: str, expected: str,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    repo = clean_repo(tmp_path / "r", PROJECT + section)
    monkeypatch.chdir(repo)
    code, out, err = run([], capsys)
    assert code == 2
    assert out == ""  # no report, and never a perfect score
    assert err.count("\n") == 1 and err.startswith("mlops-audit: error: ")
    assert expected in err


def test_a_mistake_in_the_dedicated_file_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = clean_repo(tmp_path / "r", extra={".mlops-audit.toml": 'fail_on = "error"\n'})
    code, _, err = run([str(repo), "-f", "json"], capsys)
    assert code == 2
    assert f"{repo}/.mlops-audit.toml: unknown key `fail_on` (did you mean `fail-on`?)" in err


def test_a_knowledge_entry_suggests_the_capability(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = '[[tool.mlops-audit.knowledge]]\ncapability = "trackin"\nimports = ["acme"]\nwhy = "ours"\n'
    repo = clean_repo(tmp_path / "r", PROJECT + entry)
    code, _, err = run([str(repo)], capsys)
    assert code == 2 and "(did you mean `tracking`?)" in err


def test_a_good_configuration_still_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    section = ('[tool.mlops-audit]\nselect = ["ALL"]\nfail-on = "warning"\nmin-score = 10\n'
               '[tool.mlops-audit.ignore]\nGOV003 = "internal"\n[[tool.mlops-audit.knowledge]]\n'
               'capability = "tracking"\nimports = ["acme_tracking"]\nwhy = "our tracker"\n')
    repo = clean_repo(tmp_path / "r", PROJECT + section)
    code, out, err = run([str(repo), "-f", "json"], capsys)
    assert code in (0, 1), err
    doc = json.loads(out)
    assert {r["id"]: r["status"] for r in doc["rules"]}["GOV003"] == "ignored"


# --------------------------------------------------------------------------- 2. a pyproject.toml that is not TOML
def test_an_unparsable_pyproject_is_an_error_finding_named_first(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = clean_repo(tmp_path / "r", PROJECT + "[tool.mlops-audit\nselect = 1\n")
    code, out, err = run([str(repo), "-f", "json"], capsys)
    assert code == 1  # the default gate (error) fails
    doc = json.loads(out)
    assert doc["findings"][0]["rule"] == "AUD002"
    assert doc["findings"][0]["severity"] == "error" and doc["findings"][0]["path"] == "pyproject.toml"
    assert doc["notes"][0].startswith("pyproject.toml could not be read")
    assert "finding(s) at or above error" in err
    code, out, _ = run([str(repo), "--no-color"], capsys)
    head = out.splitlines()[:4]
    assert any("pyproject.toml could not be read" in line and "AUD002" in line for line in head), head


# --------------------------------------------------------------------------- 3. --isolated
def test_isolated_ignores_the_repository_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = clean_repo(tmp_path / "r", PROJECT + '[tool.mlops-audit]\nselect = ["DES"]\n')
    _, out, _ = run([str(repo), "-f", "json"], capsys)
    assert {r["id"][:3] for r in json.loads(out)["rules"]} == {"DES"}
    _, out, _ = run([str(repo), "-f", "json", "--isolated"], capsys)
    assert len(json.loads(out)["rules"]) > 40
    (repo / "pyproject.toml").write_text(PROJECT + '[tool.mlops-audit]\nselectt = ["DES"]\n')
    code, out, err = run([str(repo), "-f", "json", "--isolated"], capsys)
    assert code in (0, 1) and json.loads(out)["rules"], err  # a broken configuration is not even read
    code, _, err = run([str(repo), "--isolated", "--config", str(repo / "pyproject.toml")], capsys)
    assert code == 2 and "--isolated and --config cannot be used together" in err


# --------------------------------------------------------------------------- 4. the repository's top and its config
def layered(tmp_path: Path) -> Path:
    """A git repository with its configuration at the top and code in sub/ (vendored code in sub/vendor/); above
    it, outside the repository, a configuration that must never apply."""
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-audit]\nselect = ["DES"]\n')
    section = ('[tool.mlops-audit]\nexclude = ["sub/vendor/**"]\n[tool.mlops-audit.ignore]\n'
               'GOV003 = "internal project"\n[tool.mlops-audit.per-path-ignores]\n"sub/*.csv" = ["DAT001"]\n')
    return make_repo(tmp_path / "repo", {
        **CLEAN, "pyproject.toml": PROJECT + section, "sub/deep/notes.md": "x\n",
        "sub/train.py": "import sklearn\nm.fit(X, y)\n", "sub/data.csv": "a,b\n1,2\n",
        "sub/vendor/big.csv": "a,b\n1,2\n",
    })


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in doc["rules"]}


def test_no_path_from_a_subfolder_audits_the_top_with_its_config(tmp_path: Path) -> None:
    repo = layered(tmp_path)
    done = cli(["-f", "json"], cwd=repo / "sub" / "deep", capture_output=True)
    assert done.returncode in (0, 1), done.stderr
    doc = json.loads(done.stdout)
    assert Path(doc["root"]) == repo.resolve()
    assert statuses(doc)["GOV003"] == "ignored"  # the top's configuration
    assert len(doc["rules"]) > 40  # not the one above the repository (select = DES)
    assert f"mlops-audit: {repo.resolve()}: " in done.stderr


def test_an_explicit_path_finds_the_config_upward_with_its_globs_rebased(tmp_path: Path) -> None:
    repo = layered(tmp_path)
    done = cli(["sub", "-f", "json"], cwd=repo, capture_output=True)
    doc = json.loads(done.stdout)
    assert Path(doc["root"]) == (repo / "sub").resolve()
    assert statuses(doc)["GOV003"] == "ignored"
    paths = {f["path"] for f in doc["findings"]}
    assert "vendor/big.csv" not in paths  # exclude = ["sub/vendor/**"] read from the top
    assert "data.csv" not in {f["path"] for f in doc["findings"] if f["rule"] == "DAT001"}  # per-path-ignores
    assert any(f["path"] == "data.csv" for f in doc["findings"])  # the file is audited, for other rules


def test_a_config_excluding_the_audited_folder_does_not_govern_it(tmp_path: Path) -> None:
    repo = layered(tmp_path)
    done = cli(["sub/vendor", "-f", "json"], cwd=repo, capture_output=True)
    doc = json.loads(done.stdout)
    assert statuses(doc)["GOV003"] == "fail"  # the ignore of that configuration is not applied
    assert doc["notes"][0] == ("pyproject.toml excludes this folder, so its settings do not apply here: "
                               "audited with the defaults")


def test_repository_top_reads_the_file_system_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_audit.config import repository_top

    repo = make_repo(tmp_path / "r", {"a/b/c.txt": "x"})
    linked = tmp_path / "wt"
    (linked / "x").mkdir(parents=True)
    (linked / ".git").write_text("gitdir: /somewhere/else/entirely\n")  # never followed
    (tmp_path / "plain" / "y").mkdir(parents=True)

    def no_process(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no git command may run to find the top")

    monkeypatch.setattr(subprocess, "run", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert repository_top(repo / "a" / "b") == repo.resolve()
    assert repository_top(repo / ".git" / "objects") == repo.resolve()
    assert repository_top(linked / "x") == linked.resolve()
    outside = repository_top(tmp_path / "plain" / "y")
    assert outside is None or not outside.is_relative_to(tmp_path)


def test_config_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    from mlops_audit.config import load, repository_top

    repo = layered(tmp_path)
    (repo / "pyproject.toml").write_text(PROJECT)  # the top has no [tool.mlops-audit] now
    cfg = load(repo / "sub", top=repository_top(repo / "sub"))
    assert cfg.select is None and cfg.source is None  # the file above the repository is never read
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    (plain / "pyproject.toml").write_text('[tool.mlops-audit]\nselect = ["DES"]\n')
    assert load(plain / "sub", top=None).select is None  # outside a repository: the folder itself only


def test_a_symlinked_config_leading_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    from mlops_audit.config import load

    outside = tmp_path / "outside.toml"
    outside.write_text('[tool.mlops-audit]\nselect = ["DES"]\n')
    repo = make_repo(tmp_path / "r", {"sub/a.py": "x = 1\n"})
    (repo / "pyproject.toml").symlink_to(outside)
    assert load(repo / "sub", top=repo).select is None


@pytest.mark.parametrize(
    ("pattern", "parts", "expected"),
    [
        ("*.csv", ("sub",), ["*.csv"]),  # no slash: any depth, unchanged
        ("sub/vendor/**", ("sub",), ["/vendor/**"]),
        ("/sub/*.csv", ("sub",), ["/*.csv"]),
        ("other/**", ("sub",), []),  # cannot match in sub/
        ("sub/**", ("sub",), ["**"]),  # all of it
        ("**/tmp/", ("sub",), ["/**/tmp/"]),
        ("s*/x/y", ("sub", "x"), ["/y"]),
        ("!sub/keep.csv", ("sub",), ["!/keep.csv"]),
        ("sub", ("sub",), ["**"]),
    ],
)
def test_a_glob_is_rebased_onto_the_subfolder(pattern: str, parts: tuple[str, ...], expected: list[str]) -> None:
    from mlops_audit.config import rebase_pattern

    assert rebase_pattern(pattern, parts) == expected


# --------------------------------------------------------------------------- 5. the verdict comes last
def test_the_verdict_is_the_last_line_of_a_merged_stream(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "legacy")
    done = cli(["--no-color"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = done.stdout.rstrip("\n").splitlines()
    assert done.returncode == 1
    assert re.fullmatch(r"mlops-audit: \.: \d+ finding\(s\) at or above error", lines[-1]), lines[-3:]
    assert any(line.startswith("Score ") for line in lines[:-1])


def test_the_verdict_is_last_on_a_terminal(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "legacy")
    code, text = in_pty([sys.executable, "-m", "mlops_audit", "."], cwd=repo)
    lines = [line for line in SGR.sub("", text).replace("\r", "").splitlines() if line.strip()]
    assert code == 1
    assert "finding(s) at or above error" in lines[-1], lines[-3:]


# --------------------------------------------------------------------------- 6. no colour when asked, anywhere
@pytest.mark.parametrize(("args", "env"), [(["--no-color"], {}), ([], {"NO_COLOR": "1"})], ids=["flag", "env"])
def test_no_colour_anywhere_on_a_terminal(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    repo = clean_repo(tmp_path / "r")
    _, text = in_pty([sys.executable, "-m", "mlops_audit", str(repo), *args], cwd=tmp_path, env=env)
    assert "auditing" in text  # the progress bar was drawn...
    assert not SGR.search(text), SGR.findall(text)[:5]  # ...without a colour, and so was the report
    _, text = in_pty([sys.executable, "-m", "mlops_audit", str(repo)], cwd=tmp_path)
    assert SGR.search(text)  # colour by default on a terminal


# --------------------------------------------------------------------------- 7. progress by files
def test_progress_counts_files_then_rules(tmp_path: Path) -> None:
    script = ("from mlops_audit.checkcmd import progress_bar\n"
              "with progress_bar(enabled=True, label='repo', color=False) as tick:\n"
              "    assert tick is not None\n"
              "    tick(3, 2849, 'reading')\n"
              "    tick(812, 2849, 'parsing')\n")
    _, text = in_pty([sys.executable, "-c", script], cwd=tmp_path)
    assert "parsing 812/2,849 files" in text
    script = script.replace("tick(812, 2849, 'parsing')", "tick(812, 2849, 'parsing'); tick(4, 48, 'DAT001')")
    _, text = in_pty([sys.executable, "-c", script], cwd=tmp_path)
    assert "DAT001" in text and "files" not in text.rsplit("DAT001", 1)[-1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "AssertionError" in done.stderr  # no bar (no tick) when not a terminal


# --------------------------------------------------------------------------- 8. the command line people expect
def test_top_level_help_lists_version_and_the_audit_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for part in ("--version", "--format", "--select", "--isolated", "--statistics", "--quiet", "completion",
                 "explain", "Usage: mlops-audit [PATH]... [OPTIONS]"):
        assert part in out, part


def test_version_imports_nothing_heavy() -> None:
    code = ("import sys; from mlops_audit.entry import main; main(['--version']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'yaml', 'typer', 'click') "
            "or m in ('mlops_audit.engine', 'mlops_audit.cli')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == [done.stdout.splitlines()[0], "[]"]
    assert done.stdout.startswith("mlops-audit ")


@pytest.mark.parametrize("word", ["expain", "explian", "rulez", "basline"])
def test_a_mistyped_command_is_suggested(word: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run([word, "DAT001"], capsys)
    assert code == 2 and out == ""
    expected = {"expain": "explain", "explian": "explain", "rulez": "rules", "basline": "baseline"}[word]
    assert err == f"mlops-audit: error: unknown command {word!r}; did you mean {expected!r}?\n"


def test_a_folder_named_like_a_typo_is_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    clean_repo(tmp_path / "expain")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["expain", "-f", "json"], capsys)
    assert code in (0, 1) and json.loads(out)["rules"]
    code, _, err = run(["elsewhere"], capsys)
    assert code == 2 and "path not found: elsewhere" in err  # not close to any command


def test_rules_checks_the_pillar_and_has_a_header(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["rules", "--pillar", "nope"], capsys)
    assert code == 2
    assert err.strip() == ("mlops-audit: error: --pillar must be one of design, data, model, deploy, monitor, "
                           "reproducibility, testing, automation, versioning, governance (got 'nope')")
    code, out, _ = run(["rules", "--pillar", "data"], capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "NAME", "PILLAR", "SEVERITY", "LEVEL", "TITLE"]
    assert all(line.startswith("DAT") for line in lines[1:]) and len(lines) > 3
    assert lines[1][lines[0].index("PILLAR"):].startswith("data ")  # the columns line up


def test_explain_renders_on_a_terminal_and_prints_markdown_when_piped(tmp_path: Path) -> None:
    _, text = in_pty([sys.executable, "-m", "mlops_audit", "explain", "DAT001"], cwd=tmp_path)
    assert "Why it matters" in text
    assert "## Why it matters" not in text and "**" not in text  # rendered, not raw Markdown
    piped = cli(["explain", "DAT001"], cwd=tmp_path, capture_output=True)
    assert "## Why it matters" in piped.stdout and "\x1b[" not in piped.stdout


def test_statistics_counts_failing_findings_per_rule(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "legacy")
    done = cli(["--statistics"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert "finding(s) at or above error" in lines[-1]
    rows = [line.split(None, 3) for line in lines[:-1]]
    assert rows and all(len(row) == 4 and row[2] in ("error", "warning", "info") for row in rows), lines
    counts = [int(row[0].replace(",", "")) for row in rows]
    assert counts == sorted(counts, reverse=True)
    report = json.loads(cli(["-f", "json", "--exit-zero"], cwd=repo, capture_output=True).stdout)
    per_rule: dict[str, int] = {}
    for f in report["findings"]:
        per_rule[f["rule"]] = per_rule.get(f["rule"], 0) + 1
    assert {row[1]: int(row[0]) for row in rows} == per_rule
    done = cli(["--statistics", "-f", "json"], cwd=repo, capture_output=True)
    assert done.returncode == 2 and "--statistics" in done.stderr


def test_quiet_prints_the_failing_findings_then_the_verdict(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "legacy")
    done = cli(["-q"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert re.fullmatch(r"mlops-audit: \.: (\d+) finding\(s\) at or above error", lines[-1])
    assert all(re.match(r"^\S.*: [A-Z]{3}\d{3} \[error\] ", line) for line in lines[:-1]), lines
    failing = int(lines[-1].split(": ")[2].split()[0])
    assert len(lines) - 1 == failing  # one line per finding that fails the gate, nothing else
    done = cli(["-q", "--fail-on", "never"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode == 0 and done.stdout == ""  # all is well: silence


# --------------------------------------------------------------------------- shell completion
def completion(shell: str) -> str:
    done = cli(["completion", shell], cwd=Path.cwd(), capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_completion_rejects_an_unknown_shell(tmp_path: Path) -> None:
    done = cli(["completion", "tcsh"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 2 and "bash, zsh, fish" in done.stderr


def test_bash_completion_is_valid_and_completes(tmp_path: Path) -> None:
    script = tmp_path / "mlops-audit.bash"
    script.write_text(completion("bash"))
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, timeout=30).returncode == 0
    (tmp_path / "data").mkdir()
    probe = (f"source {script}\n"
             't() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _mlops_audit; '
             'echo "${COMPREPLY[*]}"; }\n'
             "t mlops-audit ex\nt mlops-audit \"\"\nt mlops-audit --format j\nt mlops-audit explain DAT00\n"
             "t mlops-audit rules --pillar gov\nt mlops-audit completion \"\"\nt mlops-audit check --iso\n")
    done = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "explain"
    assert {"check", "rules", "explain", "completion", "data"} <= set(out[1].split())
    assert out[2].split() == ["json", "junit"]
    assert out[3].split() == ["DAT001", "DAT002", "DAT003", "DAT004", "DAT005"]
    assert out[4] == "governance" and out[5].split() == ["bash", "zsh", "fish"] and out[6] == "--isolated"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_is_valid(tmp_path: Path) -> None:
    script = tmp_path / "_mlops-audit"
    script.write_text(completion("zsh"))
    done = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(["zsh", "-fc", f"autoload -U compinit; compinit -u -d {tmp_path}/dump; source {script}; "
                           "print -r -- ${_comps[mlops-audit]}"], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "_mlops_audit", done.stderr


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_is_valid_and_completes(tmp_path: Path) -> None:
    script = tmp_path / "mlops-audit.fish"
    script.write_text(completion("fish"))
    assert subprocess.run(["fish", "-n", str(script)], capture_output=True, timeout=30).returncode == 0
    probe = (f"source {script}; complete -C 'mlops-audit expl'; complete -C 'mlops-audit --format sa'; "
             "complete -C 'mlops-audit rules --pillar gov'")
    done = subprocess.run(["fish", "--no-config", "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                          timeout=30)
    words = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert words == ["explain", "sarif", "governance"], done.stdout + done.stderr
