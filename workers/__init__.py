"""Celery workers: the entry point (celery_app) and the thin tasks (tasks)."""
