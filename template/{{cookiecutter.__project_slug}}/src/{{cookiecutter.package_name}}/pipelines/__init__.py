"""Pipelines as plain functions: call them from DVC, Make, cron, Airflow, Prefect, ..."""
