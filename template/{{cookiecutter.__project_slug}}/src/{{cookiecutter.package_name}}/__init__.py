"""{{ cookiecutter.project_name }}: the ML package (data, features, models, pipelines, monitoring)."""

__version__ = "0.1.0"
