"""Secret patterns. A match is reported by kind and location; the value itself is never shown.

Each kind names the provider whose console rotates the key. Several providers share a prefix (``sk-``:
OpenAI, Anthropic, OpenRouter, Langfuse and OpenAI-compatible services), so the patterns of one prefix
exclude each other: the longer, provider-specific prefixes are matched by their own pattern and the generic one
refuses them (a negative lookahead), so one value has exactly one kind whatever the order of the list.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter

# an sk- key with one of these starts has its own provider's pattern below: the generic sk- pattern refuses it
_SK_OWN = (r"(?:ant-|or-v1-|lf-|proj-|svcacct-|admin-)[A-Za-z0-9_\-]{32}"
           r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}")
# Provider token formats (the value is the match, or its group 1). No pattern starts with \b: that would stop
# the regex engine from scanning for the literal prefix (10-30x slower on large trees); the word boundary before
# a match is checked by hand.
# Each pattern comes with a literal every match contains (in its case-folded form for case-insensitive ones): a
# text without it is not scanned. The regex engine finds a leading literal fast by itself, but not one that
# starts with a character class or is case-insensitive: those three patterns cost 10-15x the others.
PATTERNS: list[tuple[str, re.Pattern[str], str, bool]] = [  # kind, pattern, literal, literal is case-folded
    ("AWS access key ID", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "", False),
    ("AWS secret access key", re.compile(r"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?([A-Za-z0-9/+=]{40})"),
     "aws_secret_access_key", True),
    ("GitHub token", re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,}"), "", False),
    ("GitLab token", re.compile(r"glpat-[A-Za-z0-9_\-]{20,}"), "", False),
    ("Slack token", re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"), "", False),
    # sk-: Anthropic (sk-ant-api03-..., sk-ant-admin01-...), OpenRouter (sk-or-v1-<64 hex>), Langfuse secret keys
    # (sk-lf-<uuid>), OpenAI (project, service-account and admin keys; legacy user keys carry "T3BlbkFJ", base64
    # of "OpenAI"), and the rest: many providers (DeepSeek, Moonshot, local gateways) copy OpenAI's format
    ("Anthropic API key", re.compile(r"sk-ant-[A-Za-z0-9_\-]{32,}"), "sk-", False),
    ("OpenRouter API key", re.compile(r"sk-or-v1-[A-Za-z0-9_\-]{32,}"), "sk-", False),
    ("Langfuse secret key", re.compile(r"sk-lf-[A-Za-z0-9_\-]{32,}"), "sk-", False),
    ("OpenAI API key", re.compile(r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{32,}"
                                  r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}[A-Za-z0-9_\-]*)"), "sk-", False),
    ("OpenAI-compatible API key", re.compile(r"sk-(?!" + _SK_OWN + r")[A-Za-z0-9_\-]{32,}"), "sk-", False),
    ("Hugging Face token", re.compile(r"hf_[A-Za-z0-9]{30,}\b"), "", False),
    ("Google API key", re.compile(r"AIza[0-9A-Za-z\-_]{35}\b"), "", False),
    ("Stripe live key", re.compile(r"[sr]k_live_[0-9a-zA-Z]{24,}"), "k_live_", False),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"), "", False),
    ("Weights & Biases API key", re.compile(r"(?i:wandb_api_key)\s*[=:]\s*[\"']?([0-9a-f]{40})\b"),
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
    return [(line, kind) for line, kind, _ in _scan(text)]


def find_secrets(text: str) -> list[tuple[int, str, str]]:
    """(line, kind, value) for what :func:`scan_text` reports. The value is for tests and for code that must
    make sure a value goes nowhere (never for showing it)."""
    return [(line, kind, text[start:end]) for line, kind, (start, end) in _scan(text)]


def _scan(text: str) -> list[tuple[int, str, tuple[int, int]]]:
    hits: list[tuple[int, str, tuple[int, int]]] = []  # (offset, kind, span of the value)
    folded: str | None = None
    for kind, pattern, literal, folds in PATTERNS:
        if literal:
            if folds and folded is None:
                folded = fold(text)  # what (?i) matches, as plain text: "AWS_Secret" -> "aws_secret"
            if literal not in (folded if folds and folded is not None else text):
                continue
        hits.extend((m.start(), kind, m.span(1) if pattern.groups else m.span())
                    for m in pattern.finditer(text) if _word_start(text, m.start()))
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
            generic.append((m.start(), f"hard-coded {name.group(1).lower()}", m.span(1)))
    if not hits and not generic:
        return []
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    found: dict[int, tuple[str, tuple[int, int]]] = {}
    for offset, kind, span in sorted(hits) + sorted(generic):  # provider formats win a line over generic ones
        line = bisect_right(starts, offset)
        if offset - starts[line - 1] < MAX_LINE:
            found.setdefault(line, (kind, span))
    return [(line, kind, span) for line, (kind, span) in sorted(found.items())]


def mask(value: str) -> str:
    """A secret as reports may show it: its provider prefix at most ("ghp_****", "sk-ant-****"), never a
    character of the secret part."""
    m = _MASK_PREFIX.match(value)
    return (m.group(0) if m else "") + "****"


# something every match of a pattern (or of GENERIC_VALUE) contains, in one search
_MAYBE = re.compile(r"AKIA|ASIA|(?i:aws_secret_access_key|wandb_api_key)|gh[pousr]_|github_pat_|glpat-|xox[baprs]-"
                    r"|sk-|hf_|AIza|k_live_|-----BEGIN|[=:][ \t]*[\"']")
_MASK_PREFIX = re.compile(r"(?:[A-Za-z]{2,7}[_-]){1,2}(?=.{12})")


def redact(text: str) -> str:
    """``text`` with every value the scan would report masked (:func:`mask`), wherever it is and however many
    share a line (the scan reports one per line; here each is replaced). For text the audit shows that may
    quote the repository: a message quoting a line, a parser's error, a suppression's reason."""
    if not _MAYBE.search(text):
        return text  # what nearly every message is: one search instead of one per pattern
    spans: list[tuple[int, int]] = []
    folded: str | None = None
    for _, pattern, literal, folds in PATTERNS:
        if literal:
            if folds and folded is None:
                folded = fold(text)
            if literal not in (folded if folds and folded is not None else text):
                continue
        spans.extend(m.span(1) if pattern.groups else m.span() for m in pattern.finditer(text))
    for m in GENERIC_VALUE.finditer(text):
        value = m.group(1)
        line_start = text.rfind("\n", 0, m.start()) + 1
        if GENERIC_NAME.search(text, max(line_start, m.start() - 80), m.start()) and \
                not PLACEHOLDER.search(value) and _entropy(value) >= 3.5 and \
                any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            spans.append(m.span(1))
    if not spans:
        return text
    out: list[str] = []
    end = 0
    for start, stop in sorted(spans):
        if stop <= end:
            continue  # inside a value already masked
        start = max(start, end)
        out.append(text[end:start])
        out.append(mask(text[start:stop]))
        end = stop
    out.append(text[end:])
    return "".join(out)
