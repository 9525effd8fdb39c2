#!/usr/bin/env python3
# ruff: noqa: E501  (long report strings)
"""Benchmark mlops-audit (this checkout) against its peers on synthetic ML repositories.

    python bench/run.py                      # sizes 50, 3000, 20000; 5 runs each; peers; profile
    python bench/run.py --sizes 50,3000 --runs 3 --no-peers --no-profile

Run by hand or from a scheduled job, never as a timed assertion in the tests. It

1. (re)generates the repositories with ``bench/make_repo.py`` into ``bench/.work/repos`` (cached: rebuilt only
   when the generator version, size or seed changes);
2. installs each peer from PyPI into its own virtualenv under ``bench/.work/venvs`` (``ml-project-doctor``;
   ``repo-review[cli]`` with ``sp-repo-review``; ``mllint``); a peer that does not install or crashes is
   recorded with its error, never fatal;
3. times, on the same repositories and in one run, alternating the tools run by run (ABC, BCA, ...):
   mlops-audit (``python -m mlops_audit REPO -f json`` with this interpreter, i.e. the current checkout), the
   peers, and the floor (``git ls-files`` alone, and ``bench/floor.py``: list + read every text file once);
   each run is a fresh process under ``/usr/bin/time -v`` (wall clock from Python, peak RSS from time) and,
   where ``unshare -n`` works, in a network namespace of its own with no network at all (every tool alike);
4. measures ``mlops-audit --version``, and mlops-audit cold (first run after dropping the OS page cache, when
   allowed, with an empty analysis cache) and warm (the median of the later runs, which share one analysis
   cache under the work folder, as repeated pre-commit runs on a user's machine do);
5. profiles mlops-audit on the 3,000-file repository with cProfile (plus ``-X importtime``);
6. prints a Markdown report and writes it to ``bench/results/latest.md`` (and the raw numbers to
   ``bench/results/latest.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import make_repo  # noqa: E402

TIME_BIN = "/usr/bin/time"
TARGETS = {
    "version_s": 0.1,
    "small_s": 0.15,
    "mid_cold_s": 1.0,
    "mid_warm_s": 0.3,
    "big_rss_mb": 150,
    "vs_doctor": 10.0,
}


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class Sample:
    wall: float
    rss_kb: int
    rc: int
    other_cpu: float = 0.0  # share of the machine's CPU time used by other processes during the run


def cpu_jiffies() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            parts = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts) - idle) / hz, sum(parts) / hz


def busy_others(seconds: float = 1.0) -> float:
    """Share of the machine busy while this process sleeps (that is: other processes)."""
    b0, t0 = cpu_jiffies()
    time.sleep(seconds)
    b1, t1 = cpu_jiffies()
    return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


def wait_quiet(threshold: float, limit: float) -> float:
    """Wait (up to ``limit`` s) until other processes use less than ``threshold`` of the CPUs; the last reading."""
    deadline = time.monotonic() + limit
    busy = busy_others()
    while busy > threshold and time.monotonic() < deadline:
        busy = busy_others(2.0)
    return busy


@dataclass
class Tool:
    key: str
    label: str
    argv: list[str]  # REPO is replaced by the repository path
    ok_codes: tuple[int, ...] = (0, 1)
    samples: dict[int, list[Sample]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    target_runs: dict[int, int] = field(default_factory=dict)
    version: str = ""
    install_error: str = ""


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


UNSHARE = _can_unshare()
HAVE_TIME = os.access(TIME_BIN, os.X_OK)
# a second guard for every HTTP client that honours the proxy variables (all of them where unshare is missing)
NO_NET_ENV = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "NO_COLOR": "1",
    "PIP_NO_INDEX": "1",
}


def run_once(argv: list[str], out_path: Path, cwd: Path | None = None) -> tuple[Sample, str]:
    """One fresh process: wall time (perf_counter around it), peak RSS (GNU time, else wait4), exit code."""
    env = dict(os.environ, **NO_NET_ENV)
    cmd = (["unshare", "-n"] if UNSHARE else []) + argv
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    try:
        if HAVE_TIME:
            cmd = [TIME_BIN, "-v", "-o", time_file, *cmd]
        with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
            b0, c0 = cpu_jiffies()
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            b1, c1 = cpu_jiffies()
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        rss_kb = int(usage.ru_maxrss)
        rc = proc.returncode
        if HAVE_TIME:
            text = Path(time_file).read_text(errors="replace")
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            if m:
                rss_kb = int(m.group(1))
            m = re.search(r"Exit status: (\d+)", text)
            if m:
                rc = int(m.group(1))
            # GNU time prints "Command exited with non-zero status N" on the tool's stderr file too: not ours
    finally:
        os.unlink(time_file)
    ours = usage.ru_utime + usage.ru_stime
    other = max(0.0, (b1 - b0) - ours) / (c1 - c0) if c1 > c0 else 0.0
    return Sample(wall, rss_kb, rc, round(other, 3)), stderr


def drop_page_cache() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------------- set-up


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    git_v = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "checker"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "git": git_v,
        "checkout": rev + (" + uncommitted changes under checker/" if dirty else ""),
        "isolation": "unshare -n (no network)" if UNSHARE else "proxy variables only (unshare -n unavailable)",
        "rss": "GNU time -v (max RSS of the largest process)" if HAVE_TIME else "wait4 ru_maxrss",
    }


def ensure_repo(work: Path, files: int, seed: int) -> Path:
    path = work / "repos" / f"files-{files}-seed-{seed}"
    stamp = path / ".git" / "bench-repo.json"
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if (
            info.get("generator") == make_repo.GENERATOR_VERSION
            and info.get("files") == files
            and info.get("seed") == seed
        ):
            clean = subprocess.run(["git", "status", "--porcelain"], cwd=path, capture_output=True, text=True).stdout
            if not clean.strip():
                return path
    log(f"generating the {files}-file repository (seed {seed}) ...")
    info = make_repo.build(path, files, seed)
    log(f"  {info['tracked']} files, {info['commits']} commits in {info['seconds']} s")
    return path


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _tail(text: str, n: int = 2) -> str:
    """The telling lines of an error output: the last lines that name an error, else the last lines."""
    lines = [
        line.strip() for line in text.strip().splitlines() if line.strip() and not line.startswith("WARNING: Location")
    ]
    telling = [
        ln
        for ln in lines
        if re.search(r"(Error|ERROR|error:|Invalid|No matching)", ln)
        and "subprocess-exited-with-error" not in ln
        and not ln.startswith(("note:", "\u2570", "\u2502", "\u00d7"))
    ]
    return " / ".join((telling or lines)[-n:])[:400]


PEERS = [
    # key, label, pip requirements, command (REPO replaced), exit codes that are a normal verdict
    (
        "ml-project-doctor",
        "ml-project-doctor",
        ["ml-project-doctor"],
        ["ml-project-doctor", "REPO", "-f", "json"],
        (0, 1),
    ),
    (
        "repo-review",
        "repo-review",
        ["repo-review[cli]", "sp-repo-review"],
        ["repo-review", "REPO", "--format", "json"],
        (0, 1, 2, 3),
    ),
    ("mllint", "mllint", ["mllint"], ["mllint", "run", "REPO"], (0, 1)),
]


def ensure_peer(work: Path, key: str, label: str, reqs: list[str], argv: list[str], ok: tuple[int, ...]) -> Tool:
    venv = work / "venvs" / key
    tool = Tool(key, label, [str(venv / "bin" / argv[0]), *argv[1:]], ok)
    marker = venv / ".bench-installed"
    if not (marker.exists() and marker.read_text() == " ".join(reqs)):
        log(f"installing {label} into {venv} ...")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q", *reqs],
            capture_output=True,
            text=True,
        )
        if pip.returncode != 0:
            tool.install_error = "pip install failed: " + _tail(pip.stderr + pip.stdout, 2)
            wheel = subprocess.run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "download",
                    "--disable-pip-version-check",
                    "-q",
                    "--only-binary",
                    ":all:",
                    "--no-deps",
                    "-d",
                    str(work / "wheel-probe"),
                    reqs[0],
                ],
                capture_output=True,
                text=True,
            )
            if wheel.returncode != 0:
                tool.install_error = (
                    f"no wheel for Python {platform.python_version()} on this platform, and building "
                    "the source distribution failed: " + _tail(pip.stderr + pip.stdout, 1)
                )
            (venv / ".bench-install-error").write_text(tool.install_error)
            return tool
        marker.write_text(" ".join(reqs))
    name = reqs[0].split("[")[0]
    ver = subprocess.run(
        [str(venv / "bin" / "python"), "-c", f"import importlib.metadata as m; print(m.version({name!r}))"],
        capture_output=True,
        text=True,
    )
    tool.version = ver.stdout.strip() or "?"
    extra = [r.split("[")[0] for r in reqs[1:]]
    for e in extra:
        v = subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"import importlib.metadata as m; print(m.version({e!r}))"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        tool.version += f" + {e} {v}"
    if not Path(tool.argv[0]).exists():
        tool.install_error = f"installed, but no {argv[0]} command in the venv"
    return tool


# -------------------------------------------------------------------------------------------- profile


def import_costs(repo: Path) -> list[tuple[str, int]]:
    """Microseconds spent importing each top-level package during a real audit of ``repo``."""
    imp = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlops_audit", str(repo), "-f", "json"],
        capture_output=True,
        text=True,
        env=dict(os.environ, **NO_NET_ENV),
    )
    costs: dict[str, int] = {}
    stack: list[tuple[int, str]] = []  # (indent, top package) of the enclosing imports, innermost last
    for line in reversed(imp.stderr.splitlines()):  # importtime prints children before parents
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if not m:
            continue
        depth, top_pkg = len(m.group(3)), m.group(4).split(".")[0]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if top_pkg not in {p for _, p in stack} and "site" not in {p for _, p in stack}:  # outermost, not start-up
            costs[top_pkg] = costs.get(top_pkg, 0) + int(m.group(2))
        stack.append((depth, top_pkg))
    for skip in ("site", "encodings", "mlops_audit"):
        costs.pop(skip, None)
    return sorted(costs.items(), key=lambda kv: -kv[1])[:12]


def profile(repo: Path, work: Path, top: int) -> dict[str, object]:
    prof = work / "profile-mlops-audit.prof"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "mlops_audit", str(repo), "-f", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, **NO_NET_ENV),
    )
    wall = time.perf_counter() - t0
    stats = pstats.Stats(str(prof), stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in raw.items():
        short = re.sub(r"^.*/(checker|site-packages|lib/python3\.\d+)/", "", filename)
        rows.append(
            {
                "function": f"{short}:{line}({func})",
                "calls": nc,
                "tottime": tt,
                "cumtime": ct,
                "ours": "/checker/mlops_audit/" in filename,
            }
        )
    # the call chain from __main__ down to the rule loop holds ~100 %: leave it out, keep what is below it
    ours = sorted(
        (r for r in rows if r["ours"] and r["cumtime"] < 0.97 * total),  # type: ignore[operator]
        key=lambda r: -r["cumtime"],
    )  # type: ignore[operator]
    by_self = sorted(rows, key=lambda r: -r["tottime"])  # type: ignore[operator]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import mlops_audit.cli"], check=False)
    import_wall = time.perf_counter() - t0
    return {
        "total": total,
        "wall_under_profiler": wall,
        "cumulative": ours[:top],
        "self": by_self[:top],
        "import_cli_wall": import_wall,
    }


# ---------------------------------------------------------------------------------------------- report


def med(samples: list[Sample]) -> float:
    return statistics.median(s.wall for s in samples)


def peak_mb(samples: list[Sample]) -> float:
    return max(s.rss_kb for s in samples) / 1024


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}"



def _profile_tables(p: dict, digits: int) -> str:
    """The two cProfile tables of a profile: our functions by cumulative time, all functions by own time."""
    total = p["total"]
    rows = ["| function (mlops-audit code, by cumulative time) | calls | cumulative s | share |\n|---|---|---|---|\n"]
    rows += [f"| `{r['function']}` | {r['calls']} | {r['cumtime']:.{digits}f} | {100 * r['cumtime'] / total:.0f}% |\n"
             for r in p["cumulative"]]
    rows.append("\n| function (anywhere, by own time) | calls | own s | share |\n|---|---|---|---|\n")
    rows += [f"| `{r['function']}` | {r['calls']} | {r['tottime']:.{digits}f} | {100 * r['tottime'] / total:.0f}% |\n"
             for r in p["self"]]
    return "".join(rows)

def render(result: dict, tools: list[Tool], sizes: list[int], runs: int) -> str:
    m = result["machine"]
    out = io.StringIO()
    w = out.write
    w("# mlops-audit benchmark: latest run\n\n")
    w(f"- date: {m['date']}\n- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}\n")
    w(f"- Python {m['python']}, {m['git']}; mlops-audit {result['mlops_version']} at {m['checkout']}\n")
    w(f"- each run a fresh process; isolation: {m['isolation']}; peak RSS: {m['rss']}\n")
    w(f"- runs per cell: {runs} by default, alternating tools (ABC, BCA, ...); fewer where the cell says n=...\n")
    repos = result["repos"]
    w(
        "- repositories (bench/make_repo.py, seed {}): {}\n\n".format(
            result["seed"],
            "; ".join(
                f"{r['tracked']} files / {r['commits']} commits / {r['mb']} MB work tree" for r in repos.values()
            ),
        )
    )
    ref = {s: tools[0].samples.get(s) for s in sizes}
    w("## Wall time and memory\n\n")
    w(
        "Median wall seconds / peak RSS MB / ratio = tool time ÷ mlops-audit time (above 1: slower than mlops-audit).\n\n"
    )
    w("| tool | " + " | ".join(f"{s:,} files" for s in sizes) + " |\n")
    w("|---|" + "---|" * len(sizes) + "\n")
    for t in tools:
        cells = []
        for s in sizes:
            if t.install_error:
                cells.append("not run")
            elif s in t.errors and not t.samples.get(s):
                cells.append("failed: " + t.errors[s].replace("|", "/"))
            elif t.samples.get(s):
                smp = t.samples[s]
                ratio = med(smp) / med(ref[s]) if ref[s] else float("nan")
                n = "" if len(smp) == runs else f" (n={len(smp)})"
                cells.append(f"{fmt_s(med(smp))} s / {peak_mb(smp):.0f} MB / {ratio:.2f}x{n}")
            else:
                cells.append("-")
        label = t.label + (f" {t.version}" if t.version else "")
        w(f"| {label} | " + " | ".join(cells) + " |\n")
    w("\n")
    if result.get("cold"):
        w(
            "mlops-audit cold (first run after dropping the OS page cache"
            + ("" if result["cold_dropped"] else "; the page cache could NOT be dropped, so this is only a first run")
            + ", with an empty analysis cache) vs warm (median of the runs above, sharing one analysis cache):\n\n"
        )
        w("| repo | cold s | warm s | cold peak RSS MB | warm peak RSS MB |\n|---|---|---|---|---|\n")
        for s in sizes:
            c = result["cold"].get(str(s))
            if c is not None and ref[s]:
                w(f"| {s:,} files | {fmt_s(c['wall'])} | {fmt_s(med(ref[s]))} | {c['rss_mb']:.0f} | "
                  f"{peak_mb(ref[s]):.0f} |\n")
        w("\n")
    if result.get("version"):
        w(
            "Start-up, `--version` (median of {} runs):\n\n| command | median s | peak RSS MB |\n|---|---|---|\n".format(
                result["version_runs"]
            )
        )
        for label, v in result["version"].items():
            w(f"| `{label}` | {fmt_s(v['median'])} | {v['rss_mb']:.0f} |\n")
        w("\n")
    for t in tools:
        if t.install_error:
            w(f"- **{t.label}** was not run: {t.install_error}\n")
        for s, e in t.errors.items():
            if t.samples.get(s):
                w(f"- {t.label} on {s:,} files: stopped after {len(t.samples[s])} run(s): {e}\n")
    contaminated = [(t.label, s, max(x.other_cpu for x in smp)) for t in tools for s, smp in t.samples.items() if smp]
    worst = max((c for c in contaminated), key=lambda c: c[2], default=None)
    if worst:
        w(
            f"- other processes on the machine during the timed runs: at most {worst[2]:.0%} of the CPUs "
            f"(worst: {worst[0]} on {worst[1]:,} files); median over all runs "
            f"{statistics.median(x.other_cpu for t in tools for smp in t.samples.values() for x in smp):.0%}\n"
        )
    notes = result.get("notes", [])
    for n in notes:
        w(f"- {n}\n")
    w("\n## Targets\n\n| target | measured | ratio to target | met |\n|---|---|---|---|\n")
    for row in result["targets"]:
        w(f"| {row['target']} | {row['measured']} | {row['ratio']} | {row['met']} |\n")
    if result.get("profile"):
        p = result["profile"]
        w(f"\n## Profile: mlops-audit on the {result['profile_size']:,}-file repository (cProfile)\n\n")
        w(
            f"{p['total']:.2f} s of profiled time ({p['wall_under_profiler']:.2f} s wall under the profiler; cProfile "
            "roughly doubles the run time of Python-heavy code, so read the shares, not the seconds).\n\n"
        )
        w(_profile_tables(p, digits=2))
    if result.get("profile_small"):
        p = result["profile_small"]
        w(f"\n## Profile: mlops-audit on the {result['profile_small_size']:,}-file repository (fixed costs)\n\n")
        w(f"{p['total']:.2f} s profiled ({p['wall_under_profiler']:.2f} s wall under the profiler).\n\n")
        w(_profile_tables(p, digits=3))
        w(
            f"\nImporting `mlops_audit.cli` alone takes {p['import_cli_wall']:.3f} s wall (interpreter start included). "
            f"Imports during a real audit of the {result['profile_small_size']:,}-file repository (`-X importtime`, "
            "outermost import of each package, cumulative; a package imported by another one, like pydantic by typer, "
            "counts in both rows; `site` is the interpreter's own start-up, left out):\n\n| package | ms |\n|---|---|\n"
        )
        for name, us in result.get("imports_us", []):
            w(f"| {name} | {us / 1000:.0f} |\n")
    return out.getvalue()


def targets(result: dict, tools: list[Tool], sizes: list[int]) -> list[dict[str, str]]:
    ma = tools[0]
    rows = []

    def add(target: str, value: float | None, limit: float, unit: str, lower_is_better: bool = True) -> None:
        if value is None:
            rows.append({"target": target, "measured": "not measured", "ratio": "-", "met": "?"})
            return
        ratio = value / limit if lower_is_better else limit / value
        met = value <= limit if lower_is_better else value >= limit
        shown = f"{fmt_s(value)} {unit}" if unit == "s" else f"{value:.1f}{unit}"
        rows.append(
            {
                "target": target,
                "measured": shown,
                "ratio": f"{ratio:.1f}x the budget" if lower_is_better else f"{value:.2f}x of {limit:.0f}x",
                "met": "yes" if met else "**no**",
            }
        )

    v = result.get("version", {})
    best = v.get("python -m mlops_audit --version")
    add("`mlops-audit --version` <= 0.1 s (python -m)", best["median"] if best else None, TARGETS["version_s"], "s")
    for label, vv in v.items():
        if label.startswith("mlops-audit --version"):
            add(f"`{label}` <= 0.1 s", vv["median"], TARGETS["version_s"], "s")
    s_small = ma.samples.get(min(sizes)) if sizes else None
    add(f"{min(sizes):,}-file repo <= 0.15 s", med(s_small) if s_small else None, TARGETS["small_s"], "s")
    mid_size = 3000 if 3000 in sizes else None
    cold = result.get("cold", {}).get(str(mid_size)) if mid_size else None
    add("3,000-file repo cold <= 1.0 s", cold["wall"] if cold else None, TARGETS["mid_cold_s"], "s")
    add(
        "3,000-file repo warm <= 0.3 s",
        med(ma.samples[3000]) if ma.samples.get(3000) else None,
        TARGETS["mid_warm_s"],
        "s",
    )
    big_size = max(sizes)
    add(
        f"peak RSS on the {big_size:,}-file repo <= 150 MB (warm runs; cold in the table above)",
        peak_mb(ma.samples[big_size]) if ma.samples.get(big_size) else None,
        TARGETS["big_rss_mb"],
        " MB",
    )
    # linearity: marginal cost per 1,000 files between consecutive sizes
    pts = [(s, med(ma.samples[s])) for s in sizes if ma.samples.get(s)]
    if len(pts) >= 3:
        slopes = [(b[1] - a[1]) / (b[0] - a[0]) * 1000 for a, b in itertools.pairwise(pts)]
        growth = slopes[-1] / slopes[0] if slopes[0] > 0 else float("inf")
        rows.append(
            {
                "target": "cost grows linearly with files",
                "measured": "; ".join(
                    f"{a[0]:,}→{b[0]:,}: {sl:.3f} s per 1,000 files"
                    for (a, b), sl in zip(itertools.pairwise(pts), slopes, strict=True)
                ),
                "ratio": f"last/first marginal cost {growth:.2f}",
                "met": "yes" if 0.67 <= growth <= 1.5 else "**no**",
            }
        )
    doc = next((t for t in tools if t.key == "ml-project-doctor"), None)
    if doc and doc.samples.get(3000) and ma.samples.get(3000):
        speedup = med(doc.samples[3000]) / med(ma.samples[3000])
        rows.append(
            {
                "target": ">= 10x faster than ml-project-doctor on 3,000 files",
                "measured": f"ml-project-doctor {fmt_s(med(doc.samples[3000]))} s vs mlops-audit "
                f"{fmt_s(med(ma.samples[3000]))} s: mlops-audit is {speedup:.2f}x as fast",
                "ratio": f"{speedup / TARGETS['vs_doctor']:.2f} of the 10x goal",
                "met": "yes" if speedup >= TARGETS["vs_doctor"] else "**no**",
            }
        )
    else:
        rows.append(
            {
                "target": ">= 10x faster than ml-project-doctor on 3,000 files",
                "measured": "not measured",
                "ratio": "-",
                "met": "?",
            }
        )
    return rows


# ------------------------------------------------------------------------------------------------ main


def rerender(out: Path) -> int:
    result = json.loads(out.with_suffix(".json").read_text())
    tools = []
    for key, t in result["tools"].items():
        tool = Tool(key, t["label"], [], version=t["version"], install_error=t["install_error"])
        tool.errors = {int(k): v for k, v in t["errors"].items()}
        tool.samples = {int(k): [Sample(**x) for x in v] for k, v in t["samples"].items()}
        tools.append(tool)
    sizes = sorted(int(s) for s in result["repos"])
    result["targets"] = targets(result, tools, sizes)
    report = render(result, tools, sizes, result["runs"])
    print(report)
    out.write_text(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark mlops-audit against its peers (see the module docstring).")
    ap.add_argument("--sizes", default="50,3000,20000", help="tracked files per repository, comma-separated")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and repository (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=BENCH / ".work", help="cache folder (repositories, venvs)")
    ap.add_argument(
        "--slow",
        type=float,
        default=20.0,
        help="a tool whose first run on a repository takes longer than this many seconds ...",
    )
    ap.add_argument("--slow-runs", type=int, default=2, help="... gets only this many runs there (default 2)")
    ap.add_argument("--version-runs", type=int, default=10)
    ap.add_argument(
        "--quiet",
        type=float,
        default=0.15,
        help="before each round, wait until other processes use less than this share of the CPUs",
    )
    ap.add_argument("--quiet-wait", type=float, default=180.0, help="... but no longer than this many seconds")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-drop-caches", action="store_true", help="do not drop the OS page cache before the cold run")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "latest.md")
    ap.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: rebuild the Markdown from the JSON next to --out (after editing the report code)",
    )
    args = ap.parse_args(argv)
    if args.rerender:
        return rerender(args.out)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    scratch = work / "out"
    scratch.mkdir(exist_ok=True)
    os.environ["MLOPS_AUDIT_CACHE_DIR"] = str(work / "analysis-cache")  # warm runs share it; cold runs get none
    notes: list[str] = []
    result: dict = {"machine": machine(), "seed": args.seed, "runs": args.runs, "notes": notes}
    log(f"machine: {result['machine']}")

    repos = {s: ensure_repo(work, s, args.seed) for s in sizes}
    result["repos"] = {}
    for s, path in repos.items():
        info = json.loads((path / ".git" / "bench-repo.json").read_text())
        size = sum(f.stat().st_size for f in path.rglob("*") if ".git" not in f.parts and f.is_file())
        result["repos"][str(s)] = {
            "path": str(path),
            "tracked": info["tracked"],
            "commits": info["commits"],
            "head": info["head"],
            "mb": round(size / 1e6),
        }

    py = sys.executable
    # mlops-audit is timed as pip installs it: byte-compiled. An editable checkout under PYTHONDONTWRITEBYTECODE
    # (set on some machines) would otherwise compile its own modules from source on every run (~40 ms).
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "checker" / "mlops_audit")], capture_output=True)
    ver = subprocess.run([py, "-m", "mlops_audit", "--version"], capture_output=True, text=True).stdout.strip()
    result["mlops_version"] = ver.replace("mlops-audit ", "")
    tools = [Tool("mlops-audit", "mlops-audit", [py, "-m", "mlops_audit", "REPO", "-f", "json"], (0, 1))]
    if not args.no_peers:
        for key, label, reqs, argv_, ok in PEERS:
            tools.append(ensure_peer(work, key, label, reqs, argv_, ok))
    tools.append(Tool("floor-ls", "floor: `git ls-files`", ["git", "-C", "REPO", "ls-files", "-z"], (0,)))
    tools.append(
        Tool("floor-read", "floor: list + read all text (bench/floor.py)", [py, str(BENCH / "floor.py"), "REPO"], (0,))
    )
    for t in tools:
        if t.install_error:
            log(f"{t.label}: {t.install_error}")

    def argv_for(t: Tool, repo: Path) -> list[str]:
        return [str(repo) if a == "REPO" else a for a in t.argv]

    def measure(t: Tool, size: int) -> None:
        sample, stderr = run_once(argv_for(t, repos[size]), scratch / f"{t.key}-{size}.out")
        crashed = "Traceback (most recent call last)" in stderr or sample.rc not in t.ok_codes
        if crashed:
            t.errors[size] = f"exit {sample.rc}: {_tail(stderr)}"
            log(f"  {t.key} on {size}: FAILED ({t.errors[size]})")
            return
        t.samples.setdefault(size, []).append(sample)
        log(
            f"  {t.key:18} {size:>6} files: {sample.wall:8.3f} s {sample.rss_kb / 1024:7.0f} MB (exit {sample.rc}), "
            f"others used {sample.other_cpu:.0%} of the CPUs"
        )

    # warm the interpreters and venvs once (not recorded), on the smallest repository
    runnable = [t for t in tools if not t.install_error]
    for t in runnable:
        run_once(argv_for(t, repos[sizes[0]]), scratch / "warmup.out")

    # --version
    result["version_runs"] = args.version_runs
    version_cmds = {
        "python -c pass (interpreter start, the floor)": [py, "-c", "pass"],
        "python -m mlops_audit --version": [py, "-m", "mlops_audit", "--version"],
    }
    script = Path(sys.prefix) / "bin" / "mlops-audit"
    if script.exists():
        version_cmds[f"mlops-audit --version (console script {script})"] = [str(script), "--version"]
    shim = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "shims" / "mlops-audit"
    on_path = str(shim) if shim.exists() else shutil.which("mlops-audit")
    if on_path and Path(on_path).resolve() != script.resolve():
        kind = "pyenv shim" if ".pyenv/shims" in on_path else "on PATH"
        version_cmds[f"mlops-audit --version ({kind} {on_path})"] = [on_path, "--version"]
    result["version"] = {}
    wait_quiet(args.quiet, args.quiet_wait)
    for label, cmd in version_cmds.items():
        smp = [run_once(cmd, scratch / "version.out")[0] for _ in range(args.version_runs)]
        result["version"][label] = {"median": med(smp), "rss_mb": peak_mb(smp)}
        log(f"  {label}: {med(smp):.3f} s")

    # cold: the first mlops-audit run on each repository after dropping the page cache
    result["cold"] = {}
    result["cold_dropped"] = False
    for s in sizes:
        wait_quiet(args.quiet, args.quiet_wait)
        dropped = (not args.no_drop_caches) and drop_page_cache()
        result["cold_dropped"] = dropped
        warm_cache = os.environ["MLOPS_AUDIT_CACHE_DIR"]
        os.environ["MLOPS_AUDIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlops-audit-cold-cache-")  # empty: cold
        try:
            smp, _stderr = run_once(argv_for(tools[0], repos[s]), scratch / f"cold-{s}.out")
        finally:
            os.environ["MLOPS_AUDIT_CACHE_DIR"] = warm_cache
        result["cold"][str(s)] = {"wall": smp.wall, "rss_mb": smp.rss_kb / 1024, "dropped": dropped}
        log(f"  mlops-audit cold {s}: {smp.wall:.3f} s (page cache dropped: {dropped})")
    if not result["cold_dropped"]:
        notes.append(
            "the OS page cache could not be dropped: 'cold' is only the first run after the repository was read"
        )
    # check the report is valid JSON once per size
    for s in sizes:
        try:
            json.loads((scratch / f"cold-{s}.out").read_text())
        except (OSError, ValueError) as exc:
            notes.append(f"mlops-audit output on {s} files is not valid JSON: {exc}")

    # timed runs, alternating: round i starts with tool i mod n
    for s in sizes:
        log(f"repository of {s} files:")
        # "warm" means a filled analysis cache: one untimed run fills it (a cache written by an older format or
        # checkout would otherwise make the first timed run a cold one; cold runs are measured above)
        run_once(argv_for(tools[0], repos[s]), scratch / "prime.out")
        active = [t for t in tools if not t.install_error]
        for t in active:
            t.target_runs[s] = args.runs
        for i in range(args.runs):
            busy = wait_quiet(args.quiet, args.quiet_wait)
            if busy > args.quiet:
                notes.append(f"round {i + 1} on {s:,} files started while other processes used {busy:.0%} of the CPUs")
            order = active[i % len(active) :] + active[: i % len(active)]
            for t in order:
                if s in t.errors or len(t.samples.get(s, [])) >= t.target_runs[s]:
                    continue
                measure(t, s)
                smp = t.samples.get(s, [])
                if len(smp) == 1 and smp[0].wall > args.slow and args.runs > args.slow_runs:
                    t.target_runs[s] = args.slow_runs
                    notes.append(
                        f"{t.label} on {s:,} files: first run took {smp[0].wall:.0f} s > {args.slow:.0f} s, "
                        f"so runs were capped at {args.slow_runs}"
                    )

    result["targets"] = targets(result, tools, sizes)
    if not args.no_profile:
        size = 3000 if 3000 in repos else sizes[len(sizes) // 2]
        log(f"profiling mlops-audit on {size} files ...")
        result["profile"] = profile(repos[size], work, 15)
        result["profile_size"] = size
        log(f"profiling mlops-audit on {sizes[0]} files ...")
        result["profile_small"] = profile(repos[sizes[0]], work, 12)
        result["profile_small_size"] = sizes[0]
        result["imports_us"] = import_costs(repos[sizes[0]])
    result["tools"] = {
        t.key: {
            "label": t.label,
            "version": t.version,
            "install_error": t.install_error,
            "errors": t.errors,
            "samples": {str(s): [vars(x) for x in smp] for s, smp in t.samples.items()},
        }
        for t in tools
    }
    report = render(result, tools, sizes, args.runs)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    log(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
