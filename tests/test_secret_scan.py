"""The secret scan skips a pattern when its literal is not in the text, and the ``redact`` gate skips a text
with none of them: that must never lose a match. The prefiltered scan is compared with the same scan run without
any prefilter, and every provider pattern is checked to be reachable through its scanner (its prefix group)."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlops_audit.facts import secrets
from mlops_audit.facts.secrets import scan_text


def unfiltered(text: str) -> list[tuple[int, str, tuple[int, int]]]:
    """The scan with every literal prefilter off: every pattern run on every text."""
    return secrets._scan(text, prefilter=False)


VALUE40 = "AbCdEfGh1234567890AbCdEfGh1234567890AbCd"
HEX40 = "0123456789abcdef0123456789abcdef01234567"
GENERIC = "Zx9Qw8Er7Ty6" + "Ui5Op4As3"  # built, so that the audit of this repository finds no secret here
CASES = [
    f"AWS_SECRET_ACCESS_KEY = '{VALUE40}'",
    f"aws_secret_access_key: {VALUE40}",
    f"Aws_Secret_Access_Key={VALUE40}",
    f"WANDB_API_KEY={HEX40}",
    f"wandb_ap\u0131_key={HEX40}",  # dotless i: not an ASCII "i", no W&B name (nor a crash)
    f"WANDB_AP\u0130_KEY={HEX40}",  # dotted capital I: str.lower lengthens it, the offsets must hold
    "stripe = 'sk_live_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3'",
    "rk_live_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3",
    f"api_key = '{GENERIC}'",
    f"PASSWORD: \"{GENERIC}\"",
    f"AUTH = '{GENERIC}'",
    f"ApI-KeY = '{GENERIC}'",
    f"ap\u0130_key = '{GENERIC}'",
    f"author = '{GENERIC}'",
    f"x = '{GENERIC}'",
    f"machine api.wandb.ai\n  login user\n  password {HEX40}\n",
    f"wandb login {HEX40}",
    f"AccountKey={VALUE40 * 2}AbCdEf==;",
    f"https://acct.blob.core.windows.net/c?sv=2022-11-02&se=2030-01-01&sig={VALUE40}%3D",
    f"Authorization: Bearer {VALUE40}",
    f"- name: DB_PASSWORD\n  value: {GENERIC}\n",
    f"postgresql://user:{GENERIC}@db.internal/prod",
]


@pytest.mark.parametrize("text", CASES)
def test_known_cases_match_the_unfiltered_scan(text: str) -> None:
    assert secrets._scan(text) == unfiltered(text)


def test_the_prefilters_do_find_what_they_guard() -> None:
    assert [kind for _, kind in scan_text(CASES[0])] == ["AWS secret access key"]
    assert [kind for _, kind in scan_text(CASES[3])] == ["Weights & Biases API key"]
    assert [kind for _, kind in scan_text(CASES[6])] == ["Stripe live key"]
    assert [kind for _, kind in scan_text(CASES[15])] == ["password in .netrc"]
    assert [kind for _, kind in scan_text(CASES[17])] == ["Azure storage account key"]
    assert [kind for _, kind in scan_text(CASES[18])] == ["Azure SAS token"]
    assert scan_text(CASES[14]) == []


def test_a_non_ascii_text_keeps_its_offsets() -> None:
    """``str.lower`` lengthens "İ": the name search uses a copy with the original's offsets, so the value found
    is the value in the text, wherever the character is."""
    for text in (f"\u0130\u0130 = 1\npassword = '{GENERIC}'", f"x = '\u0130'; password = '{GENERIC}'"):
        (found,) = secrets.find_secrets(text)
        assert found[2] == GENERIC


@pytest.mark.parametrize("provider", secrets.PROVIDERS, ids=lambda p: f"{p.kind}:{p.regex[:12]}")
def test_every_provider_pattern_is_in_a_scanner(provider: secrets.Provider) -> None:
    """The scan runs one combined regex per prefix: each provider is one of its members, under its kind."""
    members = [m for _, _, group in secrets._SCANNERS for m in group if m.kind == provider.kind]
    assert members, provider.kind
    if provider.prefix:
        assert provider.regex.startswith(provider.prefix) or provider.regex.startswith(
            provider.prefix.replace(".", "\\."))


@pytest.mark.parametrize("regex", [regex for _, regex, _ in secrets._SCANNERS], ids=lambda r: r.pattern[:24])
def test_each_combined_scanner_is_linear(regex: re.Pattern[str]) -> None:
    """The scanners are built at import (a prefix, then its providers' alternation): tests/test_regex_safety.py
    sees their parts in the source, and here the regexes themselves get its adversarial inputs."""
    from test_regex_safety import HANG_GUARD, _time_search, adversarial

    for label, text in adversarial(regex.pattern, regex.flags & ~re.UNICODE):
        assert _time_search(regex, text) <= HANG_GUARD, label


FRAGMENTS = st.sampled_from([
    "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "wandb_api_key", "WANDB_AP\u0130_KEY", "wandb_ap\u0131_key",
    "sk_live_", "rk_live_", "api_key", "Api-Key", "SECRET", "token", "passwd", "Password", "access_key", "auth",
    "ap\u0130", "\u0131", " = ", "=", ": ", "'", '"', "\n", " ", VALUE40, HEX40, GENERIC, "AKIA",
    "ABCDEFGHIJKLMNOP", "ghp_", "x" * 40, "é", "\u212a", "://", "u:", "@h", "Bearer ", "Basic ", "Basic\t",
    base64.b64encode(b"user:" + GENERIC.encode()).decode(), "machine ", "login ",
    "password ", "wandb login ", "sig=", "?sv=1&", "AccountKey=", "Key=", "name: ", "value: ", "- ", "hf_", "sk-",
    "Q~", "-----BEGIN PRIVATE KEY-----", "\\n", "MIIE", "hook", "hooks.slack.com/services/", "dapi", "SG.", "SK",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_random_texts_match_the_unfiltered_scan(text: str) -> None:
    assert secrets._scan(text) == unfiltered(text)
