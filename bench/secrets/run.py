"""Recall and false positives of the secret scan, next to detect-secrets', on the generated corpus.

    python bench/secrets/run.py                          # generate, scan with both, print, write results.md
    python bench/secrets/run.py --detect-secrets /path/to/venv/bin/detect-secrets
    python bench/secrets/run.py --corpus DIR --no-write  # an existing corpus (bench/secrets/generate.py DIR)

Line level: a tool finds a secret when it reports the labelled line; a false positive is a reported line that
holds no secret (a decoy's, or an ordinary line of code between them); the lines of a private key's body are
neither. mlops-audit's scanner reads each file as the audit does (``scan_text`` on the text, a UUID bound to a
generic name dropped in test files; a notebook's cells and text outputs, not its images; lock files are scanned
here although the audit skips them). detect-secrets (https://github.com/Yelp/detect-secrets, default plugins and
filters) scans every file's text with
``detect-secrets scan --all-files``. It is a benchmark-only tool, not a dependency: install it anywhere (a
virtualenv of its own is best) and point ``--detect-secrets`` at it, or put it on PATH; without it its column
is skipped, with a message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "checker"))

from generate import CLASSES, generate  # noqa: E402
from mlops_audit.facts.secret_places import is_test_file  # noqa: E402
from mlops_audit.facts.secrets import UUID_MARK, scan_text  # noqa: E402

Lines = set[tuple[str, int]]
NOTES = """## Reading it

