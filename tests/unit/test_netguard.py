"""Callback URLs that could reach inside our network (SSRF) are refused, at submit and at send.

The send-time tests run real HTTP(S) receivers on loopback addresses; a resolver is passed in
where a test needs a name to resolve to a chosen address (there is no DNS to rely on here).
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.app import create_app
from service.config import Settings, SettingsError
from service.netguard import CallbackURLRefused, check_callback_url, refusal_reason
from service.webhooks import SIGNATURE_HEADER, post, verify_signature

LOOPBACK = ("127.0.0.0/8", "::1/128")

# (URL, a phrase the refusal must contain): every way to spell a non-public destination.
REFUSED = [
    # shape
    ("ftp://hooks.example.com/h", "http(s) URL"),
    ("file:///etc/passwd", "http(s) URL"),
    ("gopher://hooks.example.com:70/_x", "http(s) URL"),
    ("hooks.example.com/h", "without a scheme"),
    ("http:hooks.example.com", "http(s) URL"),
    ("http:///path", "has no host"),
    ("http://:80/", "has no host"),
    ("https://user:pw@hooks.example.com/", "credentials"),
    ("https://user@hooks.example.com/", "credentials"),
    ("http://hooks.example.com@127.0.0.1/", "credentials"),
    ("http://127.0.0.1\\@hooks.example.com/", "credentials"),
    ("https://hooks.example.com/" + "a" * 2000, "limit is 2000"),
    ("http://hooks.example.com/a b", "whitespace"),
    ("http://hooks.example.com/\tx", "whitespace"),
    (" http://hooks.example.com/", "whitespace"),
    ("http://hooks.example.com/\r\nX-Injected: 1", "whitespace"),
    ("http://hooks.example.com/\x00", "control character"),
    ("http://hooks.example.com/\x7f", "control character"),
    ("http://hooks.example.com/\u0085", "whitespace or a control"),
    ("http://hooks.example.com/\u3000", "whitespace"),
    ("http://hooks.example.com:0/", "invalid port '0'"),
    ("http://hooks.example.com:65536/", "invalid port"),
    ("http://hooks.example.com:-1/", "invalid port"),
    ("http://hooks.example.com:8o/", "invalid port"),
    ("http://hooks.example.com:٨٠/", "invalid port"),  # Arabic-Indic digits are no port
    ("http://hooks.example.com:80:81/", "malformed host"),
    ("http://::1/", "malformed host"),
    ("http://[::1/", "not a valid URL"),
    ("http://[127.0.0.1]/", "not a valid URL"),
    ("http://hooks..example.com/", "invalid host"),
    ("http://hooks_example.com\\x/", "invalid host"),
    ("http://-hooks.example.com/", "invalid host"),
    # IPv4, plain
    ("http://127.0.0.1/", "loopback"),
    ("http://127.255.255.254:8080/x", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.255/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://169.254.0.1/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.255/", "carrier-grade NAT"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.0.9/", "IETF protocol"),
    ("http://192.0.2.1/", "documentation"),
    ("http://198.51.100.7/", "documentation"),
    ("http://203.0.113.9/", "documentation"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://192.88.99.1/", "6to4 relay"),
    # IPv4, other spellings (integer, hex, octal, shortened, mixed, trailing dot, escapes)
    ("http://2130706433/", "points at 127.0.0.1"),
    ("http://0x7f000001/", "points at 127.0.0.1"),
    ("http://0X7F000001/", "points at 127.0.0.1"),
    ("http://0x7f.1/", "points at 127.0.0.1"),
    ("http://0x7f.0x0.0x0.0x1/", "points at 127.0.0.1"),
    ("http://0177.0.0.1/", "points at 127.0.0.1"),
    ("http://0177.0000.0000.0001/", "points at 127.0.0.1"),
    ("http://017700000001/", "points at 127.0.0.1"),
    ("http://127.1/", "points at 127.0.0.1"),
    ("http://127.0.1/", "points at 127.0.0.1"),
    ("http://0xa9.254.169.254/", "points at 169.254.169.254"),
    ("http://2852039166/", "points at 169.254.169.254"),
    ("http://0251.0376.0251.0376/", "points at 169.254.169.254"),
    ("http://10.1/", "points at 10.0.0.1"),
    ("http://0xc0a80001/", "points at 192.168.0.1"),
    ("http://127.0.0.1./", "points at 127.0.0.1"),
    ("http://0x7f.1.:8000/", "points at 127.0.0.1"),
    ("http://%31%32%37.0.0.1/", "points at 127.0.0.1"),
    ("http://１２７．０．０．１/", "points at 127.0.0.1"),  # full-width, read through IDNA
    ("http://127。0。0。1/", "points at 127.0.0.1"),  # ideographic full stops
    ("http://0x/", "points at 0.0.0.0"),
    ("http://127.0.0.1../", "invalid host"),
    ("http://1.2.3.4.5/", "not a valid IPv4 address"),
    ("http://08.0.0.1/", "not a valid IPv4 address"),  # 08 is no octal number
    ("http://0xfg.1/", "not a valid IPv4 address"),
    ("http://4294967296/", "out of range"),
    ("http://256.0.0.1/", "out of range"),
    ("http://127.0.65536/", "out of range"),
    # IPv6
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]:8080/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback address (127.0.0.1) inside"),
    ("http://[::ffff:7f00:1]/", "loopback address (127.0.0.1) inside"),
    ("http://[0:0:0:0:0:ffff:7f00:1]/", "loopback address (127.0.0.1) inside"),
    ("http://[::ffff:169.254.169.254]/", "link-local address (cloud metadata lives here)"),
    ("http://[::ffff:a00:1]/", "private address (10.0.0.1) inside"),
    ("http://[::127.0.0.1]/", "IPv4-compatible"),
    ("http://[64:ff9b::127.0.0.1]/", "loopback address (127.0.0.1) inside"),
    ("http://[64:ff9b::a9fe:a9fe]/", "(169.254.169.254) inside"),
    ("http://[64:ff9b:1::808:808]/", "local-use NAT64"),
    ("http://[2002:7f00:1::]/", "loopback address (127.0.0.1) inside"),
    ("http://[2002:c0a8:101::1]/", "private address (192.168.1.1) inside"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://[FE80::A:B%25en0]:8443/", "link-local"),
    ("http://[fe80::1%25]/", "invalid IPv6 zone"),
    ("http://[fc00::1]/", "unique-local"),
    ("http://[fd12:3456:789a::1]/", "unique-local"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[2001:db8::1]/", "documentation"),
    ("http://[3fff::1]/", "documentation"),
    ("http://[2001::1]/", "Teredo"),
    ("http://[100::1]/", "discard-only"),
    ("http://[5f00::1]/", "SRv6"),
    ("http://[::ffff:0.0.0.0]/", "unspecified"),
    ("http://[v1.fe]/", "invalid IPv6 address"),
    # names that are local by definition
    ("http://localhost/", "loopback name"),
    ("http://LOCALHOST:8000/", "loopback name"),
    ("http://localhost./", "loopback name"),
    ("http://api.localhost/", "loopback name"),
    ("http://ip6-localhost/", "loopback name"),
    ("http://%6c%6f%63%61%6c%68%6f%73%74/", "loopback name"),
    ("http://ｌｏｃａｌｈｏｓｔ/", "loopback name"),  # full-width letters, NFKC through IDNA
    ("http://metadata.google.internal/computeMetadata/v1/", "internal network"),
    ("http://metadata.google.internal./", "internal network"),
    ("http://db.corp.internal/", "internal network"),
    ("http://printer.local/", "internal network"),
    ("http://nas.home.arpa/", "internal network"),
]

ACCEPTED = [
    ("https://hooks.example.com/audarma", "hooks.example.com", 443, "/audarma"),
    ("http://hooks.example.com", "hooks.example.com", 80, "/"),
    ("HTTPS://Hooks.Example.COM:8443/a/b?c=d&e=f#frag", "hooks.example.com", 8443, "/a/b?c=d&e=f"),
    ("https://hooks.example.com./", "hooks.example.com", 443, "/"),
    ("https://hooks.example.com:/x", "hooks.example.com", 443, "/x"),
    ("https://пример.рф/hook", "xn--e1afmkfd.xn--p1ai", 443, "/hook"),
    ("https://xn--e1afmkfd.xn--p1ai/hook", "xn--e1afmkfd.xn--p1ai", 443, "/hook"),
    ("https://my_hooks.example.com/", "my_hooks.example.com", 443, "/"),
    ("https://127.0.0.1.nip.io/", "127.0.0.1.nip.io", 443, "/"),  # a name: judged when sent
    ("https://0x7f.example.com/", "0x7f.example.com", 443, "/"),  # last label not numeric
    ("https://notlocalhost.com/", "notlocalhost.com", 443, "/"),
    ("https://internal.example.com/", "internal.example.com", 443, "/"),
    ("https://localhost.example.com/", "localhost.example.com", 443, "/"),
    ("http://8.8.8.8/", "8.8.8.8", 80, "/"),
    ("http://93.184.215.14:8080/x", "93.184.215.14", 8080, "/x"),
    ("http://134744072/", "8.8.8.8", 80, "/"),  # other spellings of public addresses are fine
    ("http://0x08080808/", "8.8.8.8", 80, "/"),
    ("http://010.010.010.010/", "8.8.8.8", 80, "/"),
    ("http://100.63.255.255/", "100.63.255.255", 80, "/"),  # just below CGNAT
    ("http://100.128.0.1/", "100.128.0.1", 80, "/"),  # just above it
    ("http://172.15.255.255/", "172.15.255.255", 80, "/"),
    ("http://172.32.0.1/", "172.32.0.1", 80, "/"),
    ("http://[2606:4700:4700::1111]/", "2606:4700:4700::1111", 80, "/"),
    ("https://[2a00:1450:4001:82b::200e]:8443/h", "2a00:1450:4001:82b::200e", 8443, "/h"),
    ("http://[::ffff:8.8.8.8]/", "::ffff:808:808", 80, "/"),
    ("http://[64:ff9b::808:808]/", "64:ff9b::808:808", 80, "/"),
    ("http://[2002:808:808::1]/", "2002:808:808::1", 80, "/"),
    ("https://hooks.example.com:65535/", "hooks.example.com", 65535, "/"),
    ("https://hooks.example.com/%20encoded%0Apath", "hooks.example.com", 443, "/%20encoded%0Apath"),
]


@pytest.mark.parametrize(("url", "phrase"), REFUSED)
def test_refused_urls_name_the_reason(url, phrase):
    with pytest.raises(CallbackURLRefused) as refused:
        check_callback_url(url)
    message = str(refused.value)
    assert phrase in message
    assert message.startswith("'callback_url' ")


@pytest.mark.parametrize(("url", "host", "port", "path"), ACCEPTED)
def test_accepted_urls_and_where_they_point(url, host, port, path):
    target = check_callback_url(url)
    assert (target.host, target.port, target.path) == (host, port, path)


def test_the_tables_are_large_and_cover_each_family():
    assert len(REFUSED) + len(ACCEPTED) >= 60
    assert len(REFUSED) >= 100


def test_a_credentials_refusal_never_echoes_them():
    for url in ("https://alice:hunter2@hooks.example.com/", "ftp://alice:hunter2@x.com/"):
        with pytest.raises(CallbackURLRefused) as refused:
            check_callback_url(url)
        assert "hunter2" not in str(refused.value)


def test_not_a_string_is_refused():
    with pytest.raises(CallbackURLRefused, match="URL string"):
        check_callback_url(["http://x.com"])


def test_a_url_of_exactly_the_limit_is_accepted():
    url = "https://hooks.example.com/"
    url += "a" * (2000 - len(url))
    assert check_callback_url(url).host == "hooks.example.com"
    with pytest.raises(CallbackURLRefused, match="2001 characters"):
        check_callback_url(url + "a")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/h", "http://2130706433/", "http://0x7f.1/", "http://[::1]/",
     "http://[::ffff:127.0.0.1]/", "http://localhost:8000/", "http://api.localhost/",
     "http://db.corp.internal/"],
)
def test_the_allow_list_admits_its_networks(url):
    check_callback_url(url, LOOPBACK)


def test_the_allow_list_admits_only_its_networks():
    allow = ("127.0.0.1/32",)
    assert check_callback_url("http://127.0.0.1/", allow).address == ipaddress.ip_address(
        "127.0.0.1"
    )
    for url in ("http://127.0.0.2/", "http://10.0.0.1/", "http://[::1]/",
                "http://169.254.169.254/"):
        with pytest.raises(CallbackURLRefused):
            check_callback_url(url, allow)
    check_callback_url("http://localhost/", allow)  # loopback is allowed (for IPv4)
    with pytest.raises(CallbackURLRefused, match="loopback name"):
        check_callback_url("http://localhost/", ("10.0.0.0/8",))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("169.254.169.254", "a link-local address (cloud metadata lives here)"),
        ("fd00:ec2::254", "a unique-local (private) address"),  # AWS's IPv6 metadata address
        ("::ffff:10.0.0.1", "a private address (10.0.0.1) inside an IPv6 address"),
        ("fe80::1%eth0", "a link-local address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_refusal_reason_for_a_resolved_address(address, reason):
    assert refusal_reason(ipaddress.ip_address(address)) == reason


# --------------------------------------------------------------------------- settings


def test_allow_networks_setting_is_read_and_checked():
    settings = Settings.from_env({"AUDARMA_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8, ::1/128"})
    assert settings.webhook_allow_networks == ("127.0.0.0/8", "::1/128")
    assert Settings.from_env({}).webhook_allow_networks == ()
    for bad in ("127.0.0.1/8", "localhost", "10.0.0.0/33", "127.0.0.0/8,nope"):
        with pytest.raises(SettingsError, match="AUDARMA_WEBHOOK_ALLOW_NETWORKS"):
            Settings.from_env({"AUDARMA_WEBHOOK_ALLOW_NETWORKS": bad})


# --------------------------------------------------------------------------- the API


@pytest.fixture
def make_client(database, queue):
    def make(**settings):
        app = create_app({"TESTING": True, **settings}, enqueue=queue, database=database)
        queue.store = app.extensions["audarma"].jobs
        client = app.test_client()
        key = app.extensions["audarma"].keys.create("editor")[0]
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return client

    return make


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("http://169.254.169.254/latest/meta-data/", "points at 169.254.169.254, a link-local"),
        ("http://2130706433:8080/", "points at 127.0.0.1, a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "a private address (10.0.0.1)"),
        ("http://metadata.google.internal/", "internal network"),
        ("https://me:secret@hooks.example.com/", "must not contain credentials"),
        ("http://hooks.example.com:99999/", "invalid port"),
        ("http://hooks.example.com/\n", "whitespace or a control character"),
    ],
)
def test_submit_refuses_with_422_naming_the_reason(make_client, queue, url, phrase):
    client = make_client()
    response = client.post("/v1/jobs", json={"text": "a", "targets": ["ru-RU"],
                                             "callback_url": url})  # fmt: skip
    assert response.status_code == 422, response.get_data(as_text=True)
    assert phrase in response.get_json()["error"]["message"]
    assert queue.calls == []


def test_submit_accepts_public_urls_and_allowed_networks(make_client, queue):
    payload = {"text": "a", "targets": ["ru-RU"]}
    public = make_client().post("/v1/jobs", json={**payload,
                                                  "callback_url": "https://hooks.example.com/a"})
    assert public.status_code == 202, public.get_data(as_text=True)

    refused = make_client().post("/v1/jobs", json={**payload,
                                                   "callback_url": "http://127.0.0.1:9/h"})
    allowed = make_client(webhook_allow_networks=LOOPBACK).post(
        "/v1/jobs", json={**payload, "callback_url": "http://127.0.0.1:9/h"}
    )
    assert (refused.status_code, allowed.status_code) == (422, 202)


def test_batch_items_take_no_callback_url(make_client):
    client = make_client()
    body = {"items": [{"text": "a", "callback_url": "http://169.254.169.254/"}],
            "targets": ["ru-RU"]}  # fmt: skip
    response = client.post("/v1/batches", json=body)
    assert response.status_code in (400, 422)
    assert "callback_url" in response.get_json()["error"]["message"]


# --------------------------------------------------------------------------- sending


class Receiver:
    """An HTTP(S) server on a loopback address that records the requests it answers."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def resolving_to(*answers: str):
    """A resolver answering `answers` (the first lookup) and counting its lookups."""

    def resolver(host: str, port: int):
        resolver.lookups.append(host)
        return [ipaddress.ip_address(a) for a in answers]

    resolver.lookups = []
    return resolver


