"""Deployment and local-run tooling (Redis pair launcher, dev supervisor, gunicorn config)."""
