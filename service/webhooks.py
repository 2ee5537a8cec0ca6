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
connection); every attempt is recorded with its status code or error. A destination that is
not a public address (service.netguard; Settings.webhook_allow_networks lifts that) is refused
before anything is sent, and not retried.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .netguard import CallbackURLRefused, IPAddress, check_callback_url, refusal_reason

SIGNATURE_HEADER = "X-Audarma-Signature"
USER_AGENT = "audarma-webhooks/1"
TIMEOUT_SECONDS = 10.0
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_RESPONSE_BYTES = 64 * 1024


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
    """What one POST attempt came to: a status code, or the error that prevented one.

    `permanent` marks an attempt that no retry can change (the destination is refused), so the
    task gives up at once.
    """

    status_code: int | None
    error: str | None
    permanent: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Resolver = Callable[[str, int], list[IPAddress]]


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to for a TCP connection, in the resolver's order."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def post(
    url: str,
    body: bytes,
    secret: str,
    timeout: float = TIMEOUT_SECONDS,
    *,
    allow: Iterable[str] = (),
    resolver: Resolver = resolve,
    tls: ssl.SSLContext | None = None,
) -> Delivery:
    """POST `body` (JSON) to `url`, signed now; never raises for network or HTTP failures.

    The URL is checked again (service.netguard) and its host resolved once here: if any address
    is not public (nor in `allow`), nothing is sent. The connection then goes to an address
    that was checked, never to a second lookup of the name, which a rebinding DNS server could
    answer differently; the Host header and, for https, the certificate check use the name.
    Redirects are not followed: a 3xx is a failed attempt (following it would turn the POST
    into a GET, or send the signed body to a host the key owner never named).
    """
    allow = tuple(allow)
    try:
        target = check_callback_url(url, allow)
    except CallbackURLRefused as exc:
        return Delivery(None, f"refused: {exc}", permanent=True)
    if target.address is not None:
        addresses: list[IPAddress] = [target.address]
    else:
        try:
            addresses = resolver(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            return Delivery(None, f"cannot connect: cannot resolve {target.host!r}: {exc}")
        if not addresses:
            return Delivery(None, f"cannot connect: {target.host!r} resolved to no address")
        for address in addresses:
            reason = refusal_reason(address, allow)
            if reason is not None:
                return Delivery(
                    None,
                    f"refused: {target.host!r} resolves to {address}, {reason}; webhooks "
                    "are sent only to public addresses",
                    permanent=True,
                )
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    if target.scheme == "https" and tls is None:
        tls = ssl.create_default_context()
    connection = _PinnedConnection(target.host, target.port, addresses, timeout,
                                   tls if target.scheme == "https" else None)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)  # the answer is not used; read a little, then close
    except TimeoutError:
        return Delivery(None, f"no answer within {timeout:g}s")
    except ssl.SSLError as exc:  # includes a certificate that is not for the host's name
        return Delivery(None, f"cannot connect: TLS: {exc}")
    except _ConnectFailed as exc:
        return Delivery(None, f"cannot connect: {exc.__cause__}")
    except (OSError, http.client.HTTPException) as exc:  # the connection broke mid-answer
        return Delivery(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Delivery(response.status, None)
    return Delivery(response.status, f"HTTP {response.status} {response.reason}")


class _ConnectFailed(OSError):
    """No checked address accepted a connection (the cause is the last address's error)."""


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses already checked, whatever the name resolves to now.

    http.client would look the name up again when connecting; this connects to the checked
    addresses in turn and wraps the socket in TLS with the name as SNI and for the certificate
    check (the context checks hostnames, as ssl.create_default_context() does).
    """

    def __init__(self, host: str, port: int, addresses: list[IPAddress], timeout: float,
                 tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses
        self.tls = tls
        self.connected_to: IPAddress | None = None

    def connect(self) -> None:
        error: OSError | None = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((str(address), self.port), self.timeout)
            except OSError as exc:  # refused, unreachable, timed out: try the next address
                error = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_hostname=self.host)
                except BaseException:
                    sock.close()
                    raise
            self.sock, self.connected_to = sock, address
            return
        raise _ConnectFailed(str(error)) from error