def test_a_loopback_receiver_gets_nothing_without_the_allow_list():
    with Receiver() as receiver:
        for url in (f"http://127.0.0.1:{receiver.port}/hook",
                    f"http://localhost:{receiver.port}/hook",
                    f"http://2130706433:{receiver.port}/hook"):
            delivery = post(url, b"{}", "s3cret", timeout=5)
            assert delivery.permanent and not delivery.delivered, url
            assert delivery.status_code is None
            assert delivery.error.startswith("refused: ") and "public" in delivery.error
    assert receiver.requests == []


def test_a_loopback_receiver_is_reached_with_the_allow_list():
    with Receiver() as receiver:
        # A real lookup of "localhost": may answer ::1 first, where nothing listens, and then
        # 127.0.0.1; both are allowed, and the second address is tried when the first refuses.
        delivery = post(f"http://localhost:{receiver.port}/hook", b'{"id":"j1"}', "s3cret",
                        timeout=5, allow=LOOPBACK)  # fmt: skip
    assert (delivery.status_code, delivery.delivered, delivery.permanent) == (204, True, False)
    [(path, headers, body)] = receiver.requests
    assert (path, body) == ("/hook", b'{"id":"j1"}')
    assert headers["Host"] == f"localhost:{receiver.port}"
    assert verify_signature("s3cret", body, headers[SIGNATURE_HEADER])


