"""`mlops-audit fix`: plan and apply the remedies for an audit's findings, with the template's own files."""
