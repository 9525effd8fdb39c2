"""Model training, evaluation and registry."""
