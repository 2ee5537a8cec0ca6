"""Rules of service.usecases.run and webhook signing, with small fakes: no database, no broker.

(Fast enough for tests/unit; they sit here beside the worker tests they explain.)
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.core.figures import load_house_styles
from service.core.glossary import Entry, Variant
from service.core.translate import EngineError, EngineInfo, EngineRouter
from service.usecases.run import (
    DONE,
    FAILED,
    SKIPPED,
    Backoff,
    JobOutcome,
    LocalizerCache,
    TransientJobError,
    retry_or_fail,
    run_job,
)
from service.webhooks import post, sign, verify_signature

TOKAYEV = Entry(
    id="kassym-jomart-tokayev", type="person",
    names={"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев"},
    variants=(Variant("Kassym-Zhomart Tokayev"),),
)  # fmt: skip
# An empty glossary cannot be scanned yet (NameIndex of no names): every fake has one entry.
ASTANA = Entry(id="astana", type="place", names={"en": "Astana", "ru": "Астана"})
# Receivers in these tests listen on loopback, which webhooks may reach only when allowed.
LOOPBACK = ("127.0.0.0/8",)


class FakeGlossary:
    def __init__(self, entries):
        self.entries_ = list(entries)
        self.revision_ = 1
        self.revision_reads = 0
        self.entry_reads = 0

    def revision(self) -> int:
        self.revision_reads += 1
        return self.revision_

    def entries(self):
        self.entry_reads += 1
        return list(self.entries_)


class FakeJobs:
    def __init__(self, job: dict):
        self.job = job
        self.events: list[tuple[str, str]] = []
        self.saved: dict | None = None

    def claim_many(self, job_ids):
        if self.job["status"] in ("done", "failed") or self.job["id"] not in job_ids:
            return []
        self.job["status"] = "running"
        self.events.append(("running", ""))
        return [dict(self.job)]

    def complete_many(self, documents):
        for job_id, document in documents:
            self.complete(job_id, document)

    def renew(self, job_ids):
        pass

    def release(self, job_ids, detail):
        self.job["status"] = "queued"
        self.events.append(("queued", detail))

    def save_results(self, job_id, document):
        self.saved = document

    def finish(self, job_id):
        self.job["status"] = "done"
        self.events.append(("done", ""))

    def complete(self, job_id, document):
        self.save_results(job_id, document)
        self.finish(job_id)

    def fail(self, job_id, error):
        self.job["status"], self.job["error"] = "failed", error
        self.events.append(("failed", error))

    def note_retry(self, job_id, detail):
        self.job["status"] = "queued"
        self.events.append(("queued", f"retry: {detail}"))


class FakeCandidates:
    def __init__(self):
        self.recorded = []

    def record_many(self, findings):
        for found in findings:
            self.recorded.append((found.job_id, found.language,
                                  [c["original"] for c in found.changes]))
            self.mentioned = (found.job_id, list(found.entities))

    def rejected(self, language, spellings):
        return set()


class FlakyEngine:
    """Serves en->de; raises the given errors first, then translates by upper-casing."""

    name = "flaky"

    def __init__(self, *errors: EngineError):
        self.errors = list(errors)

    def pairs(self):
        return frozenset({("en", "de")})

    def translate(self, segments, source, target):
        if self.errors:
            raise self.errors.pop(0)
        return [s.upper() for s in segments]

    def info(self):
        return EngineInfo(self.name, "ready")

    def close(self):
        pass


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def job(**fields) -> dict:
    return {"id": "j1", "status": "queued", "text": "Kassym-Zhomart Tokayev spoke in Berlin.",
            "targets": ["de-DE", "en-GB"], "source_language": "auto", "engine": None,
            "fmt": "text", **fields}  # fmt: skip


def cache(engine=None, clock=None) -> LocalizerCache:
    router = EngineRouter([engine] if engine else [])
    return LocalizerCache(router, load_house_styles(), 2.0, clock or Clock())


# --------------------------------------------------------------------------- LocalizerCache


def test_cache_reads_the_revision_at_most_once_per_refresh_period():
    glossary, clock = FakeGlossary([TOKAYEV]), Clock()
    localizers = cache(clock=clock)

    first = localizers.current(glossary)
    clock.now += 1.9
    assert localizers.current(glossary) is first
    assert glossary.revision_reads == 1

    clock.now += 0.2
    assert localizers.current(glossary) is first  # same revision: no rebuild
    assert (glossary.revision_reads, glossary.entry_reads) == (2, 1)


def test_cache_rebuilds_the_index_when_the_revision_moves():
    glossary, clock = FakeGlossary([ASTANA]), Clock()
    localizers = cache(clock=clock)
    assert (
        localizers.current(glossary).localize(job()["text"], ["en-GB"])["normalized"]["changes"]
        == []
    )

    glossary.entries_, glossary.revision_ = [ASTANA, TOKAYEV], 2
    clock.now += 2.0
    result = localizers.current(glossary).localize(job()["text"], ["en-GB"])

    assert [c["replacement"] for c in result["normalized"]["changes"]] == ["Kassym-Jomart Tokayev"]


# --------------------------------------------------------------------------- run_job


def test_run_job_stores_results_and_records_candidates():
    jobs, candidates = FakeJobs(job()), FakeCandidates()

    outcome = run_job("j1", jobs, FakeGlossary([TOKAYEV]), cache(FlakyEngine()), candidates)

    assert outcome == JobOutcome(DONE)  # no callback URL: no webhook
    assert jobs.events == [("running", ""), ("done", "")]
    assert list(jobs.saved["versions"]) == ["de-DE", "en-GB"]
    assert jobs.saved["versions"]["de-DE"]["engine"] == "flaky"
    assert candidates.recorded == [("j1", "en", ["Kassym-Zhomart Tokayev"])]


def test_a_done_job_with_a_callback_sends_its_webhook_to_the_webhooks_queue():
    # Never the job's own queue: a receiver that hangs must not hold a localization worker.
    jobs = FakeJobs(job(callback_url="http://127.0.0.1:9/hook", queue="batch"))

    outcome = run_job("j1", jobs, FakeGlossary([ASTANA]), cache(), FakeCandidates())

    assert outcome == JobOutcome(DONE, "webhooks")


def test_run_job_skips_a_finished_job():
    jobs = FakeJobs(job(status="done"))
    assert run_job("j1", jobs, FakeGlossary([ASTANA]), cache(), FakeCandidates()).status == SKIPPED
    assert jobs.events == [] and jobs.saved is None


def test_transient_engine_error_is_raised_not_stored():
    jobs = FakeJobs(job())
    engine = FlakyEngine(EngineError("flaky", "HTTP 503", transient=True))

    with pytest.raises(TransientJobError, match="HTTP 503"):
        run_job("j1", jobs, FakeGlossary([ASTANA]), cache(engine), FakeCandidates())
    assert jobs.saved is None and jobs.job["status"] == "running"


def test_permanent_engine_error_leaves_a_warning_and_the_job_done():
    jobs = FakeJobs(job())
    engine = FlakyEngine(EngineError("flaky", "unsupported pair"))

    outcome = run_job("j1", jobs, FakeGlossary([ASTANA]), cache(engine), FakeCandidates())
    assert outcome.status == DONE
    german = jobs.saved["versions"]["de-DE"]
    assert german["text"] is None
    assert any("unsupported pair" in w for w in german["warnings"])


def test_input_the_pipeline_rejects_fails_the_job():
    jobs = FakeJobs(job(targets=["xx-NOPE"]))
    assert run_job("j1", jobs, FakeGlossary([ASTANA]), cache(), FakeCandidates()).status == FAILED
    assert "xx-NOPE" in jobs.job["error"]


def test_retries_back_off_then_the_job_fails_with_the_last_error():
    jobs, error = FakeJobs(job()), TransientJobError("flaky: HTTP 503")
    backoff = Backoff(first=1.0, factor=2.0, cap=3.0)

    delays = [retry_or_fail(jobs, "j1", error, n, 3, backoff) for n in (1, 2, 3, 4)]

    assert delays == [1.0, 2.0, 3.0, None]
    assert [status for status, _ in jobs.events] == ["queued", "queued", "queued", "failed"]
    assert jobs.job["error"] == "gave up after 4 tries: flaky: HTTP 503"


# --------------------------------------------------------------------------- signatures


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"id":"j1","status":"done"}'
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body, 1767225600) == f"t=1767225600,v1={expected}"


@pytest.mark.parametrize(
    ("secret", "body", "now", "valid"),
    [
        ("s3cret", b"{}", 1767225600 + 10, True),
        ("other", b"{}", 1767225600 + 10, False),  # wrong secret
        ("s3cret", b"{ }", 1767225600 + 10, False),  # body changed in transit
        ("s3cret", b"{}", 1767225600 + 301, False),  # replayed too late
    ],
)
def test_verify_signature(secret, body, now, valid):
    header = sign("s3cret", b"{}", 1767225600)
    assert verify_signature(secret, body, header, now=now) is valid


def test_malformed_signature_headers_do_not_verify():
    for header in ("", "t=abc,v1=00", "v1=00", "t=1767225600"):
        assert not verify_signature("s3cret", b"{}", header, now=1767225600)


def test_a_redirect_is_a_failed_delivery_not_followed():
    seen = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        delivery = post(f"http://127.0.0.1:{server.server_address[1]}/hook", b"{}", "s3cret",
                        allow=LOOPBACK)
    finally:
        server.shutdown()
        server.server_close()

    assert (delivery.status_code, delivery.delivered) == (302, False)
    assert seen == ["/hook"]


def test_an_unreachable_receiver_is_a_failed_delivery():
    delivery = post("http://127.0.0.1:9/hook", b"{}", "s3cret", timeout=2, allow=LOOPBACK)
    assert delivery.status_code is None and not delivery.delivered
    assert delivery.error.startswith("cannot connect")
