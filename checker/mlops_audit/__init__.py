"""mlops-audit: audit ML repositories against MLOps pillars, and scaffold projects that pass."""

__version__ = "0.1.0"