def test_a_name_resolving_to_any_refused_address_is_not_sent_to():
    resolver = resolving_to("93.184.215.14", "127.0.0.1")
    with Receiver() as receiver:
        delivery = post(f"http://hooks.example.com:{receiver.port}/h", b"{}", "s3cret",
                        resolver=resolver)  # fmt: skip
    assert delivery.permanent and delivery.status_code is None
    assert delivery.error == (
        "refused: 'hooks.example.com' resolves to 127.0.0.1, a loopback address; webhooks are "
        "sent only to public addresses"
    )
    assert receiver.requests == []


def test_a_url_stored_before_the_rules_is_refused_when_sent():
    delivery = post("http://169.254.169.254/latest/meta-data/", b"{}", "s3cret")
    assert delivery.permanent and "link-local" in delivery.error


def test_a_lookup_that_fails_is_a_retryable_attempt():
    def unresolvable(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    delivery = post("https://hooks.example.com/h", b"{}", "s3cret", resolver=unresolvable)
    assert not delivery.permanent and delivery.status_code is None
    assert delivery.error.startswith("cannot connect: cannot resolve 'hooks.example.com'")


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup():
    """A rebinding DNS server answers 127.0.0.2 (allowed) to the check and 127.0.0.1 (not
    allowed, where a second receiver waits on the same port) to any later lookup: the POST
    must reach 127.0.0.2 with the name in its Host header, and the name be looked up once."""
    checked = Receiver("127.0.0.2")
    other = _bind_same_port("127.0.0.1", checked.port)
    lookups: list[str] = []

    def rebinding(host, port):
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.2" if len(lookups) == 1 else "127.0.0.1")]

    with checked, other:
        delivery = post(f"http://rebind.example:{checked.port}/h", b"{}", "s3cret", timeout=5,
                        allow=("127.0.0.2/32",), resolver=rebinding)  # fmt: skip

    assert delivery.delivered, delivery
    assert lookups == ["rebind.example"]
    assert [headers["Host"] for _, headers, _ in checked.requests] == [
        f"rebind.example:{checked.port}"
    ]
    assert other.requests == []


def _bind_same_port(host: str, port: int) -> Receiver:
    try:
        return Receiver(host, port)
    except OSError as exc:  # the port is taken on that address by another program
        pytest.skip(f"cannot listen on {host}:{port}: {exc}")


# --------------------------------------------------------------------------- https


@contextmanager
def tls_receiver(tmp_path, name: str) -> Iterator[tuple[Receiver, ssl.SSLContext]]:
    """An HTTPS receiver on 127.0.0.1 whose self-signed certificate names `name` only, and a
    client context that trusts that certificate (and checks host names, as the default does)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    with Receiver(tls=server_side) as receiver:
        yield receiver, client_side


def test_https_checks_the_certificate_against_the_name_not_the_address(tmp_path):
    with tls_receiver(tmp_path, "hooks.example.test") as (receiver, trust):
        delivery = post(f"https://hooks.example.test:{receiver.port}/h", b"{}", "s3cret",
                        timeout=5, allow=LOOPBACK, resolver=resolving_to("127.0.0.1"),
                        tls=trust)  # fmt: skip
    assert delivery.delivered, delivery
    assert receiver.requests[0][1]["Host"] == f"hooks.example.test:{receiver.port}"


def test_https_to_a_host_the_certificate_does_not_name_sends_nothing(tmp_path):
    with tls_receiver(tmp_path, "other.example.test") as (receiver, trust):
        delivery = post(f"https://hooks.example.test:{receiver.port}/h", b"{}", "s3cret",
                        timeout=5, allow=LOOPBACK, resolver=resolving_to("127.0.0.1"),
                        tls=trust)  # fmt: skip
    assert not delivery.delivered and delivery.status_code is None
    assert delivery.error.startswith("cannot connect: TLS: ")
    assert "hooks.example.test" in delivery.error
    assert receiver.requests == []
