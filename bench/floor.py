"""The floor for an audit: list the tracked files with git and read every text file once, in plain Python.

    python bench/floor.py REPO                  # list + read every text file (the cold floor)
    python bench/floor.py --stat REPO           # list + lstat every file (the warm floor: nothing read)
    python bench/floor.py REPO -- GIT ARGV...   # list with this git command line (bench/run.py passes the
                                                # hardened one of mlops_audit.gitrun, so the floor pays no import)

No parsing, no rules: what any tool that looks at every file must at least pay (interpreter start included).
A file is text when its first 8 KiB hold no NUL byte; text files are decoded as UTF-8 (errors replaced).
The audited repository is untrusted: git runs with the repository's programs neutralised (mlops_audit.gitrun,
imported only when no command line is given), and symbolic links are never followed.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def listing(root: str, git_argv: list[str]) -> bytes:
    if git_argv:
        return subprocess.run(git_argv, cwd=root, capture_output=True, stdin=subprocess.DEVNULL, check=True).stdout
    from pathlib import Path

    from mlops_audit import gitrun

    repo = gitrun.locate(Path(root))
    if isinstance(repo, str):
        raise SystemExit(f"floor.py: {root}: {repo}")
    return gitrun.run(repo, "ls-files", "-z").stdout


def main(argv: list[str]) -> int:
    git_argv: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, git_argv = argv[:at], argv[at + 1 :]
    only_stat = "--stat" in argv
    args = [a for a in argv if a != "--stat"]
    if len(args) != 1:
        print("usage: floor.py [--stat] REPO [-- GIT ARGV...]", file=sys.stderr)
        return 2
    root = args[0]
    files = text = nbytes = missing = 0
    for rel in listing(root, git_argv).split(b"\0"):
        if not rel:
            continue
        files += 1
        path = os.path.join(root, rel.decode("utf-8", "surrogateescape"))
        if only_stat:
            try:
                os.lstat(path)
            except OSError:
                missing += 1
            continue
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            with open(path, "rb") as fh:
                head = fh.read(8192)
                if b"\0" in head:
                    continue
                data = head + fh.read()
        except OSError:
            continue
        data.decode("utf-8", "replace")
        text += 1
        nbytes += len(data)
    if only_stat:
        print(f"{files} tracked, each lstat-ed ({missing} missing)")
    else:
        print(f"{files} tracked, {text} text files, {nbytes} bytes read")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
