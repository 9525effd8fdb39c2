"""rules/knowledge/fiddler.yaml: Fiddler monitoring and alert rules."""

from __future__ import annotations

from pathlib import Path

from platform_fixtures import audit_rule


def test_publishing_events_to_fiddler_is_drift_monitoring(tmp_path: Path) -> None:
    code = "import fiddler as fdl\n\nfdl.init(url=url, token=token)\nmodel.publish(source=events)\n"
    res = audit_rule(tmp_path, "MON001", {"monitoring.py": code})
    assert res.status == "pass"
    assert "Fiddler" in res.reason


def test_a_fiddler_alert_rule_is_alerting(tmp_path: Path) -> None:
    code = ("import fiddler as fdl\n\nfdl.AlertRule(name='drift', model_id=model.id, metric_id='jsd', "
            "priority=fdl.Priority.HIGH).create()\n")
    res = audit_rule(tmp_path, "MON004", {"alerts.py": code})
    assert res.status == "pass"
    assert "Fiddler" in res.reason


def test_fiddler_without_alert_rules_is_not_alerting(tmp_path: Path) -> None:
    code = "import fiddler as fdl\n\nfdl.init(url=url, token=token)\n"
    assert audit_rule(tmp_path, "MON004", {"monitoring.py": code}).status == "fail"
