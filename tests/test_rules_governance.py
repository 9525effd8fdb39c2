"""Governance, design, versioning and the audit itself: GOV001-003, DES001-002, VER001-002, AUD001-002;
and the configuration that changes what fires: ``ignore`` with reasons, per-path ignores, custom rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ml_fixtures import TRAIN, Files, build, clean_project, config, findings, locations, paths, result, with_status
from mlops_audit.reporters import render
from repo_builder import failing, notebook, status

# Fake credentials, assembled at run time so no scanner mistakes this file for a leak.
AWS_KEY = "AKIA" + "QWERTYUIOPASDFGH"
GH_TOKEN = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
HF_TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz12345678"
GENERIC_SECRET = "q8Zt2Lm9Xv" + "4Rb7Nc1Kd5"
PEM_HEADER = "-----BEGIN RSA " + "PRIVATE KEY-----"


# --------------------------------------------------------------------------- GOV001
@pytest.mark.parametrize(
    ("path", "text", "line", "kind"),
    [
        ("src/settings.py", f"import os\n\nAWS_KEY = '{AWS_KEY}'\n", 3, "AWS access key ID"),
        (".env", f"GITHUB_TOKEN={GH_TOKEN}\n", 1, "GitHub token"),
        ("config/app.yaml", f"hub:\n  token: {HF_TOKEN}\n", 2, "Hugging Face token"),
        ("deploy/key.pem.txt", PEM_HEADER + "\nMIIE\n", 1, "private key"),
        ("src/db.py", f'password = "{GENERIC_SECRET}"\n', 1, "hard-coded password"),
        ("Dockerfile", f"FROM python:3.11\nENV HF_TOKEN={HF_TOKEN}\n", 2, "Hugging Face token"),
    ],
)
def test_gov001_secret_fires_with_kind_and_line(tmp_path: Path, path: str, text: str, line: int, kind: str) -> None:
    report = build(tmp_path, {path: text})
    assert status(report, "GOV001") == "fail"
    (f,) = findings(report, "GOV001")
    assert (f.path, f.line, f.cell) == (path, line, None)
    assert f.message.startswith(kind)


def test_gov001_notebook_source_and_output_carry_the_cell(tmp_path: Path) -> None:
    doc = json.loads(notebook("import os\n", f"os.environ['HF'] = '{HF_TOKEN}'\n"))
    doc["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"key {AWS_KEY}\n"]}]
    report = build(tmp_path, {"nb.ipynb": json.dumps(doc)})
    assert sorted(locations(report, "GOV001"), key=str) == [("nb.ipynb", 1, 2), ("nb.ipynb", None, 1)]
    assert any("in cell output" in f.message for f in findings(report, "GOV001"))


def test_gov001_secret_value_never_appears_in_any_output(tmp_path: Path) -> None:
    files = {"src/settings.py": f"AWS = '{AWS_KEY}'\ntoken = '{GH_TOKEN}'\n", ".env": f"HF_TOKEN={HF_TOKEN}\n",
             "nb.ipynb": notebook(f"password = '{GENERIC_SECRET}'\n")}
    report = build(tmp_path, files)
    assert len(findings(report, "GOV001")) == 4
    outputs = [render(report, "json"), render(report, "terminal", color=False, verbose=True)]
    for text in outputs:
        for secret in (AWS_KEY, GH_TOKEN, HF_TOKEN, GENERIC_SECRET):
            assert secret not in text
            assert secret[4:16] not in text  # no partial value either
    doc = json.loads(outputs[0])
    assert {f["path"] for f in doc["findings"] if f["rule"] == "GOV001"} == {"src/settings.py", ".env", "nb.ipynb"}


@pytest.mark.parametrize(
    "text",
    [
        "api_key = os.environ['OPENAI_API_KEY']\n",
        'api_key = "your-api-key-here-000000"\n',
        'password = "changeme-changeme-123"\n',
        'token = "aaaaaaaaaaaaaaaaaaaa11"\n',  # low entropy
        'secret_name = "projects/x/secrets/db-password/versions/1"\n',
    ],
)
def test_gov001_non_secrets_pass(tmp_path: Path, text: str) -> None:
    assert status(build(tmp_path, {"src/settings.py": text}), "GOV001") == "pass"


def test_gov001_lock_files_and_binaries_are_not_scanned(tmp_path: Path) -> None:
    files: Files = {"poetry.lock": f'token = "{GENERIC_SECRET}"\n', "data.bin": AWS_KEY.encode()}
    assert status(build(tmp_path, files), "GOV001") == "pass"


# --------------------------------------------------------------------------- GOV002
def test_gov002_model_without_card_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "docs/model.md": "# about\n"})
    assert status(report, "GOV002") == "fail"


@pytest.mark.parametrize("path", ["MODEL_CARD.md", "docs/model_card.md", "modelcard.yaml", "Model_Card.pdf"])
def test_gov002_model_card_passes(tmp_path: Path, path: str) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, path: "card\n"}), "GOV002") == "pass"


def test_gov002_not_applicable_without_a_model(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"lib.py": "x = 1\n"}), "GOV002") == "not_applicable"


# --------------------------------------------------------------------------- GOV003
def test_gov003_no_license_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "vendor/LICENSE": "MIT\n"})
    assert status(report, "GOV003") == "fail"


@pytest.mark.parametrize(
    "files",
    [
        {"LICENSE": "MIT\n"},
        {"LICENSE.txt": "MIT\n"},
        {"COPYING": "GPL\n"},
        {"licence.md": "MIT\n"},
        {"pyproject.toml": '[project]\nname = "x"\nversion = "0"\nlicense = "MIT"\n'},
        {"pyproject.toml": '[tool.poetry]\nname = "x"\nlicense = "Proprietary"\n'},
        {"setup.cfg": "[metadata]\nlicense = MIT\n"},
    ],
    ids=lambda m: next(iter(m)) + "-" + next(iter(m.values()))[:12].strip(),
)
def test_gov003_license_passes(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {"lib.py": "x = 1\n", **files}), "GOV003") == "pass"


# --------------------------------------------------------------------------- DES001 / DES002
def test_des001_readme_only_in_a_subfolder_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"docs/README.md": "# docs\n", "lib.py": "x = 1\n"})
    assert status(report, "DES001") == "fail"


@pytest.mark.parametrize("name", ["README.md", "README", "readme.rst", "Readme.txt"])
def test_des001_root_readme_passes(tmp_path: Path, name: str) -> None:
    assert status(build(tmp_path, {name: "# x\n"}), "DES001") == "pass"


def test_des002_ml_project_without_design_doc_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "docs/usage.md": "# usage\n"})
    assert status(report, "DES002") == "fail"


@pytest.mark.parametrize(
    "path",
    ["docs/design.md", "DESIGN.md", "design-notes.md", "docs/adr/0001-use-dvc.md", "docs/decisions/001.md",
     "docs/churn-design-doc.md", "docs/rfc-001.md"],
)
def test_des002_design_docs_pass(tmp_path: Path, path: str) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, path: "# design\n"}), "DES002") == "pass"


def test_des002_not_applicable_outside_ml(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"lib.py": "x = 1\n"}), "DES002") == "not_applicable"


# --------------------------------------------------------------------------- VER001
def test_ver001_not_under_git_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n"}, git_init=False)
    assert status(report, "VER001") == "fail"
    assert not report.is_git


def test_ver001_git_work_tree_passes_even_before_the_first_commit(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n"}, commit=False)
    assert status(report, "VER001") == "pass"


# --------------------------------------------------------------------------- VER002
SPRAWL = ["model_final_v2_FIXED.pkl", "notebooks/train_copy.ipynb", "data (1).csv", "Copy of notes.md",
          "report - Copy.docx", "train_old.py", "utils.bak.py", "train.py.orig", "analysis_v3.ipynb",
          "config-backup.yaml", "draft/eval_WIP.py", "features_v2.tar.gz", ".env.old"]
INNOCENT = ["new.py", "final.py", "oldest.py", "copy.py", "v2.py", "renew.py", "api_v2/handler.py", "bold.py",
            "newton.py", "latest_news.md", "tmpl.html", "jquery-3.7.1.min.js", "data.tar.gz", ".env.example",
            "python3.11.txt", "docs/schema/report-v1.schema.json", "openapi_v3.yaml", "proto/service_v2.proto"]


@pytest.mark.parametrize("name", SPRAWL)
def test_ver002_version_in_file_name_fires(tmp_path: Path, name: str) -> None:
    # a version word (``_v3``) is a copy when the unversioned original is beside it; a copy word is one alone
    originals = {"analysis_v3.ipynb": "analysis.ipynb", "features_v2.tar.gz": "features.tar.gz"}
    files = {name: "x\n", "README.md": "# x\n"}
    if name in originals:
        files[originals[name]] = "x\n"
    report = build(tmp_path, files)
    assert status(report, "VER002") == "fail"
    assert locations(report, "VER002") == [(name, None, None)]


def test_ver002_innocent_names_pass(tmp_path: Path) -> None:
    report = build(tmp_path, {name: "x = 1\n" for name in INNOCENT})
    assert status(report, "VER002") == "pass", paths(report, "VER002")


# --------------------------------------------------------------------------- AUD001
@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("src/broken.py", "def f(:\n", "syntax error at line 1"),
        ("nb.ipynb", "{not json", "not valid notebook JSON"),
        ("empty.ipynb", "", "empty file, not a notebook"),
        ("dvc.yaml", "stages: [\n", ""),
        (".github/workflows/ci.yml", "on: [push\n", ""),
        ("src/latin1.py", b"x = '\xe9'\n", "not valid UTF-8"),
        ("Pipfile", "[packages\n", "invalid TOML"),
        ("environment.yml", "dependencies: [\n", ""),
    ],
)
def test_aud001_unreadable_file_fires_with_its_path(
    tmp_path: Path, path: str, content: str | bytes, message: str
) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", path: content})
    assert status(report, "AUD001") == "fail"
    (f,) = findings(report, "AUD001")
    assert f.path == path and message in f.message


def test_invalid_pyproject_is_reported_once_by_aud002(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": "[project\n"})
    assert status(report, "AUD001") == "pass"
    (f,) = findings(report, "AUD002")
    assert f.path == "pyproject.toml" and "could not be parsed" in f.message


def test_aud001_notebook_cell_syntax_error(tmp_path: Path) -> None:
    report = build(tmp_path, {"nb.ipynb": notebook("x = 1\n", "%time y = 2\nfor\n")})
    (f,) = findings(report, "AUD001")
    assert f.path == "nb.ipynb" and f.message.startswith("cell 2: syntax error")


def test_aud001_readable_repo_passes(tmp_path: Path) -> None:
    files = {"lib.py": "x = 1\n", "nb.ipynb": notebook("%%bash\necho hi\n", "!pip install x\ny = 2\n")}
    assert status(build(tmp_path, files), "AUD001") == "pass"


# --------------------------------------------------------------------------- AUD002 and configuration
@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("colour = 1", "unknown key `colour`"),
        ('fail-on = "sometimes"', "invalid setting, configuration not applied"),
        ("large-file-mb = true", "invalid setting"),
    ],
)
def test_aud002_bad_configuration_fires(tmp_path: Path, section: str, message: str) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": config(section)})
    assert status(report, "AUD002") == "fail"
    (f,) = findings(report, "AUD002")
    assert f.path == "pyproject.toml" and message in f.message
    assert status(report, "AUD001") == "pass"  # reported once, by AUD002


def test_aud002_unparsable_dedicated_config(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", ".mlops-audit.toml": "select = [\n"})
    (f,) = findings(report, "AUD002")
    assert f.path == ".mlops-audit.toml" and "could not be parsed" in f.message


def test_aud002_good_configuration_passes(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": config('ignore = ["GOV003"]\nlarge-file-mb = 5')})
    assert status(report, "AUD002") == "pass"


def test_config_ignore_table_gives_status_ignored_with_reason(tmp_path: Path) -> None:
    section = '[tool.mlops-audit.ignore]\nGOV003 = "internal project, no license needed"\nTST = ""\n'
    pyproject = '[project]\nname = "x"\nversion = "0"\n\n' + section
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": pyproject})
    assert status(report, "GOV003") == "ignored"
    assert result(report, "GOV003").reason == "internal project, no license needed"
    assert {r.rule.id for r in report.results if r.status == "ignored"} == {
        "GOV003", "TST001", "TST002", "TST003", "TST004", "TST005"}
    assert result(report, "TST001").reason == "ignored in configuration"
    assert report.level == 0  # an ignored level-1 rule is not an adopted practice
    doc = json.loads(render(report, "json"))
    (rule,) = [r for r in doc["rules"] if r["id"] == "GOV003"]
    assert (rule["status"], rule["reason"]) == ("ignored", "internal project, no license needed")


def test_config_ignore_list(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": config('ignore = ["no-license"]')})
    assert status(report, "GOV003") == "ignored"


def test_per_path_ignores_drop_findings_in_matching_paths(tmp_path: Path) -> None:
    files = {"pyproject.toml": config('[tool.mlops-audit.per-path-ignores]\n"scripts/**" = ["MOD006", "DAT005"]'),
             "scripts/one_off.py": "import pickle\nm = pickle.load(open('/home/me/m.pkl', 'rb'))\n",
             "src/serve.py": "import pickle\nm = pickle.load(f)\n"}
    report = build(tmp_path, files)
    assert locations(report, "MOD006") == [("src/serve.py", 2, None)]
    assert status(report, "DAT005") == "pass"  # its only finding was under scripts/


def test_exclude_skips_paths_entirely(tmp_path: Path) -> None:
    files = {"pyproject.toml": config('exclude = ["legacy/"]'), "legacy/old_v2.py": "import pickle\npickle.load(f)\n",
             "lib.py": "x = 1\n"}
    report = build(tmp_path, files)
    assert status(report, "MOD006") == "pass"
    assert status(report, "VER002") == "pass"


def test_select_runs_only_the_selected_rules(tmp_path: Path) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": config('select = ["DES", "GOV003"]')})
    assert {r.rule.id for r in report.results} == {"DES001", "DES002", "GOV003"}


CUSTOM_RULES = """
[[tool.mlops-audit.rules]]
id = "ACME001"
pillar = "governance"
severity = "error"
level = 1
title = "No CODEOWNERS"
why = "Someone must own each change."
fix = "Add .github/CODEOWNERS."
check = { any_file = ["/.github/CODEOWNERS", "/CODEOWNERS"] }

