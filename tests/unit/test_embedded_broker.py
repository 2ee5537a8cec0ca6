"""The embedded worker is woken on submit: a real kombu SQLite broker, a consumer whose fallback
poll is an hour away, and a producer that publishes and wakes it."""

import contextlib
import threading

import pytest
from kombu import Connection, Exchange, Queue

from service import embedded_broker
from service.config import Settings, SettingsError


def test_each_broker_file_has_its_own_wake_address(tmp_path):
    one = embedded_broker.wake_address(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    other = embedded_broker.wake_address(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert one is not None and one.startswith(b"\0audarma-wake-")
    assert one != other
    assert embedded_broker.wake_address(f"sqlite:///{tmp_path / 'a.sqlite3'}") == one
    assert embedded_broker.wake_address("sqlite:///:memory:") is None
    assert embedded_broker.wake_address("postgresql://127.0.0.1/x") is None


def test_waking_with_nobody_listening_is_harmless(tmp_path):
    embedded_broker.wake(f"sqla+sqlite:///{tmp_path / 'nobody.sqlite3'}")
    embedded_broker.wake("redis://127.0.0.1:6379/0")


def test_a_woken_consumer_takes_the_message_without_waiting_for_its_poll(tmp_path, monkeypatch):
    embedded_broker.install()
    # The fallback poll is an hour away: the message can only arrive through the wake-up.
    monkeypatch.setattr(embedded_broker.WakeableTransport, "polling_interval", 3600.0)
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    queue = Queue("interactive", Exchange("interactive"), routing_key="interactive")
    received: list[dict] = []
    listening = threading.Event()

    consumer_connection = Connection(url)
    assert isinstance(consumer_connection.transport, embedded_broker.WakeableTransport)

    def consume() -> None:
        with consumer_connection.Consumer(queue, callbacks=[lambda body, m: (
                received.append(body), m.ack())]):
            # One empty look binds the socket; then the real wait.
            with contextlib.suppress(TimeoutError):
                consumer_connection.drain_events(timeout=0.01)
            listening.set()
            consumer_connection.drain_events(timeout=3600)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    assert listening.wait(timeout=60)
    with Connection(url) as producer_connection:
        producer_connection.Producer().publish(
            {"job": "j1"}, exchange=queue.exchange, routing_key="interactive", declare=[queue]
        )
    embedded_broker.wake(url)
    thread.join(timeout=60)
    consumer_connection.release()
    assert received == [{"job": "j1"}]


def test_the_wake_up_is_a_setting_with_a_clear_error():
    assert Settings().embedded_wake is True
    assert Settings.from_env({"AUDARMA_EMBEDDED_WAKE": "off"}).embedded_wake is False
    with pytest.raises(SettingsError, match="AUDARMA_EMBEDDED_WAKE='maybe' is not a valid bool"):
        Settings.from_env({"AUDARMA_EMBEDDED_WAKE": "maybe"})
