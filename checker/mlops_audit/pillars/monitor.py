"""Predicates of rules/monitor.yaml: drift, service metrics, prediction logs, alerts."""

from __future__ import annotations

import re
from typing import Any

from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import ok_if_shows, predicate, sample, shown_or_missing


@predicate
def drift_detection(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``drift`` knowledge (libraries, platform monitors, two-sample statistics) outside tests."""
    ok = ok_if_shows(facts, "drift")
    if ok is not None:
        return ok
    return Outcome.fail(Evidence("nothing compares live data with the training data"))


@predicate
def service_metrics(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``service_metrics`` knowledge, model_serving_files, the folders of AWS Lambda images."""
    serving = [p for p in facts.model_serving_files if not facts.in_lambda_image(p)]
    if facts.model_serving_files and not serving and facts.shows("service_metrics") is None:
        return Outcome.ok("served as AWS Lambda functions (a Lambda base image): Lambda reports invocations, "
                          "duration and errors to CloudWatch")
    return shown_or_missing(facts, "service_metrics", "the service exports no metrics (latency, errors, throughput)",
                            serving)


LOG_CALLS = re.compile(r"(^logging\.|(^|\.)(logger|log|LOGGER|_logger|_log)\.|^structlog\.|^loguru\.)"
                       r"|(^|\.)(log_prediction\w*|log_predictions|log_inference|log_request)$"
                       r"|\.(to_csv|to_parquet|to_json)$")


@predicate
def prediction_logging(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: inference_files and their call names, then the ``prediction_logging`` knowledge (a platform's
    capture of requests and predictions: Azure ML's data collector, SageMaker's DataCaptureConfig...)."""
    inference = set(facts.inference_files)
    logs = facts.call_names_matching(LOG_CALLS)
    for unit in facts.code_units(tests=False):
        if unit.path in inference and not logs.isdisjoint(unit.info.call_names):
            return Outcome.ok()
    captured = ok_if_shows(facts, "prediction_logging")
    if captured is not None:
        return captured
    return sample([Evidence("predictions are not logged", p) for p in sorted(inference)])


ALERT_TEXT = re.compile(r"^[ \t]*(?:-[ \t]*)?alert[ \t]*:", re.M)
ALERT_EXPR = re.compile("expr")


@predicate
def alerting(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``alerting`` knowledge (alert rule files, notification clients), Prometheus rule files."""
    ok = ok_if_shows(facts, "alerting")
    if ok is not None:
        return ok
    for path in facts.matching(["*.yml", "*.yaml"]):  # Prometheus rules: `- alert: X` with an `expr:`
        if facts.text_search(path, ALERT_TEXT) and facts.text_search(path, ALERT_EXPR):
            return Outcome.ok(path)
    return Outcome.fail(Evidence("no alerting rules: nobody is told when the model or service degrades"))
