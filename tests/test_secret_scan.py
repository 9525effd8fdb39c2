"""The secret scan skips a pattern when its literal is not in the text: that must never lose a match. The
prefiltered scan is compared with the same scan run without any prefilter."""

from __future__ import annotations

import re
from bisect import bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlops_audit.facts import secrets
from mlops_audit.facts.secrets import scan_text


def unfiltered(text: str) -> list[tuple[int, str]]:
    """scan_text as it was before the prefilters: every pattern run on every text."""
    hits = [(m.start(), kind) for kind, pattern, _, _ in secrets.PATTERNS for m in pattern.finditer(text)
            if secrets._word_start(text, m.start())]
    generic = []
    for m in secrets.GENERIC_VALUE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        name = secrets.GENERIC_NAME.search(text, max(line_start, m.start() - 80), m.start())
        value = m.group(1)
        if name and not secrets.PLACEHOLDER.search(value) and secrets._entropy(value) >= 3.5 and \
                any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            generic.append((m.start(), f"hard-coded {name.group(1).lower()}"))
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    found: dict[int, str] = {}
    for offset, kind in sorted(hits) + sorted(generic):
        line = bisect_right(starts, offset)
        if offset - starts[line - 1] < secrets.MAX_LINE:
            found.setdefault(line, kind)
    return sorted(found.items())


VALUE40 = "AbCdEfGh1234567890AbCdEfGh1234567890AbCd"
HEX40 = "0123456789abcdef0123456789abcdef01234567"
GENERIC = "Zx9Qw8Er7Ty6" + "Ui5Op4As3"  # built, so that the audit of this repository finds no secret here
CASES = [
    f"AWS_SECRET_ACCESS_KEY = '{VALUE40}'",
    f"aws_secret_access_key: {VALUE40}",
    f"Aws_Secret_Access_Key={VALUE40}",
    f"WANDB_API_KEY={HEX40}",
    f"wandb_ap\u0131_key={HEX40}",  # dotless i: re's (?i) matches it
    f"WANDB_AP\u0130_KEY={HEX40}",  # dotted capital I
    "stripe = 'sk_live_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3'",
    "rk_live_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3",
    f"api_key = '{GENERIC}'",
    f"PASSWORD: \"{GENERIC}\"",
    f"AUTH = '{GENERIC}'",
    f"ApI-KeY = '{GENERIC}'",
    f"ap\u0130_key = '{GENERIC}'",
    f"author = '{GENERIC}'",
    f"x = '{GENERIC}'",
]


@pytest.mark.parametrize("text", CASES)
def test_known_cases_match_the_unfiltered_scan(text: str) -> None:
    assert scan_text(text) == unfiltered(text)


def test_the_prefilters_do_find_what_they_guard() -> None:
    assert [kind for _, kind in scan_text(CASES[0])] == ["AWS secret access key"]
    assert [kind for _, kind in scan_text(CASES[4])] == ["Weights & Biases API key"]
    assert [kind for _, kind in scan_text(CASES[5])] == ["Weights & Biases API key"]
    assert [kind for _, kind in scan_text(CASES[6])] == ["Stripe live key"]
    assert scan_text(CASES[-1]) == []


FRAGMENTS = st.sampled_from([
    "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "wandb_api_key", "WANDB_AP\u0130_KEY", "wandb_ap\u0131_key",
    "sk_live_", "rk_live_", "api_key", "Api-Key", "SECRET", "token", "passwd", "Password", "access_key", "auth",
    "ap\u0130", "\u0131", " = ", "=", ": ", "'", '"', "\n", " ", VALUE40, HEX40, GENERIC, "AKIA",
    "ABCDEFGHIJKLMNOP", "ghp_", "x" * 40, "é", "\u212a",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_random_texts_match_the_unfiltered_scan(text: str) -> None:
    assert scan_text(text) == unfiltered(text)
