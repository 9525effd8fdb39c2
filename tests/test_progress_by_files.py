"""The progress report counts files while they are read and parsed, then rules (issue 15: a bar that sat at
"AUT003, 4%" while 2,849 files were parsed)."""

from __future__ import annotations

from pathlib import Path

from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from repo_builder import make_repo


def test_files_are_counted_while_read_and_parsed_then_rules(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"import numpy as np\nx = np.ones({i})\n" for i in range(100)}
    root = make_repo(tmp_path / "r", files)
    ticks: list[tuple[int, int, str]] = []
    run_audit(root, discover(root), cache=False, progress=lambda d, t, w: ticks.append((d, t, w)))
    stages = [(d, t, w) for d, t, w in ticks if w in ("reading", "parsing")]
    assert {w for _, _, w in stages} == {"reading", "parsing"}
    assert all(t == 100 and 0 <= d <= t for d, t, _ in stages)  # files, not rules
    reading = [d for d, _, w in stages if w == "reading"]
    parsing = [d for d, _, w in stages if w == "parsing"]
    assert reading == sorted(reading) and parsing == sorted(parsing) and parsing[-1] >= 96
    rules = [(d, t, w) for d, t, w in ticks if w not in ("reading", "parsing")]
    assert rules and all(w[:3].isalpha() and w[3:].isdigit() for _, _, w in rules)
    first_stage = ticks.index(stages[0])
    assert 0 < first_stage < len(ticks) - 1  # inside the rule that first needs the code
