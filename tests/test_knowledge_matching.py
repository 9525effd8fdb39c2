"""Call-name patterns of the knowledge data: ``*`` is any run of characters, matching is linear, and the index
a capability keeps finds exactly what trying every pattern would."""

from __future__ import annotations

import time

import pytest
from mlops_audit import knowledge
from mlops_audit.knowledge import NamePattern


@pytest.mark.parametrize(("pattern", "name", "matches"), [
    ("mlflow.log_metric", "mlflow.log_metric", True),
    ("mlflow.log_metric", "mlflow.log_metrics", False),
    ("*.fit", "sklearn.svm.SVC().fit", True),
    ("*.fit", "fit", False),
    ("sklearn.preprocessing.*", "sklearn.preprocessing.StandardScaler().fit", True),
    ("sklearn.preprocessing.*", "sklearn.pipeline.Pipeline().fit", False),
    ("*Trainer().train", "transformers.Trainer().train", True),
    ("azureml.core.Run.get_context().log*", "azureml.core.Run.get_context().log_row", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "acb", False),
    ("ab*ba", "aba", False),  # the pieces may not overlap
])
def test_pattern_semantics(pattern: str, name: str, matches: bool) -> None:
    assert NamePattern(pattern).match(name) is matches


def test_matching_is_linear_on_hostile_names() -> None:
    pattern = NamePattern("*a*a*a*a*a*b")
    name = "a" * 200_000
    start = time.perf_counter()
    assert not pattern.match(name)
    assert time.perf_counter() - start < 1.0  # a hang guard, not a speed claim: backtracking would take hours


NAMES = [
    "sklearn.feature_extraction.text.CountVectorizer().fit", "sklearn.ensemble.RandomForestClassifier().fit",
    "torch.manual_seed", "numpy.random.seed", "retrain_model", "x.trigger_retraining", "from_pretrained",
    "transformers.AutoModel.from_pretrained", "mlflow.register_model", "scipy.stats.ks_2samp", "model.train",
    "xgboost.train", "airflow.DAG", "wandb.init", "a", "ab.c", "joblib.load", "tokenizers.Tokenizer().train",
]


@pytest.mark.parametrize("capability", sorted(knowledge.CAPABILITIES))
def test_the_index_finds_what_every_pattern_would(capability: str) -> None:
    cap = knowledge.build()[capability]
    for name in NAMES:
        brute = {id(e) for e in cap.entries for p in e.calls if p.match(name)}
        assert {id(e) for e in cap.call_entries(name)} == brute, (capability, name)


def test_all_capabilities_at_once_match_as_each_alone() -> None:
    """``names_by_capability`` (one pass, the indexes merged) gives what ``call_entries`` gives per capability."""
    from mlops_audit.knowledge import build

    knowledge = build(cache=False)
    names = {p.text.replace("*", "x") for cap in knowledge.capabilities.values() for e in cap.entries
             for p in (*e.calls, *e.together)}
    names |= {n + suffix for n in list(names) for suffix in ("", "()", ".fit", "_x")}
    names |= {"model.fit", "sklearn.svm.SVC().fit", "torch.manual_seed", "np.random.seed", "mlflow.log_metric",
              "a.b.c", "", "fit", "retrain_now", "prefectDeployment"}
    together = knowledge.names_by_capability(sorted(names))
    for cap in knowledge.capabilities.values():
        alone = {n: cap.call_entries(n) for n in names if cap.call_entries(n)}
        assert together[cap.name] == alone, cap.name
