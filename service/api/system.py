"""What the service offers (locales, engines) and how it is doing (health, readiness, metrics)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import cast

from babel import Locale
from flask import Blueprint, Flask, Response, g, request

from ..core.locales import language_of, parse_tag
from ..domain import DEFAULT_TARGETS, JOB_STATUSES
from ..engines import describe_engines
from .auth import PUBLIC_ENDPOINTS, require
from .errors import ServiceUnavailable
from .openapi import RETRY_AFTER, body, documented, ref
from .requests import check_url_input, services

log = logging.getLogger(__name__)
bp = Blueprint("system", __name__)


@bp.before_request
def _check_url_input() -> None:
    # Probes and metrics read nothing from the request, and a scraper's extra parameters must
    # not turn a health check into a 400.
    if request.endpoint not in PUBLIC_ENDPOINTS:
        check_url_input()

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Any locale CLDR knows is accepted as a target; these are the ones newsrooms ask for most.
# --------------------------------------------------------------------------- locales, engines


def display_name(tag: str, in_language: str) -> str:
    """'kk-Latn' -> 'Kazakh (Latin)', built from CLDR's names of each subtag.

    Babel's own Locale('kk', script='Latn') resolves to Cyrillic Kazakh, so the name is
    assembled from the parts rather than taken from the resolved locale.
    """
    tag_parts = parse_tag(tag)
    names = Locale.parse(in_language)
    language = names.languages.get(tag_parts.language, tag_parts.language)
    details = [
        names.scripts.get(tag_parts.script) if tag_parts.script else None,
        names.territories.get(tag_parts.region) if tag_parts.region else None,
    ]
    found = [d for d in details if d]
    return f"{language} ({', '.join(found)})" if found else language


def describe_locale(tag: str) -> dict:
    return {"tag": tag, "name": display_name(tag, "en"),
            "native": display_name(tag, language_of(tag))}


@bp.get("/v1/locales")
@documented(responses={200: body("Suggested target locales with English and native names",
                            ref("Locales"))})
@require()
def locales():
    """Target locales: a suggested set; any other locale CLDR knows is accepted too."""
    return {"locales": [describe_locale(tag) for tag in DEFAULT_TARGETS],
            "other_locales": "any locale CLDR knows, e.g. pt-BR or kk-Arab"}


@bp.get("/v1/engines")
@documented(responses={
    200: body("Every translation engine with its state and language pairs", ref("Engines"))})
@require()
def engines():
    """Translation engines, their state and the language pairs they serve."""
    return {"engines": [info.to_dict() for info in describe_engines(services().settings)]}


# --------------------------------------------------------------------------- health


@bp.get("/healthz")
@documented(responses={200: body("The process is up", ref("Health"))})
def healthz():
    """Liveness: the process answers HTTP."""
    return {"status": "ok"}


@bp.get("/readyz")
@documented(responses={
    200: body("Database and broker answer", ref("Readiness")),
    503: body("A dependency does not answer", ref("Readiness"),
              headers={"Retry-After": RETRY_AFTER}),
})
def readyz():
    """Readiness: the database and the task broker answer."""
    checks = readiness_checks(services().db.ping, services().broker_ping)
    failed = [name for name, state in checks.items() if state not in ("ok", "skipped")]
    if not failed:
        return {"status": "ok", "checks": checks}
    message = "not ready: " + ", ".join(f"{name} {checks[name]}" for name in failed)
    retry = {"Retry-After": str(ServiceUnavailable.RETRY_AFTER_SECONDS)}
    return {"status": "unavailable", "checks": checks,
            "error": {"code": "not_ready", "message": message}}, 503, retry


PROBE_SECONDS = 1.5  # a hung dependency must not hold /readyz past a load balancer's timeout


def readiness_checks(db_ping, broker_ping, timeout: float = PROBE_SECONDS) -> dict[str, str]:
    """"ok", "skipped" (no broker to check), or what failed, for each dependency.

    Both probes run at once, each in a daemon thread given `timeout` seconds: a server that
    accepts connections but never answers (SIGSTOP, a full disk) is reported as "failed
    (timeout)" while the thread is left to finish on its own.
    """
    probes = {"database": db_ping, "broker": broker_ping}
    found = {name: "skipped" for name in probes}
    threads = []
    for name, ping in probes.items():
        if ping is None:
            continue
        found[name] = "failed (timeout)"
        thread = threading.Thread(target=_record_probe, args=(found, name, ping), daemon=True,
                                  name=f"readyz-{name}")
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(found)


def _record_probe(found: dict[str, str], name: str, ping) -> None:
    found[name] = _probe(name, ping)


def _probe(name: str, ping) -> str:
    try:
        answered = ping()
    except Exception as exc:
        # Probes are public: the class name helps the operator, the message (hosts, URLs)
        # goes only to the log.
        log.warning("readiness: %s failed: %s", name, exc)
        return f"failed ({type(exc).__name__})"
    return "failed (no answer)" if answered is False else "ok"


# --------------------------------------------------------------------------- metrics


class RequestMetrics:
    """HTTP requests and latency, counted in this process (each gunicorn worker keeps its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        # A Counter for its zero default; typed as what it holds, seconds as floats (typeshed
        # gives Counter int values only).
        self.seconds = cast("dict[str, float]", Counter())
        self.counts: Counter[str] = Counter()

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, method, status)] += 1
            self.seconds[endpoint] += seconds
            self.counts[endpoint] += 1

    def snapshot(self) -> tuple[dict, dict, dict]:
        with self._lock:
            return dict(self.requests), dict(self.seconds), dict(self.counts)


