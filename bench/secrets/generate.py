"""A generated, labelled corpus of committed secrets and of decoys, for bench/secrets/run.py.

    python bench/secrets/generate.py OUT_DIR [--seed 7] [--copies 6]

Every value is generated (random characters of the provider's alphabet and length, fixed seed): no real key. Each
class of secret is planted in the places a team commits one (code, YAML, JSON, .env, INI, Markdown, notebooks,
.netrc, Dockerfiles, shell scripts), each decoy class in the places it lives (lock files, dvc.lock, .dvc files,
pre-commit configs, tokenizer configs, notebooks' image outputs...), between lines of ordinary ML code. The
labels (``labels.json``) give, for every planted line, its file, its line (in the file as written: a notebook's
JSON line), whether it holds a secret, and its class. Lines not labelled (the ordinary code between) hold no
secret; the lines of a private key's body are labelled "neutral" (part of a secret whose header is the label).

The corpus is honest about what is hard: secrets the scanner of this checkout misses by design (XML, a
Dockerfile ``ENV NAME value``, a value passed positionally, a 7-character password, a password of letters only)
and decoys it flags (Firebase's public web API key, which has the Google API key format) are planted too.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
BEGIN = "-----BEGIN "


class Gen:
    """Random values of the right shapes (a seeded generator: the same corpus for the same seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            ok = all(any(c in part for c in value) for part in (string.digits, string.ascii_lowercase,
                                                                string.ascii_uppercase) if any(c in part for c in
                                                                                               alphabet))
            if ok or n < 12:
                return value

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def password(self) -> str:
        return self.s(ALNUM, self.rng.randint(9, 14)) + self.rng.choice("!#%*+-.@^") + self.s(string.digits, 2)

    def url_password(self) -> str:
        """A password as a URL holds it: percent-encoded ("@" is "%40")."""
        return quote(self.password(), safe="")

    def pick(self, *items: str) -> str:
        return self.rng.choice(items)

    def word(self) -> str:
        return self.pick("churn", "vision", "ranker", "forecast", "llm", "embed", "fraud", "tabular")


@dataclass
class Snippet:
    lines: list[str]
    label: int  # the line (0-based) that holds the secret or the decoy
    neutral: tuple[int, ...] = ()  # lines that are part of the secret but not its label (a key's body)


Template = Callable[[Gen], Snippet]
# class -> (is a secret, [(file kind, template)])
CLASSES: dict[str, tuple[bool, list[tuple[str, Template]]]] = {}


def one(text: str) -> Snippet:
    return Snippet([text], 0)


def secret(name: str, *templates: tuple[str, Template]) -> None:
    CLASSES[name] = (True, list(templates))


def decoy(name: str, *templates: tuple[str, Template]) -> None:
    CLASSES[name] = (False, list(templates))


def pem(g: Gen, kind: str, first: str = "MII") -> Snippet:
    body = [first + g.s(B64, 61)] + [g.s(B64, 64) for _ in range(3)]
    return Snippet([f"{BEGIN}{kind}-----", *body, f"-----END {kind}-----"], 0, tuple(range(1, 6)))


def neptune_token(g: Gen) -> str:
    data = {"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": g.uid()}
    return base64.b64encode(json.dumps(data).encode()).decode()


def jwt(g: Gen) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": g.uid(), "iat": 1700000000}).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{g.s(URLSAFE, 43)}"


# ------------------------------------------------------------------ secrets, by syntactic place
secret("bound: environ subscript",
       ("py", lambda g: one(f"os.environ['WANDB_API_KEY'] = '{g.s(HEX, 40)}'")),
       ("py", lambda g: one(f'os.environ["MY_SERVICE_TOKEN"] = "{g.s(ALNUM, 32)}"')),
       ("ipynb", lambda g: one(f"os.environ['OPENAI_API_KEY'] = '{g.s(ALNUM, 40)}'")))
secret("bound: environ setdefault",
       ("py", lambda g: one(f'os.environ.setdefault("SERVICE_TOKEN", "{g.s(ALNUM, 30)}")')),
       ("py", lambda g: one(f"monkeypatch.setenv('DB_PASSWORD', '{g.password()}')")))
secret("bound: dict key",
       ("py", lambda g: one(f'CONFIG = {{"api_key": "{g.s(ALNUM, 32)}", "timeout": 30}}')),
       ("py", lambda g: one(f"    'password': '{g.password()}',")))
secret("bound: subscript assignment",
       ("py", lambda g: one(f'config["password"] = "{g.password()}"')),
       ("ipynb", lambda g: one(f"settings['auth_token'] = '{g.s(ALNUM, 36)}'")))
secret("bound: keyword argument",
       ("py", lambda g: one(f'client = {g.pick("Client", "ApiClient", "Session")}(api_key="{g.s(ALNUM, 32)}")')),
       ("py", lambda g: one(f"conn = psycopg2.connect(host='db', user='ml', password='{g.password()}')")),
       ("ipynb", lambda g: one(f'hub = Hub(token="{g.s(ALNUM, 40)}")')))
secret("bound: attribute",
       ("py", lambda g: one(f'openai.api_key = "{g.s(ALNUM, 40)}"')),
       ("py", lambda g: one(f"self.secret_key = '{g.s(ALNUM, 48)}'")))
secret("bound: prefixed / suffixed name",
       ("py", lambda g: one(f'MY_SERVICE_TOKEN = "{g.s(ALNUM, 32)}"')),
       ("py", lambda g: one(f"dbPassword = '{g.password()}'")),
       ("yaml", lambda g: one(f"db_password: {g.password()}")),
       ("yaml", lambda g: one(f"  smtp_pass: \"{g.password()}\"")))
secret("bound: annotated assignment",
       ("py", lambda g: one(f'    password: str = "{g.password()}"')))
secret("bound: YAML value",
       ("yaml", lambda g: one(f"  api_key: {g.s(ALNUM, 32)}")),
       ("yaml", lambda g: one(f"  access_token: '{g.s(ALNUM, 40)}'")))
secret("bound: .env",
       ("env", lambda g: one(f"API_SECRET={g.s(ALNUM, 40)}")),
       ("env", lambda g: one(f"export DB_PASSWORD='{g.password()}'")),
       ("env", lambda g: one(f"REDIS_PASSWORD={g.password()}")))
secret("bound: INI",
       ("ini", lambda g: one(f"password = {g.password()}")),
       ("ini", lambda g: one(f"api_key={g.s(ALNUM, 32)}")))
secret("bound: JSON",
       ("json", lambda g: Snippet(["{", '  "host": "db.internal",', f'  "db_password": "{g.password()}"', "}"], 2)),
       ("json", lambda g: Snippet(["{", f'  "apiKey": "{g.s(ALNUM, 36)}",', '  "region": "eu"', "}"], 1)))
secret("bound: Kubernetes env",
       ("yaml", lambda g: Snippet(["        env:", "          - name: DB_PASSWORD",
                                   f"            value: {g.password()}"], 2)))
secret("bound: Docker registry auth",
       ("json", lambda g: Snippet(['{"auths": {"registry.acme.io": {', f'  "auth": "{g.s(B64, 40)}="', "}}}"], 1)))
secret("bound: query string",
       ("py", lambda g: one(f'URL = "https://api.acme.io/v1/predict?api_key={g.s(ALNUM, 32)}&model=x"')))
secret("bound: auth tuple",
       ("py", lambda g: one(f'r = requests.get(URL, auth=("svc-ml", "{g.password()}"), timeout=10)')))
secret("bound: markdown leak",
       ("md", lambda g: one(f"    export API_TOKEN={g.s(ALNUM, 40)}")))
secret("bound: notebook output",
       ("ipynb-out", lambda g: one(f"access_token: {g.s(ALNUM, 40)}")))
# ------------------------------------------------------------------ secrets in connection URIs
secret("URI: postgres",
       ("py", lambda g: one(f'DATABASE_URL = "postgresql://ml:{g.url_password()}@db.acme.internal:5432/features"')),
       ("yaml", lambda g: one(f"  url: postgresql+psycopg2://app:{g.s(ALNUM, 16)}@10.0.3.7/prod")))
secret("URI: mongodb+srv",
       ("env", lambda g: one(f"MONGO_URI=mongodb+srv://svc:{g.s(ALNUM, 18)}@cluster0.{g.s(HEX, 5)}.mongodb.net/ml")))
secret("URI: git https with a token",
       ("sh", lambda g: one(f"git clone https://ci-bot:{g.s(HEX, 40)}@github.com/acme/{g.word()}.git")),
       ("txt", lambda g: one(f"git+https://deploy:{g.s(ALNUM, 32)}@gitlab.acme.io/ml/features.git")))
secret("URI: MLflow tracking",
       ("env", lambda g: one(f"MLFLOW_TRACKING_URI=https://admin:{g.url_password()}@mlflow.acme.io")),
       ("py", lambda g: one(f'mlflow.set_tracking_uri("https://ml:{g.s(ALNUM, 20)}@mlflow.internal")')))
secret("URI: redis",
       ("yaml", lambda g: one(f"  broker: redis://:{g.s(ALNUM, 24)}@redis.internal:6379/0")))
secret("URI: amqp",
       ("py", lambda g: one(f"CELERY_BROKER = 'amqp://worker:{g.url_password()}@rabbit:5672//'")))
# ------------------------------------------------------------------ secrets by provider
secret("AWS access key ID",
       ("py", lambda g: one(f'AWS_ACCESS_KEY_ID = "AKIA{g.s(UPPER, 16)}"')),
       ("ini", lambda g: one(f"aws_access_key_id = AKIA{g.s(UPPER, 16)}")),
       ("ipynb", lambda g: one(f"s3 = boto3.client('s3', aws_access_key_id='AKIA{g.s(UPPER, 16)}')")))
secret("AWS secret access key",
       ("ini", lambda g: one(f"aws_secret_access_key = {g.s(B64, 40)}")),
       ("py", lambda g: one(f"    aws_secret_access_key='{g.s(B64, 40)}',")),
       ("env", lambda g: one(f"AWS_SECRET_ACCESS_KEY={g.s(B64, 40)}")))
secret("GCP service-account JSON",
       ("json", lambda g: Snippet(["{", '  "type": "service_account",', f'  "private_key_id": "{g.s(HEX, 40)}",',
                                   f'  "private_key": "{BEGIN}PRIVATE KEY-----\\nMIIEv{g.s(B64, 60)}\\n'
                                   f'{g.s(B64, 64)}\\n-----END PRIVATE KEY-----\\n",',
                                   '  "client_email": "sa@proj.iam.gserviceaccount.com"', "}"], 3)))
secret("Google API key",
       ("py", lambda g: one(f'GOOGLE_API_KEY = "AIza{g.s(URLSAFE, 35)}"')),
       ("yaml", lambda g: one(f"  maps_key: AIza{g.s(URLSAFE, 35)}")))
secret("Azure storage connection string",
       ("env", lambda g: one(f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acct;"
                             f"AccountKey={g.s(B64, 86)}==;EndpointSuffix=core.windows.net")),
       ("py", lambda g: one(f'CONN = "DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey='
                            f'{g.s(B64, 86)}=="')))
secret("Azure SAS token",
       ("py", lambda g: one(f'URL = "https://acct.blob.core.windows.net/models/m.pt?sv=2022-11-02&ss=b&srt=o'
                            f'&sp=r&se=2030-01-01T00:00:00Z&sig={g.s(ALNUM, 43)}%3D"')),
       ("md", lambda g: one(f"    wget 'https://acct.blob.core.windows.net/data/x.zip?sp=r&se=2031-01-01&sv=2022-11-02"
                            f"&sr=b&sig={g.s(ALNUM, 44)}%3D'")))
secret("Azure client secret",
       ("env", lambda g: one(f"AZURE_CLIENT_SECRET={g.s(ALNUM, 3)}8Q~{g.s(ALNUM + '_-.', 31)}")),
       ("py", lambda g: one(f'CLIENT_SECRET = "{g.s(ALNUM, 3)}7Q~{g.s(ALNUM + "_-.", 31)}"')))
secret("Databricks token",
       ("env", lambda g: one(f"DATABRICKS_TOKEN=dapi{g.s(HEX, 32)}")),
       ("yaml", lambda g: one(f"  token: dapi{g.s(HEX, 32)}-2")))
secret("Hugging Face token",
       ("py", lambda g: one(f'login(token="hf_{g.s(string.ascii_letters, 34)}")')),
       ("ipynb", lambda g: one(f"HF_TOKEN = 'hf_{g.s(string.ascii_letters, 34)}'")),
       ("sh", lambda g: one(f"huggingface-cli login --token hf_{g.s(string.ascii_letters, 34)}")))
secret("W&B API key",
       ("env", lambda g: one(f"WANDB_API_KEY={g.s(HEX, 40)}")),
       ("py", lambda g: one(f'wandb.login(key="{g.s(HEX, 40)}")')),
       ("sh", lambda g: one(f"wandb login {g.s(HEX, 40)}")),
       ("netrc", lambda g: Snippet(["machine api.wandb.ai", "  login user", f"  password {g.s(HEX, 40)}"], 2)))
secret("Comet API key",
       ("py", lambda g: one(f'experiment = Experiment(api_key="{g.s(ALNUM, 25)}", project_name="{g.word()}")')),
       ("env", lambda g: one(f"COMET_API_KEY={g.s(ALNUM, 25)}")))
secret("Neptune API token",
       ("py", lambda g: one(f'run = neptune.init_run(project="acme/{g.word()}", api_token="{neptune_token(g)}")')),
       ("env", lambda g: one(f"NEPTUNE_API_TOKEN={neptune_token(g)}")))
secret("Kaggle kaggle.json",
       ("kaggle", lambda g: one(f'{{"username":"{g.word()}{g.s(string.digits, 3)}","key":"{g.s(HEX, 32)}"}}')))
secret("OpenAI API key",
       ("py", lambda g: one(f'client = OpenAI(api_key="sk-proj-{g.s(URLSAFE, 48)}")')),
       ("env", lambda g: one(f"OPENAI_API_KEY=sk-proj-{g.s(URLSAFE, 48)}")))
secret("Anthropic API key",
       ("env", lambda g: one(f"ANTHROPIC_API_KEY=sk-ant-api03-{g.s(URLSAFE, 93)}AA")),
       ("ipynb", lambda g: one(f'client = anthropic.Anthropic(api_key="sk-ant-api03-{g.s(URLSAFE, 93)}AA")')))
secret("GitHub token",
       ("yaml", lambda g: one(f"      GH_TOKEN: ghp_{g.s(ALNUM, 36)}")),
       ("py", lambda g: one(f'g = Github("github_pat_{g.s(ALNUM, 22)}_{g.s(ALNUM, 59)}")')))
secret("GitLab token",
       ("sh", lambda g: one(f'curl --header "PRIVATE-TOKEN: glpat-{g.s(URLSAFE, 20)}" https://gitlab.acme.io/api')))
secret("Slack token",
       ("py", lambda g: one(f'slack = WebClient(token="xoxb-{g.s(string.digits, 12)}-{g.s(string.digits, 13)}-'
                            f'{g.s(ALNUM, 24)}")')))
secret("Slack webhook",
       ("py", lambda g: one(f'SLACK_URL = "https://hooks.slack.com/services/T{g.s(UPPER, 10)}/B{g.s(UPPER, 10)}/'
                            f'{g.s(ALNUM, 24)}"')),
       ("yaml", lambda g: one(f"  webhook: https://hooks.slack.com/services/T{g.s(UPPER, 10)}/B{g.s(UPPER, 10)}/"
                              f"{g.s(ALNUM, 24)}")))
secret("Discord webhook",
       ("py", lambda g: one(f'DISCORD = "https://discord.com/api/webhooks/{g.s(string.digits, 19)}/'
                            f'{g.s(URLSAFE, 68)}"')))
secret("Teams webhook",
       ("yaml", lambda g: one(f"  teams_url: https://acme.webhook.office.com/webhookb2/{g.uid()}@{g.uid()}/"
                              f"IncomingWebhook/{g.s(HEX, 32)}/{g.uid()}")))
secret("Stripe live key",
       ("py", lambda g: one(f"stripe.api_key = 'sk_live_{g.s(ALNUM, 99)}'")),
       ("env", lambda g: one(f"STRIPE_RESTRICTED=rk_live_{g.s(ALNUM, 99)}")))
secret("Twilio",
       ("py", lambda g: one(f"client = Client('SK{g.s(HEX, 32)}', '{g.s(HEX, 32)}', 'AC{g.s(HEX, 32)}')")),
       ("env", lambda g: one(f"TWILIO_AUTH_TOKEN={g.s(HEX, 32)}")))
secret("SendGrid API key",
       ("py", lambda g: one(f"sg = SendGridAPIClient('SG.{g.s(URLSAFE, 22)}.{g.s(URLSAFE, 43)}')")))
secret("private key: RSA", ("pem", lambda g: pem(g, "RSA PRIVATE KEY")))
secret("private key: EC", ("pem", lambda g: pem(g, "EC PRIVATE KEY", "MHc")))
secret("private key: OpenSSH", ("pem", lambda g: pem(g, "OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAA")))
secret("private key: PGP",
       ("pem", lambda g: Snippet([f"{BEGIN}PGP PRIVATE KEY BLOCK-----", "", "lQOYBF" + g.s(B64, 58), g.s(B64, 64),
                                  "-----END PGP PRIVATE KEY BLOCK-----"], 0, (2, 3))))
secret("private key: in a Python string",
       ("py", lambda g: one(f'KEY = "{BEGIN}RSA PRIVATE KEY-----\\nMIIEow{g.s(B64, 58)}\\n'
                            f'-----END RSA PRIVATE KEY-----"')))
secret("JWT bound to a secret name",
       ("py", lambda g: one(f'SERVICE_TOKEN = "ey{jwt(g)[2:]}"')),
       ("env", lambda g: one(f"SUPABASE_SERVICE_ROLE_SECRET=ey{jwt(g)[2:]}")))
secret("bearer header",
       ("sh", lambda g: one(f'curl -H "Authorization: Bearer {g.s(ALNUM, 40)}" https://api.acme.io/v1/models')),
       ("py", lambda g: one(f'HEADERS = {{"Authorization": "Bearer {g.s(ALNUM, 40)}"}}')))
# secrets this checkout misses by design (honest recall)
secret("hard: XML element",
       ("xml", lambda g: one(f"    <password>{g.password()}</password>")))
secret("hard: Dockerfile ENV with a space",
       ("dockerfile", lambda g: one(f"ENV DB_PASSWORD {g.password()}")))
secret("hard: positional argument",
       ("py", lambda g: one(f'client = ServiceClient("{g.s(ALNUM, 40)}")')))
secret("hard: short password",
       ("py", lambda g: one(f'password = "{g.s(ALNUM, 5)}#{g.s(string.digits, 1)}"')))
secret("hard: curl -u user:password",
       ("sh", lambda g: one(f"curl -u ml-bot:{g.password()} https://registry.acme.io/v2/_catalog")))
secret("hard: letters-only password",
       ("yaml", lambda g: one(f"  password: {g.s(string.ascii_letters, 14)}")))

# ------------------------------------------------------------------ decoys
decoy("lock-file hash",
      ("poetry.lock", lambda g: one(f'    {{file = "numpy-2.0.{g.s(string.digits, 1)}-cp311.whl", '
                                    f'hash = "sha256:{g.s(HEX, 64)}"}},')),
      ("txt", lambda g: one(f"torch==2.3.0 --hash=sha256:{g.s(HEX, 64)}")),
      ("uv.lock", lambda g: one(f'sdist = {{ url = "https://files.pythonhosted.org/x.tar.gz", hash = '
                                f'"sha256:{g.s(HEX, 64)}" }}')))
decoy("DVC md5",
      ("dvc.lock", lambda g: Snippet(["    - path: data/raw.csv", f"      md5: {g.s(HEX, 32)}", "      size: 10240"],
                                     1)),
      ("dvc", lambda g: Snippet(["outs:", f"- md5: {g.s(HEX, 32)}.dir", "  path: data"], 1)))
decoy("git SHA",
      ("yaml", lambda g: Snippet(["  - repo: https://github.com/psf/black", f"    rev: {g.s(HEX, 40)}"], 1)),
      ("py", lambda g: one(f'model = AutoModel.from_pretrained("{g.word()}", revision="{g.s(HEX, 40)}")')),
      ("md", lambda g: one(f"See https://github.com/acme/ml/commit/{g.s(HEX, 40)} for the fix.")),
      ("txt", lambda g: one(f"git+https://github.com/acme/features.git@{g.s(HEX, 40)}")))
decoy("UUID",
      ("yaml", lambda g: one(f"run_id: {g.uid()}")),
      ("py", lambda g: one(f'EXPERIMENT_ID = "{g.uid()}"')),
      ("env", lambda g: one(f"AZURE_CLIENT_ID={g.uid()}")),
      ("json", lambda g: one(f'{{"tenant_id": "{g.uid()}", "subscription_id": "{g.uid()}"}}')),
      ("test", lambda g: one(f'    os.environ["API_KEY"] = "{g.uid()}"')))
decoy("prose in a data set",  # an instruction-tuning record that shows a made-up password
      ("json", lambda g: one(f'  "output": "Here is a randomly generated 8-character password: {g.password()}. '
                             'Do not reuse it."')))
decoy("base64 image in a notebook output",
      ("ipynb-img", lambda g: one(g.s(B64, 2000) + "=")))
decoy("placeholder",
      ("py", lambda g: one(f'{g.pick("api_key", "API_KEY", "token")} = "{g.pick("<your-api-key>", "xxx", "...")}"')),
      ("py", lambda g: one(f'password = "{g.pick("changeme", "test", "dummy", "example", "")}"')),
      ("env", lambda g: one(f"HF_TOKEN={g.pick('your_token_here', 'hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '')}")),
      ("yaml", lambda g: one(f"  password: \"{g.pick('***', 'changeme', '<password>')}\"")),
      ("md", lambda g: one(f"    export OPENAI_API_KEY={g.pick('sk-...', 'sk-your-key-here', '<your key>')}")))
decoy("reference",
      ("yaml", lambda g: one(f"  password: ${{{g.pick('DB_PASSWORD', 'POSTGRES_PASSWORD')}}}")),
      ("yaml", lambda g: one("        token: ${{ secrets.HF_TOKEN }}")),
      ("yaml", lambda g: one('  api_key: "{{ secrets.API_KEY }}"')),
      ("ini", lambda g: one("password = %(db_pass)s")),
      ("env", lambda g: one("DB_PASSWORD=$POSTGRES_PASSWORD")),
      ("py", lambda g: one(f'token = os.environ["{g.pick("HF_TOKEN", "GITHUB_TOKEN")}"]')),
      ("py", lambda g: one('api_key = os.getenv("OPENAI_API_KEY", "")')))
decoy("documented example key",
      ("py", lambda g: one('AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"')),
      ("ini", lambda g: one("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
      ("md", lambda g: one("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")),
      ("py", lambda g: one('create_engine("postgresql://scott:tiger@localhost/test")')))
decoy("obviously fake test fixture",
      ("test", lambda g: one(f'    token = "fake-token-{g.s(HEX, 16)}"')),
      ("test", lambda g: one(f'    monkeypatch.setenv("API_KEY", "test-key-{g.s(HEX, 12)}")')),
      ("test", lambda g: one('    password = "dummy-password-1"')))
decoy("password read from input",
      ("py", lambda g: one('password = getpass.getpass("Password: ")')),
      ("py", lambda g: one('    password = input("Enter the database password: ")')))
decoy("type annotation",
      ("py", lambda g: one("    password: str")),
      ("py", lambda g: one("def connect(user: str, password: Optional[str] = None, token: str = '') -> None:")))
decoy("call on the right-hand side",
      ("py", lambda g: one("token = get_token()")),
      ("py", lambda g: one('api_key = secrets_client.get_secret_value(SecretId="prod/api")["SecretString"]')))
decoy("tokenizer vocabulary",
      ("json", lambda g: one('{"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}')),
      ("py", lambda g: one('tokenizer.pad_token = tokenizer.eos_token')),
      ("yaml", lambda g: one("max_tokens: 4096")))
decoy("ID or name bound to a secret-ish name",
      ("yaml", lambda g: one(f"  secret_name: {g.word()}-db-credentials")),
      ("py", lambda g: one(f'AWS_ACCESS_KEY_ID_PARAM = "/prod/{g.word()}/aws-key-id"')),
      ("py", lambda g: one('SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123"')),
      ("json", lambda g: one(f'{{"type": "service_account", "private_key_id": "{g.s(HEX, 40)}"}}')))
decoy("hash bound to a secret-ish name",
      ("py", lambda g: one(f'password_hash = "{g.s(HEX, 64)}"')),
      ("yaml", lambda g: one(f"  token_sha256: {g.s(HEX, 64)}")))
decoy("public key",
      ("pem", lambda g: Snippet([f"{BEGIN}PUBLIC KEY-----", "MIIB" + g.s(B64, 60), "-----END PUBLIC KEY-----"], 0)),
      ("env", lambda g: one(f"STRIPE_PUBLISHABLE_KEY=pk_live_{g.s(ALNUM, 99)}")),
      ("env", lambda g: one(f"LANGFUSE_PUBLIC_KEY=pk-lf-{g.uid()}")))
decoy("private-key marker, no key",
      ("py", lambda g: one(f'_START = b"{BEGIN}OPENSSH PRIVATE KEY-----"')),
      ("md", lambda g: Snippet([f"{BEGIN}RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA...", "-----END RSA PRIVATE KEY-----"],
                               0)))
decoy("URL without a password",
      ("py", lambda g: one(f'SENTRY_DSN = "https://{g.s(HEX, 32)}@o{g.s(string.digits, 6)}.ingest.sentry.io/1"')),
      ("yaml", lambda g: one("  tracking_uri: https://mlflow.acme.io")),
      ("txt", lambda g: one("git+ssh://git@github.com/acme/features.git")))
decoy("dev-default URI",
      ("yaml", lambda g: one("  url: postgres://postgres:postgres@localhost:5432/postgres")),
      ("env", lambda g: one("REDIS_URL=redis://:password@localhost:6379/0")))
decoy("high-entropy value, no secret name",
      ("json", lambda g: one(f'{{"integrity": "sha512-{g.s(B64, 86)}=="}}')),
      ("py", lambda g: one(f'CACHE_KEY = "{g.s(HEX, 40)}"')),
      ("yaml", lambda g: one(f"  checksum: {g.s(B64, 43)}=")))
decoy("JWT not bound to a secret name",
      ("md", lambda g: one(f"The response carries an id like ey{jwt(g)[2:]} (decode it at jwt.io).")))
# decoys this checkout flags by design (honest false positives)
decoy("hard: Firebase web config (public API key)",
      ("js", lambda g: one(f'  apiKey: "AIza{g.s(URLSAFE, 35)}",')))
decoy("hard: random-looking fixture value",
      ("test", lambda g: one(f'    token = "{g.s(ALNUM, 32)}"')))
decoy("hard: sequential placeholder",
      ("py", lambda g: one(f'API_KEY = "{g.pick("1234567890abcdef" * 2, "abcdef0123456789" * 2, "0123456789" * 4)}"')))
decoy("hard: .env.example sample value",
      ("env.example", lambda g: one(f"SECRET_KEY={g.s(ALNUM, 40)}")))

FILLER = [
    "import torch", "from transformers import AutoTokenizer, AutoModel", "import numpy as np", "",
    "def tokenize(batch, tokenizer, max_length=512):",
    "    return tokenizer(batch['text'], truncation=True, max_length=max_length, padding='max_length')",
    "    logits = model(input_ids=token_ids, attention_mask=mask).logits",
    "for key, value in state_dict.items():", "    new_key = key.replace('module.', '')",
    "optimizer = torch.optim.AdamW(model.parameters(), lr=3e-5)",
    "def load_secret(name: str) -> str:", "    return client.access_secret_version(name=name).payload.data.decode()",
    "num_tokens = sum(len(t) for t in tokens)", "auth = HTTPBasicAuth(user, password)",
    "if api_key is None:", "    raise ValueError('set OPENAI_API_KEY')", "    # the password is read from the vault",
    "password_file = Path('~/.pgpass').expanduser()", "token_type_ids = torch.zeros_like(input_ids)",
    "cache_dir = os.path.expanduser('~/.cache/huggingface')",
]
YAML_FILLER = ["train:", "  epochs: 10", "  batch_size: 32", "  lr: 0.0003", "model:", "  name: bert-base-uncased",
               "  max_tokens: 512", "data:", "  path: data/train.parquet", "  key_column: customer_id", ""]


def path_for(kind: str, n: int) -> str:
    return {
        "py": f"src/module_{n}.py", "yaml": f"configs/config_{n}.yaml", "json": f"configs/settings_{n}.json",
        "env": f"deploy/{n}/.env", "ini": f"deploy/{n}/settings.ini", "md": f"docs/guide_{n}.md",
        "sh": f"scripts/run_{n}.sh", "txt": f"requirements/{n}.txt", "netrc": f"home/{n}/.netrc",
        "pem": f"keys/{n}/key.pem", "kaggle": f"home/{n}/.kaggle/kaggle.json", "xml": f"conf/{n}/settings.xml",
        "dockerfile": f"docker/{n}/Dockerfile", "js": f"web/{n}/firebase.js", "test": f"tests/test_client_{n}.py",
        "poetry.lock": f"pkg{n}/poetry.lock", "uv.lock": f"pkg{n}/uv.lock", "dvc.lock": f"stage{n}/dvc.lock",
        "dvc": f"data/set_{n}.csv.dvc", "ipynb": f"notebooks/explore_{n}.ipynb",
        "env.example": f"templates/{n}/.env.example",
    }[kind]


def _notebook(cells: list[tuple[list[str], list[str], bool]]) -> tuple[str, list[list[int]], list[list[int]]]:
    """A notebook (one JSON string per line, as Jupyter writes them) and, per cell, the file line of each source
    line and of each output line."""
    nb_cells: list[dict[str, Any]] = []
    for source, output, image in cells:
        outputs: list[dict[str, Any]] = []
        if output:
            outputs.append({"output_type": "stream", "name": "stdout", "text": [f"{x}\n" for x in output]})
        if image:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": source.pop(), "text/plain": ["<Figure size 640x480>"]}})
        nb_cells.append({"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs,
                         "source": [f"{x}\n" for x in source]})
    raw = json.dumps({"cells": nb_cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
                      "nbformat_minor": 5}, indent=1)
    lines = raw.splitlines()
    src_lines: list[list[int]] = []
    out_lines: list[list[int]] = []
    cursor = 0

    def find(element: str) -> int:
        nonlocal cursor
        encoded = json.dumps(element)
        while encoded not in lines[cursor]:
            cursor += 1
        cursor += 1
        return cursor  # 1-based

    for cell in nb_cells:
        outs: list[int] = []
        for out in cell["outputs"]:  # a cell's outputs come before its source in the JSON
            if "text" in out:
                outs.extend(find(x) for x in out["text"])
            else:
                outs.append(find(out["data"]["image/png"]))
        out_lines.append(outs)
        src_lines.append([find(x) for x in cell["source"]])
    return raw, src_lines, out_lines


def generate(out: Path, seed: int = 7, copies: int = 6) -> list[dict[str, object]]:
    """Write the corpus under ``out``; return the labels (also written to ``out/labels.json``)."""
    g = Gen(seed)
    planted: list[tuple[str, str, bool, Snippet]] = []  # (file kind, class, is secret, snippet)
    for name, (is_secret, templates) in CLASSES.items():
        for i in range(copies if is_secret else 2 * copies):  # decoys twice: false alarms are what users see
            kind, template = templates[i % len(templates)]
            planted.append((kind, name, is_secret, template(g)))
    g.rng.shuffle(planted)
    labels: list[dict[str, object]] = []
    by_kind: dict[str, list[tuple[str, bool, Snippet]]] = {}
    for kind, name, is_secret, snippet in planted:
        by_kind.setdefault(kind if not kind.startswith("ipynb") else "ipynb", []).append(
            (name, is_secret, snippet) if not kind.startswith("ipynb-") else (f"{kind}|{name}", is_secret, snippet))
    for kind, items in by_kind.items():
        per_file = {"py": 6, "yaml": 5, "env": 4, "ini": 3, "md": 4, "sh": 3, "txt": 4, "ipynb": 4, "test": 3,
                    "dvc.lock": 3, "poetry.lock": 3, "uv.lock": 3}.get(kind, 1)
        for n, start in enumerate(range(0, len(items), per_file)):
            chunk = items[start:start + per_file]
            rel = path_for(kind, n)
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if kind == "ipynb":
                cells: list[tuple[list[str], list[str], bool]] = []
                for name, _, snippet in chunk:
                    filler = g.rng.sample(FILLER, 2)
                    if name.startswith("ipynb-out|"):
                        cells.append(([f"print({filler[0]!r})"], snippet.lines, False))
                    elif name.startswith("ipynb-img|"):
                        cells.append(([f"plt.plot(x)  # {filler[0]}", *snippet.lines], [], True))
                    else:
                        cells.append(([filler[0], *snippet.lines, filler[1]], [], False))
                raw, src, outs = _notebook(cells)
                target.write_text(raw + "\n", encoding="utf-8")
                for (name, is_secret, snippet), s_lines, o_lines in zip(chunk, src, outs, strict=True):
                    cls = name.split("|", 1)[-1]
                    if name.startswith("ipynb-out|"):
                        line = o_lines[snippet.label]
                    elif name.startswith("ipynb-img|"):
                        line = o_lines[0]
                    else:
                        line = s_lines[1 + snippet.label]
                    labels.append({"file": rel, "line": line, "secret": is_secret, "class": cls})
                continue
            lines: list[str] = []
            filler = YAML_FILLER if kind in ("yaml", "dvc.lock", "dvc") else FILLER if kind in ("py", "test", "sh") \
                else []
            for name, is_secret, snippet in chunk:
                lines.extend(g.rng.sample(filler, min(3, len(filler))))
                first = len(lines) + 1
                lines.extend(snippet.lines)
                labels.append({"file": rel, "line": first + snippet.label, "secret": is_secret, "class": name})
                labels.extend({"file": rel, "line": first + i, "secret": None, "class": name}
                              for i in snippet.neutral)
            lines.extend(g.rng.sample(filler, min(2, len(filler))))
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=int, default=6, help="instances of each class of secret (decoys: twice)")
    args = parser.parse_args()
    labels = generate(args.out, args.seed, args.copies)
    secrets = sum(1 for x in labels if x["secret"])
    print(f"{args.out}: {secrets} secrets, {sum(1 for x in labels if x['secret'] is False)} decoys")


if __name__ == "__main__":
    main()
