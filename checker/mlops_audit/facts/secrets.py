"""Secret patterns. A match is reported by kind and location; the value itself is never shown."""

from __future__ import annotations

import math
import re
from collections import Counter

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*[\"']?[A-Za-z0-9/+=]{40}")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z\-_]{35}\b")),
    ("Stripe live key", re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{24,}")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----")),
    ("Weights & Biases API key", re.compile(r"(?i)wandb_api_key\s*[=:]\s*[\"']?[0-9a-f]{40}\b")),
]
GENERIC = re.compile(
    r"(?i)\b(api[_-]?key|secret[_-]?key|secret|token|password|passwd|access[_-]?key|auth)\b[\w\"']*\s*[=:]\s*"
    r"[\"']([^\"'\s]{16,})[\"']"
)
PLACEHOLDER = re.compile(r"(?i)x{4,}|your|example|changeme|dummy|placeholder|<|\$\{|\{\{|redacted|\*{3,}|test")
QUICK = re.compile(
    r"AKIA|ASIA|aws_secret|gh[pousr]_|github_pat_|glpat-|xox|sk-|hf_|AIza|_live_|PRIVATE KEY|wandb|"
    r"(?i:key|secret|token|passw|auth)"
)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line, kind) for each secret-looking value in ``text``."""
    if not QUICK.search(text):
        return []
    hits: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > 4000:
            line = line[:4000]
        for kind, pattern in PATTERNS:
            if pattern.search(line):
                hits.append((number, kind))
                break
        else:
            m = GENERIC.search(line)
            if m and not PLACEHOLDER.search(m.group(2)) and _entropy(m.group(2)) >= 3.5:
                value = m.group(2)
                if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
                    hits.append((number, f"hard-coded {m.group(1).lower()}"))
    return hits
