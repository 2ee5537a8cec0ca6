"""Which callback URLs a webhook may be sent to: public http(s) destinations only.

A callback URL is chosen by a client, and the worker POSTs to it from inside our network, so
an unchecked one reaches whatever the worker can reach (databases, the cloud metadata service
at 169.254.169.254, admin ports on loopback): server-side request forgery. This module decides,
without Flask and without DNS:

- `check_callback_url` at submit time: the URL's shape (scheme, no credentials, no control
  characters, a valid port) and, when the host is an IP address however it is spelled
  (2130706433, 0x7f.1, 0177.0.0.1, 127.1, [::ffff:7f00:1], ...), whether that address is
  public. Names are decoded (percent-escapes, IDNA) the way browsers do and left for send time,
  except names that mean a local host by definition (localhost, *.internal, ...).
- `refusal_reason` at send time, for each address the name resolved to.

`allow` (Settings.webhook_allow_networks) lists networks accepted despite these rules, e.g.
127.0.0.0/8 for a receiver on the same machine in tests.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
FIELD = "'callback_url'"

# Checked in order, so the message names the most specific reason. The ipaddress properties
# (checked after this table) cover most of it; the table is explicit so that the answer does
# not change between Python versions (3.12.4 and 3.13 moved several ranges) and adds what
# 3.11's properties miss: CGNAT is only "not global", multicast counts as global, and
# 192.0.0.0/24, 192.88.99.0/24, 64:ff9b:1::/48, 3fff::/20 and 5f00::/16 are not private there.
BLOCKED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), label)
    for network, label in (
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address (cloud metadata lives here)"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol assignment address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay anycast address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),  # includes broadcast 255.255.255.255
        ("::/128", "the unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", "a deprecated IPv4-compatible address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/23", "an IETF protocol assignment (Teredo, benchmarking, ORCHID) address"),
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        ("5f00::/16", "a segment-routing (SRv6) address"),
        ("fc00::/7", "a unique-local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)
# IPv6 forms whose traffic goes to an embedded IPv4 address: judged by that address.
IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix
SIXTOFOUR = ipaddress.ip_network("2002::/16")

# Names that mean this host or a private network by definition (RFC 6761, 6762, 8375, and the
# .internal TLD clouds use for metadata.google.internal and VPC-internal names).
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa")

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_PORT = re.compile(r"[0-9]{1,5}")
_ZONE = re.compile(r"[A-Za-z0-9._~-]+")


class CallbackURLRefused(ValueError):
    """A callback URL audarma will not send to; str() is a message for the client."""


@dataclass(frozen=True)
class Target:
    """Where a checked callback URL points: what to connect to and what to send."""

    scheme: str
    host: str  # ASCII: a domain name without its trailing dot, or an IP address's text
    port: int
    path: str  # the request target: path and query, never empty
    address: IPAddress | None  # set when the host is an IP literal (already judged)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.address, ipaddress.IPv6Address) else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_callback_url(url: object, allow: Iterable[str] = ()) -> Target:
    """The destination `url` names; raises CallbackURLRefused saying why it may not be used."""
    if not isinstance(url, str):
        raise CallbackURLRefused(f"{FIELD} must be an http(s) URL string, not {url!r}")
    if len(url) > MAX_URL_LENGTH:
        raise CallbackURLRefused(
            f"{FIELD} is {len(url)} characters long; the limit is {MAX_URL_LENGTH}"
        )
    for position, char in enumerate(url):
        # urlsplit silently drops tabs and newlines and strips leading controls, and an HTTP
        # client may split a request line on them; refuse rather than guess what was meant.
        if char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            raise CallbackURLRefused(
                f"{FIELD} contains whitespace or a control character ({char!r}) at position "
                f"{position}; percent-encode it"
            )
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced or invalid [IPv6] host
        raise CallbackURLRefused(f"{FIELD} is not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not url[len(scheme) + 1:].startswith("//"):
        # Only the scheme is echoed: the rest may hold credentials, and this may be logged.
        given = f"a {scheme + ':'!r} URL" if scheme else "a URL without a scheme"
        raise CallbackURLRefused(
            f"{FIELD} must be an http(s) URL such as https://hooks.example.com/audarma, "
            f"not {given}"
        )
    netloc = parts.netloc
    if "@" in netloc:
        raise CallbackURLRefused(
            f"{FIELD} must not contain credentials (user:password@); authenticate the "
            "webhook by its X-Audarma-Signature header instead"
        )
    host, port = _host_and_port(netloc, DEFAULT_PORTS[scheme])
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    networks = allow_networks(tuple(allow))
    if host.startswith("["):
        address: IPAddress = _ipv6_literal(host[1:-1])
        _judge(address, networks)
        return Target(scheme, str(address), port, path, address)
    name = _domain(host)
    ipv4 = _ipv4_literal(name)
    if ipv4 is not None:
        _judge(ipv4, networks)
        return Target(scheme, str(ipv4), port, path, ipv4)
    _judge_name(name, networks)
    return Target(scheme, name, port, path, None)


def refusal_reason(address: IPAddress, allow: Iterable[str] = ()) -> str | None:
    """Why a webhook may not go to `address` ("a loopback address", ...), or None if it may."""
    return _reason(address, allow_networks(tuple(allow)))


def _reason(address: IPAddress, allow: tuple[IPNetwork, ...]) -> str | None:
    plain = _unscoped(address)
    if any(plain.version == net.version and plain in net for net in allow):
        return None
    embedded = _embedded_ipv4(plain)
    if embedded is not None:
        reason = _reason(embedded, allow)
        if reason is not None:
            return f"{reason} ({embedded}) inside an IPv6 address"
        if plain in IPV4_MAPPED or plain in NAT64:
            return None  # only the embedded IPv4 address is ever contacted
    for network, label in BLOCKED:
        if plain.version == network.version and plain in network:
            return label
    if (plain.is_loopback or plain.is_private or plain.is_link_local or plain.is_multicast
            or plain.is_reserved or plain.is_unspecified or not plain.is_global
            or (isinstance(plain, ipaddress.IPv6Address) and plain.is_site_local)):
        return "not a public address"
    return None


@lru_cache(maxsize=16)
def allow_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The networks in `values` (CIDR text such as "127.0.0.0/8"); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=True))
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a network in CIDR notation such as 127.0.0.0/8 or ::1/128 "
                f"({exc})"
            ) from None
    return tuple(networks)


# --------------------------------------------------------------------------- parsing


def _host_and_port(netloc: str, default_port: int) -> tuple[str, int]:
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1:]
        if end < 0 or (rest and not rest.startswith(":")):
            raise CallbackURLRefused(f"{FIELD} has a malformed [IPv6] host {netloc!r}")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_or_empty = netloc.partition(":")
        port_text = port_text_or_empty if colon else None
        if ":" in port_text_or_empty or "[" in netloc or "]" in netloc:
            raise CallbackURLRefused(
                f"{FIELD} has a malformed host {netloc!r}; write IPv6 addresses in brackets"
            )
    if host in ("", "[]"):
        raise CallbackURLRefused(f"{FIELD} has no host")
    if not port_text:  # no port, or "host:" (an empty port means the default one)
        return host, default_port
    port = int(port_text) if _PORT.fullmatch(port_text) else 0
    if not 1 <= port <= 65535:
        raise CallbackURLRefused(
            f"{FIELD} has an invalid port {port_text!r}; use a number from 1 to 65535"
        )
    return host, port


def _ipv6_literal(text: str) -> ipaddress.IPv6Address:
    address, percent, zone = text.partition("%")
    if percent:
        # In a URL the zone's "%" is itself escaped: [fe80::1%25eth0].
        zone = zone[2:] if zone.startswith("25") else zone
        if not _ZONE.fullmatch(zone):
            raise CallbackURLRefused(f"{FIELD} has an invalid IPv6 zone in [{text}]")
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        raise CallbackURLRefused(f"{FIELD} has an invalid IPv6 address [{text}]") from None
    return ipaddress.IPv6Address(f"{parsed}%{zone}") if percent else parsed


def _domain(host: str) -> str:
    """The host as a lowercase ASCII name, decoded as a browser would before resolving it."""
    try:
        name = unquote(host, errors="strict")
    except UnicodeDecodeError:
        raise CallbackURLRefused(f"{FIELD} has a host that is not valid UTF-8") from None
    if not name.isascii():
        # IDNA maps full-width digits and dots (１２７。０。０。１) to ASCII: decode, then judge.
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise CallbackURLRefused(f"{FIELD} has an invalid internationalized host") from None
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]  # the root label: "example.com." is "example.com"
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise CallbackURLRefused(
            f"{FIELD} has an invalid host {_short(host)!r}: use a domain name or an IP address"
        )
    return name


def _ipv4_literal(name: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `name` spells, None for a domain name.

    As the WHATWG URL standard and inet_aton(3) read it: 1 to 4 dot-separated numbers, each
    decimal, 0x-hexadecimal or 0-octal; the last fills the remaining bytes (127.1, 2130706433).
    A name whose last label is numeric but that is no valid address is refused: resolvers
    disagree about such names.
    """
    labels = name.split(".")
    if _number(labels[-1]) is None and not _DIGITS.fullmatch(labels[-1]):
        return None
    numbers = [_number(label) for label in labels]
    if len(labels) > 4 or None in numbers:
        raise CallbackURLRefused(f"{FIELD} has a host {name!r} that is not a valid IPv4 address")
    *leading, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(labels)):
        raise CallbackURLRefused(f"{FIELD} has an IPv4 host {name!r} with a part out of range")
    value = last
    for index, n in enumerate(leading):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _number(label: str) -> int | None:
    if _HEX.fullmatch(label):
        return int(label[2:] or "0", 16)
    if not _DIGITS.fullmatch(label):
        return None
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8) if set(label) <= set("01234567") else None
    return int(label)


