"""The fleet HTML in a real browser (headless Chromium; skipped where there is none): the script runs under the
page's own Content-Security-Policy, pages, sorts and filters 1,200 rows, shows hostile names as text, and the
page renders to a screenshot. Nothing here is timed."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ml_fixtures import as_json
from mlops_audit.fleet.aggregate import aggregate
from mlops_audit.fleet.html import render_html
from mlops_audit.fleet.reading import read_sources
from repo_builder import LEGACY_EXAMPLE, audit

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def browser() -> str:
    for name in BROWSERS:
        exe = shutil.which(name)
        if exe is not None:
            return exe
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-extensions", *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fleet HTML of 1,200 repositories (the legacy example's report, scores spread, a hostile name)."""
    base = as_json(audit(LEGACY_EXAMPLE))
    folder = tmp_path_factory.mktemp("fleet")
    for i in range(1200):
        doc: dict[str, Any] = copy.deepcopy(base)
        doc["root"] = f"/org/repo-{i:04d}"
        doc["score"] = (i * 37) % 101
        if i == 7:
            doc["root"] = "/org/<img src=x onerror=document.title='pwned'>\u202eevil"
        (folder / "reports").mkdir(exist_ok=True)
        (folder / "reports" / f"{i:04d}.json").write_text(json.dumps(doc), encoding="utf-8")
    html = folder / "fleet.html"
    html.write_text(render_html(aggregate(read_sources([str(folder / "reports")]))), encoding="utf-8")
    return html


def _dom(path: Path) -> str:
    proc = chromium("--virtual-time-budget=5000", "--dump-dom", path.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _rows(dom: str) -> list[str]:
    body = dom.split('<tbody id="rows">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body)


def test_the_script_runs_under_the_pages_own_policy(page: Path) -> None:
    dom = _dom(page)
    assert "page 1 of 24 · 1200 of 1200 repositories" in dom  # written by the script: the CSP hash lets it run
    assert '<div class="pager" id="pager">' in dom  # shown by the script (hidden without JavaScript)
    rows = _rows(dom)
    assert len(rows) == 50
    scores = [int(re.findall(r'<td class="n">(\d+)</td>', r)[0]) for r in rows]
    assert scores == sorted(scores) and scores[0] == 0  # lowest score first


def _driven(page: Path, tmp_path: Path, actions: str) -> str:
    """The page with a test script that clicks and types (its policy lifted for that script only), then the
    DOM."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    text = text.replace("</body>", f"<script>{actions}</script></body>")
    driven = tmp_path / "driven.html"
    driven.write_text(text, encoding="utf-8")
    return _dom(driven)


def test_paging_sorting_and_filtering_in_the_browser(page: Path, tmp_path: Path) -> None:
    dom = _driven(page, tmp_path, "document.getElementById('next').click();"
                                  "document.getElementById('next').click();")
    assert "page 3 of 24" in dom and len(_rows(dom)) == 50
    dom = _driven(page, tmp_path, "var s=document.getElementById('page-size');s.value='500';"
                                  "s.dispatchEvent(new Event('change'));")
    assert "page 1 of 3" in dom and len(_rows(dom)) == 500
    dom = _driven(page, tmp_path, "document.querySelector('th[data-k=\"1\"]').click();")  # score, now descending
    scores = [int(re.findall(r'<td class="n">(\d+)</td>', r)[0]) for r in _rows(dom)]
    assert scores == sorted(scores, reverse=True) and scores[0] == 100
    dom = _driven(page, tmp_path, "var q=document.getElementById('filter');q.value='repo-011';"
                                  "q.dispatchEvent(new Event('input'));")
    assert "10 of 1200 repositories" in dom  # repo-0110 .. repo-0119
    assert len(_rows(dom)) == 10


def test_a_hostile_name_stays_text_in_the_browser(page: Path) -> None:
    dom = _dom(page)
    assert "<title>mlops-audit fleet report: 1200 repositories</title>" in dom  # its onerror never ran
    assert "<img" not in dom.split('<tbody id="rows">', 1)[1].split("</tbody>", 1)[0]
    assert "\u202e" not in dom and "\\u202eevil" in dom  # the bidi override shown as an escape, not obeyed


def test_the_page_renders_to_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "fleet.png"
    proc = chromium("--hide-scrollbars", "--window-size=1280,1200", f"--screenshot={shot}", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000  # a rendered page, not a blank one
