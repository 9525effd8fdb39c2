"""Text from the audited repository made safe to show: no control character reaches a terminal or a report raw.

File names, paths and snippets come from a repository nobody here wrote. An ANSI or OSC escape in a file name
can retitle or clear the user's terminal, a NUL or form feed makes XML invalid, a newline forges a report line,
and bidirectional overrides make a name read differently from what it is ("Trojan Source"). ``escape`` turns
each such character into a visible ``\\xNN`` / ``\\uNNNN`` / ``\\UNNNNNNNN`` escape, the way ``repr`` would;
everything else, including every printable non-ASCII letter, is kept as it is. Bytes that are not UTF-8 (kept
as surrogates so the file can still be opened) become U+FFFD.

Escaped: C0 controls, DEL, C1 controls; the bidi marks, embeddings, overrides and isolates (U+061C, U+200E/F,
U+202A-E, U+2066-9); the line and paragraph separators; the byte-order mark; the two non-characters XML 1.0
forbids (U+FFFE, U+FFFF); the invisible "tag" characters (U+E0000-E007F, used to smuggle hidden text into
what a reader or a language model sees). A backslash is not escaped, so ordinary Windows paths and regexes in
messages read as written: ``a\\x1bb`` may be a literal name too, never a raw escape.

``escape`` is idempotent (escaping escaped text changes nothing), so each layer can apply it without knowing
whether an earlier one did.
"""

from __future__ import annotations

import re

_CLASS = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ufffe"
          "\uffff\U000e0000-\U000e007f")
_UNSAFE_KEEP_LINES = re.compile(f"[{_CLASS}]")
_UNSAFE = re.compile(f"[\t\n{_CLASS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# what a colour terminal report legitimately holds: our own SGR sequences (colours, bold), kept by escape_terminal
_SGR_OR_UNSAFE = re.compile(f"(\x1b\\[[0-9;]*m)|[{_CLASS}]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _no_surrogates(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    try:  # undecodable bytes kept by surrogateescape: decoded again, each invalid sequence shown as U+FFFD
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no byte stands for
        return _SURROGATE.sub("\ufffd", text)


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character escaped (``keep_newlines``: tab and newline kept, for multi-line
    text such as a diff or a Markdown body whose lines we built; a carriage return is still escaped)."""
    text = _no_surrogates(text)
    pattern = _UNSAFE_KEEP_LINES if keep_newlines else _UNSAFE
    return pattern.sub(_escaped, text) if pattern.search(text) else text


def is_safe(text: str, *, keep_newlines: bool = False) -> bool:
    """True when ``escape`` would leave ``text`` as it is."""
    pattern = _UNSAFE_KEEP_LINES if keep_newlines else _UNSAFE
    return not pattern.search(text) and not _SURROGATE.search(text)


def escape_terminal(text: str) -> str:
    """A whole terminal report made safe as a last line of defence: newlines, tabs and SGR colour sequences
    (``ESC [ ... m``, which only change colours) are kept, every other control character is escaped."""
    text = _no_surrogates(text)
    if not _UNSAFE_KEEP_LINES.search(text):
        return text
    return _SGR_OR_UNSAFE.sub(lambda m: m.group(1) or _escaped(m), text)


def _json_escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(document: str) -> str:
    """A JSON document written with ``ensure_ascii=False`` made safe to print and valid UTF-8: the characters
    ``escape`` escapes become JSON ``\\uXXXX`` escapes (the same string once parsed; they can only occur inside
    strings, json.dumps already escaped the C0 controls) and lone surrogates become U+FFFD."""
    document = _no_surrogates(document)
    return _UNSAFE_KEEP_LINES.sub(_json_escaped, document) if _UNSAFE_KEEP_LINES.search(document) else document
