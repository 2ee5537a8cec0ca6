"""kombu's Redis transport, with a worker that survives a broker restart while holding messages.

The failure (kombu 5.x with late acks; Celery issue 9250 is the closest report): when Redis goes
away, the consumer first collects the connection, which drops the transport's reference to its
client, and then closes it. Closing a Redis channel gives its unacknowledged messages back to the
queue, and to do so it builds connection parameters from that client, now None:
`AttributeError: 'NoneType' object has no attribute 'hostname'`. The error is not one of the
connection errors the close ignores, so the worker exits instead of reconnecting, and a
supervisor restart alone loses the messages it held until the visibility timeout.

Here each channel remembers the connection parameters it was opened with, and uses them when
the client is gone. The close then fails, if Redis is still down, with an ordinary connection
error that kombu ignores, the worker reconnects by itself, and the messages it held are in
Redis's unacknowledged set, restored to their queue as kombu does for any dead consumer.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as redis_transport


class SurvivingChannel(redis_transport.Channel):
    _remembered: dict[bool, dict[str, Any]]

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        remembered = self.__dict__.setdefault("_remembered", {})
        if self.connection.client is None and asynchronous in remembered:
            return dict(remembered[asynchronous])
        params = super()._connparams(asynchronous=asynchronous)
        remembered[asynchronous] = dict(params)
        return params


class SurvivingTransport(redis_transport.Transport):
    Channel = SurvivingChannel


def install() -> None:
    """Make redis:// (and rediss://) broker URLs use the surviving transport in this process."""
    for alias in ("redis", "rediss"):
        TRANSPORT_ALIASES[alias] = f"{__name__}:SurvivingTransport"
