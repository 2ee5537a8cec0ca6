"""Waking the embedded worker when a job is queued, instead of waiting for its next poll.

`audarma serve` runs its broker in SQLite through kombu's SQLAlchemy transport, which looks for
messages by polling: with a 0.1 s poll, about 100 of the 117 ms from submit to done were the
worker sleeping. Here the worker sleeps on a Unix datagram socket instead, and the API sends it
one byte after each enqueue, so it looks for the message at once.

The poll stays as the fallback: a lost or unsent byte costs one poll interval, never a job, and
where the socket cannot be bound (a second worker on the same broker, a system without abstract
sockets) the worker simply polls as before. The socket is in Linux's abstract namespace, named
after the broker file, so nothing is left on disk and two brokers never share one.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import select
import socket
import time
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as sql_transport
from sqlalchemy import event

log = logging.getLogger(__name__)

SCHEMES = ("sqla+", "sqlalchemy+")
# How often the worker still looks without being woken (kombu's default is 1 s).
FALLBACK_POLL_SECONDS = 0.1


def is_embedded(broker_url: str) -> bool:
    return broker_url.startswith(SCHEMES)


@functools.lru_cache(maxsize=8)
def wake_address(database_url: str) -> bytes | None:
    """The abstract socket name for a broker database ('sqlite:///audarma-broker.sqlite3');
    None for a broker that is not a SQLite file."""
    if not database_url.startswith("sqlite:///") or database_url == "sqlite:///:memory:":
        return None
    path = os.path.abspath(database_url[len("sqlite:///"):])
    digest = hashlib.sha256(path.encode()).hexdigest()[:24]
    return b"\0audarma-wake-" + digest.encode()


def wake(broker_url: str) -> None:
    """Tell the embedded worker, if one listens, that a message is waiting. Never raises."""
    address = wake_address(broker_url.split("+", 1)[1]) if is_embedded(broker_url) else None
    if address is None:
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.setblocking(False)
            sender.sendto(b"!", address)
    except OSError:
        pass  # no worker listening yet, or its buffer is full of wake-ups already: it will look


def _write_ahead_log(connection: Any, _record: Any) -> None:
    # kombu leaves SQLite in its rollback-journal mode, where each commit costs about twice a
    # WAL commit here and a poll blocks the API's publish; WAL is what the service database
    # uses too (service/store/db.py). Durability is unchanged: synchronous stays FULL.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class WakeableChannel(sql_transport.Channel):
    """kombu's SQLAlchemy channel, with the SQLite broker file in WAL mode."""

    def _engine_from_config(self) -> Any:
        engine = super()._engine_from_config()
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _write_ahead_log)
        return engine


class WakeableTransport(sql_transport.Transport):
    """kombu's SQLAlchemy transport, sleeping between polls on the wake-up socket."""

    Channel = WakeableChannel
    polling_interval = FALLBACK_POLL_SECONDS

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self._listener: socket.socket | None = None
        self._listening = False

    def drain_events(self, connection: Any, timeout: Any = None, **kwargs: Any) -> Any:
        # kombu's virtual Transport.drain_events, with its sleep replaced by _wait.
        cycle = self.cycle
        assert cycle is not None  # the virtual Transport sets it in __init__
        started = time.monotonic()
        interval = self.polling_interval
        if timeout and interval and interval > timeout:
            interval = timeout
        while True:
            try:
                cycle.get(self._deliver, timeout=timeout)
            except Empty:
                if timeout is not None and time.monotonic() - started >= timeout:
                    raise TimeoutError() from None
                self._wait(interval)
            else:
                return None

    def _wait(self, seconds: float) -> None:
        listener = self._bound()
        if listener is None:
            time.sleep(seconds)
            return
        readable, _, _ = select.select([listener], [], [], seconds)
        if readable:
            # One look at the queues serves every wake-up sent so far.
            try:
                while listener.recv(64):
                    pass
            except BlockingIOError:
                pass

    def _bound(self) -> socket.socket | None:
        if self._listening:
            return self._listener
        self._listening = True
        address = wake_address(getattr(self.client, "hostname", None) or "")
        if address is None:
            return None
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            listener.bind(address)
        except OSError as exc:
            listener.close()
            log.info("embedded broker: polling every %.1f s (no wake-up socket: %s)",
                     FALLBACK_POLL_SECONDS, exc)
            return None
        listener.setblocking(False)
        self._listener = listener
        return listener

    def close_connection(self, connection: Any) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener, self._listening = None, False
        super().close_connection(connection)


def install() -> None:
    """Make 'sqla+' and 'sqlalchemy+' broker URLs use the wakeable transport in this process."""
    target = f"{__name__}:WakeableTransport"
    for alias in ("sqla", "sqlalchemy"):
        TRANSPORT_ALIASES[alias] = target
