"""rules/knowledge/whylabs.yaml: WhyLabs monitor configuration."""

from __future__ import annotations

from pathlib import Path

from platform_fixtures import audit_rule


def test_the_whylabs_client_is_drift_monitoring(tmp_path: Path) -> None:
    code = "from whylabs_client.api.monitor_api import MonitorApi\n"
    res = audit_rule(tmp_path, "MON001", {"monitors.py": code})
    assert res.status == "pass"
    assert "WhyLabs" in res.reason


def test_an_unrelated_http_client_is_not_drift_monitoring(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "MON001", {"client.py": "import requests\n"}).status == "fail"
