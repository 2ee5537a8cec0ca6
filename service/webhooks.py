"""Webhooks: sign a finished job's JSON with the API key's secret and POST it to callback_url.

The receiver checks a delivery like this (the scheme Stripe and GitHub use):

    X-Audarma-Signature: t=1767225600,v1=5f2b...e1

1. Split the header on "," into `t` (Unix seconds when it was signed) and `v1` (hex digest).
2. Compute HMAC-SHA256 with the webhook secret of the API key that submitted the job over the
   bytes `<t>.<raw request body>`, exactly as received (do not re-serialize the JSON).
3. Compare the hex digest with `v1` in constant time, and reject `t` older than a few minutes,
   so a captured delivery cannot be replayed later.

`verify_signature` below does exactly this and is what the tests use. A delivery is retried
with exponential backoff while the receiver fails (any status but 2xx, a timeout, a refused
connection); every attempt is recorded with its status code or error.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Audarma-Signature"
USER_AGENT = "audarma-webhooks/1"
TIMEOUT_SECONDS = 10.0
SIGNATURE_TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` signed at `timestamp` (Unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance: float = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """True when `header` signs `body` with `secret` and is no older than `tolerance` seconds."""
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = _digest(secret, body, timestamp)
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """What one POST attempt came to: a status code, or the error that prevented one."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, secret: str, timeout: float = TIMEOUT_SECONDS) -> Delivery:
    """POST `body` (JSON) to `url`, signed now; never raises for network or HTTP failures."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Delivery(response.status, None)
    except urllib.error.HTTPError as exc:
        return Delivery(exc.code, f"HTTP {exc.code} {exc.reason}")
    except urllib.error.URLError as exc:
        return Delivery(None, f"cannot connect: {exc.reason}")
    except TimeoutError:
        return Delivery(None, f"no answer within {timeout:g}s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # ValueError: a URL urllib cannot use; the rest: the connection broke mid-answer.
        return Delivery(None, f"{type(exc).__name__}: {exc}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is reported as a failed attempt: following it would turn the POST into a GET
    (301/302/303) or send the signed body to a host the key owner never named."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
