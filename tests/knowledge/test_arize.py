"""rules/knowledge/arize.yaml: production predictions logged to Arize."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize("module", ["arize.pandas.logger", "arize.api"])
def test_logging_predictions_to_arize_is_drift_monitoring(tmp_path: Path, module: str) -> None:
    res = audit_rule(tmp_path, "MON001", {"monitoring.py": f"from {module} import Client\n"})
    assert res.status == "pass"
    assert "Arize" in res.reason


def test_arize_tracing_alone_is_not_drift_monitoring(tmp_path: Path) -> None:
    code = "from arize.otel import register\n\nregister(space_id='s', project_name='chat')\n"
    assert audit_rule(tmp_path, "MON001", {"tracing.py": code}).status == "fail"
