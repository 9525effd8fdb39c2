"""Production monitoring: feature drift and the retraining trigger."""
