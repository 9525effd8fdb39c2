"""Secrets never leave the repository through our own output (issue 17).

A repository full of planted credentials (AWS, GitHub, GitLab, Slack, OpenAI, Anthropic, OpenRouter, Langfuse,
Hugging Face, Google, Stripe, W&B, a private key, passwords; in code, a notebook's source and outputs, YAML,
.env, a Dockerfile, requirements, a broken CI file, a file name, a suppression's reason, the repository's own
configuration) is audited in every format, and with `explain`, `rules`, `baseline` (and its file), the
notebook hook, progress output and error messages: no value the scanner detects appears in any of it. The
values are taken from the scanner itself, which must find every planted one first.

Also: every provider is named correctly (an Anthropic key is not an "OpenAI API key"), and a rule that
found more places than it lists says so in every format ("50 of 60 shown")."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlops_audit.facts import secrets
from mlops_audit.facts.notebooks import parse_notebook
from mlops_audit.facts.secrets import find_secrets, mask, redact, scan_text
from mlops_audit.reporters import FORMATS
from repo_builder import git, notebook


def v(*parts: str) -> str:
    """A planted value, built from parts so that this file itself holds no secret the audit would find."""
    return "".join(parts)


AWS_ID = v("AKIA", "Q3MZ7XK2L9P4W8RT")
AWS_SECRET = v("h8Kd0Q2mZt7Vx5Lp3Rn9", "Bs4Wc6Yf1Gj8Uk2Ea0Oi")
GITHUB = v("ghp_", "R8mK2qZ7xT4nV9cL3wP6bY1sD5fH0jG8aE2u")
GITHUB_IMAGE = v("ghp_", "M2nB7vC1xZ9lK4jH6gF3dS8aP5oI0uY7tR2e")
GITHUB_URL = v("ghp_", "W4eR8tY2uI6oP0aS3dF7gH1jK5lZ9xC4vB8n")
GITHUB_PAT = v("github_pat_", "11AQZ7XK2L0", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd5Ef6Gh")
GITLAB = v("glpat-", "Zq8Xw2Ec4Rv6Tb9Yn1Um")
GITLAB_CI = v("glpat-", "Pl0Ok9Ij8Uh7Yg6Tf5Rd")
SLACK = v("xoxb-", "2841937465-1937465820-Kq9Wz3Xe5Rc7Tv")
SLACK_REASON = v("xoxp-", "5551937465-7777465820-Lm4Nb6Vc8Xz0")
OPENAI_PROJ = v("sk-", "proj-", "Tq4Lm8Zx2Cv6Bn0Kj3Hg7Fd1Sa5Pw9Qe")
OPENAI_LEGACY = v("sk-", "Ab1Cd2Ef3Gh4Ij5Kl6Mn", "T3Blbk", "FJ", "Op7Qr8St9Uv0Wx1Yz2Ab")
ANTHROPIC = v("sk-", "ant-", "api03-", "Xy7Zk2Lm9Qp4Rt6Vw1Bn8Cd3Ef5Gh0Jk" * 3, "-AA")
ANTHROPIC_ENV = v("sk-", "ant-", "admin01-", "Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc" * 2, "AA")
OPENROUTER = v("sk-", "or-", "v1-", "0f1e2d3c4b5a6978" * 4)
LANGFUSE = v("sk-", "lf-", "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d")
COMPATIBLE = v("sk-", "9f8e7d6c5b4a39281706f5e4d3c2b1a0")
HF = v("hf_", "QpWoEiRuTyAlSkDjFhGzXmCnVb1234")
HF_PATH = v("hf_", "ZaXsCdVfBgNhMjKlPoIuYtRe567890")
HF_NAME = v("hf_", "LkJhGfDsApOiUyTrEwQmNbVc901234")
HF_NOTEBOOK = v("hf_", "MnBvCxZlKjHgFdSaPoIuYtRe3456")
GOOGLE = v("AIza", "SyD3k9Lm2Qp8Zx4Cv7Bn1Mq6Wr0Te5Yu9IO")
STRIPE = v("sk_", "live_", "4eC39HqLyjWDarjtT1zdp7dc")
WANDB = v("0123456789abcdef", "fedcba987654321001234567")
PASSWORD = v("Kr8pLm2Qz9x", "Vb4NwT6yH")
DB_PASSWORD = v("Zt5Yq1Wn7Xm", "Ce3RvB9uK")
RULE_TOKEN = v("ghp_", "T1tL3eR5oU7dE9fA2bC4dE6fG8hI0jK1lM3n")
KEY_BODY = [v("MIIEpAIBAAKCAQEA7yQ2mZt7Vx5Lp3Rn9Bs4Wc6Yf1Gj8", "Uk2Ea0OiQ3MZ7XK2L9P4W8RTh8Kd0"),
            v("Q2mZt7Vx5Lp3Rn9Bs4Wc6Yf1Gj8Uk2Ea0OiR8mK2qZ7x", "T4nV9cL3wP6bY1sD5fH0jG8aE2u")]
PRIVATE_KEY = v("-----BEGIN RSA ", "PRIVATE KEY-----")

FILES: dict[str, str] = {
    "train.py": "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
                "df = pd.read_csv('data/train.csv')\nLinearRegression().fit(df, df)\n",
    "app/settings.py": (
        f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\n'
        f'aws_secret_access_key = "{AWS_SECRET}"\n'
        f'GITHUB_TOKEN = "{GITHUB}"\n'
        f'OPENAI_KEY = "{OPENAI_LEGACY}"\n'
        f'CLAUDE = "{ANTHROPIC}"\n'
        f'GOOGLE = "{GOOGLE}"\n'
        f'STRIPE = "{STRIPE}"\n'
        f'password = "{PASSWORD}"\n'
        f'DATA = "/home/alice/{HF_PATH}/train.csv"\n'  # an absolute path: its evidence quotes the string
        f'OLD = "{COMPATIBLE}"  # mlops-audit: ignore[GOV001] rotated already, it was {COMPATIBLE}\n'
    ),
    "config.yaml": (f"slack: {SLACK}\ngitlab: {GITLAB}\nrouter: {OPENROUTER}\n"
                    f"database:\n  password: \"{DB_PASSWORD}\"\n"),
    ".env": (f"ANTHROPIC_API_KEY={ANTHROPIC_ENV}\nOPENAI_API_KEY={OPENAI_PROJ}\nLANGFUSE_SECRET_KEY={LANGFUSE}\n"
             f"WANDB_API_KEY={WANDB}\n"),
    "secrets.txt": f"{PRIVATE_KEY}\n{KEY_BODY[0]}\n{KEY_BODY[1]}\n-----END RSA PRIVATE KEY-----\n",
    "deploy/Dockerfile": f"FROM registry.example.com/trainer-{GITHUB_IMAGE}\nCMD [\"python\"]\n",
    "requirements.txt": f"pandas\ngit+https://{GITHUB_URL}@github.com/acme/private.git\n",
    ".github/workflows/ci.yml": f"on: push\njobs:\n  t:\n    env: {{TOKEN: {GITLAB_CI}\n    steps: [\n",
    f"data/{HF_NAME}.csv": "a,b\n1,2\n",
    "data/train.csv": "a,b\n1,2\n",
    "notebooks/explore.ipynb": notebook(f'login(token="{HF_NOTEBOOK}")\n', "print(token)\n", outputs=True,
                                        counts=[1, 2]),
    "pyproject.toml": (
        '[project]\nname = "planted"\nrequires-python = ">=3.10"\n'
        f'[tool.mlops-audit.ignore]\nMON004 = "alerts go to {SLACK_REASON}"\n'
        '[[tool.mlops-audit.rules]]\n'
        f'id = "ORG001"\npillar = "governance"\nseverity = "error"\nlevel = 1\ntitle = "Owners {RULE_TOKEN}"\n'
        f'why = "See {RULE_TOKEN}"\nfix = "Add CODEOWNERS"\ncheck = {{ any_file = ["CODEOWNERS"] }}\n'
    ),
}
PLANTED = [AWS_ID, AWS_SECRET, GITHUB, GITHUB_IMAGE, GITHUB_URL, GITHUB_PAT, GITLAB, GITLAB_CI, SLACK, SLACK_REASON,
           OPENAI_PROJ, OPENAI_LEGACY, ANTHROPIC, ANTHROPIC_ENV, OPENROUTER, LANGFUSE, COMPATIBLE, HF, HF_PATH,
           HF_NAME, HF_NOTEBOOK, GOOGLE, STRIPE, WANDB, PASSWORD, DB_PASSWORD, RULE_TOKEN, PRIVATE_KEY]


def _with_output(nb_text: str, output: str) -> str:
    nb = json.loads(nb_text)
    nb["cells"][1]["outputs"][0]["text"] = [output]
    nb["cells"][0]["source"].append(f"hub_token = '{HF}'\n")
    return json.dumps(nb)


FILES["notebooks/explore.ipynb"] = _with_output(FILES["notebooks/explore.ipynb"], f"{GITHUB_PAT}\n")


def detected_values(root: Path) -> set[str]:
    """What the scanner finds in the planted repository: in every file's text, in each notebook cell's source
    and outputs (as the audit reads them), and in every file name."""
    found: set[str] = set()
    for path in root.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        found.update(value for _, _, value in find_secrets(path.relative_to(root).as_posix()))
        raw = path.read_bytes()
        if path.suffix == ".ipynb":
            nb = parse_notebook(raw)
            for cell in nb.cells:
                for text in (cell.source, cell.output_text):
                    found.update(value for _, _, value in find_secrets(text))
        else:
            found.update(value for _, _, value in find_secrets(raw.decode("utf-8")))
    return found


def secret_part(value: str) -> str:
    """The part of a value that a mask never shows (all of it but the provider prefix)."""
    return value[len(mask(value)) - 4:]


def windows(value: str, size: int = 12) -> set[str]:
    return {value[i:i + size] for i in range(max(1, len(value) - size + 1))}


class Runner:
    def __init__(self, base: Path, repo: Path) -> None:
        self.base, self.repo = base, repo
        self.outputs: dict[str, str] = {}
        self.env = {k: val for k, val in os.environ.items() if not k.startswith("GIT_")}
        self.env.update(HOME=str(base / "home"), MLOPS_AUDIT_CACHE_DIR=str(base / "cache"), NO_COLOR="1")

    def run(self, *args: str, codes: tuple[int, ...] = (0, 1)) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "mlops_audit", *args], cwd=self.repo, env=self.env,
                              capture_output=True, text=True, timeout=180, errors="replace")
        assert proc.returncode in codes, (args, proc.returncode, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, proc.stderr
        self.outputs[f"{' '.join(args)} [stdout]"] = proc.stdout
        self.outputs[f"{' '.join(args)} [stderr]"] = proc.stderr
        return proc

    def file(self, path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        self.outputs[str(path)] = text
        return text

    def with_a_terminal(self, *args: str) -> None:
        """Run with stderr on a pseudo-terminal, so that the progress bar is drawn, and keep what it drew."""
        master, slave = os.openpty()
        env = {k: val for k, val in self.env.items() if k != "CI"}
        proc = subprocess.Popen([sys.executable, "-m", "mlops_audit", *args], cwd=self.repo, env=env,
                                stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        drawn = b""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other end closed
                    break
                if not chunk:
                    break
                drawn += chunk
            elif proc.poll() is not None:
                break
        out, _ = proc.communicate(timeout=60)
        os.close(master)
        self.outputs[f"{' '.join(args)} [terminal stderr]"] = drawn.decode("utf-8", "replace")
        self.outputs[f"{' '.join(args)} [stdout, stderr on a terminal]"] = out.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("planted")
    repo = base / "repo"
    for rel, content in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    (base / "home").mkdir()
    git(repo, "init", "-q", "-b", "main", "--template=")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "planted")
    return base, repo


def test_the_scanner_finds_every_planted_value(planted: tuple[Path, Path]) -> None:
    _, repo = planted
    found = detected_values(repo)
    missing = [value for value in PLANTED if value not in found]
    assert not missing, missing


def test_no_detected_value_appears_in_any_output(planted: tuple[Path, Path]) -> None:
    base, repo = planted
    values = detected_values(repo)
    assert set(PLANTED) <= values
    run = Runner(base, repo)
    reports = base / "reports"
    reports.mkdir(exist_ok=True)
    for fmt in FORMATS:
        run.run(".", "-f", fmt)
        run.run(".", "-f", fmt, "-o", str(reports / f"report.{fmt}"))
        run.file(reports / f"report.{fmt}")
        run.run(".", "app", "-f", fmt)  # two audits, combined
    doc = json.loads(run.outputs[". -f json [stdout]"])
    gov = [f for f in doc["findings"] + doc["suppressed"] if f["rule"] == "GOV001"]
    assert len(gov) >= 20, "the audit reports the planted secrets"  # (at most one per line)
    assert any(f.get("suppressed") for f in gov)  # the suppression whose reason quotes the value
    run.run(".", "--verbose")
    run.run(".", "--quiet")
    run.run("explain", "GOV001", codes=(0,))
    run.run("explain", "ORG001", codes=(0,))  # the repository's own rule, its title holding a token
    run.run("rules", codes=(0,))
    run.run("rules", "--format", "json", codes=(0,))
    run.run("baseline", ".", "-o", str(base / "baseline.json"), codes=(0,))
    run.file(base / "baseline.json")
    run.run(".", "--baseline", str(base / "baseline.json"))
    run.run("notebooks", "notebooks/explore.ipynb")
    run.run(f"data/{HF_NAME}.csv", codes=(2,))  # not a directory: the error names the path
    broken = base / "broken.toml"
    broken.write_text(f'token = "{GITHUB}\n', encoding="utf-8")
    run.run(".", "--config", str(broken), codes=(2,))
    run.with_a_terminal(".", "--no-color")
    assert "auditing" in run.outputs[". --no-color [terminal stderr]"], "the progress bar was drawn"

    leaks = {(where, value) for where, text in run.outputs.items() for value in values if value in text}
    assert not leaks, sorted(leaks)
    # not even a part of one: only a provider prefix is ever shown ("ghp_****")
    parts = {w: value for value in [*values, *KEY_BODY] if value != PRIVATE_KEY for w in windows(secret_part(value))}
    partial = {(where, parts[w]) for where, text in run.outputs.items() for w in parts if w in text}
    assert not partial, sorted(partial)
    assert "ghp_****" in run.outputs[". -f json [stdout]"]  # the masked form is what they show


# --------------------------------------------------------------------------- provider labels
LABELS = [
    (ANTHROPIC, "Anthropic API key"),
    (ANTHROPIC_ENV, "Anthropic API key"),
    (OPENAI_PROJ, "OpenAI API key"),
    (v("sk-", "svcacct-", "Tq4Lm8Zx2Cv6Bn0Kj3Hg7Fd1Sa5Pw9QeR"), "OpenAI API key"),
    (v("sk-", "admin-", "Tq4Lm8Zx2Cv6Bn0Kj3Hg7Fd1Sa5Pw9QeR"), "OpenAI API key"),
    (OPENAI_LEGACY, "OpenAI API key"),
    (OPENROUTER, "OpenRouter API key"),
    (LANGFUSE, "Langfuse secret key"),
    (COMPATIBLE, "OpenAI-compatible API key"),
    (GITHUB, "GitHub token"),
    (GITHUB_PAT, "GitHub token"),
    (GITLAB, "GitLab token"),
    (SLACK, "Slack token"),
    (HF, "Hugging Face token"),
    (GOOGLE, "Google API key"),
    (STRIPE, "Stripe live key"),
    (AWS_ID, "AWS access key ID"),
]


@pytest.mark.parametrize(("value", "kind"), LABELS)
def test_each_provider_is_named_correctly(value: str, kind: str) -> None:
    for text in (f'KEY = "{value}"', f"KEY={value}", f"key: {value}"):
        assert scan_text(text) == [(1, kind)], text
        assert find_secrets(text) == [(1, kind, value)]


def test_secret_values_are_what_the_scan_points_at() -> None:
    assert find_secrets(f"aws_secret_access_key = '{AWS_SECRET}'") == [(1, "AWS secret access key", AWS_SECRET)]
    assert find_secrets(f"WANDB_API_KEY={WANDB}") == [(1, "Weights & Biases API key", WANDB)]
    assert find_secrets(f'password = "{PASSWORD}"') == [(1, "hard-coded password", PASSWORD)]


SK_STARTS = ["", "ant-", "ant-api03-", "or-", "or-v1-", "lf-", "proj-", "svcacct-", "admin-", "Ab1Cd2Ef3Gh4Ij5Kl6Mn"]


@given(st.sampled_from(SK_STARTS), st.sampled_from(["", "T3BlbkFJ"]),
       st.text("abcdefABCDEF0123456789-_", min_size=0, max_size=120))
def test_an_sk_key_has_exactly_one_kind(start: str, marker: str, rest: str) -> None:
    """The sk- patterns exclude each other: whatever the key, at most one of them matches where it starts
    (so the kind does not depend on the order of the list), and one does whenever the old single pattern did."""
    key = f"sk-{start}{marker}{rest}"
    kinds = [kind for kind, pattern, _, _ in secrets.PATTERNS if pattern.match(key)]
    assert len(kinds) <= 1, (key, kinds)
    if re.match(r"sk-(?:proj-)?[A-Za-z0-9_\-]{32,}", key) and not re.match(
            r"sk-(?:ant-|or-v1-|lf-|proj-|svcacct-|admin-)[A-Za-z0-9_\-]{0,31}(?![A-Za-z0-9_\-])", key):
        assert kinds, key


@given(st.sampled_from([value for value, _ in LABELS]), st.text(max_size=20), st.text(max_size=20))
def test_redact_masks_every_value_wherever_it_is(value: str, before: str, after: str) -> None:
    """Every occurrence, not one per line as the scan reports them (a provider format needs no context)."""
    text = f"{before} x = '{value}' and {value} {after}"  # a word ends where the value ends
    shown = redact(text)
    assert value not in shown
    assert redact(shown) == shown


def test_redact_masks_values_known_by_their_context() -> None:
    assert redact(f'password = "{PASSWORD}"; WANDB_API_KEY={WANDB}') == 'password = "****"; WANDB_API_KEY=****'


def test_mask_shows_at_most_the_provider_prefix() -> None:
    assert mask(GITHUB) == "ghp_****" and mask(ANTHROPIC) == "sk-ant-****" and mask(OPENAI_PROJ) == "sk-proj-****"
    assert mask(AWS_ID) == "****" and mask(PASSWORD) == "****"


# --------------------------------------------------------------------------- the cap on evidence
TOKENS = [v("ghp_", f"{i:04d}", "Q7w9ErT2yU4iO6pA8sD0fG1hJ3kL5zXY") for i in range(60)]


@pytest.fixture(scope="module")
def sixty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("sixty") / "repo"
    repo.mkdir()
    (repo / "keys.py").write_text("".join(f'TOKEN_{i} = "{t}"\n' for i, t in enumerate(TOKENS)), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main", "--template=")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "sixty tokens")
    return repo


def test_sixty_tokens_say_50_of_60_in_every_format(sixty: Path) -> None:
    from mlops_audit.reporters import render
    from repo_builder import audit

    report = audit(sixty)
    gov = next(r for r in report.results if r.rule.id == "GOV001")
    assert (len(gov.findings), gov.omitted, gov.evidence_total) == (50, 10, 60)
    note = "50 of 60 shown (10 more not listed)"
    for fmt in FORMATS:
        out = render(report, fmt, color=False)
        if fmt == "badge":
            continue  # a score badge lists no evidence
        assert note in out or fmt == "json", fmt  # the JSON says it with numbers (below)
        assert not any(t in out for t in TOKENS), fmt
    doc = json.loads(render(report, "json"))
    rule = next(r for r in doc["rules"] if r["id"] == "GOV001")
    assert (rule["findings"], rule["evidence_total"], rule["not_shown"]) == (50, 60, 10)
    sarif = json.loads(render(report, "sarif"))["runs"][0]
    assert sarif["properties"]["notShown"]["GOV001"] == {"shown": 50, "total": 60}
    assert [n["associatedRule"]["id"] for n in sarif["invocations"][0]["toolExecutionNotifications"]] == ["GOV001"]
    junit = ET.fromstring(render(report, "junit"))
    failure = next(c for c in junit.iter("testcase") if c.get("name", "").startswith("GOV001")).find("failure")
    assert failure is not None and note in failure.get("message", "") and note in (failure.text or "")
    from mlops_audit.checkcmd import quiet_lines

    assert f".: GOV001 [error] {note}" in quiet_lines([report])


def test_the_json_report_with_a_cap_validates(sixty: Path) -> None:
    import jsonschema
    from mlops_audit.reporters import render
    from repo_builder import audit

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "schema" / "report-v1.schema.json")
                        .read_text(encoding="utf-8"))
    doc = json.loads(render(audit(sixty), "json"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert errors == []
    assert any(r["not_shown"] for r in doc["rules"])


def test_sampled_repository_level_evidence_is_counted_too(tmp_path: Path) -> None:
    """Rules that point at a few example files (no experiment tracking: the first five training files) count
    the others: "5 of 7 shown"."""
    from repo_builder import audit, make_repo

    files: dict[str, str | bytes] = {
        f"train_{i}.py": "from sklearn.linear_model import LinearRegression\nLinearRegression().fit(X, y)\n"
        for i in range(7)}
    report = audit(make_repo(tmp_path / "r", files))
    mod = next(r for r in report.results if r.rule.id == "MOD002")
    assert mod.status == "fail" and mod.cap_note() == "5 of 7 shown (2 more not listed)"


PIECES = st.sampled_from([value for value, _ in LABELS] + [
    "password", "token", "WANDB_API_KEY", "wandb_ap\u0131_key", "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY",
    " = ", "=", ": ", "'", '"', " ", "\n", PASSWORD, WANDB, AWS_SECRET, "AKIA", "sk-", "hf_", "x" * 20])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_the_redact_prefilter_never_keeps_a_value(text: str) -> None:
    """``redact`` first looks for anything a secret could start with: that never changes its result."""
    import re as regex

    fast = redact(text)
    saved = secrets._MAYBE
    secrets._MAYBE = regex.compile("")  # every text goes through every pattern
    try:
        assert redact(text) == fast
    finally:
        secrets._MAYBE = saved
