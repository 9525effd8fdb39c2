"""Issue 13, class 7: each class of committed secret the scan must flag, next to the near miss it must not.

Written from the classes (the syntactic places a secret is bound in, the providers ML teams use, the decoys
that look like secrets), not from one repository. Every value is generated here, from the right alphabet and
length with a fixed seed: no real key, and none written in this file (the repository audits itself).

Fixtures: a value that says it is fake ("fake-...", "test-...", "dummy", "example") is quiet wherever it is; a
random-looking value is a secret even in a test file (the scan sees texts, not paths: see facts/secrets.py).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from pathlib import Path

import pytest
from ml_fixtures import build, findings
from mlops_audit.facts.secrets import DOCUMENTED, find_secrets, mask, redact, scan_text
from mlops_audit.reporters import FORMATS, render

RNG = random.Random(13)
HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def fake(alphabet: str, n: int) -> str:
    """``n`` random characters of ``alphabet`` with a digit and a letter of each case where it has them: a
    value as random as a real key."""
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(n))
        kinds = [any(c.isdigit() for c in value), any(c.islower() for c in value), any(c.isupper() for c in value)]
        wanted = [any(c.isdigit() for c in alphabet), any(c.islower() for c in alphabet),
                  any(c.isupper() for c in alphabet)]
        if kinds == wanted or n < 8:
            return value


def uid() -> str:
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


HEX40 = fake(HEX, 40)
TOKEN = fake(ALNUM, 28)
PASSWORD = fake(ALNUM, 10) + "!" + fake(ALNUM, 3)
AWS_ID = "AKIA" + fake(UPPER, 16)
AWS_SECRET = fake(B64, 40)
GOOGLE = "AIza" + fake(URLSAFE, 35)
AZURE_KEY = fake(B64, 86) + "=="
SAS_SIG = fake(ALNUM, 43) + "%3D"
AZURE_SECRET = fake(ALNUM, 3) + "8Q~" + fake(ALNUM + "_-.", 31)
DATABRICKS = "dapi" + fake(HEX, 32)
HF = "hf_" + fake(string.ascii_letters, 34)
COMET = fake(ALNUM, 25)
NEPTUNE = base64.b64encode(json.dumps({"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai",
                                       "api_key": uid()}).encode()).decode()
KAGGLE = fake(HEX, 32)
OPENAI = "sk-proj-" + fake(URLSAFE, 48)
ANTHROPIC = "sk-ant-api03-" + fake(URLSAFE, 93) + "AA"
GITHUB = "ghp_" + fake(ALNUM, 36)
GITLAB = "glpat-" + fake(URLSAFE, 20)
SLACK = "xoxb-" + fake(string.digits, 12) + "-" + fake(string.digits, 13) + "-" + fake(ALNUM, 24)
SLACK_HOOK = f"hooks.slack.com/services/T{fake(UPPER, 10)}/B{fake(UPPER, 10)}/{fake(ALNUM, 24)}"
DISCORD_HOOK = f"discord.com/api/webhooks/{fake(string.digits, 19)}/{fake(URLSAFE, 68)}"
TEAMS_HOOK = f"office.com/webhookb2/{uid()}@{uid()}/IncomingWebhook/{fake(HEX, 32)}/{uid()}"
STRIPE = "sk_" + "live_" + fake(ALNUM, 99)
TWILIO = "SK" + fake(HEX, 32)
SENDGRID = "SG." + fake(URLSAFE, 22) + "." + fake(URLSAFE, 43)
PEM_BODY = fake(B64, 64)
JWT = "eyJ" + fake(URLSAFE, 33) + ".eyJ" + fake(URLSAFE, 60) + "." + fake(URLSAFE, 43)
BASIC = base64.b64encode(f"svc:{PASSWORD}".encode()).decode()
BEGIN = "-----BEGIN "  # the header is assembled, so that this file holds none

# (class, text, kind, the value the scan must point at)
FLAGGED = [
    # the syntactic places a value is bound to a secret-sounding name
    ("environ subscript", f"os.environ['WANDB_API_KEY'] = '{HEX40}'", "Weights & Biases API key", HEX40),
    ("environ setdefault", f'os.environ.setdefault("HF_TOKEN", "{HF}")', "Hugging Face token", HF),
    ("setdefault, own name", f'os.environ.setdefault("MY_SERVICE_TOKEN", "{TOKEN}")', "hard-coded token", TOKEN),
    ("dict key", f'params = {{"api_key": "{TOKEN}", "n": 3}}', "hard-coded api key", TOKEN),
    ("subscript assignment", f'config["password"] = "{PASSWORD}"', "hard-coded password", PASSWORD),
    ("wandb.login keyword", f'wandb.login(key="{HEX40}")', "Weights & Biases API key", HEX40),
    ("attribute", f'openai.api_key = "{TOKEN}"', "OpenAI API key", TOKEN),
    ("keyword argument", f'client = Foo(api_key="{TOKEN}", timeout=3)', "hard-coded api key", TOKEN),
    ("prefixed name", f'MY_SERVICE_TOKEN = "{TOKEN}"', "hard-coded token", TOKEN),
    ("suffixed camelCase", f'dbPassword = "{PASSWORD}"', "hard-coded password", PASSWORD),
    ("YAML", f'database:\n  db_password: "{PASSWORD}"\n', "hard-coded password", PASSWORD),
    (".env unquoted", f"DB_PASSWORD={PASSWORD}\n", "hard-coded password", PASSWORD),
    ("YAML unquoted", f"db:\n  password: {PASSWORD}\n", "hard-coded password", PASSWORD),
    ("JSON key with an unquoted-looking value", f'{{"note": "x", "password": "{PASSWORD}"}}', "hard-coded password",
     PASSWORD),
    ("export", f"export API_SECRET={TOKEN}\n", "hard-coded secret", TOKEN),
    ("INI", f"[db]\npassword = {PASSWORD}\n", "hard-coded password", PASSWORD),
    ("JSON", f'{{"db_password": "{PASSWORD}"}}', "hard-coded password", PASSWORD),
    ("annotated assignment", f'password: str = "{PASSWORD}"', "hard-coded password", PASSWORD),
    ("Kubernetes env", f'env:\n  - name: DB_PASSWORD\n    value: "{PASSWORD}"\n', "hard-coded password", PASSWORD),
    ("Dockerfile ENV", f"FROM python:3.11-slim\nENV AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n", "AWS secret access key",
     AWS_SECRET),
    ("Dockerfile ENV, older form", f"FROM python:3.11-slim\nENV AWS_SECRET_ACCESS_KEY {AWS_SECRET}\n",
     "AWS secret access key", AWS_SECRET),
    ("Dockerfile ARG default", f"ARG HF_TOKEN={HF}\nRUN huggingface-cli download acme/m\n", "Hugging Face token", HF),
    ("Dockerfile ENV, own name", f"env MY_SERVICE_TOKEN  {TOKEN}\n", "hard-coded token", TOKEN),
    ("query string", f'url = "https://api.example.com/v1?api_key={TOKEN}&q=1"', "hard-coded api key", TOKEN),
    # credentials inside connection URIs
    ("postgres URI", f"postgresql://app:{PASSWORD}@db.internal:5432/prod", "password in a database URL", PASSWORD),
    ("mongodb+srv URI", f'MONGO = "mongodb+srv://u:{PASSWORD}@cluster0.ab12c.mongodb.net/x"',
     "password in a database URL", PASSWORD),
    ("git https URL", f"git clone https://bot:{HEX40}@github.com/acme/models.git", "password in a URL", HEX40),
    ("MLflow tracking URI", f"MLFLOW_TRACKING_URI=https://admin:{PASSWORD}@mlflow.acme.io",
     "password in an MLflow tracking URI", PASSWORD),
    ("redis without user", f"REDIS_URL=redis://:{PASSWORD}@cache.internal:6379/0", "password in a database URL",
     PASSWORD),
    # providers
    ("AWS access key ID", f'AWS_ACCESS_KEY_ID = "{AWS_ID}"', "AWS access key ID", AWS_ID),
    ("AWS secret access key", f"aws_secret_access_key = {AWS_SECRET}", "AWS secret access key", AWS_SECRET),
    ("AWS secret, JSON", f'{{"SecretAccessKey": "{AWS_SECRET}"}}', "AWS secret access key", AWS_SECRET),
    ("GCP service account", f'{{"type": "service_account", "private_key": "{BEGIN}PRIVATE KEY-----\\n{PEM_BODY}'
                            f'\\n-----END PRIVATE KEY-----\\n"}}', "GCP service-account key",
     BEGIN + "PRIVATE KEY-----"),
    ("Google API key", f'key = "{GOOGLE}"', "Google API key", GOOGLE),
    ("Azure storage connection string", f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={AZURE_KEY};"
                                        "EndpointSuffix=core.windows.net", "Azure storage account key", AZURE_KEY),
    ("Azure SAS token", f"https://acct.blob.core.windows.net/c/m.pt?sv=2022-11-02&se=2030-01-01&sp=r&sig={SAS_SIG}",
     "Azure SAS token", SAS_SIG),
    ("Azure client secret", f'AZURE_CLIENT_SECRET = "{AZURE_SECRET}"', "Azure client secret", AZURE_SECRET),
    ("Databricks token", f"DATABRICKS_TOKEN={DATABRICKS}", "Databricks token", DATABRICKS),
    ("Hugging Face token", f"login(token='{HF}')", "Hugging Face token", HF),
    ("W&B .env", f"WANDB_API_KEY={HEX40}", "Weights & Biases API key", HEX40),
    ("W&B CLI", f"wandb login {HEX40}", "Weights & Biases API key", HEX40),
    ("W&B .netrc", f"machine api.wandb.ai\n  login user\n  password {HEX40}\n", "password in .netrc", HEX40),
    ("Comet", f'COMET_API_KEY = "{COMET}"', "Comet API key", COMET),
    ("Comet call", f'comet_ml.init(api_key="{COMET}")', "Comet API key", COMET),
    ("Neptune", f'run = neptune.init_run(api_token="{NEPTUNE}")', "Neptune API token", NEPTUNE),
    ("Kaggle", f'{{"username":"someone","key":"{KAGGLE}"}}', "Kaggle API key", KAGGLE),
    ("OpenAI", f"OPENAI_API_KEY={OPENAI}", "OpenAI API key", OPENAI),
    ("Anthropic", f'client = Anthropic(api_key="{ANTHROPIC}")', "Anthropic API key", ANTHROPIC),
    ("GitHub token", f"GH_TOKEN: {GITHUB}", "GitHub token", GITHUB),
    ("GitLab token", f"CI_JOB: {GITLAB}", "GitLab token", GITLAB),
    ("Slack token", f"slack_bot: {SLACK}", "Slack token", SLACK),
    ("Slack webhook", f"ALERTS = 'https://{SLACK_HOOK}'", "Slack webhook", SLACK_HOOK),
    ("Discord webhook", f"url: https://{DISCORD_HOOK}", "Discord webhook", DISCORD_HOOK),
    ("Teams webhook", f'TEAMS = "https://acme.webhook.{TEAMS_HOOK}"', "Microsoft Teams webhook", TEAMS_HOOK),
    ("Stripe", f"stripe.api_key = '{STRIPE}'", "Stripe live key", STRIPE),
    ("Twilio", f"TWILIO_API_KEY_SID = '{TWILIO}'", "Twilio API key", TWILIO),
    ("SendGrid", f"sg = SendGridAPIClient('{SENDGRID}')", "SendGrid API key", SENDGRID),
    ("RSA private key", f"{BEGIN}RSA PRIVATE KEY-----\n{PEM_BODY}\n", "private key", f"{BEGIN}RSA PRIVATE KEY-----"),
    ("EC private key", f"{BEGIN}EC PRIVATE KEY-----\n{PEM_BODY}\n", "private key", f"{BEGIN}EC PRIVATE KEY-----"),
    ("OpenSSH private key", f"{BEGIN}OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE{PEM_BODY}\n", "private key",
     f"{BEGIN}OPENSSH PRIVATE KEY-----"),
    ("PGP private key", f"{BEGIN}PGP PRIVATE KEY BLOCK-----\n\nlQOYBF{PEM_BODY}\n", "private key",
     f"{BEGIN}PGP PRIVATE KEY BLOCK-----"),
    ("JWT bound to a secret name", f'JWT_SECRET = "{JWT}"', "JSON Web Token", JWT),
    ("bearer header", f'curl -H "Authorization: Bearer {TOKEN}" https://api.acme.io', "bearer token", TOKEN),
    ("basic-auth header", f'headers = {{"Authorization": "Basic {BASIC}"}}', "basic-auth credentials", BASIC),
]

# (class, text): what looks like a secret and is none
NEAR_MISSES = [
    # a sentence of a data set (an instruction-tuning record) that shows a made-up password
    ("prose in a JSON data set", f'  "output": "Here is a randomly generated 8-character password: {PASSWORD}.\\n\\n'
                                 'Please use a unique password."'),
    ("environ read", "key = os.environ['WANDB_API_KEY']"),
    ("Dockerfile ENV from a build argument",
     "ARG AWS_SECRET_ACCESS_KEY\nENV AWS_SECRET_ACCESS_KEY ${AWS_SECRET_ACCESS_KEY}"),
    ("Dockerfile ENV naming a file", "ENV MY_TOKEN_FILE /run/secrets/token\nENV PASSWORD_LENGTH 12\n"),
    ("setdefault of a reference", 'os.environ.setdefault("MY_SERVICE_TOKEN", "${MY_SERVICE_TOKEN}")'),
    ("dict key from a variable", 'params = {"api_key": api_key, "n": 3}'),
    ("password read from input", 'config["password"] = getpass.getpass("Password: ")'),
    ("password from input()", 'password = input("Password: ")'),
    ("wandb.login from the environment", 'wandb.login(key=os.environ["WANDB_API_KEY"])'),
    ("attribute from getenv", 'openai.api_key = os.getenv("OPENAI_API_KEY")'),
    ("keyword from a variable", "client = Foo(api_key=api_key, timeout=3)"),
    ("a name about a token", 'MY_SERVICE_TOKEN_URL = "https://auth.example.com/oauth2/token"'),
    ("YAML reference", "database:\n  db_password: ${DB_PASSWORD}\n"),
    ("GitHub Actions secret", "  token: ${{ secrets.HF_TOKEN }}\n"),
    ("Jinja secret", 'password: "{{ secrets.DB_PASSWORD }}"'),
    (".env empty", "DB_PASSWORD=\n"),
    (".env shell reference", "DB_PASSWORD=$POSTGRES_PASSWORD\n"),
    ("INI interpolation", "[db]\npassword = %(db_pass)s\n"),
    ("JSON variable name", '{"db_password_env": "DB_PASSWORD"}'),
    ("type annotation", "password: str"),
    ("signature", "def connect(user: str, password: str | None = None) -> Connection:"),
    ("call on the right", "token = get_token()"),
    ("call with a path", 'api_key = load_key("~/.config/acme/key.txt")'),
    ("Kubernetes secretKeyRef", "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db}\n"),
    ("postgres URI reference", "postgresql://app:${DB_PASSWORD}@db.internal:5432/prod"),
    ("mongodb URI placeholder", "mongodb+srv://<user>:<password>@cluster0.mongodb.net/x"),
    ("SQLAlchemy docs URI", 'create_engine("postgresql://scott:tiger@localhost/test")'),
    ("dev default URI", "postgres://postgres:postgres@localhost:5432/postgres"),
    ("URI naming its parts", "--backend-store-uri postgresql://DB_USER:DB_PASSWORD@DB_ENDPOINT:5432/DB_NAME"),
    ("URI naming its password", "mysql://root:MYSQLPASSWORD@localhost/app"),
    ("URI demo password naming itself", "postgresql://evidently_user:evidently_password@postgres:5432/evidently"),
    ("URI password with passwd", "amqp://worker:worker-passwd@rabbit:5672//"),
    ("redis placeholder", "REDIS_URL=redis://:password@localhost:6379/0"),
    ("URL without credentials", f"git clone https://github.com/acme/models.git@{HEX40[:7]}"),
    ("MLflow URI without password", "MLFLOW_TRACKING_URI=https://mlflow.acme.io"),
    ("AWS documented key ID", 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"'),
    ("AWS documented secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AWS key ID name, short value", 'aws_access_key_id = "AKIA1234"'),
    ("GCP key id", f'{{"type": "service_account", "private_key_id": "{HEX40}"}}'),
    ("GCP empty key", '{"type": "service_account", "private_key": ""}'),
    ("Google key too short", f'key = "AIza{fake(URLSAFE, 20)}"'),
    ("Azure placeholder", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<key>;EndpointSuffix=x"),
    ("Azurite documented key", f"AccountName=devstoreaccount1;AccountKey={DOCUMENTED[0]}"),
    ("SAS placeholder", "https://acct.blob.core.windows.net/c/m.pt?sv=2022-11-02&se=2030&sig=<signature>"),
    ("sig outside a SAS URL", f"sig={fake(ALNUM, 40)}"),
    ("Azure client ID", f'AZURE_CLIENT_ID = "{uid()}"'),
    ("Azure tenant ID", f"AZURE_TENANT_ID={uid()}"),
    ("dapi too short", f"DATABRICKS_HOST=dapi{fake(HEX, 16)}"),
    ("hf_ function", "from huggingface_hub import hf_hub_download"),
    ("hf_ placeholder", 'HF_TOKEN = "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'),
    ("git SHA in rev", f"  - repo: https://github.com/psf/black\n    rev: {HEX40}\n"),
    ("git SHA in a URL", f"https://github.com/acme/models/commit/{HEX40}"),
    ("revision pinned", f'AutoModel.from_pretrained("bert", revision="{HEX40}")'),
    ("Comet project", 'COMET_PROJECT_NAME = "churn-model-v2"'),
    ("Neptune anonymous", "NEPTUNE_API_TOKEN = neptune.ANONYMOUS_API_TOKEN"),
    ("Kaggle placeholder", '{"username":"someone","key":"<your kaggle key>"}'),
    ("a key that is a hash", f'{{"path": "data/train.csv", "key": "{KAGGLE}"}}'),
    ("OpenAI placeholder", 'OPENAI_API_KEY="sk-proj-your-key-here"'),
    ("Anthropic placeholder", "ANTHROPIC_API_KEY=sk-ant-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("GitHub placeholder", "GH_TOKEN: ghp_" + "x" * 36),
    ("GitLab too short", "glpat-abc123"),
    ("Slack placeholder", "SLACK_BOT_TOKEN=xoxb-your-token"),
    ("Slack documented webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("Discord placeholder", "https://discord.com/api/webhooks/<id>/<token>"),
    ("Stripe test key", f"stripe.api_key = 'sk_test_{fake(ALNUM, 24)}'"),
    ("Twilio account SID", f"TWILIO_ACCOUNT_SID = 'AC{fake(HEX, 32)}'"),
    ("SendGrid placeholder", "SENDGRID_API_KEY=SG.xxxxxxxx.yyyyyyyy"),
    ("PEM marker constant", f'_START = b"{BEGIN}OPENSSH PRIVATE KEY-----"'),
    ("PEM in docs, truncated", f"{BEGIN}RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"),
    ("PEM placeholder", f'"{BEGIN}PRIVATE KEY-----\\n<your key>\\n-----END PRIVATE KEY-----"'),
    ("public key", f"{BEGIN}PUBLIC KEY-----\n{PEM_BODY}\n"),
    ("JWT not bound to a name", f"# a response looks like {JWT}"),
    ("bearer reference", 'curl -H "Authorization: Bearer $TOKEN" https://api.acme.io'),
    ("bearer f-string", 'headers = {"Authorization": f"Bearer {self.token}"}'),
    ("basic-auth placeholder", "Authorization: Basic " + base64.b64encode(b"user:password").decode()),
    ("a class named Basic...", "block = BasicTransformerBlock(dim, heads)"),
    # hashes and identifiers
    ("lock-file hash", f'{{file = "numpy-2.0.whl", hash = "sha256:{fake(HEX, 64)}"}}'),
    ("pip hash", f"numpy==2.0 --hash=sha256:{fake(HEX, 64)}"),
    ("DVC md5", f"outs:\n- md5: {fake(HEX, 32)}\n  size: 1024\n  path: data/train.csv\n"),
    ("DVC dir md5", f"  md5: {fake(HEX, 32)}.dir\n"),
    ("UUID run id", f"run_id: {uid()}"),
    ("UUID in a name", f'experiment_id = "{uid()}"'),
    ("base64 image", f"data:image/png;base64,iVBORw0KGgo{fake(B64, 3000)}="),
    ("password hash", f'password_hash = "{fake(HEX, 64)}"'),
    # placeholders
    ("angle placeholder", 'api_key = "<your-api-key>"'),
    ("xxx", 'token = "xxx"'),
    ("changeme", 'password = "changeme"'),
    ("your_token_here", 'token = "your_token_here"'),
    ("stars", 'password: "***"'),
    ("dots", 'api_key = "..."'),
    ("test", 'password = "test"'),
    ("dummy", 'token = "dummy"'),
    ("example", 'api_key = "example"'),
    ("empty", 'password = ""'),
    ("fake fixture", 'password = "fake-password-123"'),
    ("test fixture", f'token = "test-token-{fake(HEX, 24)}"'),
    ("value naming itself", 'password = "password123"'),
    ("format field", 'password = "{password}"'),
    ("percent format", 'token = "%(token)s"'),
    # ML code that says token, key, secret or password
    ("tokenizer special token", 'tokenizer.pad_token = "<|endoftext|>"'),
    ("tokenizer config", '{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}'),
    ("max tokens", "max_tokens: 4096"),
    ("token ids", "token_ids = tokenizer.encode(text)"),
    ("use_auth_token", "model = AutoModel.from_pretrained(name, use_auth_token=True)"),
    ("state dict key", "key = f'{prefix}.weight'"),
    ("secret manager path", 'secret_name = "projects/acme/secrets/db-password/versions/3"'),
    ("ARN", 'SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"'),
    ("key file", 'private_key_path = "/etc/ssl/private/server.key"'),
    ("tuple of names", 'FIELDS = ("password", "token", "api_key")'),
    ("a string built from parts", 'SECRET = "Zx9Qw8Er7T" + "y6Ui5Op4As3"'),
]


@pytest.mark.parametrize(("text", "kind", "value"), [pytest.param(t, k, v, id=c) for c, t, k, v in FLAGGED])
def test_the_secret_of_each_class_is_flagged_by_kind(text: str, kind: str, value: str) -> None:
    found = find_secrets(text)
    assert [k for _, k, _ in found] == [kind], found
    assert found[0][2] == value  # the scan points at the secret itself, not at the line
    shown = redact(text)
    assert value not in shown and mask(value) in shown


@pytest.mark.parametrize("text", [pytest.param(t, id=c) for c, t in NEAR_MISSES])
def test_the_near_miss_of_each_class_is_quiet(text: str) -> None:
    assert scan_text(text) == []
    assert redact(text) == text


def test_the_values_here_are_generated_not_written() -> None:
    """No value of the flagged classes is in this file's text: the audit of this repository finds none here."""
    source = Path(__file__).read_text(encoding="utf-8")
    assert not [value for _, _, _, value in FLAGGED if value in source]
    assert scan_text(source) == []


