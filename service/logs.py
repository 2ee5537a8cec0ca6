"""One logging setup for every process of the service: `audarma serve`, `audarma worker` (Celery
is told not to install its own) and the API under gunicorn.

Lines say which job, which state, which engine: what an operator needs to follow a job. They
never carry a secret: API keys (ak_...), webhook secrets and credentials in URLs are blanked by a
filter on the handler, whatever a message holds.
"""

from __future__ import annotations

import logging
import os
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
_SECRETS = re.compile(
    r"(?P<key>\bak_[0-9a-f]{8}_[\w-]{8,})"  # an audarma API key
    r"|(?P<cred>(?<=://)[^/\s:@]+:[^/\s@]+(?=@))"  # user:password@ in a URL
    r"|(?P<sig>\bv1=[0-9a-f]{16,})"  # a webhook signature
)


class RedactSecrets(logging.Filter):
    """Blanks API keys, URL credentials and signatures out of every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRETS.sub("[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: str | None = None) -> None:
    """Root logging to standard error in one format, once per process (AUDARMA_LOG_LEVEL or
    INFO). A second call changes nothing, so every entry point may call it."""
    root = logging.getLogger()
    if any(getattr(h, "_audarma", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    handler._audarma = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("AUDARMA_LOG_LEVEL") or "INFO").upper())
