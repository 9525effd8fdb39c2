"""The predicates of the rule catalogue, one module per ``rules/<name>.yaml`` file (``data.py`` holds the
predicates ``rules/data.yaml`` names). Importing :mod:`mlops_audit.predicates` registers them all."""
