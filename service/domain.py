"""The service's vocabulary, defined once: job states, queues, roles, and how a job looks to a
client (the same document GET /v1/jobs/<id> returns and a webhook signs and sends).

Values are plain strings (StrEnum), so they go into JSON, SQL and Celery as they are.
"""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Queue(StrEnum):
    INTERACTIVE = "interactive"  # an editor waits for the answer
    BATCH = "batch"  # archives: never ahead of an editor
    WEBHOOKS = "webhooks"  # deliveries: a slow receiver never holds a localization worker
    SWEEPS = "sweeps"  # the sweeper: never stuck behind the backlog a fault leaves


class Role(StrEnum):
    EDITOR = "editor"
    MAINTAINER = "maintainer"
    ADMIN = "admin"


# The locales a client is offered first (GET /v1/locales); any CLDR locale is accepted.
DEFAULT_TARGETS = (
    "en-GB", "en-US", "ru-RU", "kk-KZ", "kk-Latn", "zh-CN", "de-DE", "fr-FR", "es-ES", "ca-ES",
    "uz-UZ", "ky-KG", "tr-TR", "ar",
)  # fmt: skip

JOB_STATUSES = tuple(JobStatus)
QUEUES = tuple(Queue)  # every broker queue
JOB_QUEUES = (Queue.INTERACTIVE, Queue.BATCH)  # the queues a job may ask for
ROLES = tuple(Role)


def job_view(job: dict, result: dict | None) -> dict:
    """A job as clients see it: its state and history, and the result document once done."""
    view = {key: job[key] for key in ("id", "status", "created_at", "updated_at", "events")}
    view["targets"] = job["targets"]
    if job.get("error"):
        view["error"] = job["error"]
    if result is not None:
        view["result"] = result
    return view
