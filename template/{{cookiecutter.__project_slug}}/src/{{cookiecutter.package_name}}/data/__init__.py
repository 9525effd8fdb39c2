"""Data ingestion and validation."""
