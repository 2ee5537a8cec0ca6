"""Logging: one setup, job ids and states in the lines, never a secret or the article."""

import logging

from service.logs import RedactSecrets, configure
from service.usecases.run import run_job
from tests.unit.test_job_rules import TOKAYEV, FakeCandidates, FakeGlossary, FakeJobs, cache, job


def redact(message: str, *args) -> str:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)
    RedactSecrets().filter(record)
    return record.getMessage()


def test_secrets_are_blanked_whatever_the_message():
    assert redact("key %s used", "ak_0123abcd_" + "x" * 30) == "key [redacted] used"
    assert redact("POST https://bob:hunter2@hooks.example/x") == (
        "POST https://[redacted]@hooks.example/x"
    )
    assert "v1=" not in redact("header t=1,v1=" + "ab" * 32)
    assert redact("job j1: done in 4 ms") == "job j1: done in 4 ms"


def test_configure_adds_one_handler_however_often_it_is_called():
    root = logging.getLogger()
    # An earlier test may have built an app, which configures logging; start from none of ours.
    ours = [h for h in root.handlers if getattr(h, "_audarma", False)]
    for handler in ours:
        root.removeHandler(handler)
    before = list(root.handlers)
    try:
        configure("WARNING")
        configure("DEBUG")
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        for handler in ours:
            root.addHandler(handler)


def test_a_job_logs_its_id_and_states_and_never_its_text(caplog):
    text = "Kassym-Zhomart Tokayev spoke in Berlin about the secret plan."
    jobs = FakeJobs(job(text=text))
    with caplog.at_level(logging.INFO, logger="service.usecases.run"):
        run_job("j1", jobs, FakeGlossary([TOKAYEV]), cache(), FakeCandidates())
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("job j1: running") for line in lines)
    assert any(line.startswith("job j1: done in") for line in lines)
    assert not any("secret plan" in line or "Tokayev" in line for line in lines)


def test_a_failed_statement_logs_no_parameters(database, caplog):
    # A job for a key that does not exist breaks the foreign key: the error SQLAlchemy raises
    # (and any log line made from it) names the statement, never the values.
    from service.store.repositories import JobStore

    article = "Kassym-Zhomart Tokayev's private schedule for the summit"
    callback = "https://bob:hunter2@hooks.example/x"
    try:
        JobStore(database).submit(api_key_id="no-such-key", text=article, targets=["ru-RU"],
                                  callback_url=callback)
    except Exception as exc:  # the driver's IntegrityError
        message = str(exc)
    else:
        raise AssertionError("the insert should have failed")
    assert "INSERT INTO jobs" in message
    assert "private schedule" not in message and "hunter2" not in message