- The corpus and the scanner were written together, from the same list of classes (issue 13, class 7): a class
  the scanner was not written for is missing from both. The `hard:` rows are there for that reason: places a
  secret goes that this scanner does not read (XML, `ENV NAME value`, a positional argument, `curl -u`, a password
  under 8 characters or of letters only, which detect-secrets' keyword plugin does catch), and decoys it reports
  (Firebase's public web API key has the Google API key format; it cannot tell a random-looking fixture or a
  `.env.example` sample from a leak, since it reads texts, not paths; sequential placeholders look random).
- Notebooks: mlops-audit reads cells and text outputs, as the audit does, never image outputs; detect-secrets
  reads the notebook's JSON, base64 images included (the "base64 image" row).
- Lock files are scanned by both here (the audit itself skips them); detect-secrets filters some by name.
- detect-secrets runs with its default plugins and filters, no baseline, no tuning.
"""


def notebook_hits(raw: str) -> set[int]:
    """The file lines of a notebook where the audit's scan finds a secret: in a cell's source or its text
    outputs (as facts/notebooks.py reads them), mapped back to the JSON line of each."""
    try:
        nb = json.loads(raw)
    except ValueError:
        return set()
    lines = raw.splitlines()
    cursor = 0

    def line_of(element: str) -> int:
        nonlocal cursor
        encoded = json.dumps(element)
        start = cursor
        while cursor < len(lines) and encoded not in lines[cursor]:
            cursor += 1
        if cursor == len(lines):
            cursor = start
            return 0
        cursor += 1
        return cursor

    found: set[int] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            texts = out.get("text") or (out.get("data") or {}).get("text/plain") or []
            texts = [texts] if isinstance(texts, str) else texts
            where = [line_of(t) for t in texts]
            found.update(where[line - 1] for line, _ in scan_text("".join(texts)) if line - 1 < len(where))
        source = cell.get("source", [])
        source = source.splitlines(keepends=True) if isinstance(source, str) else source
        where = [line_of(s) for s in source]
        found.update(where[line - 1] for line, _ in scan_text("".join(source)) if line - 1 < len(where))
    return found - {0}


def ours(corpus: Path) -> tuple[Lines, float]:
    start = time.perf_counter()
    hits: Lines = set()
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name == "labels.json":
            continue
        rel = path.relative_to(corpus).as_posix()
        text = path.read_text(encoding="utf-8")
        test = is_test_file(rel)  # as the audit does: a generic key that is a UUID is quiet in tests only
        lines = notebook_hits(text) if path.suffix == ".ipynb" else {
            line for line, kind in scan_text(text) if not (test and kind.endswith(UUID_MARK))}
        hits.update((rel, line) for line in lines)
    return hits, time.perf_counter() - start


def find_detect_secrets(given: str | None) -> str | None:
    if given:
        return given if Path(given).exists() or shutil.which(given) else None
    return shutil.which("detect-secrets")


def detect_secrets(corpus: Path, exe: str) -> tuple[Lines, float, str]:
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    start = time.perf_counter()
    proc = subprocess.run([exe, "scan", "--all-files", "--exclude-files", r"labels\.json", "."], cwd=corpus,
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    results = json.loads(proc.stdout)["results"]
    hits = {(Path(name).as_posix().removeprefix("./"), int(item["line_number"]))
            for name, items in results.items() for item in items}
    return hits, seconds, version


def score(labels: list[dict[str, object]], hits: Lines) -> tuple[dict[str, tuple[int, int]], int]:
    """class -> (lines reported, lines of the class); and the reported lines of ordinary code."""
    by_line = {(str(x["file"]), int(str(x["line"]))): x for x in labels}
    per_class: dict[str, tuple[int, int]] = {}
    for x in labels:
        if x["secret"] is None:
            continue
        got, total = per_class.get(str(x["class"]), (0, 0))
        per_class[str(x["class"])] = (got + ((str(x["file"]), int(str(x["line"]))) in hits), total + 1)
    ordinary = sum(1 for key in hits if key not in by_line)
    return per_class, ordinary


def table(labels: list[dict[str, object]], results: dict[str, Lines]) -> str:
    tools = list(results)
    scored = {tool: score(labels, hits) for tool, hits in results.items()}
    out = ["| class | lines | " + " | ".join(tools) + " |", "|---|---:|" + "---:|" * len(tools)]
    secrets = [name for name, (is_secret, _) in CLASSES.items() if is_secret]
    decoys = [name for name, (is_secret, _) in CLASSES.items() if not is_secret]
    out.append("| **secrets found** (recall) | | " + " | ".join("" for _ in tools) + " |")
    for name in secrets:
        total = scored[tools[0]][0][name][1]
        out.append(f"| {name} | {total} | " + " | ".join(f"{scored[t][0][name][0]}" for t in tools) + " |")
    out.append("| **decoys reported** (false positives) | | " + " | ".join("" for _ in tools) + " |")
    for name in decoys:
        total = scored[tools[0]][0][name][1]
        out.append(f"| {name} | {total} | " + " | ".join(f"{scored[t][0][name][0]}" for t in tools) + " |")
    out.append("| ordinary code lines reported (false positives) | | " +
               " | ".join(str(scored[t][1]) for t in tools) + " |")
    n_secret = sum(scored[tools[0]][0][name][1] for name in secrets)
    n_decoy = sum(scored[tools[0]][0][name][1] for name in decoys)
    out += ["", "| tool | secrets found (recall) | false positives: decoys + ordinary lines | precision |",
            "|---|---:|---:|---:|"]
    for t in tools:
        per_class, ordinary = scored[t]
        found = sum(per_class[name][0] for name in secrets)
        decoy_hits = sum(per_class[name][0] for name in decoys)
        false = decoy_hits + ordinary
        precision = found / (found + false) if found + false else 0.0
        out.append(f"| {t} | {found}/{n_secret} = {found / n_secret:.1%} | {decoy_hits}/{n_decoy} + {ordinary} "
                   f"= {false} | {precision:.1%} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="an existing corpus (default: generate one in a temp folder)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--detect-secrets", dest="detect_secrets", help="the detect-secrets executable")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {HERE / 'results.md'}")
    args = parser.parse_args()
    tmp = None
    corpus = args.corpus
    if corpus is None:
        tmp = tempfile.TemporaryDirectory(prefix="secrets-corpus-")
        corpus = Path(tmp.name)
        generate(corpus, args.seed, args.copies)
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    results: dict[str, Lines] = {}
    hits, seconds = ours(corpus)
    results["mlops-audit"] = hits
    timings = [f"mlops-audit {seconds:.2f} s (in-process)"]
    exe = find_detect_secrets(args.detect_secrets)
    version = ""
    if exe is None:
        print("detect-secrets is not installed (pip install detect-secrets, or --detect-secrets PATH): "
              "its column is skipped", file=sys.stderr)
    else:
        ds_hits, ds_seconds, version = detect_secrets(corpus, exe)
        results[f"detect-secrets {version}"] = ds_hits
        timings.append(f"detect-secrets {ds_seconds:.2f} s (a process)")
    report = table(labels, results)
    n_files = sum(1 for p in corpus.rglob("*") if p.is_file()) - 1
    header = (f"Corpus: bench/secrets/generate.py, seed {args.seed}, {args.copies} instances of each class of "
              f"secret and {2 * args.copies} of each decoy class, {n_files} files "
              f"({dt.date.today().isoformat()}). Time: {'; '.join(timings)}.")
    print(header + "\n\n" + report)
    if not args.no_write and args.corpus is None:
        (HERE / "results.md").write_text(
            "# Secret scan benchmark\n\nWritten by `python bench/secrets/run.py` (see its docstring for what is "
            "counted).\n\n" + header + "\n\n" + report + "\n\n" + NOTES, encoding="utf-8")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
