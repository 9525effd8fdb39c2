"""Secret patterns. A match is reported by kind and location; the value itself is never shown."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter

# Provider token formats. No pattern starts with \b: that would stop the regex engine from scanning for the
# literal prefix (10-30x slower on large trees); the word boundary before a match is checked by hand.
# Each pattern comes with a literal every match contains (in its case-folded form for case-insensitive ones): a
# text without it is not scanned. The regex engine finds a leading literal fast by itself, but not one that
# starts with a character class or is case-insensitive: those three patterns cost 10-15x the others.
PATTERNS: list[tuple[str, re.Pattern[str], str, bool]] = [  # kind, pattern, literal, literal is case-folded
    ("AWS access key ID", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "", False),
    ("AWS secret access key", re.compile(r"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?[A-Za-z0-9/+=]{40}"),
     "aws_secret_access_key", True),
    ("GitHub token", re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,}"), "", False),
    ("GitLab token", re.compile(r"glpat-[A-Za-z0-9_\-]{20,}"), "", False),
    ("Slack token", re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"), "", False),
    ("OpenAI API key", re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{32,}"), "", False),
    ("Hugging Face token", re.compile(r"hf_[A-Za-z0-9]{30,}\b"), "", False),
    ("Google API key", re.compile(r"AIza[0-9A-Za-z\-_]{35}\b"), "", False),
    ("Stripe live key", re.compile(r"[sr]k_live_[0-9a-zA-Z]{24,}"), "k_live_", False),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"), "", False),
    ("Weights & Biases API key", re.compile(r"(?i:wandb_api_key)\s*[=:]\s*[\"']?[0-9a-f]{40}\b"),
     "wandb_api_key", True),
]
# Generic secrets: a long quoted value assigned to a secret-sounding name. The value is found first (a fast
# scan), then the name is checked in the text just before it, on the same line.
GENERIC_VALUE = re.compile(r"[=:][ \t]*[\"']([^\"'\s]{16,})[\"']")
GENERIC_NAME = re.compile(
    r"(?i)\b(api[_-]?key|secret[_-]?key|secret|token|password|passwd|access[_-]?key|auth)\b[\w\"']*[ \t]*$"
)
GENERIC_NAME_PARTS = ("api", "secret", "token", "passw", "access", "auth")  # one is in each GENERIC_NAME match
PLACEHOLDER = re.compile(r"(?i)x{4,}|your|example|changeme|dummy|placeholder|<|\$\{|\{\{|redacted|\*{3,}|test")
MAX_LINE = 4000


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def fold(text: str) -> str:
    """``text`` case-folded so that a literal a case-insensitive pattern matches shows in it as written in lower
    case. ``casefold`` does that for all but the two Turkish i: re's (?i) matches "i" with the dotless i U+0131
    (kept as it is by casefold) and the dotted capital I U+0130 (folded to "i" and a combining dot)."""
    return text.casefold().replace("\u0131", "i").replace("i\u0307", "i")


def _word_start(text: str, offset: int) -> bool:
    return offset == 0 or not (text[offset - 1].isalnum() or text[offset - 1] == "_")


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line, kind) for each secret-looking value in ``text``: at most one per line, provider formats first."""
    hits: list[tuple[int, str]] = []  # (offset, kind)
    folded: str | None = None
    for kind, pattern, literal, folds in PATTERNS:
        if literal:
            if folds and folded is None:
                folded = fold(text)  # what (?i) matches, as plain text: "AWS_Secret" -> "aws_secret"
            if literal not in (folded if folds and folded is not None else text):
                continue
        hits.extend((m.start(), kind) for m in pattern.finditer(text) if _word_start(text, m.start()))
    if folded is None:
        folded = fold(text)
    generic = []
    named = any(part in folded for part in GENERIC_NAME_PARTS)
    for m in GENERIC_VALUE.finditer(text) if named else ():
        line_start = text.rfind("\n", 0, m.start()) + 1
        name = GENERIC_NAME.search(text, max(line_start, m.start() - 80), m.start())
        value = m.group(1)
        if name and not PLACEHOLDER.search(value) and _entropy(value) >= 3.5 and \
                any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            generic.append((m.start(), f"hard-coded {name.group(1).lower()}"))
    if not hits and not generic:
        return []
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    found: dict[int, str] = {}
    for offset, kind in sorted(hits) + sorted(generic):  # provider formats win a line over generic ones
        line = bisect_right(starts, offset)
        if offset - starts[line - 1] < MAX_LINE:
            found.setdefault(line, kind)
    return sorted(found.items())
