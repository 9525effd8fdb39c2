"""`mlops-audit fix`: legacy-style repositories get the template's own files, and nothing of theirs is lost."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlops_audit.config import discover
from mlops_audit.fix.run import run_fix
from repo_builder import audit, failing, git, make_repo, notebook, status

FAKE_KEY = "sk-proj-4f9aQ2xZ7bK1mN8pR3tV6wY0cE5hJ2lO9uI"  # mlops-audit: ignore[GOV001] made-up test key
CSV = "customer_id,tenure,churn\n" + "".join(f"{i},{i % 70},{i % 2}\n" for i in range(4000))
TRAIN = '''"""Train the churn model."""
import json


def main() -> None:
    import mlflow
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    df = pd.read_csv("data/churn.csv")
    clf = RandomForestClassifier(n_estimators=300, max_depth=12, random_state=7)
    with mlflow.start_run():
        clf.fit(df[["tenure"]], df["churn"])
        mlflow.log_metric("n", len(df))
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main()
'''
FEATURES = '''"""Feature helpers."""


def tenure_bucket(months: int) -> str:
    if months < 12:
        return "new"
    if months < 36:
        return "settled"
    return "loyal"


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0
'''
LEGACY = {
    "README.md": "# Churn\n\nPredict churn.\n",
    "LICENSE": "MIT License\n",
    "requirements.txt": "pandas==2.2.2\nscikit-learn==1.5.0\nmlflow==2.14.1\n",
    "train.py": TRAIN,
    "features.py": FEATURES,
    "explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('data/churn.csv')", "df.describe()",
                              outputs=True, counts=[2, 1]),
    "data/churn.csv": CSV,
    "models/model.pkl": b"\x80\x04" + b"0" * 5000,
}


def legacy(tmp_path: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    return make_repo(tmp_path / "legacy", {**LEGACY, **(extra or {})})


def fix(root: Path, **kwargs: object) -> str:
    lines: list[str] = []
    code = run_fix(root, discover(root), write=lambda s: lines.append(str(s)), **kwargs)  # type: ignore[arg-type]
    assert code == 0
    return "\n".join(lines)


def snapshot(root: Path) -> dict[str, str]:
    """Every file's hash (outside .git), plus the git index."""
    out = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts[:1]}
    out["<index>"] = git(root, "ls-files", "-s")
    return out


