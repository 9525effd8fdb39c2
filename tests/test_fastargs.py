"""The fast path of ``mlops-audit [PATH] [options]`` parses exactly as typer does, or leaves the arguments to typer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from mlops_audit import checkcmd
from mlops_audit.cli import app
from mlops_audit.entry import main
from mlops_audit.fastargs import CHECK_OPTIONS, parse_check
from repo_builder import make_repo

DEFAULTS: dict[str, Any] = {
    "paths": None, "fmt": "terminal", "output": None, "select": None, "ignore": None, "fail_on": None,
    "min_score": None, "min_level": None, "baseline": None, "config": None, "no_color": False, "quiet": False,
    "verbose": False, "exit_zero": False, "no_cache": False, "isolated": False, "statistics": False,
}


def _normal(kwargs: dict[str, Any]) -> dict[str, Any]:
    """What run_check sees, with typer's "nothing given" (None or an empty list) written one way."""
    out = {**DEFAULTS, **kwargs}
    for key in ("paths", "select", "ignore"):
        out[key] = list(out[key]) if out[key] else None
    return out


def _typer_parse(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
    """The arguments typer hands to run_check for ``check ARGS``; None when typer rejects them."""
    seen: list[dict[str, Any]] = []
    names = list(DEFAULTS)

    def record(*values: Any) -> int:
        seen.append(dict(zip(names, values, strict=True)))
        return 0

    monkeypatch.setattr(checkcmd, "run_check", record)
    try:
        app(args=["check", *args], prog_name="mlops-audit", standalone_mode=False)
    except typer.Exit:
        pass
    except Exception:  # click's usage errors: typer would print them
        return None
    return _normal(seen[0]) if seen else None


ACCEPTED = [
    [],
    ["."],
    ["a", "b"],
    ["-f", "json"],
    ["--format", "sarif", "repo"],
    ["--format=markdown"],
    ["repo", "-o", "out.json", "-f", "json"],
    ["--output=o.txt"],
    ["--select", "DAT,MOD001", "--select", "GOV"],
    ["--ignore=DAT001", "--ignore", "x"],
    ["--fail-on", "warning"],
    ["--fail-on=never", "--fail-on", "info"],  # the last one wins
    ["--min-score", "70", "--min-level=2"],
    ["--min-score", " 7"],
    ["--baseline", "b.json", "--config", "c.toml"],
    ["--no-color", "-q", "--verbose", "--exit-zero", "--no-cache"],
    ["-v", "-q", "path/with space"],
    ["--format="],
]

LEFT_TO_TYPER = [
    ["--help"],
    ["-h"],
    ["--", "-weird"],
    ["-qv"],
    ["-fjson"],
    ["--form", "json"],
    ["--unknown"],
    ["--min-score", "seventy"],
    ["--min-score", "-5"],
    ["--quiet=yes"],
    ["-f"],
    ["-f=json"],
    ["-"],
]


@pytest.mark.parametrize("args", ACCEPTED, ids=lambda a: " ".join(a) or "(none)")
def test_fast_parse_equals_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_check(args)
    assert fast is not None
    assert _normal(fast) == _typer_parse(args, monkeypatch)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_what_the_fast_path_does_not_understand_goes_to_typer(args: list[str]) -> None:
    assert parse_check(args) is None


def test_every_check_option_of_typer_is_in_the_table() -> None:
    """A new ``check`` option must be added to ``CHECK_OPTIONS`` too (or the fast path would send it to typer,
    correct but slow); and the table has no option typer does not know."""
    command = typer.main.get_command(app)
    check = command.commands["check"]  # type: ignore[attr-defined]
    spellings = {o for p in check.params if p.param_type_name == "option" for o in p.opts} - {"--help", "-h"}
    assert spellings == set(CHECK_OPTIONS)
    for param in check.params:
        if param.param_type_name != "option" or "--help" in param.opts:
            continue
        dests = {CHECK_OPTIONS[o][0] for o in param.opts}
        assert dests == {param.name}, param.opts
        kinds = {CHECK_OPTIONS[o][1] for o in param.opts}
        assert kinds == {"flag"} if param.is_flag else "flag" not in kinds


def test_main_takes_the_fast_path_without_importing_typer(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# x\n", "a.py": "import os\n"})
    code = ("import sys; from mlops_audit.entry import main; rc = main([sys.argv[1], '-f', 'json', '--exit-zero']); "
            "print('typer' in sys.modules, 'click' in sys.modules, 'rich' in sys.modules, rc, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "False False False 0"
    assert '"score"' in done.stdout


def test_fast_and_typer_paths_give_the_same_output_and_exit_code(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# x\n", "train.py": "import sklearn\nm.fit(X, y)\n"})
    runs = []
    for args in (["check", str(repo), "-f", "json"], ["check", str(repo), "-f", "json", "--", ]):
        code = main(args)
        out, err = capsys.readouterr()
        runs.append((code, out, err))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1
    assert main(["check", str(repo), "--min-score", "101"]) == 2
    assert "--min-score must be between 0 and 100" in capsys.readouterr().err


def test_the_process_ends_fast_after_an_audit_with_all_its_output(tmp_path: Path) -> None:
    """``python -m mlops_audit`` ends with os._exit after an audit (no interpreter teardown): stdout, stderr and
    the exit code must still be complete, even for a report larger than the stream's buffer."""
    files = {"README.md": "# x\n", "train.py": "import sklearn\nm.fit(X, y)\n"}
    files.update({f"data/part_{i:03d}.csv": "a,b\n1,2\n" * 600 for i in range(120)})  # 120 data-in-git findings
    repo = make_repo(tmp_path / "r", files)
    done = subprocess.run([sys.executable, "-m", "mlops_audit", str(repo), "-f", "json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1  # the gate still decides the code
    assert len(done.stdout) > 16384  # several of stdout's 8 KB buffers: the last one is flushed by hand
    report = json.loads(done.stdout)
    assert report["summary"]["findings"] == len(report["findings"]) > 10
    assert "finding(s) at or above error" in done.stderr
    done = subprocess.run([sys.executable, "-m", "mlops_audit", "rules"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "DAT001" in done.stdout  # other commands exit the usual way


def test_a_profiled_audit_exits_normally_so_the_profile_is_written(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# x\n", "a.py": "import os\n"})
    prof = tmp_path / "audit.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "mlops_audit", str(repo),
                           "--exit-zero"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert prof.stat().st_size > 1000
