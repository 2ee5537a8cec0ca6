"""Celery workers: the app bound to Flask (celery_app) and the thin tasks (tasks)."""
