"""Secret patterns. A match is reported by kind and location; the value itself is never shown."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter

# Provider token formats. No pattern starts with \b: that would stop the regex engine from scanning for the
# literal prefix (10-30x slower on large trees); the word boundary before a match is checked by hand.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("AWS access key ID", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?[A-Za-z0-9/+=]{40}")),
    ("GitHub token", re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,}")),
    ("GitLab token", re.compile(r"glpat-[A-Za-z0-9_\-]{20,}")),
    ("Slack token", re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}")),
    ("OpenAI API key", re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{32,}")),
    ("Hugging Face token", re.compile(r"hf_[A-Za-z0-9]{30,}\b")),
    ("Google API key", re.compile(r"AIza[0-9A-Za-z\-_]{35}\b")),
    ("Stripe live key", re.compile(r"[sr]k_live_[0-9a-zA-Z]{24,}")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----")),
    ("Weights & Biases API key", re.compile(r"(?i:wandb_api_key)\s*[=:]\s*[\"']?[0-9a-f]{40}\b")),
]
# Generic secrets: a long quoted value assigned to a secret-sounding name. The value is found first (a fast
# scan), then the name is checked in the text just before it, on the same line.
GENERIC_VALUE = re.compile(r"[=:][ \t]*[\"']([^\"'\s]{16,})[\"']")
GENERIC_NAME = re.compile(
    r"(?i)\b(api[_-]?key|secret[_-]?key|secret|token|password|passwd|access[_-]?key|auth)\b[\w\"']*[ \t]*$"
)
PLACEHOLDER = re.compile(r"(?i)x{4,}|your|example|changeme|dummy|placeholder|<|\$\{|\{\{|redacted|\*{3,}|test")
MAX_LINE = 4000


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _word_start(text: str, offset: int) -> bool:
    return offset == 0 or not (text[offset - 1].isalnum() or text[offset - 1] == "_")


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line, kind) for each secret-looking value in ``text``: at most one per line, provider formats first."""
    hits: list[tuple[int, str]] = []  # (offset, kind)
    for kind, pattern in PATTERNS:
        hits.extend((m.start(), kind) for m in pattern.finditer(text) if _word_start(text, m.start()))
    generic = []
    for m in GENERIC_VALUE.finditer(text):
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
