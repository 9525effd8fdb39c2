"""`mlops-audit notebooks FILES...`: the fast pre-commit check of staged notebooks (outputs, execution order,
secrets with their values masked), its exit codes, and what it refuses to read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mlops_audit.entry import main
from mlops_audit.notebook_hook import check_notebooks
from repo_builder import notebook

GITHUB_TOKEN = "ghp_" + "Q7w9ErT2yU4iO6pA8sD0fG1hJ3kL5zX7cV9b"
AWS_KEY = "AKIA" + "Z7Q4M2X9L5K8J3H6"
OPENAI_KEY = "sk-" + "proj-" + "R4nd0mL00k1ngV4lu3F0rT3st1ngAbCdEf12"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main(["notebooks", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out + err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def with_output_text(source: str, text: str) -> str:
    nb: dict[str, Any] = json.loads(notebook(source, outputs=True, counts=[1]))
    nb["cells"][0]["outputs"][0]["text"] = [text]
    return json.dumps(nb)


def test_clean_notebooks_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.ipynb", notebook("import pandas as pd\n", "df = pd.DataFrame()\n"))
    b = write(tmp_path / "nb" / "b.ipynb", notebook("x = 1\n", counts=[1]))  # ran, outputs stripped
    code, out = run(capsys, a, b)
    assert (code, out) == (0, "")


def test_no_file_at_all_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys) == (0, "")


def test_outputs_are_reported_once_per_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "train.ipynb", notebook("a = 1\n", "b = 2\n", "c = 3\n", outputs=True, counts=[1, 2, 3]))
    code, out = run(capsys, nb)
    assert code == 1
    assert out == f"{nb}: REP006 3 of 3 code cells carry outputs (strip them: nbstripout)\n"


def test_allow_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "report.ipynb", notebook("a = 1\n", outputs=True, counts=[1]))
    assert run(capsys, "--allow-outputs", nb) == (0, "")


def test_out_of_order_execution_names_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "explore.ipynb", notebook("a = 1\n", "b = a\n", "c = b\n", counts=[1, 3, 2]))
    code, out = run(capsys, nb)
    assert code == 1
    assert out == f"{nb} [cell 3]: REP007 ran as [2] after a later-numbered cell: restart and run all\n"


def test_in_order_with_gaps_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "explore.ipynb", notebook("a = 1\n", "b = a\n", "c = b\n", counts=[1, 4, None]))
    assert run(capsys, nb) == (0, "")


@pytest.mark.parametrize(("secret", "kind"), [
    (GITHUB_TOKEN, "GitHub token"),
    (AWS_KEY, "AWS access key ID"),
    (OPENAI_KEY, "OpenAI API key"),
])
def test_secret_in_a_cell_is_reported_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            secret: str, kind: str) -> None:
    nb = write(tmp_path / "keys.ipynb", notebook("import os\n", f'KEY = "{secret}"\nprint(KEY)\n'))
    code, out = run(capsys, nb)
    assert code == 1
    assert out == f"{nb} [cell 2]: GOV001 {kind} in the code (value masked)\n"
    assert secret not in out and secret[-12:] not in out


def test_secret_in_an_output_is_reported_even_when_outputs_are_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "debug.ipynb", with_output_text("print(token)\n", f"{GITHUB_TOKEN}\n"))
    code, out = run(capsys, "--allow-outputs", nb)
    assert code == 1
    assert out == f"{nb} [cell 1]: GOV001 GitHub token in an output (value masked)\n"
    assert GITHUB_TOKEN not in out and GITHUB_TOKEN[4:] not in out


def test_placeholder_is_not_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write(tmp_path / "cfg.ipynb", notebook('API_KEY = os.environ["API_KEY"]\ntoken = "<your-token-here>"\n'))
    assert run(capsys, nb) == (0, "")


@pytest.mark.parametrize(("content", "message"), [
    ("", "AUD001 empty file, not a notebook"),
    ("{not json", "AUD001 not valid notebook JSON"),
    ("[]", "AUD001 not a notebook (top level is not an object)"),
])
def test_broken_notebooks_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    content: str, message: str) -> None:
    bad = write(tmp_path / "bad.ipynb", content)
    good = write(tmp_path / "good.ipynb", notebook("x = 1\n"))
    code, out = run(capsys, good, bad)
    assert code == 1
    assert out.startswith(f"{bad}: {message}")
    assert "good.ipynb" not in out and "Traceback" not in out


def test_every_notebook_is_checked_not_just_the_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path / "a.ipynb", notebook("x = 1\n", outputs=True, counts=[1]))
    broken = write(tmp_path / "b.ipynb", "{")
    last = write(tmp_path / "c.ipynb", notebook(f'k = "{AWS_KEY}"\n'))
    code, out = run(capsys, first, broken, last)
    assert code == 1
    lines = out.splitlines()
    assert [ln.split(":")[0] for ln in lines] == [str(first), str(broken), f"{last} [cell 1]"]
    assert [ln.split(": ", 1)[1].split()[0] for ln in lines] == ["REP006", "AUD001", "GOV001"]


def test_other_files_are_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pre-commit's `files:` filter normally keeps them out; passed anyway, they are not read."""
    script = write(tmp_path / "train.py", f'KEY = "{AWS_KEY}"\n')
    data = write(tmp_path / "notebook.json", notebook("x = 1\n", outputs=True, counts=[1]))
    text = write(tmp_path / "notes.txt", "{not json")
    assert run(capsys, script, data, text) == (0, "")


def test_missing_file_and_directory_are_named_not_crashed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "folder.ipynb"
    folder.mkdir()
    code, out = run(capsys, tmp_path / "gone.ipynb", folder)
    assert code == 1
    assert out.splitlines() == [f"{tmp_path / 'gone.ipynb'}: AUD001 not a regular file; skipped",
                                f"{folder}: AUD001 not a regular file; skipped"]


def test_symlinked_notebook_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = write(tmp_path / "outside" / "secret.ipynb", notebook(f'k = "{AWS_KEY}"\n'))
    link = tmp_path / "repo" / "link.ipynb"
    link.parent.mkdir()
    link.symlink_to(outside)
    code, out = run(capsys, link)
    assert code == 1
    assert out == f"{link}: AUD001 not a regular file; skipped\n"


def test_api_and_cli_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nbs = [write(tmp_path / "a.ipynb", notebook("x = 1\n", "y = 2\n", outputs=True, counts=[2, 1])),
           write(tmp_path / "b.ipynb", notebook(f'k = "{AWS_KEY}"\n'))]
    _, out = run(capsys, *nbs)
    assert out == "".join(p.line() + "\n" for p in check_notebooks(nbs))
    assert [p.rule for p in check_notebooks(nbs)] == ["REP006", "REP007", "GOV001"]


def test_console_script_exit_codes(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.ipynb", notebook(f'k = "{AWS_KEY}"\n', outputs=True, counts=[1]))
    good = write(tmp_path / "good.ipynb", notebook("x = 1\n"))
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "notebooks", str(bad)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "GOV001" in proc.stdout and "REP006" in proc.stdout
    assert AWS_KEY not in proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "notebooks", str(good)], capture_output=True,
                          text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
