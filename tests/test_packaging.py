"""The wheel carries the rule catalogue and the template, so an installed copy works anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)], cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    return next(out.glob("mlops_audit-*.whl"))


def test_wheel_contains_rules_and_template(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    rules = {n.removeprefix("mlops_audit/rules/") for n in names if n.startswith("mlops_audit/rules/")}
    assert rules == {p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*.yaml")} | {
        "catalogue.json"}  # the YAML parsed beforehand (catalogue._read_shipped)
    assert any(n.startswith("knowledge/") for n in rules)  # the ecosystem knowledge ships with the rules
    assert any(n.startswith("mlops_audit/template/") and n.endswith("cookiecutter.json") for n in names)
    assert "mlops_audit/cli.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mlops-audit = mlops_audit.entry:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_unpacked_wheel_runs_away_from_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "rules"], cwd=elsewhere, capture_output=True,
                          text=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "DAT001" in proc.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "from mlops_audit.resources import resource_dir as r; print(r('rules'), r('template'))"],
        cwd=elsewhere, capture_output=True, text=True, env={"PYTHONPATH": str(site)}, timeout=60)
    assert str(site) in probe.stdout and str(ROOT) not in probe.stdout
