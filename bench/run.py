#!/usr/bin/env python3
# ruff: noqa: E501  (long report strings)
"""Benchmark mlops-audit (this checkout) against its peers, on synthetic and on real repositories.

    python bench/run.py                      # generated sizes 50, 3000, 20000; 5 runs each; peers; profile
    python bench/run.py --sizes 50,3000 --runs 3 --no-peers --no-profile
    python bench/run.py --sizes 50,3000 --repo ~/src/diffusers --repo ~/src/scipy   # real ones in the same run
    python bench/run.py --no-generated --repo ~/src/diffusers                       # real ones alone (or --sizes "")

Run by hand or from a scheduled job, never as a timed assertion in the tests. It

1. (re)generates the repositories with ``bench/make_repo.py`` into ``bench/.work/repos`` (cached: rebuilt only
   when the generator version, size or seed changes), labelled "3,000 files";
2. copies each ``--repo PATH`` (the top folder of a git repository, labelled by its folder name) with ``cp -a``
   to ``bench/.work/real/LABEL`` and measures the copy only: PATH itself is never written to, and nothing of
   it goes into this repository but numbers, commit ids and URLs. Real repositories are hostile input: git runs
   on them only through ``mlops_audit.gitrun``, and nothing from them is executed by the harness;
3. installs each peer from PyPI into its own virtualenv under ``bench/.work/venvs`` (``ml-project-doctor``;
   ``repo-review[cli]`` with ``sp-repo-review``; ``mllint``), and mlops-audit's own dependencies into a virtualenv
   without the system site-packages (``venvs/clean``: the interpreter without this machine's ``.pth`` hooks); a
   peer that does not install or crashes is recorded with its error, never fatal;
4. times, on the same repositories and in one run, alternating the tools run by run (ABC, BCA, ...):
   mlops-audit (``python -m mlops_audit REPO -f json`` with this interpreter, i.e. the current checkout) warm,
   warm after one ``.py`` file changed (real repositories: a comment line appended, the file restored after),
   and in the clean virtualenv (small repositories), the peers, and the floor (``git ls-files`` alone, and
   ``bench/floor.py``: list + lstat every file, list + read every text file); each run is a fresh process under
   ``/usr/bin/time -v`` (wall clock from Python, peak RSS from time) and, where ``unshare -n`` works, in a
   network namespace of its own with no network at all (every tool alike);
5. measures the interpreter floor (``python -c pass``, ``python -S -c pass``, the same in the clean virtualenv;
   the ``.pth`` files that run code at every start) and ``mlops-audit --version``, and mlops-audit cold (each
   cold run after dropping the OS page cache, when allowed, with an empty analysis cache; median of
   ``--cold-runs``) and warm (the median of the timed runs, which share one analysis cache under the work
   folder, as repeated pre-commit runs on a user's machine do);
6. profiles mlops-audit on the 3,000-file repository (else the largest) with cProfile (plus ``-X importtime``);
7. prints a Markdown report and writes it to ``bench/results/latest.md`` (and the raw numbers to
   ``bench/results/latest.json``, format :data:`RESULT_FORMAT`; ``--rerender`` rebuilds the Markdown from it).
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
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT / "checker"))  # the checkout, also when it is not installed
import make_repo  # noqa: E402
from mlops_audit import gitrun  # noqa: E402
from mlops_audit.safetext import escape  # noqa: E402

RESULT_FORMAT = 2  # latest.json: 1 = generated repositories keyed by their size; 2 = every repository by label
TIME_BIN = "/usr/bin/time"
SMALL_REPO_FILES = 1000  # the clean-virtualenv runs (start-up matters) are made on repositories up to this size
TARGETS: dict[str, Any] = {
    "version_s": 0.05,
    # generated repositories, by size: the targets of the earlier rounds; 50 files gets issue 14's small-repo one
    "generated": {
        50: {"cold_s": 0.20, "warm_s": 0.12},
        3000: {"cold_s": 1.0, "warm_s": 0.3, "vs_doctor_warm": 10.0},
        20000: {"rss_mb": 150.0},
    },
    # real repositories (issue 14), found by folder name or by the last part of their URL (case ignored)
    "real": {
        "diffusers": {"cold_s": 2.0, "stretch_cold_s": 1.0, "warm_s": 0.3, "vs_doctor_cold": 15.0},
        "scipy": {"cold_s": 2.0, "stretch_cold_s": 1.0, "warm_s": 0.3, "vs_doctor_cold": 15.0},
        "made-with-ml": {"cold_s": 0.20, "warm_s": 0.12},
    },
}
REAL_ALIASES = {"mwml": "made-with-ml"}


class BenchError(Exception):
    """A mistake in the command line or the set-up: reported in one line, exit code 2."""


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class Sample:
    wall: float
    rss_kb: int
    rc: int
    other_cpu: float = 0.0  # share of the machine's CPU time used by other processes during the run


@dataclass
class Repo:
    label: str  # "3,000 files" for a generated repository, the folder name for a real one
    path: Path  # what every tool runs on: the generated repository, or the copy of the real one
    kind: str  # "generated" or "real"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return int(self.info.get("tracked", 0))

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", self.label).strip("-") or "repo"


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


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


@dataclass
class Tool:
    key: str
    label: str
    argv: list[str]  # REPO is replaced by the repository path
    ok_codes: tuple[int, ...] = (0, 1)
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # by repository label
    errors: dict[str, str] = field(default_factory=dict)
    target_runs: dict[str, int] = field(default_factory=dict)
    version: str = ""
    install_error: str = ""
    env: dict[str, str] = field(default_factory=dict)  # added to the environment of its runs
    applies: Callable[[Repo], bool] | None = None  # None: every repository
    changes_one_file: bool = False  # "warm, one file changed": each run edits a .py file of the copy first
    cwd_repo: bool = False  # run in the repository (git ls-files lists what is below its working folder)

    def runs_on(self, repo: Repo) -> bool:
        return not self.install_error and (self.applies is None or self.applies(repo))


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


def run_once(
    argv: list[str], out_path: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[Sample, str]:
    """One fresh process: wall time (perf_counter around it), peak RSS (GNU time, else wait4), exit code."""
    full_env = dict(os.environ, **NO_NET_ENV, **(env or {}))
    cmd = (["unshare", "-n"] if UNSHARE else []) + argv
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    try:
        if HAVE_TIME:
            cmd = [TIME_BIN, "-v", "-o", time_file, *cmd]
        with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
            b0, c0 = cpu_jiffies()
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=full_env)
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
    # our own checkout: trusted, plain git
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
        "load_start": load_average(),
    }


def checkout_fingerprint(modules: list[Path] | None = None) -> str:
    """A digest of the checkout's code and rules (paths, sizes, mtimes): if it changes during a run, the run
    measured more than one version (and the analysis cache, keyed by the code, was emptied on the way).
    ``modules``: only these source files of the package (the ones an audit imports), else all of them."""
    import hashlib

    files: list[str] = [str(m) for m in modules] if modules is not None else []
    tops = [ROOT / "rules"] + ([] if modules is not None else [ROOT / "checker" / "mlops_audit"])
    for top in tops:
        for dirpath, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files += [os.path.join(dirpath, n) for n in sorted(names) if not n.endswith(".pyc")]
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(files):
        try:
            st = os.stat(path)
        except OSError:
            continue
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def audit_modules(py: str, repo: Path, work: Path) -> list[Path] | None:
    """The source files of the mlops_audit modules a cold audit of ``repo`` imports (``-X importtime``): what a
    change during the run would change in the measurements; None if they cannot be told."""
    import importlib.util

    empty = work / "modules-probe-cache"
    shutil.rmtree(empty, ignore_errors=True)
    done = subprocess.run(
        [py, "-X", "importtime", "-m", "mlops_audit", str(repo), "-f", "json"],
        capture_output=True,
        text=True,
        env=dict(os.environ, **NO_NET_ENV, MLOPS_AUDIT_CACHE_DIR=str(empty)),
    )
    shutil.rmtree(empty, ignore_errors=True)
    names = set(re.findall(r"^import time:.*\|\s*(mlops_audit(?:\.\w+)*)\s*$", done.stderr, re.M))
    paths = []
    for name in sorted(names):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            paths.append(Path(spec.origin))
    return paths or None


def generated_label(files: int) -> str:
    return f"{files:,} files"


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
            # a repository we generated ourselves: trusted, plain git
            clean = subprocess.run(["git", "status", "--porcelain"], cwd=path, capture_output=True, text=True).stdout
            if not clean.strip():
                return path
    log(f"generating the {files}-file repository (seed {seed}) ...")
    info = make_repo.build(path, files, seed)
    log(f"  {info['tracked']} files, {info['commits']} commits in {info['seconds']} s")
    return path


def log(msg: str) -> None:
    print(escape(msg, keep_newlines=True), file=sys.stderr, flush=True)


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
    return escape(" / ".join((telling or lines)[-n:])[:400])


# ----------------------------------------------------------------------------------- real repositories


def git_top(path: Path) -> gitrun.GitRepo:
    """The git repository whose top folder is ``path``; BenchError otherwise (a bench measures whole repositories:
    a subfolder would be copied without its ``.git``, and the copy, inside this checkout, would be ours)."""
    found = gitrun.locate(path)
    if isinstance(found, str):
        raise BenchError(f"{path}: {found}")
    if found.work_tree.resolve() != path.resolve():
        raise BenchError(f"{path}: not the top folder of a git repository (its top is {found.work_tree})")
    return found


def git_out(repo: gitrun.GitRepo, *args: str) -> str:
    """The output of a hardened git command on ``repo`` (surrogates for undecodable bytes); "" if it failed."""
    try:
        done = gitrun.run(repo, *args, timeout=600)
    except gitrun.GitUnavailable:
        return ""
    return done.stdout.decode("utf-8", "surrogateescape").strip() if done.returncode == 0 else ""


def real_labels(paths: list[Path], taken: set[str]) -> list[str]:
    """One label per ``--repo``: the folder name, with -2, -3... when two folders have the same name."""
    labels: list[str] = []
    for p in paths:
        base = p.name or "repo"
        label, n = base, 2
        while label in labels or label in taken:
            label, n = f"{base}-{n}", n + 1
        labels.append(label)
    return labels


def check_real_source(src: Path, work: Path) -> None:
    if not src.is_dir():
        raise BenchError(f"--repo {src}: not a folder")
    resolved, w = src.resolve(), work.resolve()
    if resolved == w or resolved.is_relative_to(w) or w.is_relative_to(resolved):
        raise BenchError(f"--repo {src}: inside the bench's work folder {work} (or holding it): give the original")
    git_top(src)


def public_url(url: str) -> str | None:
    """``url`` if it names a public place (https/ssh), else None (a local mirror path is nobody's URL)."""
    if re.match(r"^(https?://|ssh://|git@[\w.-]+:)", url):
        return escape(re.sub(r"://[^/@]+@", "://", url))  # never a user:password
    return None


def tracked(repo: gitrun.GitRepo) -> list[str]:
    out = gitrun.run(repo, "ls-files", "-z").stdout
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def tree_stats(root: Path, paths: list[str], cells: bool) -> dict[str, Any]:
    """Counts of the tracked files (lstat, never followed): regular files, bytes, .py files, notebooks (and,
    with ``cells``, their cells: the JSON is read, nothing is run)."""
    size = py = nbs = n_cells = n_code = 0
    for rel in paths:
        full = root / rel
        try:
            st = os.lstat(full)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        size += st.st_size
        if rel.endswith(".py"):
            py += 1
        elif rel.endswith(".ipynb"):
            nbs += 1
            if cells:
                try:
                    doc = json.loads(full.read_bytes())
                    found = doc.get("cells", []) if isinstance(doc, dict) else []
                    if isinstance(found, list):
                        n_cells += len(found)
                        n_code += sum(1 for c in found if isinstance(c, dict) and c.get("cell_type") == "code")
                except (OSError, ValueError, TypeError, AttributeError):
                    pass
    stats: dict[str, Any] = {"tracked": len(paths), "mb": round(size / 1e6), "py_files": py, "notebooks": nbs}
    if cells:
        stats["cells"], stats["code_cells"] = n_cells, n_code
    return stats


def choose_changed_file(root: Path, paths: list[str]) -> tuple[str, int] | None:
    """The ``.py`` file "one file changed" edits: a regular file inside the copy (no symbolic link on the way),
    preferably not a test or an ``__init__.py``, of median size (ties by path): a typical module."""
    top = os.path.realpath(root)
    found: list[tuple[int, str, bool]] = []
    for rel in paths:
        if not rel.endswith(".py"):
            continue
        full = root / rel
        try:
            st = os.lstat(full)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            continue
        if not os.path.realpath(full).startswith(top + os.sep):
            continue
        parts = rel.split("/")
        plain = not (
            parts[-1] == "__init__.py"
            or parts[-1].startswith("test_")
            or parts[-1].endswith("_test.py")
            or any(p in ("test", "tests", "testing") for p in parts[:-1])
        )
        found.append((st.st_size, rel, plain))
    pool = [f for f in found if f[2]] or found
    if not pool:
        return None
    pool.sort()
    size, rel, _ = pool[len(pool) // 2]
    return rel, size


def upstream_note(repo: gitrun.GitRepo, label: str, head: str) -> tuple[dict[str, Any] | None, str | None]:
    """When HEAD is ahead of ``origin/HEAD`` (commits made locally, e.g. to drop blobs a mirror lacks): what those
    commits change in the tree, as data and as a note."""
    base = git_out(repo, "rev-parse", "--verify", "-q", "refs/remotes/origin/HEAD")
    if not base or base == head:
        return None, None
    ahead = git_out(repo, "rev-list", "--count", "refs/remotes/origin/HEAD..HEAD")
    if not ahead.isdigit() or int(ahead) == 0:
        return None, None

    def tree(ref: str) -> dict[str, str]:
        entries = {}
        for e in git_out(repo, "ls-tree", "-r", "-z", ref).split("\0"):
            meta, tab, path = e.partition("\t")
            if tab:
                entries[path] = meta
        return entries

    old, new = tree(base), tree(head)
    removed = [p for p in old if p not in new]
    links = sum(1 for p in removed if old[p].startswith("160000"))
    added = sum(1 for p in new if p not in old)
    modified = sum(1 for p in new if p in old and old[p] != new[p])
    commit = git_out(repo, "cat-file", "commit", head)
    subject = escape(commit.partition("\n\n")[2].strip().splitlines()[0][:100]) if "\n\n" in commit else ""
    data = {
        "upstream": base,
        "ahead": int(ahead),
        "subject": subject,
        "removed_files": len(removed) - links,
        "removed_links": links,
        "added": added,
        "modified": modified,
    }
    note = (
        f"{label}: HEAD {head[:10]} is {ahead} local commit(s) on top of origin/HEAD {base[:10]}"
        + (f' ("{subject}")' if subject else "")
        + f": {len(removed)} path(s) removed ({len(removed) - links} file(s), {links} submodule link(s)), "
        f"{added} added, {modified} modified"
    )
    return data, note


def setup_real(work: Path, src: Path, label: str, url: str | None, notes: list[str]) -> Repo:
    """Copy ``src`` to ``work/real/LABEL`` (``cp -a``) and describe the copy; ``src`` is only read."""
    dest = work / "real" / label
    if dest.exists() or dest.is_symlink():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    log(f"copying {src} to {dest} ...")
    t0 = time.perf_counter()
    subprocess.run(["cp", "-a", "--", str(src), str(dest)], check=True)
    repo = git_top(dest)
    # the copy's files have new inodes and ctimes: refresh its index once, so that no tool pays for it (or
    # rewrites the index) in a timed run
    gitrun.run(repo, "update-index", "-q", "--refresh", timeout=600)
    log(f"  copied and index refreshed in {time.perf_counter() - t0:.1f} s")
    paths = tracked(repo)
    head = git_out(repo, "rev-parse", "HEAD")
    info: dict[str, Any] = {
        "path": str(dest),
        "source": str(src),
        "url": url or public_url(git_out(repo, "config", "--get", "remote.origin.url")),
        "head": head,
        "commits": int(c) if (c := git_out(repo, "rev-list", "--count", "HEAD")).isdigit() else None,
        "refs": len(git_out(repo, "for-each-ref", "--format=%(refname)").splitlines()),
        **tree_stats(dest, paths, cells=True),
    }
    changed = choose_changed_file(dest, paths)
    if changed:
        info["changed_file"], info["changed_size"] = escape(changed[0]), changed[1]
        info["changed_raw"] = changed[0]  # the real name (may hold anything), for the run only
    else:
        notes.append(f"{label}: no regular .py file, so no \"one file changed\" runs")
    upstream, note = upstream_note(repo, label, head)
    if upstream:
        info["local_commits"] = upstream
        notes.append(note or "")
    return Repo(label, dest, "real", info)


def leftovers(repo: Repo) -> str | None:
    """Untracked or modified files the tools left in a real repository's copy, if any (they would change what
    the next runs see)."""
    git = git_top(repo.path)
    others = git_out(git, "ls-files", "-z", "--others", "--exclude-standard").split("\0")
    modified = git_out(git, "ls-files", "-z", "-m").split("\0")
    others, modified = [p for p in others if p], [p for p in modified if p]
    if not others and not modified:
        return None
    shown = ", ".join(escape(p) for p in (others + modified)[:3])
    return f"{repo.label}: the tools left {len(others)} untracked and {len(modified)} modified file(s) in the copy ({shown})"


# ------------------------------------------------------------------------------------ peers and venvs


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


def project_dependencies() -> list[str]:
    import tomllib

    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def ensure_clean_venv(work: Path) -> tuple[Path | None, str]:
    """A virtualenv without the system site-packages (so without its ``.pth`` start-up hooks) and without pip,
    holding mlops-audit's dependencies; the checkout itself comes from PYTHONPATH. (python, error)."""
    venv = work / "venvs" / "clean"
    py = venv / "bin" / "python"
    try:
        deps = project_dependencies()
    except (OSError, KeyError, ImportError, ValueError) as exc:
        return None, f"cannot read the dependencies in pyproject.toml: {exc}"
    want = " ".join(deps) + f" / Python {platform.python_version()}"
    marker = venv / ".bench-installed"
    if marker.exists() and marker.read_text() == want and py.exists():
        return py, ""
    log(f"installing mlops-audit's dependencies into {venv} (no system site-packages, no pip) ...")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--disable-pip-version-check", "-q", *deps],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        return None, "pip install failed: " + _tail(pip.stderr + pip.stdout, 2)
    marker.write_text(want)
    return py, ""


# ------------------------------------------------------------------------------------ interpreter floor


def pth_hooks(py: str) -> list[dict[str, Any]]:
    """The ``.pth`` files of ``py``'s site-packages that run code at every start (``site`` executes their lines
    starting with ``import``), with the modules those lines name."""
    probe = subprocess.run(
        [py, "-c", "import json, site; print(json.dumps(site.getsitepackages() + [site.getusersitepackages()]))"],
        capture_output=True,
        text=True,
    )
    try:
        dirs = json.loads(probe.stdout)
    except ValueError:
        return []
    return hooks_in(Path(d) for d in dirs)


def hooks_in(dirs: Any) -> list[dict[str, Any]]:
    found = []
    for d in dirs:
        try:
            pths = sorted(d.glob("*.pth"))
        except OSError:
            continue
        for pth in pths:
            try:
                lines = pth.read_text(errors="replace").splitlines()
            except OSError:
                continue
            code = [ln for ln in lines if ln.startswith(("import ", "import\t"))]
            if not code:
                continue
            mods: list[str] = []
            for ln in code:
                for m in re.finditer(r"\bimport\s+([A-Za-z_][\w.]*)|__import__\(\s*['\"]([\w.]+)['\"]", ln):
                    name = m.group(1) or m.group(2)
                    if name not in mods:
                        mods.append(name)
            found.append({"file": str(pth), "imports": mods})
    return found


def site_import_ms(py: str, modules: list[str], runs: int = 5) -> dict[str, float]:
    """Cumulative import time (ms, median of ``runs``) of ``site`` and of each of ``modules`` during ``py -c pass``."""
    seen: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run([py, "-X", "importtime", "-c", "pass"], capture_output=True, text=True)
        for line in done.stderr.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
            if m and m.group(3) in ("site", *modules):
                seen.setdefault(m.group(3), []).append(int(m.group(1)) / 1000)
    return {k: statistics.median(v) for k, v in seen.items()}


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
    rows += [
        f"| `{r['function']}` | {r['calls']} | {r['cumtime']:.{digits}f} | {100 * r['cumtime'] / total:.0f}% |\n"
        for r in p["cumulative"]
    ]
    rows.append("\n| function (anywhere, by own time) | calls | own s | share |\n|---|---|---|---|\n")
    rows += [
        f"| `{r['function']}` | {r['calls']} | {r['tottime']:.{digits}f} | {100 * r['tottime'] / total:.0f}% |\n"
        for r in p["self"]
    ]
    return "".join(rows)


def md_cell(text: str) -> str:
    return escape(str(text)).replace("|", "\\|")


def _repo_rows(repos: list[Repo], seed: Any) -> str:
    out = [
        "| repository | source | commit | tracked files | .py files | notebooks (cells) | work tree | commits at HEAD | "
        '"one file changed" edits |\n|---|---|---|---|---|---|---|---|---|\n'
    ]
    for r in repos:
        i = r.info
        if r.kind == "generated":
            source = f"bench/make_repo.py, seed {seed}"
        else:
            source = f"<{i['url']}>" if i.get("url") else "local folder (no public URL given)"
        nbs = str(i.get("notebooks", "?"))
        if "cells" in i:
            nbs += f" ({i['cells']:,} cells, {i.get('code_cells', 0):,} code)"
        changed = f"`{i['changed_file']}` ({i['changed_size']:,} bytes)" if i.get("changed_file") else "-"
        head = str(i.get("head") or "")[:10] or "-"
        commits = f"{i['commits']:,}" if isinstance(i.get("commits"), int) else "?"
        py = f"{i['py_files']:,}" if isinstance(i.get("py_files"), int) else "?"
        out.append(
            f"| {md_cell(r.label)} | {source} | `{head}` | {r.files:,} | {py} | {nbs} | {i.get('mb', '?')} MB | "
            f"{commits} | {changed.replace('|', '/')} |\n"
        )
    return "".join(out)


def _tool_cell(t: Tool, r: Repo, ref: list[Sample] | None, runs: int) -> str:
    if t.install_error:
        return "not run"
    smp = t.samples.get(r.label)
    if r.label in t.errors and not smp:
        return "failed: " + md_cell(t.errors[r.label])
    if not smp:
        return "-"
    ratio = f"{med(smp) / med(ref):.2f}x" if ref else "-"
    n = "" if len(smp) == runs else f" (n={len(smp)})"
    return f"{fmt_s(med(smp))} s / {peak_mb(smp):.0f} MB / {ratio}{n}"


def _timing_table(result: dict, tools: list[Tool], repos: list[Repo], runs: int) -> str:
    ref = {r.label: tools[0].samples.get(r.label) for r in repos}
    out = ["| tool | " + " | ".join(md_cell(r.label) for r in repos) + " |\n", "|---|" + "---|" * len(repos) + "\n"]
    cold = result.get("cold", {})
    if cold:
        cells = []
        for r in repos:
            c = cold.get(r.label)
            if not c:
                cells.append("-")
                continue
            ratio = f"{c['wall'] / med(ref[r.label]):.2f}x" if ref[r.label] else "-"
            n = len(c.get("walls", [c["wall"]]))
            cells.append(f"{fmt_s(c['wall'])} s / {c['rss_mb']:.0f} MB / {ratio}" + ("" if n == result.get("cold_runs", 1) else f" (n={n})"))
        out.append("| mlops-audit, **cold** (empty analysis cache) | " + " | ".join(cells) + " |\n")
    for t in tools:
        if not any(t.samples.get(r.label) or r.label in t.errors for r in repos) and not t.install_error:
            continue
        label = t.label + (f" {t.version}" if t.version else "")
        if t.key == "mlops-audit":
            label = "mlops-audit, **warm** (nothing changed)"
        out.append(f"| {label} | " + " | ".join(_tool_cell(t, r, ref[r.label], runs) for r in repos) + " |\n")
    return "".join(out)


def render(result: dict, tools: list[Tool], repos: list[Repo]) -> str:
    m = result["machine"]
    runs = result["runs"]
    out = io.StringIO()
    w = out.write
    w("# mlops-audit benchmark: latest run\n\n")
    w(f"- date: {m['date']}\n- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}\n")
    w(f"- Python {m['python']}, {m['git']}; mlops-audit {result['mlops_version']} at {m['checkout']}\n")
    w(f"- each run a fresh process; isolation: {m['isolation']}; peak RSS: {m['rss']}\n")
    w(f"- runs per cell: {runs} by default, alternating tools (ABC, BCA, ...); fewer where the cell says n=...\n")
    if m.get("load_start"):
        w(f"- load average (1, 5, 15 min) at the start: {m['load_start']}; at the end: {m.get('load_end', '?')}\n")
    w("\n## Repositories\n\n")
    w(_repo_rows(repos, result.get("seed")))
    if any(r.kind == "real" for r in repos):
        w(
            "\nReal repositories are measured on a copy (`cp -a` to `bench/.work/real/`, index refreshed once); their "
            "code is not part of this repository. \"One file changed\": before each timed run a comment line is "
            "appended to the file named above (a new line each run, so its content is new to the cache), the file is "
            "restored after the run and one untimed run puts the analysis cache back in its nothing-changed state.\n"
        )
    w("\n## Wall time and memory\n\n")
    w(
        "Median wall seconds / peak RSS MB / ratio = the row's time ÷ mlops-audit's warm time on the same "
        "repository (above 1: slower than mlops-audit warm). Cold: median of "
        f"{result.get('cold_runs', 1)} run(s), each after dropping the OS page cache"
        + ("" if result.get("cold_dropped") else " (NOT possible on this run: the page cache was kept)")
        + " and with an empty analysis cache. Warm: the timed runs share one analysis cache, filled by one untimed run.\n\n"
    )
    for kind, title in (("real", "Real repositories"), ("generated", "Generated repositories")):
        group = [r for r in repos if r.kind == kind]
        if group:
            w(f"### {title}\n\n")
            w(_timing_table(result, tools, group, runs))
            w("\n")
    cold = result.get("cold", {})
    spread = [
        f"{md_cell(r.label)}: " + ", ".join(fmt_s(x) for x in cold[r.label]["walls"])
        for r in repos
        if r.label in cold and len(cold[r.label].get("walls", [])) > 1
    ]
    if spread:
        w("Each cold run, in seconds: " + "; ".join(spread) + ".\n\n")
    if result.get("version"):
        w(
            "## Start-up: the interpreter floor and `--version`\n\nMedian of {} runs:\n\n| command | median s | peak RSS MB |\n|---|---|---|\n".format(
                result["version_runs"]
            )
        )
        for label, v in result["version"].items():
            if "error" in v:
                w(f"| `{label}` | failed: {md_cell(v['error'])} | |\n")
            else:
                w(f"| `{label}` | {fmt_s(v['median'])} | {v['rss_mb']:.0f} |\n")
        w("\n")
    hooks = result.get("site_hooks")
    if hooks is not None:
        w(_hooks_text(hooks))
    w("## Notes\n\n")
    for t in tools:
        if t.install_error:
            w(f"- **{t.label}** was not run: {md_cell(t.install_error)}\n")
        for s, e in t.errors.items():
            if t.samples.get(s):
                w(f"- {t.label} on {md_cell(s)}: stopped after {len(t.samples[s])} run(s): {md_cell(e)}\n")
    contaminated = [(t.label, s, max(x.other_cpu for x in smp)) for t in tools for s, smp in t.samples.items() if smp]
    worst = max(contaminated, key=lambda c: c[2], default=None)
    if worst:
        w(
            f"- other processes on the machine during the timed runs: at most {worst[2]:.0%} of the CPUs "
            f"(worst: {worst[0]} on {md_cell(worst[1])}); median over all runs "
            f"{statistics.median(x.other_cpu for t in tools for smp in t.samples.values() for x in smp):.0%}\n"
        )
    for n in result.get("notes", []):
        w(f"- {md_cell(n)}\n")
    w("\n## Targets\n\n| target | measured | ratio to target | met |\n|---|---|---|---|\n")
    for row in result["targets"]:
        w(f"| {row['target']} | {row['measured']} | {row['ratio']} | {row['met']} |\n")
    if result.get("profile"):
        p = result["profile"]
        w(f"\n## Profile: mlops-audit on {md_cell(result['profile_repo'])} (cProfile, warm)\n\n")
        w(
            f"{p['total']:.2f} s of profiled time ({p['wall_under_profiler']:.2f} s wall under the profiler; cProfile "
            "roughly doubles the run time of Python-heavy code, so read the shares, not the seconds).\n\n"
        )
        w(_profile_tables(p, digits=2))
    if result.get("profile_small"):
        p = result["profile_small"]
        w(f"\n## Profile: mlops-audit on {md_cell(result['profile_small_repo'])} (fixed costs, warm)\n\n")
        w(f"{p['total']:.2f} s profiled ({p['wall_under_profiler']:.2f} s wall under the profiler).\n\n")
        w(_profile_tables(p, digits=3))
        w(
            f"\nImporting `mlops_audit.cli` alone takes {p['import_cli_wall']:.3f} s wall (interpreter start included). "
            f"Imports during a real audit of {md_cell(result['profile_small_repo'])} (`-X importtime`, "
            "outermost import of each package, cumulative; a package imported by another one counts in both rows; "
            "`site` is the interpreter's own start-up, left out):\n\n| package | ms |\n|---|---|\n"
        )
        for name, us in result.get("imports_us", []):
            w(f"| {name} | {us / 1000:.0f} |\n")
    return out.getvalue()


def _hooks_text(hooks: dict[str, Any]) -> str:
    lines = []
    for env_name, found in (("this interpreter", hooks.get("system", [])), ("the clean venv", hooks.get("clean", []))):
        if env_name == "the clean venv" and "clean" not in hooks:
            continue
        if not found:
            lines.append(f"- {env_name}: no `.pth` file runs code at start-up")
            continue
        shown = "; ".join(f"`{Path(h['file']).name}` imports {', '.join(h['imports']) or 'nothing named'}" for h in found)
        lines.append(f"- {env_name}: `.pth` files that run code at every start: {shown}")
    ms = hooks.get("import_ms", {})
    if ms:
        parts = [f"`{k}` {v:.1f} ms" for k, v in sorted(ms.items(), key=lambda kv: -kv[1])]
        lines.append(
            "- cumulative import time at start-up of `python -c pass` (`-X importtime`, median of 5): " + ", ".join(parts)
        )
    return "Site hooks:\n\n" + "".join(f"{ln}\n" for ln in lines) + "\n"


# ------------------------------------------------------------------------------------------------ targets


def real_target(repo: Repo) -> tuple[str, dict[str, float]] | None:
    """Issue 14's targets for a real repository, found by its folder name or the last part of its URL."""
    names = {repo.label.lower(), Path(repo.info.get("source") or repo.label).name.lower()}
    url = repo.info.get("url") or ""
    if url:
        names.add(re.sub(r"\.git$", "", url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]).lower())
    names |= {REAL_ALIASES[n] for n in list(names) if n in REAL_ALIASES}
    for key, goal in TARGETS["real"].items():
        if key in names:
            return key, goal
    return None


def targets(result: dict, tools: list[Tool], repos: list[Repo]) -> list[dict[str, str]]:
    ma = tools[0]
    doc = next((t for t in tools if t.key == "ml-project-doctor"), None)
    cold = result.get("cold", {})
    rows: list[dict[str, str]] = []

    def add(target: str, value: float | None, limit: float, unit: str) -> None:
        if value is None:
            rows.append({"target": target, "measured": "not measured", "ratio": "-", "met": "?"})
            return
        shown = f"{fmt_s(value)} {unit}" if unit == "s" else f"{value:.1f}{unit}"
        rows.append(
            {
                "target": target,
                "measured": shown,
                "ratio": f"{value / limit:.1f}x the budget",
                "met": "yes" if value <= limit else "**no**",
            }
        )

    def faster(target: str, r: Repo, ours: float | None, which: str, goal: float) -> None:
        theirs = doc.samples.get(r.label) if doc else None
        if not theirs or ours is None:
            why = "ml-project-doctor failed there" if doc and r.label in doc.errors else "not measured"
            rows.append({"target": target, "measured": why, "ratio": "-", "met": "?"})
            return
        speedup = med(theirs) / ours
        extra = ""
        if which == "cold" and ma.samples.get(r.label):
            extra = f"; warm: {med(theirs) / med(ma.samples[r.label]):.1f}x"
        rows.append(
            {
                "target": target,
                "measured": f"ml-project-doctor {fmt_s(med(theirs))} s (n={len(theirs)}) vs mlops-audit {which} "
                f"{fmt_s(ours)} s: {speedup:.1f}x as fast{extra}",
                "ratio": f"{speedup / goal:.2f} of the {goal:.0f}x goal",
                "met": "yes" if speedup >= goal else "**no**",
            }
        )

    def warm(r: Repo) -> float | None:
        return med(ma.samples[r.label]) if ma.samples.get(r.label) else None

    def cold_s(r: Repo) -> float | None:
        return cold[r.label]["wall"] if r.label in cold else None

    v = result.get("version", {})
    for label, vv in v.items():
        if "--version" in label and "error" not in vv:
            add(f"`{label}` <= {TARGETS['version_s']} s", vv["median"], TARGETS["version_s"], "s")
    for r in repos:
        if r.kind == "real":
            found = real_target(r)
            if found is None:
                rows.append({"target": f"{md_cell(r.label)}: no target in issue 14", "measured": "-", "ratio": "-", "met": "-"})
                continue
            goal = found[1]
            name = md_cell(r.label)
            if "cold_s" in goal:
                add(f"{name} cold <= {goal['cold_s']} s", cold_s(r), goal["cold_s"], "s")
            if "stretch_cold_s" in goal:
                add(f"{name} cold <= {goal['stretch_cold_s']} s (stretch)", cold_s(r), goal["stretch_cold_s"], "s")
            if "warm_s" in goal:
                add(f"{name} warm <= {goal['warm_s']} s", warm(r), goal["warm_s"], "s")
            if "vs_doctor_cold" in goal:
                g = goal["vs_doctor_cold"]
                faster(f"{name}: >= {g:.0f}x faster than ml-project-doctor (mlops-audit cold)", r, cold_s(r), "cold", g)
        else:
            goal = TARGETS["generated"].get(r.files, {})
            if "cold_s" in goal:
                add(f"{r.label} (generated) cold <= {goal['cold_s']} s", cold_s(r), goal["cold_s"], "s")
            if "warm_s" in goal:
                add(f"{r.label} (generated) warm <= {goal['warm_s']} s", warm(r), goal["warm_s"], "s")
            if "rss_mb" in goal:
                peaks = [peak_mb(ma.samples[r.label])] if ma.samples.get(r.label) else []
                if r.label in cold:
                    peaks.append(cold[r.label]["rss_mb"])
                add(
                    f"peak RSS on {r.label} (generated) <= {goal['rss_mb']:.0f} MB (largest process, cold or warm)",
                    max(peaks) if peaks else None,
                    goal["rss_mb"],
                    " MB",
                )
            if "vs_doctor_warm" in goal:
                g = goal["vs_doctor_warm"]
                faster(f"{r.label} (generated): >= {g:.0f}x faster than ml-project-doctor (mlops-audit warm)", r, warm(r), "warm", g)
    # linearity: marginal cost per 1,000 files between consecutive generated sizes
    pts = [(r.files, med(ma.samples[r.label])) for r in repos if r.kind == "generated" and ma.samples.get(r.label)]
    pts.sort()
    if len(pts) >= 3:
        slopes = [(b[1] - a[1]) / (b[0] - a[0]) * 1000 for a, b in itertools.pairwise(pts)]
        growth = slopes[-1] / slopes[0] if slopes[0] > 0 else float("inf")
        rows.append(
            {
                "target": "cost grows linearly with files (generated, warm)",
                "measured": "; ".join(
                    f"{a[0]:,}→{b[0]:,}: {sl:.3f} s per 1,000 files"
                    for (a, b), sl in zip(itertools.pairwise(pts), slopes, strict=True)
                ),
                "ratio": f"last/first marginal cost {growth:.2f}",
                "met": "yes" if 0.67 <= growth <= 1.5 else "**no**",
            }
        )
    return rows


# ------------------------------------------------------------------------------------- stored results


def upgrade(result: dict) -> dict:
    """A latest.json of an older format in today's: format 1 keyed generated repositories by their size."""
    fmt = result.get("format", 1)
    if fmt == RESULT_FORMAT:
        return result
    if fmt != 1:
        raise ValueError(f"unknown format {fmt!r}")

    def lab(k: object) -> str:
        return generated_label(int(str(k)))

    result["repos"] = {lab(k): dict(r, kind="generated") for k, r in result["repos"].items()}
    result["cold"] = {lab(k): dict(c, walls=[c["wall"]]) for k, c in result.get("cold", {}).items()}
    result["cold_runs"] = 1
    for t in result["tools"].values():
        t["samples"] = {lab(k): v for k, v in t["samples"].items()}
        t["errors"] = {lab(k): v for k, v in t["errors"].items()}
    for old, new in (("profile_size", "profile_repo"), ("profile_small_size", "profile_small_repo")):
        if old in result:
            result[new] = lab(result.pop(old))
    result["format"] = RESULT_FORMAT
    return result


def from_json(result: dict) -> tuple[list[Tool], list[Repo]]:
    tools = []
    for key, t in result["tools"].items():
        tool = Tool(key, t["label"], [], version=t["version"], install_error=t["install_error"])
        tool.errors = dict(t["errors"])
        tool.samples = {k: [Sample(**x) for x in v] for k, v in t["samples"].items()}
        tools.append(tool)
    repos = [Repo(label, Path(r["path"]), r["kind"], r) for label, r in result["repos"].items()]
    return tools, repos


def to_json(result: dict, tools: list[Tool], repos: list[Repo]) -> str:
    result = dict(result, format=RESULT_FORMAT)
    result["repos"] = {r.label: {k: v for k, v in dict(r.info, kind=r.kind, path=str(r.path)).items() if k != "changed_raw"} for r in repos}
    result["tools"] = {
        t.key: {
            "label": t.label,
            "version": t.version,
            "install_error": t.install_error,
            "errors": t.errors,
            "samples": {s: [vars(x) for x in smp] for s, smp in t.samples.items()},
        }
        for t in tools
    }
    return json.dumps(result, indent=1, default=str) + "\n"


def rerender(out: Path) -> int:
    src = out.with_suffix(".json")
    try:
        result = upgrade(json.loads(src.read_text()))
        tools, repos = from_json(result)
        result["targets"] = targets(result, tools, repos)
        report = render(result, tools, repos)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        print(
            f"bench/run.py: cannot rerender {src} ({escape(reason)[:200]}): not a result this version reads; "
            "measure again with python bench/run.py",
            file=sys.stderr,
        )
        return 2
    print(report)
    out.write_text(report)
    return 0


# ------------------------------------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Benchmark mlops-audit against its peers (see the module docstring).")
    ap.add_argument(
        "--sizes",
        default="50,3000,20000",
        help='tracked files per generated repository, comma-separated ("" for none)',
    )
    ap.add_argument("--no-generated", action="store_true", help="no generated repository (same as --sizes '')")
    ap.add_argument(
        "--repo",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="a real repository (the top folder of a git work tree), measured on a copy; any number of times",
    )
    ap.add_argument(
        "--repo-url",
        action="append",
        default=[],
        metavar="LABEL=URL",
        help="the public URL shown for the real repository LABEL (default: its remote.origin.url if public)",
    )
    ap.add_argument("--note", action="append", default=[], metavar="TEXT", help="a note added to the report")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and repository (default 5)")
    ap.add_argument("--cold-runs", type=int, default=3, help="cold runs of mlops-audit per repository (default 3)")
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
    ap.add_argument("--no-clean-venv", action="store_true", help="no runs in a virtualenv without site-packages")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-drop-caches", action="store_true", help="do not drop the OS page cache before cold runs")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "latest.md")
    ap.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: rebuild the Markdown from the JSON next to --out (after editing the report code)",
    )
    args = ap.parse_args(argv)
    try:
        args.size_list = [] if args.no_generated else sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error(f"--sizes {args.sizes!r}: comma-separated numbers of files wanted")
    if any(s < 1 for s in args.size_list):
        ap.error("--sizes: each size is at least 1 file")
    urls = {}
    for item in args.repo_url:
        label, eq, url = item.partition("=")
        if not eq or not label or not url:
            ap.error(f"--repo-url {item!r}: LABEL=URL wanted")
        urls[label] = url
    args.urls = urls
    if args.runs < 1 or args.cold_runs < 0 or args.slow_runs < 1 or args.version_runs < 1:
        ap.error("--runs, --slow-runs and --version-runs are at least 1, --cold-runs at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rerender:
        return rerender(args.out)
    try:
        return measure_all(args)
    except BenchError as exc:
        print(f"bench/run.py: {escape(str(exc))}", file=sys.stderr)
        return 2


def measure_all(args: argparse.Namespace) -> int:
    sizes: list[int] = args.size_list
    work: Path = args.work.resolve()
    sources: list[Path] = [Path(os.path.abspath(p)) for p in args.repo]
    if not sizes and not sources:
        raise BenchError('nothing to measure: --sizes "" (or --no-generated) and no --repo')
    for src in sources:
        check_real_source(src, work)
    labels = real_labels(sources, {generated_label(s) for s in sizes})
    unknown = set(args.urls) - set(labels)
    if unknown:
        raise BenchError(f"--repo-url {sorted(unknown)[0]}=...: no --repo has that label (labels: {', '.join(labels)})")
    work.mkdir(parents=True, exist_ok=True)
    scratch = work / "out"
    scratch.mkdir(exist_ok=True)
    os.environ["MLOPS_AUDIT_CACHE_DIR"] = str(work / "analysis-cache")  # warm runs share it; cold runs get none
    notes: list[str] = list(args.note)
    result: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "machine": machine(),
        "seed": args.seed,
        "runs": args.runs,
        "cold_runs": args.cold_runs,
        "notes": notes,
    }
    log(f"machine: {result['machine']}")

    repos: list[Repo] = []
    for s in sizes:
        path = ensure_repo(work, s, args.seed)
        info = json.loads((path / ".git" / "bench-repo.json").read_text())
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=path, capture_output=True).stdout  # ours: plain git
        paths = [p.decode("utf-8", "surrogateescape") for p in listing.split(b"\0") if p]
        stats = tree_stats(path, paths, cells=False)
        repos.append(
            Repo(
                generated_label(s),
                path,
                "generated",
                {**stats, "tracked": info["tracked"], "commits": info["commits"], "head": info["head"], "files": s},
            )
        )
    for src, label in zip(sources, labels, strict=True):
        repos.append(setup_real(work, src, label, args.urls.get(label), notes))

    py = sys.executable
    # mlops-audit is timed as pip installs it: byte-compiled. An editable checkout under PYTHONDONTWRITEBYTECODE
    # (set on some machines) would otherwise compile its own modules from source on every run (~40 ms).
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "checker" / "mlops_audit")], capture_output=True)
    ver = subprocess.run([py, "-m", "mlops_audit", "--version"], capture_output=True, text=True).stdout.strip()
    result["mlops_version"] = ver.replace("mlops-audit ", "")
    audit_argv = [py, "-m", "mlops_audit", "REPO", "-f", "json"]
    modules = audit_modules(py, min(repos, key=lambda r: r.files).path, work)
    code_at_start = checkout_fingerprint(modules)
    tools = [
        Tool("mlops-audit", "mlops-audit", audit_argv, (0, 1)),
        Tool(
            "mlops-audit-changed",
            "mlops-audit, **warm, one file changed**",
            audit_argv,
            (0, 1),
            applies=lambda r: r.kind == "real" and bool(r.info.get("changed_raw")),
            changes_one_file=True,
        ),
    ]
    clean_py: Path | None = None
    checkout_env = {"PYTHONPATH": str(ROOT / "checker")}  # the clean venv runs this checkout
    if not args.no_clean_venv:
        clean_py, err = ensure_clean_venv(work)
        venv_tool = Tool(
            "mlops-audit-venv",
            "mlops-audit, warm, in a venv without site-packages (no `.pth` hooks)",
            [str(clean_py or "python"), "-m", "mlops_audit", "REPO", "-f", "json"],
            (0, 1),
            env=checkout_env,
            applies=lambda r: r.files <= SMALL_REPO_FILES,
            install_error=err,
        )
        tools.append(venv_tool)
    if not args.no_peers:
        for key, label, reqs, argv_, ok in PEERS:
            tools.append(ensure_peer(work, key, label, reqs, argv_, ok))
    tools.append(
        Tool("floor-ls", "floor: `git ls-files` (hardened as mlops_audit.gitrun runs it)", ["GIT-LS-FILES"], (0,), cwd_repo=True)
    )
    tools.append(
        Tool("floor-stat", "floor: list + lstat every file (bench/floor.py --stat)", [py, str(BENCH / "floor.py"), "--stat", "REPO", "--", "GIT-LS-FILES"], (0,))
    )
    tools.append(
        Tool("floor-read", "floor: list + read all text (bench/floor.py)", [py, str(BENCH / "floor.py"), "REPO", "--", "GIT-LS-FILES"], (0,))
    )
    for t in tools:
        if t.install_error:
            log(f"{t.label}: {t.install_error}")

    ls_files: dict[str, list[str]] = {}

    def hardened_ls_files(repo: Repo) -> list[str]:
        # the command line mlops_audit.gitrun would run (the repository's programs neutralised), so the floor
        # measures git alone, without importing anything
        if repo.label not in ls_files:
            git = git_top(repo.path)
            ls_files[repo.label] = gitrun._command(git, ("ls-files", "-z"), gitrun._driver_overrides(git))
        return ls_files[repo.label]

    def argv_for(t: Tool, repo: Repo) -> list[str]:
        out: list[str] = []
        for a in t.argv:
            if a == "REPO":
                out.append(str(repo.path))
            elif a == "GIT-LS-FILES":
                out += hardened_ls_files(repo)
            else:
                out.append(a)
        return out

    def prime(repo: Repo) -> None:
        run_once(argv_for(tools[0], repo), scratch / "prime.out")

    def measure(t: Tool, repo: Repo, round_no: int) -> None:
        out = scratch / f"{t.key}-{repo.slug}.out"
        if t.changes_one_file:
            sample, stderr = with_one_file_changed(
                repo.path, repo.info["changed_raw"], round_no, lambda: run_once(argv_for(t, repo), out, env=t.env)
            )
            prime(repo)  # the analysis cache back to "nothing changed" for the next warm run
        else:
            sample, stderr = run_once(argv_for(t, repo), out, cwd=repo.path if t.cwd_repo else None, env=t.env)
        crashed = "Traceback (most recent call last)" in stderr or sample.rc not in t.ok_codes
        if crashed:
            t.errors[repo.label] = f"exit {sample.rc}: {_tail(stderr)}"
            log(f"  {t.key} on {repo.label}: FAILED ({t.errors[repo.label]})")
            return
        t.samples.setdefault(repo.label, []).append(sample)
        log(
            f"  {t.key:20} {repo.label:>14}: {sample.wall:8.3f} s {sample.rss_kb / 1024:7.0f} MB (exit {sample.rc}), "
            f"others used {sample.other_cpu:.0%} of the CPUs"
        )

    # warm the interpreters and venvs once (not recorded), on the smallest repository each tool runs on
    for t in tools:
        fit = [r for r in repos if t.runs_on(r)]
        if fit and not t.changes_one_file:
            run_once(argv_for(t, min(fit, key=lambda r: r.files)), scratch / "warmup.out", env=t.env)

    # the interpreter floor and --version
    result["version_runs"] = args.version_runs
    version_cmds: list[tuple[str, list[str], dict[str, str]]] = [
        ("python -c pass (this interpreter: the floor)", [py, "-c", "pass"], {}),
        ("python -S -c pass (no site module: no site-packages, no .pth hooks)", [py, "-S", "-c", "pass"], {}),
    ]
    if clean_py:
        version_cmds += [
            ("clean venv: python -c pass", [str(clean_py), "-c", "pass"], {}),
            ("clean venv: python -S -c pass", [str(clean_py), "-S", "-c", "pass"], {}),
        ]
    version_cmds.append(("python -m mlops_audit --version", [py, "-m", "mlops_audit", "--version"], {}))
    script = Path(sys.prefix) / "bin" / "mlops-audit"
    if script.exists():
        version_cmds.append((f"mlops-audit --version (console script {script})", [str(script), "--version"], {}))
    shim = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "shims" / "mlops-audit"
    on_path = str(shim) if shim.exists() else shutil.which("mlops-audit")
    if on_path and Path(on_path).resolve() != script.resolve():
        kind = "pyenv shim" if ".pyenv/shims" in on_path else "on PATH"
        version_cmds.append((f"mlops-audit --version ({kind} {on_path})", [on_path, "--version"], {}))
    if clean_py:
        version_cmds.append(
            ("clean venv: python -m mlops_audit --version", [str(clean_py), "-m", "mlops_audit", "--version"], checkout_env)
        )
    result["version"] = {}
    wait_quiet(args.quiet, args.quiet_wait)
    for label, cmd, env in version_cmds:
        runs = [run_once(cmd, scratch / "version.out", env=env) for _ in range(args.version_runs)]
        smp = [s for s, _ in runs]
        if any(s.rc != 0 for s in smp):
            result["version"][label] = {"error": f"exit {smp[0].rc}: {_tail(runs[0][1])}"}
            log(f"  {label}: FAILED")
            continue
        result["version"][label] = {"median": med(smp), "rss_mb": peak_mb(smp)}
        log(f"  {label}: {med(smp):.3f} s")
    hooks: dict[str, Any] = {"system": pth_hooks(py)}
    if clean_py:
        hooks["clean"] = pth_hooks(str(clean_py))
    hooked = sorted({m for h in hooks["system"] for m in h["imports"] if m not in ("os", "sys")})
    hooks["import_ms"] = site_import_ms(py, hooked)
    result["site_hooks"] = hooks

    # cold: each run after dropping the page cache, with an empty analysis cache
    result["cold"] = {}
    result["cold_dropped"] = True
    for r in repos:
        walls, rss, dropped_all = [], [], True
        for i in range(args.cold_runs):
            wait_quiet(args.quiet, args.quiet_wait)
            dropped = (not args.no_drop_caches) and drop_page_cache()
            dropped_all = dropped_all and dropped
            empty = work / f"cold-cache-{i}"
            shutil.rmtree(empty, ignore_errors=True)
            empty.mkdir()
            try:
                smp, stderr = run_once(argv_for(tools[0], r), scratch / f"cold-{r.slug}.out", env={"MLOPS_AUDIT_CACHE_DIR": str(empty)})
            finally:
                shutil.rmtree(empty, ignore_errors=True)
            if smp.rc not in tools[0].ok_codes or "Traceback (most recent call last)" in stderr:
                notes.append(f"mlops-audit cold on {r.label} failed: exit {smp.rc}: {_tail(stderr)}")
                break
            walls.append(smp.wall)
            rss.append(smp.rss_kb / 1024)
            log(f"  mlops-audit cold {r.label}: {smp.wall:.3f} s (page cache dropped: {dropped})")
        if walls:
            result["cold"][r.label] = {
                "wall": statistics.median(walls),
                "walls": walls,
                "rss_mb": max(rss),
                "dropped": dropped_all,
            }
            result["cold_dropped"] = result["cold_dropped"] and dropped_all
    if result["cold"] and not result["cold_dropped"]:
        notes.append("the OS page cache could not be dropped: 'cold' is only a run with an empty analysis cache")
    for r in repos:
        try:
            json.loads((scratch / f"cold-{r.slug}.out").read_text())
        except (OSError, ValueError) as exc:
            notes.append(f"mlops-audit output on {r.label} is not valid JSON: {exc}")

    # timed runs, alternating: round i starts with tool i mod n
    busy_rounds: dict[str, list[float]] = {}
    changed_under: list[str] = []  # repositories during whose runs the checkout changed
    for r in repos:
        code_before = checkout_fingerprint(modules)
        if code_before != code_at_start:  # at least no stale bytecode compiled again on every run
            subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "checker" / "mlops_audit")], capture_output=True)
        log(f"repository {r.label}:")
        # "warm" means a filled analysis cache: one untimed run fills it (a cache written by an older format or
        # checkout would otherwise make the first timed run a cold one; cold runs are measured above)
        prime(r)
        active = [t for t in tools if t.runs_on(r)]
        for t in active:
            t.target_runs[r.label] = args.runs
        for i in range(args.runs):
            busy = wait_quiet(args.quiet, args.quiet_wait)
            if busy > args.quiet:
                busy_rounds.setdefault(r.label, []).append(busy)
            order = active[i % len(active) :] + active[: i % len(active)]
            for t in order:
                if r.label in t.errors or len(t.samples.get(r.label, [])) >= t.target_runs[r.label]:
                    continue
                measure(t, r, i)
                smp = t.samples.get(r.label, [])
                if len(smp) == 1 and smp[0].wall > args.slow and args.runs > args.slow_runs:
                    t.target_runs[r.label] = args.slow_runs
                    notes.append(
                        f"{t.label} on {r.label}: first run took {smp[0].wall:.0f} s > {args.slow:.0f} s, "
                        f"so runs were capped at {args.slow_runs}"
                    )
        # the report of a warm run (and of the clean venv) is the cold run's, byte for byte
        cold_out = scratch / f"cold-{r.slug}.out"
        for key in ("mlops-audit", "mlops-audit-venv"):
            warm_out = scratch / f"{key}-{r.slug}.out"
            if warm_out.exists() and cold_out.exists() and warm_out.read_bytes() != cold_out.read_bytes():
                notes.append(f"{r.label}: the JSON report of {key} (warm) differs from the cold run's")
        if r.kind == "real":
            left = leftovers(r)
            if left:
                notes.append(left)
        if checkout_fingerprint(modules) != code_before:
            changed_under.append(r.label)
            log(f"  the checkout's code changed during the runs on {r.label}")
    for label, busy in busy_rounds.items():
        notes.append(
            f"{label}: {len(busy)} of {args.runs} rounds started while other processes used more than "
            f"{args.quiet:.0%} of the CPUs after waiting up to {args.quiet_wait:.0f} s (up to {max(busy):.0%})"
        )
    result["machine"]["load_end"] = load_average()
    if checkout_fingerprint(modules) != code_at_start or changed_under:
        result["code_changed"] = changed_under
        notes.insert(
            0,
            "**the code an audit runs (its modules or rules) changed while this run measured** ("
            + (", ".join(changed_under) if changed_under else "between the set-up and the timed runs")
            + "): those numbers mix versions, and a warm run after a change is a cold one; measure again",
        )

    result["targets"] = targets(result, tools, repos)
    if not args.no_profile:
        by_label = {r.label: r for r in repos}
        big = by_label.get(generated_label(3000)) or max(repos, key=lambda r: r.files)
        small = min(repos, key=lambda r: r.files)
        log(f"profiling mlops-audit on {big.label} ...")
        result["profile"] = profile(big.path, work, 15)
        result["profile_repo"] = big.label
        log(f"profiling mlops-audit on {small.label} ...")
        result["profile_small"] = profile(small.path, work, 12)
        result["profile_small_repo"] = small.label
        result["imports_us"] = import_costs(small.path)
    report = render(result, tools, repos)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(to_json(result, tools, repos))
    log(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    return 0


def with_one_file_changed(root: Path, rel: str, round_no: int, run: Callable[[], tuple[Sample, str]]) -> tuple[Sample, str]:
    """``run()`` while ``root/rel`` has one comment line more (a new one each round: its content is new to the
    cache, as after an edit); the file is restored byte for byte, with its times, whatever happens."""
    path = root / rel
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        return Sample(0.0, 0, -1), f"{escape(rel)} is no longer a regular file"
    original = path.read_bytes()
    line = f"# mlops-audit bench: one file changed (round {round_no + 1}, {time.time_ns()})\n".encode()
    try:
        with open(path, "ab") as fh:
            fh.write((b"" if not original or original.endswith(b"\n") else b"\n") + line)
        return run()
    finally:
        with open(path, "wb") as fh:
            fh.write(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


if __name__ == "__main__":
    sys.exit(main())
