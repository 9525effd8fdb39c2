"""Online serving: a FastAPI application."""
