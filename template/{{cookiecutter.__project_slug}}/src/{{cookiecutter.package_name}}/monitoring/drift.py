"""Feature drift of live data against the training reference, with a retraining trigger.

Each feature is compared with the two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``). When
the share of drifted features crosses ``monitoring.drift_share_threshold`` (``params.yaml``),
:func:`trigger_retrain` is called.

    python -m {{ cookiecutter.package_name }}.monitoring.drift [--current live.csv]

Without ``--current`` the live data is the prediction log (``logs/predictions.jsonl``), written by the
API and by batch prediction.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import ks_2samp

from ..config import get_paths, load_params
from ..data.schema import FEATURE_COLUMNS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    statistic: float
    p_value: float
    drifted: bool


@dataclass(frozen=True)
class DriftReport:
    reference_rows: int
    current_rows: int
    p_value_threshold: float
    drift_share_threshold: float
    features: list[FeatureDrift] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def drift_share(self) -> float:
        return sum(f.drifted for f in self.features) / max(len(self.features), 1)

    @property
    def retrain_needed(self) -> bool:
        return self.drift_share >= self.drift_share_threshold

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "drift_share": self.drift_share, "retrain_needed": self.retrain_needed}


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    p_value_threshold: float = 0.01,
    drift_share_threshold: float = 0.3,
) -> DriftReport:
    """Compare every feature of ``current`` with ``reference`` using the KS test."""
    results = []
    for feature in FEATURE_COLUMNS:
        statistic, p_value = ks_2samp(reference[feature].dropna(), current[feature].dropna())
        results.append(
            FeatureDrift(feature, float(statistic), float(p_value), bool(p_value < p_value_threshold))
        )
    return DriftReport(
        reference_rows=len(reference),
        current_rows=len(current),
        p_value_threshold=p_value_threshold,
        drift_share_threshold=drift_share_threshold,
        features=results,
    )


def write_report(report: DriftReport, out_dir: Path) -> tuple[Path, Path]:
    """Write the report as JSON (for machines) and HTML (for people); return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "drift_report.json"
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    rows = "\n".join(
        f"<tr><td>{html.escape(f.feature)}</td><td>{f.statistic:.3f}</td><td>{f.p_value:.4f}</td>"
        f"<td>{'DRIFT' if f.drifted else 'ok'}</td></tr>"
        for f in report.features
    )
    html_path = out_dir / "drift_report.html"
    html_path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title></head><body>"
        f"<h1>Feature drift report</h1><p>Created {html.escape(report.created_at)}; reference rows: "
        f"{report.reference_rows}, current rows: {report.current_rows}.</p>"
        f"<p>Drifted features: {report.drift_share:.0%} (threshold "
        f"{report.drift_share_threshold:.0%}); retrain needed: <b>{report.retrain_needed}</b>.</p>"
        "<table border='1'><tr><th>feature</th><th>KS statistic</th><th>p-value</th><th>status</th></tr>"
        f"{rows}</table></body></html>\n",
        encoding="utf-8",
    )
    return json_path, html_path


def trigger_retrain(reason: str) -> None:
    """Start retraining.

    Runs ``RETRAIN_COMMAND`` when set (e.g. a call that starts the scheduled CI retraining workflow),
    otherwise the training pipeline in-process.
    """
    logger.warning("retraining triggered: %s", reason)
    command = os.environ.get("RETRAIN_COMMAND")
    if command:
        subprocess.run(shlex.split(command), check=True)  # noqa: S603 - operator-provided command
        return
    from ..pipelines.training import training_pipeline

    training_pipeline()


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    params: Mapping[str, Any],
    out_dir: Path,
    retrain: Callable[[str], None] = trigger_retrain,
) -> DriftReport:
    """Detect drift, write the reports, and call ``retrain`` when the drift crosses the threshold."""
    monitoring = params["monitoring"]
    report = detect_drift(
        reference,
        current,
        p_value_threshold=float(monitoring["p_value_threshold"]),
        drift_share_threshold=float(monitoring["drift_share_threshold"]),
    )
    write_report(report, out_dir)
    if report.retrain_needed:
        retrain(f"{report.drift_share:.0%} of the features drifted")
    return report


def load_current(path: Path) -> pd.DataFrame:
    """Read live features from a CSV file or a JSON-lines prediction log."""
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True)
    return pd.read_csv(path)


def main(argv: list[str] | None = None) -> int:
    paths = get_paths()
    parser = argparse.ArgumentParser(description="Feature drift report against the training data.")
    parser.add_argument("--reference", type=Path, default=paths.train_data)
    parser.add_argument("--current", type=Path, default=paths.prediction_log)
    parser.add_argument("--out-dir", type=Path, default=paths.drift_dir)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    current_path: Path = args.current
    if not current_path.exists():
        logger.warning("no live data at %s yet: comparing with the held-out test split", current_path)
        current_path = paths.test_data
    report = check_drift(pd.read_csv(args.reference), load_current(current_path), load_params(), args.out_dir)
    print(json.dumps({"drift_share": report.drift_share, "retrain_needed": report.retrain_needed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
