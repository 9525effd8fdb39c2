"""TOML parsing with the standard library (tomli on Python 3.10).

The TOML comes from the audited repository: a file the parser cannot take (nested too deeply for its recursion,
too big for memory, an integer too long to convert) is a :class:`TOMLDecodeError` with a reason, like any
invalid TOML, never an exception that ends the run.
"""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as _toml  # type: ignore[import-not-found,unused-ignore]


class TOMLDecodeError(ValueError):
    """The text is not TOML this tool can read; the message says why."""


def loads(text: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise TOMLDecodeError(str(exc) or "invalid TOML") from None
    except ValueError as exc:  # a value Python refuses to build: an integer of 5,000 digits
        raise TOMLDecodeError(f"a value that cannot be read: {exc}") from None
    except RecursionError:
        raise TOMLDecodeError("nested too deeply to read (arrays or tables inside one another)") from None
    except MemoryError:
        raise TOMLDecodeError("too large to read (out of memory while parsing)") from None
    return data
