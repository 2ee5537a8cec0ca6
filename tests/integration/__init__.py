"""Integration tests: real PostgreSQL, Redis, Celery workers and HTTP servers."""