# --------------------------------------------------------------------------- judging


def _judge(address: IPAddress, allow: tuple[IPNetwork, ...]) -> None:
    reason = _reason(address, allow)
    if reason is not None:
        raise CallbackURLRefused(
            f"{FIELD} points at {_unscoped(address)}, {reason}; webhooks are sent only to "
            "public addresses"
        )


def _judge_name(name: str, allow: tuple[IPNetwork, ...]) -> None:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        # Loopback by definition (RFC 6761): refused unless loopback is allowed.
        if all(_reason(ipaddress.ip_address(a), allow) for a in ("127.0.0.1", "::1")):
            raise CallbackURLRefused(
                f"{FIELD} points at {name!r}, a loopback name; webhooks are sent only to "
                "public addresses"
            )
        return
    if name.endswith(LOCAL_SUFFIXES) and not allow:
        # With an allow list these are judged when sent, by the addresses they resolve to.
        raise CallbackURLRefused(
            f"{FIELD} points at {name!r}, a name for an internal network (such as "
            "metadata.google.internal); webhooks are sent only to public hosts"
        )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in IPV4_MAPPED or address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIXTOFOUR:
        return address.sixtofour
    return None


def _unscoped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return ipaddress.IPv6Address(str(address).partition("%")[0])
    return address


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
