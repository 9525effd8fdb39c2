"""How long the secret scan takes on a generated 20 MB corpus of ML code (no secret in it: the cost of a scan
is what every text file of a big repository pays), and optionally on a real folder of source files.

    python bench/secrets/timing.py                      # the scanner of this checkout
    python bench/secrets/timing.py --module old.py      # another version of facts/secrets.py, to compare
    python bench/secrets/timing.py --tree /some/site-packages --limit-mb 20
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

WORDS = ("model", "config", "hidden_size", "layer", "weight", "bias", "scheduler", "unet", "vae", "latents",
         "prompt", "pipeline", "dtype", "device", "encoder", "decoder", "timestep", "noise", "sample", "batch",
         "revision", "cache_dir", "output", "states", "scale", "num", "steps", "image", "height", "width")
# words the generic tier looks for: in diffusers about 1.3 per KB (tokenizer, token_ids, key, pass...)
HINTED = ("tokenizer", "token_ids", "attention_mask", "api", "access", "auth", "secret", "password", "key")
DENSE = 0.0  # the share of words drawn from HINTED (set by --dense)


def _ident(rng: random.Random) -> str:
    return "_".join(rng.choice(HINTED if rng.random() < DENSE else WORDS) for _ in range(rng.randint(1, 3)))


def _py_line(rng: random.Random) -> str:
    a, b = _ident(rng), _ident(rng)
    hexes = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    return rng.choice([
        f"        self.{a} = nn.Linear(config.{b}, config.{a})",
        f"    {a}: Optional[torch.Tensor] = None",
        f'        {a} = kwargs.pop("{b}", None)',
        f'    "{a}": {rng.randint(0, 4096)},',
        f'    "{a}": "{b}",',
        f"        return self.{a}({b}, {a}=self.{b})",
        f'        logger.info(f"{a} is {{{b}}}: see https://huggingface.co/docs/{a}")',
        f"def {a}(self, {b}: int = {rng.randint(0, 9)}, **kwargs) -> Dict[str, Any]:",
        f'    """{a.capitalize()} of the {b}: see the {b} and the {a} of each batch."""',
        f"        {a} = {b}[:, :, None] * {a} ** 0.5 + {rng.random():.6f}",
        f'    revision="{hexes}",',
        f'        url = "https://github.com/huggingface/diffusers/blob/{hexes}/src/{a}.py"',
        f"        if {a} is not None and {b} != {a}:",
        f"        {a}_token = self.tokenizer.{b}_token_id",
        f'    sha256 = "{hexes}{hexes[:24]}"',
        "",
    ])


def _yaml_line(rng: random.Random) -> str:
    a, b = _ident(rng), _ident(rng)
    return rng.choice([f"{a}: {b}", f"  {a}: {rng.randint(0, 999)}", f"  - {a}", f"{a}: \"{b}/{a}\"",
                       f"  {a}: ${{{b.upper()}}}", f"    {a}: {rng.random():.4f}"])


def corpus(megabytes: int = 20, seed: int = 7, dense: float = 0.05) -> list[str]:
    """Texts of about 20 KB (Python, mostly; some YAML and JSON) adding up to ``megabytes``; ``dense`` of the
    words of identifiers are ones the generic tier looks for (0.05: about 2 per KB, more than diffusers' 1.3)."""
    global DENSE
    DENSE = dense
    rng = random.Random(seed)
    texts: list[str] = []
    total = 0
    while total < megabytes * 1_000_000:
        kind = rng.random()
        lines: list[str] = []
        size = 0
        while size < 20_000:
            line = _py_line(rng) if kind < 0.8 else _yaml_line(rng) if kind < 0.9 else \
                f'  "{_ident(rng)}": "{"".join(rng.choice(string.ascii_lowercase) for _ in range(12))}",'
            lines.append(line)
            size += len(line) + 1
        text = "\n".join(lines) + "\n"
        texts.append(text)
        total += len(text)
    return texts


def tree(root: Path, megabytes: int) -> list[str]:
    texts: list[str] = []
    total = 0
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(text)
        total += len(text)
        if total >= megabytes * 1_000_000:
            break
    return texts


def load(module: str | None) -> ModuleType:
    if module is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "checker"))
        from mlops_audit.facts import secrets
        return secrets
    spec = importlib.util.spec_from_file_location("secrets_under_test", module)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def best_of(runs: int, scan: Callable[[str], list[Any] | str], texts: list[str]) -> tuple[float, int]:
    best = float("inf")
    hits = 0
    for _ in range(runs):
        start = time.process_time()
        hits = sum(len(found) for t in texts if not isinstance(found := scan(t), str))
        best = min(best, time.process_time() - start)
    return best, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", help="a facts/secrets.py to time instead of this checkout's")
    parser.add_argument("--tree", type=Path, help="also time the .py files of this folder")
    parser.add_argument("--limit-mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dense", type=float, default=0.05,
                        help="share of identifier words that are secret hints (0.3: a hint-dense worst case)")
    args = parser.parse_args()
    start = time.process_time()
    secrets = load(args.module)
    print(f"import: {(time.process_time() - start) * 1000:.1f} ms (CPU)")
    sets = [(f"generated (hints {args.dense:.0%})", corpus(args.limit_mb, dense=args.dense))]
    if args.tree:
        sets.append((str(args.tree), tree(args.tree, args.limit_mb)))
    for name, texts in sets:
        size = sum(map(len, texts)) / 1e6
        seconds, hits = best_of(args.runs, secrets.scan_text, texts)
        hints = sum(t.lower().count(w) for t in texts for w in ("token", "key", "auth", "secret", "pass", "pwd"))
        print(f"{name}: {size:.1f} MB in {len(texts)} texts ({hints / size / 1000:.1f} hint words per KB): "
              f"scan_text {seconds:.3f} s CPU ({size / seconds:.0f} MB/s), {hits} hits")
        seconds, _ = best_of(args.runs, secrets.redact, texts)
        print(f"{name}: redact {seconds:.3f} s CPU")


if __name__ == "__main__":
    main()
