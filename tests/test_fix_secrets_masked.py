"""Issue 17: no secret leaves the repository through `fix`'s own output. On a repository full of planted
credentials (many providers, in code and notebooks, in cells and outputs, next to each other), no value the
scanner detects appears anywhere in what `fix --dry-run --unsafe` or `fix --yes --unsafe` prints, and the diff of
a file whose secrets are replaced shows its changed lines only, masked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mlops_audit.facts import secrets
from repo_builder import make_repo, notebook

# every value is assembled here so that this file itself holds none (the repository audits itself)
AWS_ID = "AKIA" + "Q3ZK7W2X9M4N6P8R"
AWS_SECRET = "wJalrXUtnFEMIK7MDENG" + "bPxRfiCYzQ93kd8Lm2Vq"
GITHUB = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98"
GITLAB = "glpat-" + "Q1w2E3r4T5y6U7i8O9p0As"
SLACK = "xoxb-" + "2048193746-8812345-Zk3mQ9vL2pR7"
ANTHROPIC = "sk-ant-" + "api03-" + "Hq7Zk2Lm9Pw4Rt6Vx8Nb3Cd5Fg1Jk0Qs2Ty4Ui6Op8"
OPENROUTER = "sk-or-v1-" + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" + "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
OPENAI = "sk-proj-" + "4f9aQ2xZ7bK1mN8pR3tV6wY0cE5hJ2lO9uI"
HUGGING_FACE = "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNm1234567890"
GOOGLE = "AIza" + "SyD8f7G6h5J4k3L2z1X0c9V8b7N6m5Q4w3E"
STRIPE = "sk_" + "live_" + "51HqZk2Lm9Pw4Rt6Vx8Nb3Cd5"
WANDB = "0123456789abcdef" + "0123456789abcdef01234567"
PASSWORD = "Tr0ub4dor" + "Qz8Xk2Mv7Wp"
PRIVATE_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7bq9Xk2Lm9Pw4Rt6\\n-----END RSA PRIVATE KEY-----"

CLIENT = f'''"""An API client with its keys in the code."""
import requests

OPENAI_API_KEY = "{OPENAI}"
ANTHROPIC_API_KEY = "{ANTHROPIC}"  # the old one was {GITLAB}
HEADERS = {{
    "Authorization": "{GITHUB}",
    "X-Router": "{OPENROUTER}",
}}
password = "{PASSWORD}"
SIGNING_KEY = "{PRIVATE_KEY}"


def call(url: str) -> object:
    return requests.get(url, headers=HEADERS, params={{"key": "{GOOGLE}"}})
'''
CLOUD = f'''import boto3

session = boto3.Session(aws_access_key_id="{AWS_ID}", aws_secret_access_key="{AWS_SECRET}")
STRIPE = "{STRIPE}"
'''
TRAIN_CELL = f'import wandb\nWANDB_API_KEY = "{WANDB}"\nHF_TOKEN = "{HUGGING_FACE}"\nSLACK = "{SLACK}"'


def _notebook_with_outputs() -> str:
    nb = json.loads(notebook(TRAIN_CELL, f'print("{GITHUB}")', outputs=True, counts=[1, 2]))
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                  "text": [f"{OPENAI}\n", f"aws_secret_access_key = {AWS_SECRET}\n"]}]
    return json.dumps(nb, indent=1)


FILES: dict[str, str | bytes] = {
    "README.md": "# leaky\n",
    "requirements.txt": "requests\nboto3\nwandb\n",
    "client.py": CLIENT,
    "cloud.py": CLOUD,
    "train.ipynb": _notebook_with_outputs(),
    ".env": f"OPENAI_API_KEY={OPENAI}\nHF_TOKEN={HUGGING_FACE}\n",
    "config.yaml": f"slack: {SLACK}\ngitlab: {GITLAB}\n",
}


def planted_values(root: Path) -> set[str]:
    """Every value the scanner itself finds in the planted files (so the test cannot be vacuous)."""
    values: set[str] = set()
    for rel in FILES:
        text = (root / rel).read_text(encoding="utf-8")
        texts = [text]
        if rel.endswith(".ipynb"):  # the cells' code and outputs, as they read (not JSON-escaped)
            for cell in json.loads(text)["cells"]:
                texts.append("".join(cell["source"]))
                texts.extend("".join(o.get("text", [])) for o in cell.get("outputs", []))
        for part in texts:
            values |= {value for _, _, value in secrets.find_secrets(part)}
    return values


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "leaky", FILES)


def _cli(root: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "fix", *args], cwd=root, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=180)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return proc.stdout + proc.stderr


def test_the_planted_values_are_what_the_scanner_finds(leaky: Path) -> None:
    values = planted_values(leaky)
    for planted in (AWS_ID, AWS_SECRET, GITHUB, GITLAB, SLACK, ANTHROPIC, OPENROUTER, OPENAI, HUGGING_FACE,
                    GOOGLE, STRIPE, WANDB, PASSWORD):
        assert planted in values, planted
    assert len(values) >= 13


def _leaks(output: str, values: set[str]) -> list[str]:
    found = [v for v in values if v in output]
    # a part of a value is as bad as all of it: every 16-character slice of the values
    found += [v[i:i + 16] for v in values for i in range(0, max(1, len(v) - 15), 4) if v[i:i + 16] in output]
    return found


def test_no_secret_appears_in_a_dry_run_or_a_real_run(leaky: Path) -> None:
    values = planted_values(leaky)
    dry = _cli(leaky, "--dry-run", "--unsafe")
    assert "+++ b/client.py" in dry and "Secrets to rotate" in dry  # the plan and its diffs are really shown
    assert _leaks(dry, values) == []
    assert _leaks(_cli(leaky, "--dry-run"), values) == []
    applied = _cli(leaky, "--yes", "--unsafe")
    assert "Resolved:" in applied or "Still failing" in applied
    assert _leaks(applied, values) == []
    assert 'os.environ["OPENAI_API_KEY"]' in (leaky / "client.py").read_text()


def _file_diff(output: str, rel: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index(f"--- a/{rel}")
    end = next((i for i in range(start + 2, len(lines)) if lines[i].startswith(("--- ", "untrack ", "copy ",
                                                                                  "store "))), len(lines))
    return lines[start:end]


def test_the_diff_of_a_secret_replacement_shows_only_its_changed_lines_masked(leaky: Path) -> None:
    dry = _cli(leaky, "--dry-run", "--unsafe")
    for rel in ("client.py", "cloud.py", "train.ipynb"):
        diff = _file_diff(dry, rel)
        assert diff[1] == f"+++ b/{rel}"
        body = diff[2:]
        assert body and all(line.startswith(("@@", "-", "+")) for line in body), body  # no context line
    client = _file_diff(dry, "client.py")
    assert '-OPENAI_API_KEY = "sk-proj-****"' in client
    assert '+OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]' in client
    assert any(line.startswith("+ANTHROPIC_API_KEY = os.environ") and "glpat-****" in line for line in client)
    assert "+import os" in client
    assert not any("def call" in line or "import requests" in line for line in client)


def test_the_python_api_output_is_masked_too(leaky: Path) -> None:
    from mlops_audit.config import discover
    from mlops_audit.fix.run import run_fix

    values = planted_values(leaky)
    lines: list[str] = []
    run_fix(leaky, discover(leaky), dry_run=True, unsafe=True, write=lambda s: lines.append(str(s)))
    assert _leaks("\n".join(lines), values) == []


def test_a_secret_passed_to_a_constructor_is_no_hyper_parameter(tmp_path: Path) -> None:
    """MOD005 copies literal constructor arguments of the training code into params.yaml: never a key."""
    train = ("from openai import OpenAI\nfrom sklearn.linear_model import LogisticRegression\n"
             f'client = OpenAI(api_key="{OPENAI}", timeout=30)\nLogisticRegression(C=0.5).fit([[1]], [1])\n')
    root = make_repo(tmp_path / "hp", {"train.py": train, "data.csv": "a\n1\n"})
    out = _cli(root, "--yes")
    params = (root / "params.yaml").read_text()
    assert OPENAI not in params and "api_key" not in params and "C: 0.5" in params
    assert OPENAI not in out
