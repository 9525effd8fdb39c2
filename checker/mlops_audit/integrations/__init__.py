"""Glue for running mlops-audit inside other tools (the GitHub Action's steps); no audit logic lives here."""