# --------------------------------------------------------------------------- the plan, and when it is applied
def test_dry_run_shows_every_diff_and_touches_nothing(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    before = snapshot(root)
    out = fix(root, dry_run=True, unsafe=True)
    assert snapshot(root) == before
    assert "--- /dev/null\n+++ b/Dockerfile" in out
    assert "+++ b/.github/workflows/ci.yml" in out
    assert "--- a/explore.ipynb\n+++ b/explore.ipynb" in out
    assert "untrack data/churn.csv   (leaves the git index as with git rm --cached; the file stays on disk)" in out
    assert "Dry run: nothing was changed." in out


def test_without_a_terminal_and_without_yes_it_only_plans(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    before = snapshot(root)
    out = fix(root, confirm=None)
    assert "Not a terminal: nothing applied" in out
    assert "create Dockerfile" in out
    assert snapshot(root) == before


def test_a_declined_confirmation_applies_nothing(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    before = snapshot(root)
    asked: list[str] = []
    out = fix(root, confirm=lambda q: asked.append(q) or False)
    assert asked == ["Apply these changes?"]
    assert "Nothing applied." in out
    assert snapshot(root) == before


def test_safe_fix_adds_the_template_files_and_resolves_their_rules(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    before_report = audit(root)
    assert {"REP004", "TST001", "MOD005", "AUT003", "AUT001", "DEP002", "DES002", "GOV002"} <= failing(before_report)
    out = fix(root, yes=True)
    for rel in (".python-version", "tests/test_smoke.py", "params.yaml", "dvc.yaml", ".github/workflows/ci.yml",
                "Dockerfile", ".dockerignore", "docs/design.md", "MODEL_CARD.md", ".pre-commit-config.yaml",
                ".mlops-audit.toml", ".dvc/config"):
        assert (root / rel).is_file(), rel
    after = audit(root)
    for rule in ("REP004", "TST001", "MOD005", "AUT003", "AUT001", "DEP002", "DES002", "GOV002", "DAT003"):
        assert status(after, rule) == "pass", rule
    for rule in ("DEP003", "DEP004", "DEP006", "TST002", "AUT002"):  # what was added is itself clean
        assert status(after, rule) == "pass", rule
    # safe: the data and the notebooks are untouched, nothing left the index
    assert "data/churn.csv" in git(root, "ls-files")
    assert (root / "explore.ipynb").read_text(encoding="utf-8") == LEGACY["explore.ipynb"]
    assert "Available with --unsafe" in out
    assert after.score > before_report.score


def test_inferred_values_reach_the_rendered_files(tmp_path: Path) -> None:
    nb = json.loads(notebook("import pandas as pd"))
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.12.4"}
    root = legacy(tmp_path, {"explore.ipynb": json.dumps(nb), "predict.py": "def predict(x):\n    return x\n"})
    fix(root, yes=True)
    assert (root / ".python-version").read_text() == "3.12\n"
    dockerfile = (root / "Dockerfile").read_text()
    assert "FROM python:3.12.11-slim AS runtime" in dockerfile  # the template's pinned tag for 3.12
    assert "COPY requirements.txt ./" in dockerfile
    assert 'ENTRYPOINT ["python", "predict.py"]' in dockerfile
    assert "USER 10001:10001" in dockerfile
    ci = (root / ".github/workflows/ci.yml").read_text()
    assert "run: python -m pip install -r requirements.txt pytest" in ci
    assert "mlops-audit ." in ci
    params = (root / "params.yaml").read_text()
    assert "seed: 7" in params and "n_estimators: 300" in params and "max_depth: 12" in params
    dvc_yaml = (root / "dvc.yaml").read_text()
    assert "cmd: python train.py" in dvc_yaml and "- params.yaml" in dvc_yaml
    assert "RandomForestClassifier (scikit-learn)" in (root / "MODEL_CARD.md").read_text()


@pytest.mark.parametrize("how", ["folder", "remote"])
def test_gitlab_repositories_get_the_gitlab_pipeline(tmp_path: Path, how: str) -> None:
    root = legacy(tmp_path, {".gitlab/CODEOWNERS": "* @team\n"} if how == "folder" else {})
    if how == "remote":
        git(root, "remote", "add", "origin", "git@gitlab.example.com:team/churn.git")
    fix(root, yes=True)
    text = (root / ".gitlab-ci.yml").read_text()
    assert "mlops-audit ." in text and "python -m pytest" in text
    assert not (root / ".github").exists()
    assert status(audit(root), "AUT001") == "pass"


def test_existing_files_are_never_overwritten_and_gitignore_is_appended_to(tmp_path: Path) -> None:
    mine = {
        ".gitignore": "secrets.txt\n__pycache__/\n",
        ".pre-commit-config.yaml": "repos: []  # ours\n",
        "pyproject.toml": '[project]\nname = "churn"\nversion = "1"\nrequires-python = ">=3.10"\n',
        "Dockerfile.dev": "FROM python:3.11\n",
    }
    root = legacy(tmp_path, mine)
    fix(root, yes=True)
    assert (root / ".pre-commit-config.yaml").read_text() == mine[".pre-commit-config.yaml"]
    assert (root / "Dockerfile.dev").read_text() == mine["Dockerfile.dev"]
    gitignore = (root / ".gitignore").read_text()
    assert gitignore.startswith(mine[".gitignore"])
    assert gitignore.count("__pycache__/") == 1
    assert ".ipynb_checkpoints/" in gitignore and "/mlruns/" in gitignore and "/data/**" in gitignore
    pyproject = (root / "pyproject.toml").read_text()
    assert pyproject.startswith(mine["pyproject.toml"]) and "[tool.mlops-audit]" in pyproject
    assert not (root / ".python-version").exists()  # requires-python already declares it


def test_the_generated_smoke_test_really_runs(tmp_path: Path) -> None:
    side_effect = "import json\nCONFIG = json.load(open('/nonexistent/config.json'))\n"
    root = legacy(tmp_path, {"settings.py": side_effect})
    fix(root, yes=True, select=["TST001"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_smoke.py",
                             "-rs"], cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
    assert "settings.py" not in result.stdout or "runs code at import time (line 2)" in result.stdout
    assert "runs code at import time (line 2)" in result.stdout
    # and it fails when a source stops compiling: it is a real test
    (root / "features.py").write_text("def broken(:\n")
    broken = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_smoke.py"],
                            cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert broken.returncode == 1


# --------------------------------------------------------------------------- unsafe remedies
def test_unsafe_fix_moves_data_to_dvc_keeps_it_on_disk_and_lifts_the_level(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    before = audit(root)
    assert before.level == 0
    out = fix(root, yes=True, unsafe=True)
    after = audit(root)
    assert after.level >= 1, failing(after)
    assert (root / "data/churn.csv").read_text() == CSV  # the data itself is never deleted
    assert (root / "models/model.pkl").read_bytes() == LEGACY["models/model.pkl"]
    tracked = git(root, "ls-files").split()
    assert "data/churn.csv" not in tracked and "models/model.pkl" not in tracked
    md5 = hashlib.md5(CSV.encode(), usedforsecurity=False).hexdigest()
    assert (root / "data/churn.csv.dvc").read_text() == (
        f"outs:\n- md5: {md5}\n  size: {len(CSV)}\n  hash: md5\n  path: churn.csv\n")
    assert (root / f".dvc/cache/files/md5/{md5[:2]}/{md5[2:]}").read_text() == CSV
    assert "/churn.csv" in (root / "data/.gitignore").read_text()
    # git ignores the data but still sees the .dvc files
    assert git(root, "status", "--porcelain", "--untracked-files=all").count("data/churn.csv.dvc") == 1
    assert "?? data/churn.csv\n" not in git(root, "status", "--porcelain", "--untracked-files=all")
    nb = json.loads((root / "explore.ipynb").read_text())
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in nb["cells"])
    assert [c["source"] for c in nb["cells"]] == [c["source"] for c in json.loads(LEGACY["explore.ipynb"])["cells"]]
    for rule in ("DAT001", "MOD001", "DAT003", "REP006", "REP007"):
        assert status(after, rule) == "pass", rule
    assert "Resolved:" in out and "fix commits nothing" in out
    assert git(root, "log", "--oneline").count("\n") == 1  # nothing committed


def test_every_applied_remedy_resolves_its_rules(tmp_path: Path) -> None:
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.plan import build_plan, targets

    root = legacy(tmp_path, {"keys.py": f'API_KEY = "{FAKE_KEY}"\n'})
    config = discover(root)
    facts = RepoFacts(root, config)
    report = audit(root)
    plan = build_plan(report, facts, infer_context(facts), targets(report, None, None, None), unsafe=True)
    plan.workspace.apply()
    after = audit(root)
    for remedy in plan.remedies:
        for rule in remedy.rules:
            assert status(after, rule) == "pass", (rule, remedy.summary)


def test_the_documented_remedies_are_exactly_what_the_planner_resolves(tmp_path: Path) -> None:
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix import REMEDIES
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.plan import build_plan, targets

    resolved: set[str] = set()
    for name, extra in (("a", {"keys.py": f'API_KEY = "{FAKE_KEY}"\n'}),
                        ("b", {"Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nUSER 1000\n",
                               # data git does not hold (an export): unversioned, DAT003
                               "refresh.py": "import pandas as pd\ndf = pd.read_parquet('exports/latest.parquet')\n"})):
        root = legacy(tmp_path / name, extra)
        facts = RepoFacts(root, discover(root))
        report = audit(root)
        plan = build_plan(report, facts, infer_context(facts), targets(report, None, None, None), unsafe=True)
        resolved |= {rule for remedy in plan.remedies for rule in remedy.rules}
    assert resolved == set(REMEDIES)


def test_running_fix_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    root = legacy(tmp_path, {"keys.py": f'API_KEY = "{FAKE_KEY}"\n'})
    fix(root, yes=True, unsafe=True)
    first = snapshot(root)
    out = fix(root, yes=True, unsafe=True)
    assert snapshot(root) == first
    assert "Nothing to change automatically." in out


def test_secrets_become_environment_lookups_and_are_never_printed(tmp_path: Path) -> None:
    secret = FAKE_KEY
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    root = legacy(tmp_path, {
        "client.py": f'"""Client."""\nfrom __future__ import annotations\n\nAPI_KEY = "{secret}"\n',
        "call.ipynb": notebook(f'requests.get(url, headers={{"token": "{token}"}})'),
        ".env": f"OPENAI_API_KEY={secret}\n",
    })
    out = fix(root, yes=True, unsafe=True)
    assert secret not in out and token not in out
    assert "Secrets to rotate" in out and "client.py:4" in out
    client = (root / "client.py").read_text()
    assert client == ('"""Client."""\nfrom __future__ import annotations\nimport os\n\n'
                      'API_KEY = os.environ["API_KEY"]\n')
    compile(client, "client.py", "exec")
    cell = "".join(json.loads((root / "call.ipynb").read_text())["cells"][0]["source"])
    assert 'os.environ["TOKEN"]' in cell and cell.startswith("import os\n") and token not in cell
    assert ".env" not in git(root, "ls-files").split() and (root / ".env").exists()
    assert "/.env" in (root / ".gitignore").read_text()
    assert status(audit(root), "GOV001") == "pass"


def test_lfs_repositories_move_files_to_lfs_not_dvc(tmp_path: Path) -> None:
    root = legacy(tmp_path, {".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n"})
    out = fix(root, yes=True, unsafe=True, lfs_installed=False)
    attributes = (root / ".gitattributes").read_text()
    assert attributes.startswith("*.bin filter=lfs")
    assert "/data/churn.csv filter=lfs diff=lfs merge=lfs -text" in attributes
    assert "/models/model.pkl filter=lfs diff=lfs merge=lfs -text" in attributes
    assert not (root / "data/churn.csv.dvc").exists() and not (root / ".dvc").exists()
    assert "git lfs install && git add --renormalize ." in out
    after = audit(root)
    assert status(after, "DAT001") == "pass" and status(after, "MOD001") == "pass"


# --------------------------------------------------------------------------- limiting the plan
def test_select_limits_fix_to_those_rules(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    fix(root, yes=True, select=["DEP002"])
    created = {p.name for p in root.iterdir()} - {*LEGACY, "data", "models", ".git"}
    assert created == {"Dockerfile", ".dockerignore"}


def test_to_level_applies_only_what_that_level_needs(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    fix(root, yes=True, to_level=1)
    assert (root / ".python-version").exists() and (root / "tests/test_smoke.py").exists()
    for level_2 in ("Dockerfile", "MODEL_CARD.md", "docs/design.md", ".github"):
        assert not (root / level_2).exists(), level_2


def test_a_notebook_only_repository_gets_what_can_be_automated_and_a_list_of_the_rest(tmp_path: Path) -> None:
    train = ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
             "df = pd.read_csv('data.csv')\nLogisticRegression(C=0.5).fit(df[['a']], df['y'])")
    root = make_repo(tmp_path / "nb", {"train.ipynb": notebook(train, outputs=True, counts=[1]),
                                       "data.csv": CSV, "requirements.txt": "pandas\n"})
    out = fix(root, yes=True)
    assert "Needs you" in out and "REP005" in out and "AUT003" in out
    assert (root / "tests/test_smoke.py").exists()
    assert "C: 0.5" in (root / "params.yaml").read_text()
    assert not (root / "dvc.yaml").exists()  # no script to run: a notebook pipeline is for a person to design


def test_a_folder_without_git_gets_files_but_no_data_move(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "nogit", dict(LEGACY), git_init=False)
    out = fix(root, yes=True, unsafe=True)
    assert "not under git" in out
    assert (root / "Dockerfile").exists() and not (root / "data/churn.csv.dvc").exists()
    assert (root / "data/churn.csv").read_text() == CSV


def test_broken_and_binary_files_do_not_stop_fix(tmp_path: Path) -> None:
    root = legacy(tmp_path, {"broken.ipynb": "{not json", "latin1.py": "x = 'caf\xe9'\n".encode("latin-1"),
                             "bad.py": "def oops(:\n", ".gitignore": b"\xff\xfe junk\n"})
    out = fix(root, yes=True, unsafe=True)
    assert "Score" in out
    assert (root / "broken.ipynb").read_text() == "{not json"
    assert (root / ".gitignore").read_bytes() == b"\xff\xfe junk\n"  # not UTF-8: left alone, never rewritten


def test_symlinks_are_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = legacy(tmp_path)
    (root / "docs").symlink_to(outside, target_is_directory=True)
    fix(root, yes=True)
    assert list(outside.iterdir()) == []


def test_render_matches_a_real_cookiecutter_bake(tmp_path: Path) -> None:
    """The renderer `fix` uses is Cookiecutter's: a normal bake and `render` agree byte for byte."""
    from cookiecutter.prompt import prompt_for_config
    from mlops_audit.fix.render import _defaults, render
    from mlops_audit.new import new_project

    project = new_project(tmp_path / "out", no_input=True, extra_context={"git_init": "false"})
    context = dict(prompt_for_config({"cookiecutter": dict(_defaults())}, no_input=True))
    for rel in ("Dockerfile", ".github/workflows/ci.yml", ".gitignore", "params.yaml", "dvc.yaml", "MODEL_CARD.md",
                "docs/design.md", "tests/test_smoke.py", ".dockerignore", ".pre-commit-config.yaml"):
        assert render(rel, context) == (project / rel).read_text(encoding="utf-8"), rel


# --------------------------------------------------------------------------- the command line
def test_cli_fix_dry_run_and_bad_options(tmp_path: Path) -> None:
    root = legacy(tmp_path)
    cmd = [sys.executable, "-m", "mlops_audit", "fix", str(root)]
    ok = subprocess.run([*cmd, "--dry-run"], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert ok.returncode == 0 and "+++ b/Dockerfile" in ok.stdout and not ok.stderr
    plan_only = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert plan_only.returncode == 0 and "nothing applied" in plan_only.stdout and not (root / "Dockerfile").exists()
    bad = subprocess.run([*cmd, "--to-level", "7"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--to-level" in bad.stderr and "Traceback" not in bad.stderr
    unknown = subprocess.run([*cmd, "--select", "NOPE999"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "no rule matches" in unknown.stderr


@pytest.mark.parametrize("ci_file", [".github/workflows/ci.yml", ".gitlab-ci.yml"])
def test_retrofit_ci_files_are_valid_yaml(tmp_path: Path, ci_file: str) -> None:
    import yaml

    extra: dict[str, str | bytes] = {".gitlab/CODEOWNERS": "* @t\n"} if ci_file == ".gitlab-ci.yml" else {}
    root = legacy(tmp_path, extra)
    fix(root, yes=True, select=["AUT001"])
    doc = yaml.safe_load((root / ci_file).read_text())
    assert isinstance(doc, dict) and doc


def test_committed_data_moved_to_dvc_gets_dvc_set_up(tmp_path: Path) -> None:
    """Data the code reads from git is versioned (DAT003 passes) but belongs in DVC (DAT001): moving it sets DVC up,
    with no training pipeline to ask for it."""
    root = make_repo(tmp_path / "r", {"README.md": "# Churn\n\nPredict churn.\n", "data/churn.csv": CSV,
                                      "explore.ipynb": notebook("import pandas as pd\nimport sklearn\n"
                                                                "df = pd.read_csv('data/churn.csv')")})
    report = audit(root)
    assert status(report, "DAT003") == "pass" and status(report, "DAT001") == "fail"
    fix(root, yes=True, unsafe=True)
    assert (root / ".dvc/config").is_file() and (root / "data/churn.csv.dvc").is_file()
    assert "data/churn.csv" not in git(root, "ls-files").split()
