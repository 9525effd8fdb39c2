#!/usr/bin/env python3
"""Benchmark ``mlops-audit fleet``: aggregate N generated JSON reports (default 10,000), time and peak memory.

    python bench/fleet_bench.py                      # 10,000 reports, 3 runs of each format
    python bench/fleet_bench.py --reports 2000 --runs 1 --formats json

Run by hand, never as a timed assertion in the tests. It

1. audits three real repositories to get realistic reports: the bundled legacy example (level 0, many
   findings), a project baked from the template (few findings) and a one-script repository;
2. generates ``--reports`` reports from them into ``bench/.work/fleet/reports/`` (one file each, ~30 KB like real
   ones; regenerated only when the count, seed or generator version changes): each one's rule statuses
   shuffled (a rule passes or fails at random, weighted by the template's own), its score, level and pillar
   scores drawn at random, its root ``/ci/team-K/repo-NNNNN``, and one report in 500 made by another tool
   version (so the version check has work to do);
3. runs ``python -m mlops_audit.fleet REPORTS -f FORMAT -o FILE`` for each format, ``--runs`` times, each in a
   fresh process: wall clock from Python, peak RSS from ``wait4`` (the child's own maximum resident set);
   the first run of a format may read the files from disk, the others from the page cache: the table shows the
   median and the worst;
4. prints the phases of one run in this process (reading and checking, aggregating, rendering) and a Markdown
   table (docs/fleet.md quotes it). Target: 10,000 reports in under 10 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work" / "fleet"
GENERATOR = 1  # bump when the generated reports change
sys.path.insert(0, str(ROOT / "checker"))


def _templates() -> list[dict[str, Any]]:
    """Three real reports: legacy, from the template, one script."""
    from mlops_audit.config import Config
    from mlops_audit.engine import run_audit
    from mlops_audit.new import create_project
    from mlops_audit.reporters import render

    docs = [json.loads(render(run_audit(ROOT / "examples" / "legacy-project", Config()), "json"))]
    with tempfile.TemporaryDirectory() as tmp:
        project = create_project(Path(tmp) / "baked", no_input=True)
        docs.append(json.loads(render(run_audit(project, Config()), "json")))
        script = Path(tmp) / "script"
        script.mkdir()
        (script / "train.py").write_text("from sklearn.linear_model import LogisticRegression\n"
                                         "LogisticRegression().fit([[0.0], [1.0]], [0, 1])\n", encoding="utf-8")
        docs.append(json.loads(render(run_audit(script, Config()), "json")))
    return docs


def _variant(template: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any]:
    doc = json.loads(json.dumps(template))
    fail_share = sum(r["status"] == "fail" for r in doc["rules"]) / max(1, len(doc["rules"]))
    for rule in doc["rules"]:
        if rule["status"] in ("pass", "fail"):
            rule["status"] = "fail" if rng.random() < fail_share else "pass"
            rule["findings"] = rng.randint(1, 6) if rule["status"] == "fail" else 0
    doc["root"] = f"/ci/team-{i % 40:02d}/repo-{i:05d}"
    doc["score"] = rng.randint(0, 100)
    doc["level"] = rng.choice((0, 0, 0, 1, 1, 2, 3))
    for pillar in doc["pillars"].values():
        if pillar["score"] is not None:
            pillar["score"] = rng.randint(0, 100)
    if i % 500 == 499:
        doc["tool"]["version"] = "0.0.9"
    return doc


def generate(count: int, seed: int, work: Path) -> Path:
    reports = work / "reports"
    stamp = work / "stamp.json"
    want = {"generator": GENERATOR, "count": count, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()) == want and reports.is_dir():
        return reports
    reports.mkdir(parents=True, exist_ok=True)
    for old in reports.glob("*.json"):
        old.unlink()
    templates = _templates()
    rng = random.Random(seed)
    for i in range(count):
        template = templates[rng.choices((0, 1, 2), weights=(5, 3, 2))[0]]
        (reports / f"repo-{i:05d}.json").write_text(json.dumps(_variant(template, i, rng), indent=2),
                                                    encoding="utf-8")
    stamp.write_text(json.dumps(want), encoding="utf-8")
    return reports


def run_once(reports: Path, fmt: str, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one fleet run in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "checker")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mlops_audit.fleet", str(reports), "-f", fmt, "-o", str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"fleet failed ({proc.returncode}): {err}")
    return seconds, usage.ru_maxrss / 1024  # KB on Linux


def phases(reports: Path) -> dict[str, float]:
    from mlops_audit.fleet.aggregate import aggregate
    from mlops_audit.fleet.html import render_html
    from mlops_audit.fleet.json import render_json
    from mlops_audit.fleet.markdown import render_markdown
    from mlops_audit.fleet.reading import read_sources

    t0 = time.perf_counter()
    reading = read_sources([str(reports)])
    t1 = time.perf_counter()
    doc = aggregate(reading)
    t2 = time.perf_counter()
    render_json(doc)
    t3 = time.perf_counter()
    render_markdown(doc)
    t4 = time.perf_counter()
    render_html(doc)
    t5 = time.perf_counter()
    return {"read and check": t1 - t0, "aggregate": t2 - t1, "render json": t3 - t2, "render markdown": t4 - t3,
            "render html": t5 - t4}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--formats", default="json,markdown,html")
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args()
    reports = generate(args.reports, args.seed, args.work)
    files = sorted(reports.glob("*.json"))
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files):,} reports, {size / 2**20:.0f} MB, in {reports}")
    rows = []
    for fmt in args.formats.split(","):
        out = args.work / f"fleet.{'md' if fmt == 'markdown' else fmt}"
        runs = [run_once(reports, fmt, out) for _ in range(args.runs)]
        seconds = [s for s, _ in runs]
        memory = [m for _, m in runs]
        rows.append((fmt, statistics.median(seconds), max(seconds), max(memory), out.stat().st_size / 2**20))
    for name, seconds in phases(reports).items():
        print(f"  {name:16} {seconds:6.2f} s")
    print()
    print(f"| format | median | worst | peak RSS | output | ({len(files):,} reports, {size / 2**20:.0f} MB, "
          f"{os.cpu_count()} cores) |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for fmt, median, worst, rss, out_mb in rows:
        print(f"| {fmt} | {median:.2f} s | {worst:.2f} s | {rss:.0f} MB | {out_mb:.1f} MB | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