[[tool.mlops-audit.rules]]
id = "ACME002"
pillar = "model"
severity = "warning"
level = 2
title = "Use the internal registry client, not boto3"
why = "Direct S3 access bypasses lineage."
fix = "Use acme_registry."
applies_when = ["trains"]
check = { no_import = ["boto3"] }

[[tool.mlops-audit.rules]]
id = "ACME003"
pillar = "deploy"
severity = "info"
level = 3
title = "No print in the service"
why = "Use logging."
fix = "logger.info"
check = { no_call = ["^print$"], no_text = { files = ["*.cfg"], pattern = "debug\\\\s*=\\\\s*true" } }
"""


def test_custom_rules_fire_with_locations(tmp_path: Path) -> None:
    files = {"pyproject.toml": config(CUSTOM_RULES), "train.py": "import boto3\n" + TRAIN + "print('done')\n",
             "nb.ipynb": notebook("x = 1\n", "import boto3.s3\n"), "setup.cfg": "[tool]\ndebug = true\n"}
    report = build(tmp_path, files)
    assert {"ACME001", "ACME002", "ACME003"} <= failing(report)
    assert status(report, "AUD002") == "pass"
    assert locations(report, "ACME002") == [("train.py", 1, None), ("nb.ipynb", 1, 2)]
    assert sorted(locations(report, "ACME003"), key=str) == [("setup.cfg", 2, None), ("train.py", 6, None)]
    assert result(report, "ACME001").rule.source == "custom"


def test_custom_rules_pass_and_respect_applies_when(tmp_path: Path) -> None:
    files = {"pyproject.toml": config(CUSTOM_RULES), ".github/CODEOWNERS": "* @acme/ml\n",
             "lib.py": "import boto3\nimport logging\nlogging.info('x')\n"}
    report = build(tmp_path, files)
    assert status(report, "ACME001") == "pass"
    assert status(report, "ACME002") == "not_applicable"  # boto3 is fine where nothing is trained
    assert status(report, "ACME003") == "pass"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ('id = "GOV001"\npillar = "governance"\nseverity = "info"\nlevel = 1\ntitle = "t"\nwhy = "w"\nfix = "f"\n'
         'check = { any_file = ["x"] }', "already taken"),
        ('id = "ACME009"\npillar = "governance"\nseverity = "info"\nlevel = 1\ntitle = "t"\nwhy = "w"\nfix = "f"\n'
         'check = { any_files = ["x"] }', "unknown check key"),
        ('id = "ACME009"\npillar = "governance"\nseverity = "info"\nlevel = 1\ntitle = "t"\nwhy = "w"\nfix = "f"\n'
         'check = { no_call = ["("] }', "regex"),
        ('id = "ACME009"\npillar = "fun"\nseverity = "info"\nlevel = 1\ntitle = "t"\nwhy = "w"\nfix = "f"\n'
         'check = { any_file = ["x"] }', "unknown pillar"),
    ],
    ids=["duplicate-id", "unknown-key", "bad-regex", "bad-pillar"],
)
def test_invalid_custom_rule_is_reported_by_aud002(tmp_path: Path, rule: str, problem: str) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "pyproject.toml": config("[[tool.mlops-audit.rules]]\n" + rule)})
    assert status(report, "AUD002") == "fail"
    assert any(problem in f.message for f in findings(report, "AUD002"))
    assert "ACME009" not in {r.rule.id for r in report.results}


def test_clean_project_with_custom_rule_fires_only_it(tmp_path: Path) -> None:
    files = clean_project()
    files["pyproject.toml"] += "\n[tool.mlops-audit]\n" + CUSTOM_RULES.replace("[[tool.mlops-audit.rules]]",
                                                                              "[[tool.mlops-audit.rules]]", 1)
    report = build(tmp_path, files)
    assert failing(report) == {"ACME001"}
    assert with_status(report, "not_applicable") == set()
