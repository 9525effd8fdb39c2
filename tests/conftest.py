from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Audits in tests cache their parses in a temporary folder, not in the user's cache."""
    os.environ["MLOPS_AUDIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("mlops-audit-cache"))
