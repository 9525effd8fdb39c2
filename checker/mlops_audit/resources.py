"""Locate the data that ships with the package: the rule catalogue and the Cookiecutter template.

In a wheel they live inside the package (``mlops_audit/rules``, ``mlops_audit/template``); in a source
checkout (editable install, tests) they are the top-level ``rules/`` and ``template/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory of a bundled resource (``"rules"`` or ``"template"``)."""
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"bundled resource {name!r} not found (looked in {inside} and {checkout})")