def test_one_value_has_one_kind_in_every_place() -> None:
    """The same token in code, YAML, .env and JSON: one finding each, the provider's kind."""
    for text in (f'TOKEN = "{GITHUB}"', f"token: {GITHUB}", f"TOKEN={GITHUB}", f'{{"token": "{GITHUB}"}}'):
        assert scan_text(text) == [(1, "GitHub token")], text


# --------------------------------------------------------------------------- end to end
E2E_FILES: dict[str, str | bytes] = {
    "train.py": (f'import os\nimport wandb\n\nos.environ["WANDB_API_KEY"] = "{HEX40}"\n'
                 f'wandb.login(key="{HEX40}")\nclient = Foo(api_key="{TOKEN}")\n'),
    "conf/db.yaml": f"db:\n  host: db.internal\n  db_password: \"{PASSWORD}\"\n"
                    f"  url: postgresql://app:{PASSWORD}@db.internal/prod\n",
    ".env": f"DATABRICKS_TOKEN={DATABRICKS}\nMLFLOW_TRACKING_URI=https://admin:{PASSWORD}@mlflow.acme.io\n",
    "kaggle.json": f'{{"username":"someone","key":"{KAGGLE}"}}\n',
    "deploy/k8s.yaml": f"env:\n  - name: HF_TOKEN\n    value: {HF}\n",
    "notebooks/explore.ipynb": json.dumps({
        "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
                   "source": ["import openai\n", f'openai.api_key = "{OPENAI}"\n'],
                   "outputs": [{"output_type": "display_data", "metadata": {},
                                "data": {"image/png": fake(B64, 4000), "text/plain": ["<Figure>"]}}]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
    # decoys
    "dvc.lock": f"schema: '2.0'\nstages:\n  train:\n    deps:\n    - path: data.csv\n      md5: {fake(HEX, 32)}\n",
    ".pre-commit-config.yaml": f"repos:\n  - repo: https://github.com/psf/black\n    rev: {fake(HEX, 40)}\n",
    "settings.py": ('API_KEY = os.environ["API_KEY"]\npassword = input("Password: ")\ntoken = get_token()\n'
                    'PLACEHOLDER = "<your-api-key>"\nRUN_ID = "' + uid() + '"\n'),
}
E2E_EXPECTED = {
    ("train.py", 4, "Weights & Biases API key"), ("train.py", 5, "Weights & Biases API key"),
    ("train.py", 6, "hard-coded api key"), ("conf/db.yaml", 3, "hard-coded password"),
    ("conf/db.yaml", 4, "password in a database URL"), (".env", 1, "Databricks token"),
    (".env", 2, "password in an MLflow tracking URI"), ("kaggle.json", 1, "Kaggle API key"),
    ("deploy/k8s.yaml", 3, "Hugging Face token"), ("notebooks/explore.ipynb", 2, "OpenAI API key"),
}
E2E_VALUES = [HEX40, TOKEN, PASSWORD, DATABRICKS, KAGGLE, HF, OPENAI]


def test_the_audit_names_each_kind_and_never_the_value(tmp_path: Path) -> None:
    report = build(tmp_path / "repo", E2E_FILES)
    gov = findings(report, "GOV001")
    found = {(f.path, f.line, f.message.split(" committed", 1)[0]) for f in gov}
    assert found == E2E_EXPECTED
    assert all("value masked" in f.message for f in gov)
    for fmt in FORMATS:
        out = render(report, fmt, color=False)
        assert not [value for value in E2E_VALUES if value in out], fmt
        assert not [value[4:16] for value in E2E_VALUES if value[4:16] in out], fmt  # nor a part of one


def test_a_uuid_bound_to_a_generic_name_is_the_tests_own_key_in_tests_only(tmp_path: Path) -> None:
    """A test sets the app's own API key to what uuid4() prints: a made-up value of the test (quiet there). The
    same line in the application, or a provider's key that is a UUID, is reported, tests or not."""
    key = uid()
    line = f'os.environ["API_KEY"] = "{key}"\n'
    provider = f'os.environ["WANDB_API_KEY"] = "{uid()}"\n'
    report = build(tmp_path / "repo", {
        "tests/conftest.py": "import os\n\n" + line,
        "tests/test_app.py": "import os\n\n" + provider,
        "tests/fixtures/app.env": f"API_TOKEN={uid()}\n",
        "app/settings.py": "import os\n\n" + line,
    })
    found = sorted((f.path, f.message.split(" committed", 1)[0]) for f in findings(report, "GOV001"))
    assert found == [("app/settings.py", "hard-coded api key, a UUID"),
                     ("tests/test_app.py", "Weights & Biases API key")]
    assert [k for _, k in scan_text(line)] == ["hard-coded api key, a UUID"]
