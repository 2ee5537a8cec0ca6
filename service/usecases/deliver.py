"""Delivering a finished job to its callback URL: one attempt, signed, recorded.

The signing scheme and the HTTP POST live in service.webhooks; the retry schedule is the
task's (workers/tasks.py), so this use case is one attempt and nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..domain import JobStatus, job_view
from ..webhooks import Delivery, post
from .ports import Jobs, Keys, WebhookAttempts


def job_body(job: dict, document: dict | None) -> bytes:
    """The JSON GET /v1/jobs/<id> returns for this job, as the bytes that are signed and sent."""
    view = job_view(job, document)  # what a job looks like to clients, decided in one place
    return json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_job_webhook(
    job_id: str, attempt: int, jobs: Jobs, keys: Keys, log: WebhookAttempts,
    send: Callable[..., Delivery] = post,
) -> Delivery | None:
    """POST a finished job to its callback URL once and record the attempt.

    Returns None when there is nothing (more) to try: no such job, no callback URL, or an API
    key without a webhook secret (deleted): that is recorded as a failed attempt, since an
    unsigned delivery could not be told apart from a forged one.
    """
    job = jobs.get(job_id)
    if job is None or not job["callback_url"]:
        return None
    url = job["callback_url"]
    secret = keys.webhook_secret(job["api_key_id"])
    if not secret:
        log.record(job_id, attempt, url, None, "the job's API key has no webhook secret", False)
        return None
    document = jobs.document(job_id) if job["status"] == JobStatus.DONE else None
    delivery = send(url, job_body(job, document), secret)
    log.record(job_id, attempt, url, delivery.status_code, delivery.error, delivery.delivered)
    return delivery
