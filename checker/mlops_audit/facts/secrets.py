"""Secret patterns. A match is reported by kind and location; the value itself is never shown.

Three tiers, one finding per line, the most specific tier winning the line:

0. Provider formats (:data:`PROVIDERS`): a token whose shape alone names the provider whose console rotates it
   (``ghp_``, ``sk-ant-``, ``AKIA``, ``hf_``, ``dapi``, a PEM private key followed by a key body, an Azure
   ``AccountKey=``, a Slack/Discord/Teams webhook URL...). Several providers share a prefix (``sk-``: OpenAI,
   Anthropic, OpenRouter, Langfuse and OpenAI-compatible services), so the patterns of one prefix exclude each
   other: the longer, provider-specific prefixes are matched by their own pattern and the generic one refuses
   them (a negative lookahead), so one value has one kind whatever the order.
1. Credentials known by their syntax, not by a name: a password in a URL (``postgresql://user:pass@host``,
   ``redis://:pass@host``, an MLflow tracking URI), an ``Authorization: Bearer``/``Basic`` header, a ``.netrc``
   password, ``wandb login <key>``.
2. Generic: a value bound to a secret-sounding name (``MY_SERVICE_TOKEN = "..."``, ``db_password: ...``,
   ``config["password"] = "..."``, ``os.environ['WANDB_API_KEY'] = '...'``, ``os.environ.setdefault("X_TOKEN",
   "...")``, ``Foo(api_key="...")``, ``auth=("user", "...")``, ``wandb.login(key="...")``, a Kubernetes
   ``name: X_PASSWORD`` / ``value: ...`` pair, unquoted in .env/.ini/YAML). The name is found first (a hint word
   such as ``token`` found with ``str.find``, then the binding's shape after its name), split into words
   (``dbPassword`` -> db, password) and judged: ``tokenizer``, ``pad_token``, ``max_tokens``, ``token_url``,
   ``password_file``, ``client_id`` are no secrets. The value is judged too (see :func:`_value_ok`). A name or
   call of the line that names a provider refines the kind ("Weights & Biases API key" for a key bound to a
   ``WANDB_*`` name or passed to ``wandb.login``; "Kaggle API key" for kaggle.json; a JWT is named as one).

Not secrets, whatever the tier: placeholders ("<your-api-key>", "xxx", "changeme", "your_token_here", "***",
"...", "test", "dummy", "example", empty, a value repeating its name: ``password="password1"``), references
(``${VAR}``, ``$VAR``, ``{{ secrets.X }}``, ``%(x)s``, ``os.environ["X"]``, ``!ENV``, ARNs and secret-manager
paths), code (``token = get_token()``, ``password: str``, ``password = input(...)``, f-string fields), hashes
(``sha256:...``, a DVC ``md5:``, a git SHA: none is bound to a secret name), UUIDs bound to ``*_id`` names,
documented example keys (AWS's ``...EXAMPLE`` pair, the Azurite storage emulator's key, jwt.io's sample token),
values made of one repeated character, and the first part of a string built from parts (``"abc" + "def"``).

Test fixtures: the scan sees a text, never its path, and judges a value in ``tests/`` as anywhere else. A real
key in a test file leaks as much as one in the code (it is in every clone and in the history), so a fixture
value is quiet only when it says it is fake (one of the words above, e.g. ``"test-token-123"``,
``"fake_password"``), is a documented example, is built from parts at run time (as this repository's tests
build theirs), or is a UUID bound to a generic name (``environ["API_KEY"] = "<uuid>"`` in a conftest: what
``uuid4()`` prints, the test's own made-up key for the app under test; the kind says ", a UUID" and
:mod:`~mlops_audit.facts.secret_places` drops it in test files only, so the same line in the application is
reported, and a provider's key, ``WANDB_API_KEY = "<uuid>"``, is reported everywhere); a random-looking fixture
literal is reported (suppress it with a reason,
``# mlops-audit: ignore[GOV001] made-up test key``).

Speed: every text file of a repository is scanned. Providers sharing a first literal are matched by one regex
(the literal, then an alternation: :func:`_scanners`), which the regex engine looks for fast; a longer literal is
looked for with ``in`` first, and a regex that starts with a class only runs on a text holding its literal. No
pattern starts with ``\\b`` (that would stop the regex engine from scanning for the literal prefix); the word
boundary before a match is checked by hand. The generic tier looks for its hint words in a lower-cased copy of
the text (same offsets) with ``str.find``. Every pattern is linear: bounded repetitions, no nested quantifiers,
no alternatives that overlap under a quantifier (tests/test_regex_safety.py runs them on adversarial input).

The patterns stay in Python rather than in a YAML data file: importing PyYAML costs ~13 ms, more than this whole
module (the pre-commit notebook hook imports this module and nothing of YAML), the analysis cache is keyed by this
file's source (a data file would need its own key), and ``rules/knowledge/*.yaml`` already holds capability
knowledge in another schema. The table below keeps the "knowledge is data" shape all the same: kind, regex,
literal and a reason (where the format is documented) per entry.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from typing import NamedTuple


class Provider(NamedTuple):
    """A token format: what it is, the regex of its value (group 1 when the regex has a group), the literal the
    regex starts with, as written in the regex (every provider of one prefix is matched in one pass: one
    alternation after the prefix), a literal every match contains when the regex cannot start with one (a text
    without it is not scanned), and where the format is documented."""

    kind: str
    regex: str
    prefix: str
    reason: str
    check: str = ""  # an extra check of the match in its text (see _provider_ok)
    literal: str = ""


# an sk- key with one of these starts has its own provider's pattern below: the generic sk- pattern refuses it
_SK_OWN = (r"(?:ant-|or-v1-|lf-|proj-|svcacct-|admin-)[A-Za-z0-9_\-]{32}"
           r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}")

PROVIDERS: tuple[Provider, ...] = (
    Provider("AWS access key ID", r"A(?:KIA|SIA)[0-9A-Z]{16}\b", "A",
             "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids"),
    Provider("Google API key", r"AIza[0-9A-Za-z\-_]{35}\b", "A",
             "https://cloud.google.com/docs/authentication/api-keys"),
    Provider("Azure storage account key", r"AccountKey=([A-Za-z0-9+/]{80,100}={0,2})", "A",
             "https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string"),
    Provider("GitHub token", r"g(?:h[pousr]_[A-Za-z0-9]{36,}|ithub_pat_[A-Za-z0-9_]{50,})", "g",
             "https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/"),
    Provider("GitLab token", r"gl(?:pat|dt|rt|ptt|soat)-[A-Za-z0-9_\-]{20,}", "g",
             "https://docs.gitlab.com/ee/security/tokens/#token-prefixes"),
    Provider("Twilio API key", r"SK[0-9a-fA-F]{32}\b", "S", "https://www.twilio.com/docs/iam/api-keys"),
    Provider("SendGrid API key", r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", "S",
             "https://docs.sendgrid.com/ui/account-and-settings/api-keys"),
    Provider("Azure shared access key", r"SharedAccessKey=([A-Za-z0-9+/]{40,50}={0,2})", "S",
             "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas"),
    Provider("Slack token", r"x(?:ox[baprse]|app-[0-9])-[A-Za-z0-9-]{10,}", "x",
             "https://api.slack.com/authentication/token-types"),
    # webhook URLs: the URL is the credential (anyone holding it can post)
    Provider("Slack webhook", r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,200}", "h",
             "https://api.slack.com/messaging/webhooks"),
    Provider("Hugging Face token", r"hf_[A-Za-z0-9]{30,}\b", "h", "https://huggingface.co/docs/hub/security-tokens"),
    Provider("Discord webhook", r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,100}", "d",
             "https://discord.com/developers/docs/resources/webhook"),
    Provider("Databricks token", r"dapi[0-9a-f]{32}(?:-[0-9])?\b", "d",
             "https://docs.databricks.com/en/dev-tools/auth/pat.html"),
    Provider("Microsoft Teams webhook",
             r"office\.com/webhookb?2?/[0-9a-f\-]{36}@[0-9a-f\-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f\-]{36}",
             r"office\.com/webhook",
             "https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook"),
    # sk-: Anthropic (sk-ant-api03-..., sk-ant-admin01-...), OpenRouter (sk-or-v1-<64 hex>), Langfuse secret keys
    # (sk-lf-<uuid>), OpenAI (project, service-account and admin keys; legacy user keys carry "T3BlbkFJ", base64
    # of "OpenAI"), and the rest: many providers (DeepSeek, Moonshot, local gateways) copy OpenAI's format
    Provider("Anthropic API key", r"sk-ant-[A-Za-z0-9_\-]{32,}", "sk-",
             "https://docs.anthropic.com/en/api/getting-started"),
    Provider("OpenRouter API key", r"sk-or-v1-[A-Za-z0-9_\-]{32,}", "sk-", "https://openrouter.ai/docs/api-keys"),
    Provider("Langfuse secret key", r"sk-lf-[A-Za-z0-9_\-]{32,}", "sk-",
             "https://langfuse.com/docs/get-started"),
    Provider("OpenAI API key", r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{32,}"
                               r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}[A-Za-z0-9_\-]*)", "sk-",
             "https://platform.openai.com/docs/api-reference/authentication"),
    Provider("OpenAI-compatible API key", r"sk-(?!" + _SK_OWN + r")[A-Za-z0-9_\-]{32,}", "sk-",
             "the sk- format of OpenAI, copied by DeepSeek, Moonshot and OpenAI-compatible gateways"),
    Provider("Stripe live key", r"[sr]k_live_[0-9a-zA-Z]{24,}", "", "https://docs.stripe.com/keys",
             literal="k_live_"),
    Provider("Azure SAS token", r"sig=([A-Za-z0-9%+/=]{30,200})", "sig=",
             "https://learn.microsoft.com/azure/storage/common/storage-sas-overview", "sas"),
    Provider("Azure client secret", r"[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}", "",
             "https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal",
             literal="Q~"),
    Provider("Neptune API token", r"eyJhcGlfYWRkcmVzcyI6[A-Za-z0-9+/]{30,}={0,2}", "eyJhcGlfYWRkcmVzcyI6",
             "base64 of {\"api_address\": ...: https://docs.neptune.ai/setup/setting_api_token/"),
    Provider("PyPI token", r"pypi-AgE[A-Za-z0-9_\-]{50,}", "pypi-AgE", "https://pypi.org/help/#apitoken"),
    Provider("private key",
             r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
             r"(?=[\s\\]{0,8}(?:Proc-Type:|Version:|Comment:|[A-Za-z0-9+/]{4,}(?![A-Za-z0-9+/.])))", "-----BEGIN ",
             "RFC 7468 (PEM), RFC 4880 (PGP); a header followed by a key body, not a format string", "pem"),
    Provider("private key", r"PuTTY-User-Key-File-[0-9]: ", "PuTTY-User-Key-File-",
             "https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html"),
)


def _unescape(prefix: str) -> str:
    return re.sub(r"\\(.)", r"\1", prefix)



def __getattr__(name: str) -> object:
    """``PATTERNS``, compiled on first use (tests and tools; the scan uses :data:`_SCANNERS`): (kind, pattern, a
    literal every match contains or "", False), one per provider."""
    if name == "PATTERNS":
        patterns = [(p.kind, re.compile(p.regex), p.literal or _unescape(p.prefix), False) for p in PROVIDERS]
        globals()["PATTERNS"] = patterns
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Member(NamedTuple):
    kind: str
    check: str
    group: int  # the group of the combined regex that matched when this member did
    value: int  # the group of the value; 0 for the whole match


def _scanners() -> list[tuple[str, re.Pattern[str], tuple[_Member, ...]]]:
    """One regex per prefix: the prefix, then the alternation of its providers' rest (each a group); the regex
    engine looks for a leading literal fast, so a text costs one pass per prefix, not one per provider. A prefix
    of 3+ characters is looked for with ``in`` first (rare: a text without it costs one fast search). Providers
    without a prefix are their own regex, behind their literal."""
    out: list[tuple[str, re.Pattern[str], tuple[_Member, ...]]] = []
    prefixes = list(dict.fromkeys(p.prefix for p in PROVIDERS if p.prefix))
    for prefix in prefixes:
        group = [p for p in PROVIDERS if p.prefix == prefix]
        for p in group:
            if not p.regex.startswith(prefix):
                raise ValueError(f"{p.kind}: {p.regex!r} does not start with {prefix!r}")
        regex = re.compile(prefix + "(?:" + "|".join(f"(?P<m{i}>{p.regex[len(prefix):]})"
                                                     for i, p in enumerate(group)) + ")")
        wrappers = [regex.groupindex[f"m{i}"] for i in range(len(group))] + [regex.groups + 1]
        members = tuple(_Member(p.kind, p.check, wrappers[i], wrappers[i] + 1 if wrappers[i + 1] > wrappers[i] + 1
                                else 0) for i, p in enumerate(group))  # the value: the member's first group
        literal = _unescape(prefix)
        gate = literal if len(literal) >= 3 else ""  # `in` is 2x faster than the regex engine's own search
        out.append((gate, regex, members))
    for p in PROVIDERS:
        if not p.prefix:
            regex = re.compile(p.regex)
            out.append((p.literal, regex, (_Member(p.kind, p.check, 0, 1 if regex.groups else 0),)))
    return out


_SCANNERS = _scanners()

# ------------------------------------------------------------------ tier 1: credentials known by their syntax
URL_CREDENTIALS = re.compile(r"://([^\s:/?#@\"'<>\\,]{0,100}):([^\s:/?#@\"'<>\\,]{1,200})@")
BEARER = re.compile(r"[Bb]earer[ \t]{1,4}([A-Za-z0-9._~+/\-]{20,2000}=*)")
BASIC = re.compile(r"Basic[ \t]{1,4}([A-Za-z0-9+/]{12,500}={0,2})")
NETRC = re.compile(r"password[ \t]{1,20}([^\s\"'#]{6,200})")
WANDB_LOGIN = re.compile(r"wandb login[ \t]{1,4}(?:--relogin[ \t]{1,4})?([0-9a-f]{40})\b")
_DB_SCHEMES = ("postgres", "mysql", "mariadb", "mongodb", "redis", "rediss", "amqp", "mssql", "sqlserver", "oracle",
               "snowflake", "clickhouse", "cockroachdb", "jdbc", "neo4j", "bolt", "elasticsearch", "cassandra",
               "kafka", "nats", "memcached", "db2", "trino", "presto", "vertica", "sqlite")

# ------------------------------------------------------------------ tier 2: values bound to secret names
# in every name read below (a "pass" only in "passw/passphrase/passcode" or after "_"/"-": not every `pass`
# statement)
HINTS = ("pass", "pwd", "secret", "token", "key", "auth", "cred")
# a hint word followed by one of these is in a word of ML code, never a secret's name: not read further
_NOT_A_NAME = {"token": ("iz", "s", "_id", "_type", "_len", "_count"), "key": ("s", "word", "board", "_id", "frame"),
               "auth": ("or",), "secret": ("s",)}
# from a hint word on (lower case): the rest of its name; then the closing quote/bracket of a key or subscript,
# blanks, a separator
NAME_RUN = re.compile(r"[a-z0-9_\-]{1,60}")
BINDING = re.compile(r"(?:[\"'`]\]?|\])?[ \t]{0,20}(=>|:=|[=:,]|\r?\n)")  # after the name (two regexes: one
# with both would retry the name's run at every length, 60 steps per character of a long run of letters)
# Kubernetes / compose / ECS: `- name: DB_PASSWORD` then `value: ...` (next line or, in JSON, same object)
K8S_VALUE = re.compile(r"(?:-[ \t]{1,4})?[\"']?value[\"']?[ \t]{0,20}:")  # after the line's indentation
_IDENT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# word -> the kind of the value bound to a name with that word
SECRET_WORDS = {
    "password": "password", "passwd": "password", "pwd": "password", "passphrase": "password",
    "passcode": "password", "secret": "secret", "clientsecret": "secret", "token": "token", "authtoken": "token",
    "accesstoken": "token", "apitoken": "token", "jwt": "token", "apikey": "api key", "accesskey": "access key",
    "secretkey": "secret", "privatekey": "private key", "signingkey": "signing key", "masterkey": "master key",
    "accountkey": "account key", "credential": "credential", "credentials": "credential", "creds": "credential",
}
# compound lower-case words ending in one of these ("dbpassword", "mytoken") count as that word
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey")
# "key" is a secret name after one of these ("api_key", "OPENAI_KEY", "accountKey")
KEY_QUALIFIERS = frozenset({
    "api", "access", "secret", "private", "account", "master", "signing", "encryption", "client", "app",
    "subscription", "service", "auth", "license", "admin", "storage", "shared", "write", "deploy", "ssh",
    "wandb", "comet", "neptune", "kaggle", "openai", "anthropic", "claude", "cohere", "mistral", "groq", "gemini",
    "google", "gcp", "aws", "azure", "hf", "huggingface", "replicate", "pinecone", "langsmith", "langchain",
    "stripe", "sendgrid", "twilio", "databricks", "mlflow", "dagshub", "clearml", "roboflow", "serpapi", "tavily",
    "deepseek", "together", "fireworks", "voyage", "jina", "weaviate", "qdrant", "supabase", "firebase", "algolia",
    "datadog", "elevenlabs", "assemblyai", "deepgram", "perplexity", "openrouter", "ngc", "nvidia", "mapbox",
})
# a name whose words after its secret word include one of these is about a secret, not one ("token_url")
NOT_SECRET_AFTER = frozenset({
    "url", "uri", "urls", "endpoint", "host", "hostname", "port", "path", "paths", "file", "filename", "files",
    "dir", "directory", "folder", "name", "names", "id", "ids", "type", "types", "env", "envvar", "var", "vars",
    "variable", "header", "headers", "field", "fields", "length", "len", "size", "count", "limit", "limits", "max",
    "min", "prefix", "suffix", "regex", "pattern", "policy", "expiry", "expires", "expiration", "expire", "ttl",
    "timeout", "format", "fmt", "mode", "method", "enabled", "enable", "required", "label", "hint", "prompt",
    "help", "message", "msg", "error", "errors", "template", "param", "params", "arg", "args", "option",
    "options", "flag", "index", "idx", "column", "col", "attr", "location", "source", "provider", "manager",
    "store", "backend", "hash", "hashed", "salt", "rounds", "strength", "validator", "validation", "reset",
    "input", "widget", "form", "schema", "class", "cls", "kind", "lookup", "ref", "reference", "placeholder",
    "version", "scope", "scopes", "audience", "issuer", "algorithm", "alg", "usage", "counter", "budget",
    "embedding", "embeddings", "embeds", "logits", "probs", "prob", "mask", "position", "positions", "pos", "dim",
    "dims", "vocab", "rate", "ratio", "weight", "weights", "bias", "loss", "num", "number", "interval",
    "separator", "delimiter", "char", "chars", "str", "string", "list", "dict", "map", "set", "check", "checker",
    "helper", "handler", "generator", "getter", "setter", "loader", "cache", "callback", "fn", "func", "function",
    "key", "keys", "question", "description", "doc", "docs", "rotation", "level", "spec", "arn", "exists",
    "present", "missing", "ok", "valid", "invalid", "verified", "sha", "digest", "fingerprint", "bytes", "bits",
    "encoding", "secrets", "vault", "mount", "tokens", "request", "response", "mapping", "window", "stride",
})
# tokenizer vocabulary: "pad_token = '<pad>'" is no credential
_TOKENIZER_WORDS = frozenset({
    "bos", "eos", "pad", "unk", "mask", "sep", "cls", "special", "start", "end", "stop", "image", "img", "video",
    "audio", "vision", "eot", "eom", "fim", "think", "tool", "system", "user", "assistant", "bot", "sot", "eoi",
    "boi", "new", "added", "begin", "default", "decoder", "encoder", "prefix", "suffix", "middle", "placeholder",
    "max", "num", "n", "min", "total", "next", "prev", "first", "last", "input", "output", "prompt", "text", "word",
    "sub", "subword", "vocab", "page", "continuation", "cursor", "sync", "resume", "csrf", "xsrf", "pre", "eod",
    "trigger", "instance", "class", "concept", "identifier", "sentinel", "line", "doc", "query", "answer",
    "context", "separator", "turn", "reasoning", "header", "speaker", "update", "idempotency", "client",
    "verification", "change", "marker", "cancel", "challenge", "confirmation", "invite", "unsubscribe", "reset",
})
# words before a secret word that make the name about the secret ("max_password_length", "hashed_password")
_NOT_SECRET_BEFORE = frozenset({"max", "min", "num", "hashed", "hash", "encrypted", "use", "is", "has", "show",
                                "hide", "reset", "forgot", "require", "requires", "validate", "verify", "check"})
# calls whose first argument names the second: os.environ.setdefault("X_TOKEN", "..."), monkeypatch.setenv(...)
_PAIR_CALLS = ("setdefault(", "putenv(", "setenv(", "getenv(", "get(", "set(", "environ(")
# the line before the name names a provider (or a login call): a plain "key" is then a credential
_KEY_CALLS = ("wandb", "comet", "neptune", "kaggle", "login(", "openai")
# (words of the name or of the call of its line, kind): the first that matches refines a generic kind
_REFINE = (
    ("wandb", "Weights & Biases API key"), ("comet", "Comet API key"), ("neptune", "Neptune API token"),
    ("kaggle", "Kaggle API key"), ("databricks", "Databricks token"), ("twilio", "Twilio auth token"),
    ("sendgrid", "SendGrid API key"), ("mlflow", "MLflow tracking credential"),
    ("huggingface", "Hugging Face token"), ("hf_", "Hugging Face token"), ("openai", "OpenAI API key"),
    ("anthropic", "Anthropic API key"),
)
MAX_LINE = 4000

# ------------------------------------------------------------------ what no value is
# placeholders and references (case-insensitive: "<your-api-key>", "xxx", "${VAR}", "{{ secrets.X }}", "%(x)s")
PLACEHOLDER = re.compile(r"(?i)xxx|your|example|changeme|change_me|dummy|placeholder|redacted|fake|sample|test"
                         r"|insert|replace|todo|<|>|\$\{|\$\(|\{\{|\{%|%\(|\*\*\*|\.\.\.|\{[A-Za-z_0-9]*\}"
                         r"|\A\$[A-Za-z_]|\A[!*&%@|]|\Aenv[:(]|\Aarn:|\Avault:|://|\Asha[0-9]{1,3}:|\Amd5:")
_RUN = re.compile(r"(.)\1{5}")  # one character six times in a row
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]{0,40}(?:_[A-Z0-9]{1,40}){1,10}")  # "OPENAI_API_KEY": a variable's name
_PATH = re.compile(r"\A(?:/|\./|\.\./|~/|[A-Za-z]:\\)|\.(?:txt|json|pem|key|crt|cer|yaml|yml|env|p12|pfx|jks|cfg"
                   r"|ini|toml|pkl|gpg|asc)\Z")
_HEX = re.compile(r"[0-9a-fA-F]{1,1000}")
_AUTH_PAIR = re.compile(r"\([ \t]{0,4}[\"'][^\"'\n]{1,100}[\"'][ \t]{0,4},[ \t]{0,4}[\"']([^\"'\n]{1,200})[\"']"
                        r"[ \t]{0,4}\)")  # auth=("user", "password")
_BLANKS = re.compile(r"[ \t\r]{0,200}")
_UNQUOTED = re.compile(r"[^ \t\r\n\"'`,;#(){}\[\]<>&|\\]{1,300}")  # a value written without quotes
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")
_SYMBOL = re.compile(r"[^A-Za-z0-9_\-./]")  # (not a snake_case_name's "_", nor a path's "/")
_ANNOTATION = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,60}")  # the type of `password: str = "..."`
_PEM_PLACEHOLDER = re.compile(r"(?i)your|example|xxx|\.\.\.|<|redacted|placeholder|insert|replace|dummy|fake")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
UUID_MARK = ", a UUID"  # the end of a generic kind whose value is a UUID
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{10,500}\.eyJ[A-Za-z0-9_\-]{10,4000}\.[A-Za-z0-9_\-]{10,1000}")
_KEYWORDS = frozenset({"none", "null", "nil", "true", "false", "yes", "no", "on", "off", "undefined", "required",
                       "optional", "string", "str", "secret", "password", "token", "bytes", "int"})
# ``postgresql://DB_USER:DB_PASSWORD@DB_HOST/DB``: the name of what goes there, in a tutorial or a template
_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]{0,30}(?:_[A-Z0-9]{1,30}){1,6}"
                            r"|[A-Z]{0,20}(?:PASSWORD|PASS|PWD|SECRET)[A-Z]{0,20}")
_URL_PLACEHOLDERS = frozenset({"password", "pass", "passwd", "pwd", "secret", "token", "apikey", "api_key", "key",
                               "changeme", "tiger", "pw", "p", "x", "mypassword", "mysecretpassword", "pwd123"})
# documented example values (AWS's example key pair, the Azurite storage emulator's well-known key, jwt.io's
# sample token's payload), refused wherever they appear; AWS's carry EXAMPLE (a placeholder word) already
DOCUMENTED = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _ascii(text: str) -> str:
    """``text`` with each non-ASCII character replaced by "?": the same offsets (one character for one), what
    every pattern reads (tokens and names are ASCII). A text that is not all ASCII is stored with 2 or 4 bytes a
    character, every search on it is slower (a third of the scan, on diffusers' docstrings), and ``str.lower``
    may change its length ("İ" -> "i̇"); the copy costs less than that."""
    return text if text.isascii() else text.encode("ascii", "replace").decode("ascii")


def _lower(text: str) -> str:
    return text.lower()  # of an ASCII text (see _ascii): the same length, the same offsets


def _word_start(text: str, offset: int) -> bool:
    return offset == 0 or not (text[offset - 1].isalnum() or text[offset - 1] == "_")


def _fake(value: str) -> bool:
    """A value that says it is no real one: a placeholder word, a documented example, a character repeated."""
    return bool(PLACEHOLDER.search(value)) or any(d in value for d in DOCUMENTED) or bool(_RUN.search(value))


# ------------------------------------------------------------------ the scan
def scan_text(text: str) -> list[tuple[int, str]]:
    """(line, kind) for each secret-looking value in ``text``: at most one per line, provider formats first."""
    return [(line, kind) for line, kind, _ in _scan(text)]


def find_secrets(text: str) -> list[tuple[int, str, str]]:
    """(line, kind, value) for what :func:`scan_text` reports. The value is for tests and for code that must
    make sure a value goes nowhere (never for showing it)."""
    return [(line, kind, text[start:end]) for line, kind, (start, end) in _scan(text)]


Hit = tuple[int, int, str, tuple[int, int]]  # (tier, offset, kind, span of the value)


def _scan(text: str, prefilter: bool = True) -> list[tuple[int, str, tuple[int, int]]]:
    hits = _candidates(_ascii(text), prefilter)
    if not hits:
        return []
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    found: dict[int, tuple[str, tuple[int, int]]] = {}
    for _, offset, kind, span in sorted(hits):  # a lower tier (a provider format) wins its line
        line = bisect_right(starts, offset)
        if offset - starts[line - 1] < MAX_LINE:
            found.setdefault(line, (kind, span))
    return [(line, kind, span) for line, (kind, span) in sorted(found.items())]


def _candidates(text: str, prefilter: bool = True) -> list[Hit]:
    """Every secret of ``text`` (an ASCII text: :func:`_ascii`), several per line when there are: the scan keeps
    one per line, redact all."""
    hits: list[Hit] = []
    for literal, regex, members in _SCANNERS:
        if prefilter and literal and literal not in text:
            continue
        for m in regex.finditer(text):
            member = members[0] if len(members) == 1 else next(x for x in members if m.start(x.group) >= 0)
            span = m.span(member.value) if member.value else m.span()
            if _word_start(text, m.start()) and not _fake(text[span[0]:span[1]]) and \
                    _provider_ok(member.check, text, m):
                kind = member.kind
                if member.check == "pem" and ("service_account" in text or '"private_key_id"' in text):
                    kind = "GCP service-account key"
                hits.append((0, m.start(), kind, span))
    hits.extend(_url_credentials(text))  # no gate: "://" is in most texts, the regex looks for it as fast
    if not prefilter or "earer" in text:
        hits.extend(_bearer(text))
    if not prefilter or "Basic " in text or "Basic\t" in text:  # not BasicTransformerBlock
        hits.extend(_basic(text))
    if "machine" in text and "login" in text:  # a .netrc's context (a condition, not only a prefilter)
        hits.extend((1, m.start(), "password in .netrc", m.span(1)) for m in NETRC.finditer(text)
                    if _word_start(text, m.start()) and _value_ok(m.group(1), "password"))
    if not prefilter or "wandb login" in text:
        hits.extend((1, m.start(), "Weights & Biases API key", m.span(1)) for m in WANDB_LOGIN.finditer(text)
                    if not _fake(m.group(1)))
    hits.extend(_bound(text))
    return hits


def _provider_ok(check: str, text: str, m: re.Match[str]) -> bool:
    if check == "pem":  # a key body follows, and no placeholder ("-----BEGIN PRIVATE KEY-----\n<your key>")
        end = text.find("-----", m.end(), m.end() + 80)
        return not _PEM_PLACEHOLDER.search(text, m.end(), end if end >= 0 else m.end() + 80)
    if check == "sas":  # a query string of an Azure SAS URL: ?sv=...&se=...&sig=...
        line_end = text.find("\n", m.start())
        line = text[text.rfind("\n", 0, m.start()) + 1:line_end if line_end >= 0 else len(text)]
        return m.start() > 0 and text[m.start() - 1] in "?&;" and ("sv=" in line or "se=" in line)
    return True


def _url_credentials(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in URL_CREDENTIALS.finditer(text):
        user, password = m.group(1), m.group(2)
        if password.lower() in _URL_PLACEHOLDERS or password == user or password.isdigit() or \
                len(password) < 4 or _fake(password) or "%(" in password or "$" in password or "{" in password \
                or _CONSTANT_NAME.fullmatch(password) or _names_itself(password):
            continue
        scheme_start = m.start()
        while scheme_start > 0 and m.start() - scheme_start < 30 and \
                (text[scheme_start - 1].isalnum() or text[scheme_start - 1] in "+.-"):
            scheme_start -= 1
        scheme = text[scheme_start:m.start()].lower()
        line = _lower(text[text.rfind("\n", 0, m.start()) + 1:m.start()])
        if "mlflow" in line:
            kind = "password in an MLflow tracking URI"
        elif scheme.startswith(_DB_SCHEMES):
            kind = "password in a database URL"
        else:
            kind = "password in a URL"
        hits.append((1, m.start(2), kind, m.span(2)))
    return hits


def _names_itself(password: str) -> bool:
    """A password that says it is one (``evidently_password``, ``mypasswd``): a demo value, as a generic
    ``password="password1"`` is (see _own_word)."""
    lowered = password.lower()
    return "password" in lowered or "passwd" in lowered


def _bearer(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in BEARER.finditer(text):
        value = m.group(1)
        if _word_start(text, m.start()) and _value_ok(value, "token"):
            kind = "JSON Web Token" if _JWT.fullmatch(value) else "bearer token"
            hits.append((1, m.start(1), kind, m.span(1)))
    return hits


def _basic(text: str) -> list[Hit]:
    """``Authorization: Basic <base64 of user:password>``, when it decodes to a user and a real password."""
    hits: list[Hit] = []
    for m in BASIC.finditer(text):
        try:
            decoded = base64.b64decode(m.group(1), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        user, sep, password = decoded.partition(":")
        if sep and decoded.isprintable() and password and password != user and \
                password.lower() not in _URL_PLACEHOLDERS and not _fake(password):
            hits.append((1, m.start(1), "basic-auth credentials", m.span(1)))
    return hits


_ENV_GAP = re.compile(r"[ \t]{1,20}")


def _dockerfile_env(text: str, at: int, ident_end: int) -> int:
    """Where the value starts in a Dockerfile's ``ENV NAME value`` (the instruction's form with a space, one
    variable per line), the name running from ``at`` to ``ident_end``; -1 when the line is not one."""
    line_start = text.rfind("\n", 0, at) + 1
    head = text[line_start:at]
    name_start = len(head.rstrip(_IDENT_CHARS))
    if head[:name_start].strip().upper() != "ENV" or not head[:name_start].endswith((" ", "\t")):
        return -1
    gap = _ENV_GAP.match(text, ident_end)
    return gap.end() if gap is not None and text[gap.end():gap.end() + 1] not in ("", "\n", "\r", "=") else -1


def _bound(text: str) -> list[Hit]:
    """Values bound to a secret-sounding name: ``NAME = value``, ``NAME: value``, ``"NAME": value``,
    ``x["NAME"] = value``, ``f(NAME=value)``, ``setdefault("NAME", value)``, quoted or not."""
    low = _lower(text)
    starts: list[int] = []
    for word in HINTS:
        skip = _NOT_A_NAME.get(word, ())
        i = low.find(word)
        while i >= 0:
            if not low.startswith(skip, i + len(word)) and (
                    word != "pass" or low[i + 4:i + 5] in ("w", "p", "c") or low[i - 1:i] in ("_", "-")):
                starts.append(i)
            i = low.find(word, i + len(word))
    if not starts:
        return []
    hits: list[Hit] = []
    done = -1
    for at in sorted(starts):
        if at < done:
            continue  # in the name (or separator) of a binding already read
        run = NAME_RUN.match(low, at)
        ident_end = run.end() if run else at
        m = BINDING.match(low, ident_end)
        if m is None:
            after = _dockerfile_env(text, at, ident_end)  # ENV AWS_SECRET_ACCESS_KEY <value>, Docker's older form
            if after < 0:
                continue
            sep = "="
        else:
            after, sep = m.end(), m.group(1)
        done = after
        value: tuple[int, int] | None = None
        if sep in ("=", ":", "=>", ":="):  # the value first: it rules out most candidates, and cheaply
            if text[after:after + 1] in ("=", ":", "/", "~"):
                continue  # ==, ::, ://, =~
            value = _value_at(text, after, sep)
            if value is None or value[1] - value[0] < 6:
                continue
        window = text[max(0, at - 80):at]
        start = at - (len(window) - len(window.rstrip(_IDENT_CHARS)))
        if start > 0 and text[start - 1] in ":/*":
            continue  # a part of an ARN, a path or a URL ("arn:aws:secretsmanager:...:secret:name")
        name = text[start:ident_end]
        quote = text[start - 1] if start > 0 and text[start - 1] in "\"'`" else ""
        line_start = text.rfind("\n", 0, start) + 1
        prefix = text[line_start:start - len(quote)]
        if value is None:
            if prefix.rstrip(" \t\"'").endswith("name:"):  # name: DB_PASSWORD, then value: ...
                indent = after
                while indent < len(text) and text[indent] in " \t" and indent - after < 80:
                    indent += 1
                v = K8S_VALUE.match(text, indent)
                if v is None:
                    continue
                sep, after = ":", v.end()
            elif sep != "," or not (quote and text[ident_end:ident_end + 1] == quote and
                                    prefix.rstrip().endswith(_PAIR_CALLS)):
                continue  # setdefault("NAME", "value"), not any tuple nor a name ending its line
            value = _value_at(text, after, sep)
            if value is None or value[1] - value[0] < 6:
                continue
        literal = text[value[0]:value[1]]
        if literal == name:
            continue  # f(token=token)
        if sep == ":" and text[value[0] - 1:value[0]] not in "\"'`" and _in_prose(prefix):
            continue  # "...a randomly generated 8-character password: rT8$jLpZ." in a data set's text
        kind = _name_kind(name, prefix)
        if kind is None and name.lower() == "key" and quote == '"' and sep == ":" and '"username"' in text:
            kind = "Kaggle API key"  # kaggle.json: {"username": "...", "key": "<32 hex>"}
        if kind is None or (kind == "Kaggle API key" and not (len(literal) == 32 and _HEX.fullmatch(literal))):
            continue
        cls = "password" if text[value[0] - 1:value[0]] in "\"'" and text[after:value[0]].lstrip()[:1] == "(" \
            else _value_class(kind)  # the password of an auth=("user", "...") pair
        if _value_ok(literal, cls, _own_word(kind)):
            refined = _refine(kind, name, prefix, literal)
            if refined.startswith("hard-coded") and _UUID.fullmatch(literal):
                refined += UUID_MARK  # what uuid4() prints: quiet in tests (secret_places.find)
            hits.append((2, value[0], refined, value))
    return hits


_PROSE_END = re.compile(r"[A-Za-z][A-Za-z-]{1,30} $")


def _in_prose(prefix: str) -> bool:
    """Whether a name with this ``prefix`` (its line before it) is a word of a sentence inside a string (a JSON
    data set's text, a prompt): the prefix opens a double-quoted string and ends with a word and a space. A
    key of YAML, INI or an env file starts its line; a key of JSON or a dict is quoted itself."""
    return prefix.count('"') % 2 == 1 and _PROSE_END.search(prefix) is not None


def _name_kind(name: str, prefix: str) -> str | None:
    """The generic kind of a value bound to ``name`` (``prefix``: the line before it), or None when the name is
    no secret's."""
    kind = _words_kind(name)
    if kind == _PLAIN_KEY:
        return "api key" if any(call in prefix.lower() for call in _KEY_CALLS) else None
    return kind


_PLAIN_KEY = "key"  # a name that is only "key": a secret's where the line calls a provider (wandb.login(key=))


@lru_cache(maxsize=4096)
def _words_kind(name: str) -> str | None:
    words = [w.lower() for w in WORDS.findall(name)]
    found: str | None = None
    at = -1
    for i, word in enumerate(words):
        kind = SECRET_WORDS.get(word)
        if kind is None and word.endswith(_SECRET_ENDINGS) and word not in ("tokentype",):
            ending = next(e for e in _SECRET_ENDINGS if word.endswith(e))
            if word[:-len(ending)] not in _TOKENIZER_WORDS:
                kind = SECRET_WORDS.get(ending, "secret") if ending != "apikey" else "api key"
        if kind is None and word == "key" and i > 0 and words[i - 1] in KEY_QUALIFIERS:
            kind = "api key" if words[i - 1] not in ("access", "private", "secret", "signing", "master", "account",
                                                     "encryption", "ssh", "deploy", "storage", "shared") \
                else f"{words[i - 1]} key"
            if kind == "secret key":
                kind = "secret"
        if kind is None and word == "pass" and i == len(words) - 1 and i > 0:
            kind = "password"  # DB_PASS, SMTP_PASS
        if kind is None and word == "auth" and i == len(words) - 1:
            kind = "credential"  # AUTH, basic_auth
        if kind is not None:
            found, at = kind, i
    if found is None:
        return _PLAIN_KEY if words == ["key"] else None
    if any(w in NOT_SECRET_AFTER for w in words[at + 1:]) or \
            any(w in _NOT_SECRET_BEFORE for w in words[:at]):
        return None
    if found == "token" and at > 0 and words[at - 1] in _TOKENIZER_WORDS:
        return None  # pad_token, bos_token, max_token, page_token
    if "secret" in words and ("aws" in words or "access" in words):
        return "AWS secret access key"  # aws_secret_access_key, AWS_SECRET_KEY, "SecretAccessKey"
    if "aws" in words and found == "token":
        return "AWS session token"
    return found


def _own_word(kind: str) -> str:
    """The word a placeholder bound to a name of ``kind`` repeats ("password1", "my-token"), for a generic kind."""
    return "" if kind[0].isupper() else kind.split()[-1]


def _value_class(kind: str) -> str:
    return "password" if kind == "password" else "token"


def _skip_blanks(text: str, at: int, end: int) -> int:
    m = _BLANKS.match(text, at, end)
    return m.end() if m else at


def _value_at(text: str, at: int, sep: str) -> tuple[int, int] | None:
    """The span of the value that starts at ``at`` (after a separator and blanks), or None: a quoted string
    (``r""``/``b""`` too, not an f-string with a field, not the first part of a concatenation), or an unquoted
    token ending its line, comment or query parameter (``.env``, YAML, INI); not code (a call, an attribute, an
    expression, an annotation alone)."""
    n = len(text)
    at = _skip_blanks(text, at, n)
    line_end = text.find("\n", at)
    if line_end < 0:
        line_end = n
    j = at
    while j < n and j - at < 2 and text[j] in "rRbBuUfF":
        j += 1
    if j < n and text[j] in "\"'`":
        quote = text[j]
        if text[j:j + 3] == quote * 3:
            return None
        end = text.find(quote, j + 1, line_end)
        if end < 0 or end == j + 1:
            return None
        if "f" in text[at:j].lower() and "{" in text[j + 1:end]:
            return None
        if text[end + 1:end + 4].lstrip(" \t")[:1] == "+":
            return None  # "Tr0ub4" + "dor...": a part of a value built at run time (fixtures are, to fool scanners)
        return j + 1, end
    if sep == ",":
        return None  # ("NAME", value): only a literal is a secret there
    if text[at:at + 1] == "(":
        pair = _AUTH_PAIR.match(text, at, line_end)  # auth=("user", "password")
        return pair.span(1) if pair else None
    token = _UNQUOTED.match(text, at, line_end)
    if token is None:
        return None
    end = token.end()
    k = _skip_blanks(text, end, line_end)
    nxt = text[k] if k < line_end else ""
    if nxt in ("", "#", "&", ";", "\"", "'", "\\"):
        return at, end  # (not ",", ")", "}": `f(token=token_2024, ...)` is code)
    if sep == ":" and nxt == "=" and text[k + 1:k + 2] != "=" and _ANNOTATION.fullmatch(text, at, end):
        return _value_at(text, k + 1, "=")  # password: str = "..."
    return None


def _is_attribute(value: str) -> bool:
    """``self.config.token``: code, a dotted name."""
    parts = value.split(".")
    return 1 < len(parts) <= 11 and all(part.isidentifier() and part.isascii() for part in parts)


def _value_ok(value: str, cls: str, word: str = "") -> bool:
    """Whether ``value``, bound to a secret name, is a secret: random enough (a password: 8+ characters, letters
    and a digit or a symbol; a token: 16+, letters and digits, 32+ when hexadecimal; the cheap tests first), and no
    placeholder, reference, code, path, variable name, hash or keyword."""
    if value.startswith(("Bearer ", "bearer ", "Basic ", "token ")):
        value = value.split(" ", 1)[1]
    value = value.removesuffix("\\n").removesuffix("\\r")  # 'secret\n' written to a prompt
    n = len(value)
    if n < (8 if cls == "password" else 16) or n > 4000 or " " in value:
        return False
    letters = _LETTER.search(value) is not None
    digits = _DIGIT.search(value) is not None
    if cls == "password":  # a digit or a symbol
        if not (letters and (digits or _SYMBOL.search(value))):
            return False
    elif not (letters and digits) or (n < 32 and _HEX.fullmatch(value)):
        return False  # (short hexadecimal: a hash or an id)
    if any(c in "()[]{}\\" for c in value):
        return False  # code, a template, a regex: `{g.password()}`, "[0-9a-f]{4}"
    if (word and word in value.lower()) or value.lower() in _KEYWORDS or _fake(value):
        return False  # a placeholder; or one naming itself: password="password1", token="my-token-123"
    if ENV_NAME.fullmatch(value) or (_is_attribute(value) and not _JWT.fullmatch(value)) or _PATH.search(value) or \
            (value.count("/") >= 2 and value == value.lower()):
        return False
    return _entropy(value) >= (2.5 if cls == "password" else 3.0 if n < 24 else 3.3)


def _refine(kind: str, name: str, prefix: str, value: str) -> str:
    """A generic kind made precise by the value's shape or a provider the name or its line's call names."""
    if kind[0].isupper():
        return kind  # a provider's already (AWS, Kaggle)
    if _JWT.fullmatch(value):
        return "JSON Web Token"
    context = _lower(prefix + " " + name)
    if "azure" in context:
        return "Azure client secret" if kind == "secret" else "Azure key"
    for word, refined in _REFINE:
        if word in context:
            return refined
    return f"hard-coded {kind}"


# ------------------------------------------------------------------ masking
def mask(value: str) -> str:
    """A secret as reports may show it: its provider prefix at most ("ghp_****", "sk-ant-****"), never a
    character of the secret part (a password's "db_" is part of it: only a known provider prefix is shown)."""
    m = _MASK_PREFIX.match(value)
    return (m.group(0) if m else "") + "****"


_MASK_PREFIX = re.compile(r"(?:gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|soat)-|xox[baprse]-|xapp-"
                          r"|sk-(?:ant-|proj-|svcacct-|admin-|or-|lf-)?|[sr]k_live_|hf_|pypi-)(?=.{12})")
# something every match of a pattern contains (or every name the generic tier accepts), in one search
_MAYBE = re.compile(r"AKIA|ASIA|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|soat)-|xox[baprse]-|xapp-|hook|sk-"
                    r"|hf_|AIza|k_live_|SK|SG\.|dapi|Key=|sig=|Q~|eyJhcGlf|pypi-AgE|-----BEGIN|PuTTY-User-Key-File-"
                    r"|://|earer|Basic|machine|wandb login|(?i:pass|pwd|secret|token|key|auth|cred)")


def redact(text: str) -> str:
    """``text`` with every value the scan would report masked (:func:`mask`), wherever it is and however many
    share a line (the scan reports one per line; here each is replaced). For text the audit shows that may
    quote the repository: a message quoting a line, a parser's error, a suppression's reason."""
    if not _MAYBE.search(text):
        return text  # what nearly every message is: one search instead of one per pattern
    spans = sorted(span for _, _, _, span in _candidates(_ascii(text)))
    if not spans:
        return text
    out: list[str] = []
    end = 0
    for start, stop in spans:
        if stop <= end:
            continue  # inside a value already masked
        start = max(start, end)
        out.append(text[end:start])
        out.append(mask(text[start:stop]))
        end = stop
    out.append(text[end:])
    return "".join(out)
