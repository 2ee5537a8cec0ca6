"""The JSON API under /v1: blueprints, error handling, auth and rate limits (request helpers
are in requests.py)."""

from __future__ import annotations

from flask import Flask

from . import auth, batches, compat_deepl, compat_libre, errors, glossary, jobs, openapi, system
from .requests import body_limit

__all__ = ["body_limit", "init_app"]


def init_app(app: Flask) -> None:
    """Register the error handler, auth, rate limits, metrics and every API blueprint."""
    errors.init_app(app)
    system.init_metrics(app)
    auth.init_rate_limits(app)
    for module in (jobs, batches, glossary, system, openapi, compat_libre, compat_deepl):
        app.register_blueprint(module.bp)
