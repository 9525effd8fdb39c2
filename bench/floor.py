"""The floor for an audit: list the tracked files with git and read every text file once, in plain Python.

    python bench/floor.py REPO

No parsing, no rules: what any tool that looks at every file must at least pay (interpreter start included).
A file is text when its first 8 KiB hold no NUL byte; text files are decoded as UTF-8 (errors replaced).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    root = Path(sys.argv[1])
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    files = text = nbytes = 0
    for rel in listing.split(b"\0"):
        if not rel:
            continue
        files += 1
        try:
            with open(root / rel.decode("utf-8", "surrogateescape"), "rb") as fh:
                head = fh.read(8192)
                if b"\0" in head:
                    continue
                data = head + fh.read()
        except OSError:
            continue
        data.decode("utf-8", "replace")
        text += 1
        nbytes += len(data)
    print(f"{files} tracked, {text} text files, {nbytes} bytes read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
