"""Facts about the audited repository: read once, lazily, and shared by every rule."""