def init_metrics(app: Flask) -> None:
    metrics = RequestMetrics()
    app.extensions["audarma"].metrics = metrics

    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.get("request_started")
        if started is not None:
            # Unmatched paths share one label so random URLs cannot grow the series without end.
            endpoint = request.endpoint or "unmatched"
            metrics.observe(endpoint, request.method, response.status_code,
                            time.perf_counter() - started)
        return response


@bp.get("/metrics")
@documented(responses={200: body("Prometheus text exposition format, version 0.0.4",
                            {"type": "string"}, media_type="text/plain")})
def metrics():
    """Prometheus metrics: jobs by status, HTTP requests by endpoint and status, latency."""
    jobs = services().jobs.counts_by_status()
    text = render_metrics(jobs, *services().metrics.snapshot())
    return Response(text, content_type=PROMETHEUS_TYPE)



def render_metrics(jobs: dict, requests: dict, seconds: dict, counts: dict) -> str:
    lines = [
        "# HELP audarma_jobs Jobs in the database by status.",
        "# TYPE audarma_jobs gauge",
    ]
    for status in dict.fromkeys([*JOB_STATUSES, *jobs]):
        lines.append(f'audarma_jobs{{status="{_label(status)}"}} {jobs.get(status, 0)}')
    lines += [
        "# HELP audarma_http_requests_total HTTP requests by endpoint, method and status.",
        "# TYPE audarma_http_requests_total counter",
    ]
    for (endpoint, method, status), count in sorted(requests.items()):
        labels = f'endpoint="{_label(endpoint)}",method="{method}",status="{status}"'
        lines.append(f"audarma_http_requests_total{{{labels}}} {count}")
    lines += [
        "# HELP audarma_http_request_duration_seconds Time spent answering requests.",
        "# TYPE audarma_http_request_duration_seconds summary",
    ]
    name = "audarma_http_request_duration_seconds"
    for endpoint in sorted(counts):
        label = f'endpoint="{_label(endpoint)}"'
        lines.append(f"{name}_sum{{{label}}} {seconds[endpoint]:.6f}")
        lines.append(f"{name}_count{{{label}}} {counts[endpoint]}")
    return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return str(value).replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")
