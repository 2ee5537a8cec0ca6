"""`audarma batch`: what the command sends, how it reads input, waits, reports and exits.

The commands talk to a scripted HTTP server on loopback that records every request as it
arrived on the wire (headers, and the body de-chunked by hand), so the tests see what a real
server would see: chunked transfer, the NDJSON lines, the query string. The end-to-end run
against `audarma serve` is in tests/integration/test_batches_e2e.py.
"""

from __future__ import annotations

import io
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from service import cli_batch
from service.cli import main


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """Answers (status, JSON or bytes, headers) in order per path; records every request."""

    answers: dict[str, deque] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str, status: int, body: object, headers: dict | None = None) -> None:
        self.answers.setdefault(path, deque()).append((status, body, headers or {}))


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while size := int(handler.rfile.readline().strip(), 16):
            body += handler.rfile.read(size)
            handler.rfile.readline()
        handler.rfile.readline()
        return body
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


@pytest.fixture
def server() -> Iterator[Scripted]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            body = _read_body(self) if self.command == "POST" else b""
            script.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            # An answer for the exact path and query, else for the path whatever the query.
            queue = script.answers.get(self.path) or script.answers.get(self.path.split("?")[0])
            status, payload, headers = queue.popleft() if queue else (404, {"error": {
                "code": "not_found", "message": f"no route {self.path}"}}, {})
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield script
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> None:
    """Polling sleeps are skipped: the scripted server answers the next state at once."""
    monkeypatch.setattr(cli_batch.time, "sleep", lambda seconds: None)


def run(*args: str, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(main, ["batch", *args], env={"AUDARMA_API_KEY": "k-123", **(env or {})})


def status_doc(status: str, done: int, failed: int = 0, total: int = 3, **extra) -> dict:
    counts = {"queued": total - done - failed, "running": 0, "done": done, "failed": failed,
              "cancelled": 0}
    return {"id": "b1", "name": "n", "status": status, "total": total, "counts": counts,
            "progress": (done + failed) / total, "rate": 12.5, "eta_seconds": 4,
            "failed_items": [], **extra}


def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "b.txt").write_text("Kassym-Zhomart Tokayev spoke.", encoding="utf-8")
    (folder / "a.html").write_text("<p>Astana, 28 March 2023</p>", encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- input


def test_a_folder_gives_one_line_per_article_file_named_by_its_file(tmp_path):
    lines = cli_batch.read_items(articles(tmp_path))

    assert isinstance(lines, Iterator)  # produced lazily, one file at a time
    assert [json.loads(line) for line in lines] == [
        {"id": "a.html", "html": "<p>Astana, 28 March 2023</p>"},
        {"id": "b.txt", "text": "Kassym-Zhomart Tokayev spoke."},
    ]


def test_jsonl_lines_go_through_as_they_are_so_the_server_judges_each(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": 1, "text": "x"}\n\n{not json\n{"id": 2, "text": "y"}')

    assert list(cli_batch.read_items(path)) == [
        b'{"id": 1, "text": "x"}\n', b"{not json\n", b'{"id": 2, "text": "y"}\n'
    ]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "empty", "no .txt, .html, .htm or .json (ninjs) files"),
    (lambda p: p / "a.csv", "give a folder of .txt/.html files or a .jsonl/.ndjson file"),
])
def test_unusable_input_exits_2_before_anything_is_sent(tmp_path, server, make, message):
    target = make(tmp_path)
    target.mkdir() if target.suffix == "" else target.write_text("x")

    result = run("submit", str(target), "--to", "ru-RU", "--url", server.url)

    assert result.exit_code == 2
    assert message in result.output
    assert server.seen == []


def test_a_file_that_is_not_utf8_is_named_with_the_way_to_fix_it(tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "cp1251.txt").write_bytes("Токаев".encode("cp1251"))

    with pytest.raises(cli_batch.BadInput, match=r"cp1251\.txt is not UTF-8 text.*iconv"):
        list(cli_batch.read_items(folder))


# --------------------------------------------------------------------------- submit


def test_submit_streams_ndjson_chunked_and_prints_the_id_alone_first(tmp_path, server):
    server.answer("/v1/batches", 202, {"id": "b1", "total": 2, "accepted": 2, "failed": 0})

    result = run("submit", str(articles(tmp_path)), "--to", "ru-RU, de-DE", "--from", "en",
                 "--url", server.url)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "b1"
    [post] = server.seen
    assert post.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in post.headers
    assert post.headers["Content-Type"] == "application/x-ndjson"
    assert post.headers["Authorization"] == "Bearer k-123"
    path, _, query = post.path.partition("?")
    assert path == "/v1/batches"
    assert parse_qs(query) == {"targets": ["ru-RU,de-DE"], "source_language": ["en"],
                               "name": ["desk"]}
    # The defaults travel in the query: the body is the items alone, line for line.
    lines = [json.loads(line) for line in post.body.splitlines()]
    assert [line["id"] for line in lines] == ["a.html", "b.txt"]


def test_submit_reports_lines_the_server_could_not_read(tmp_path, server):
    path = tmp_path / "items.ndjson"
    path.write_text('{"id": 1, "text": "x"}\n{oops\n')
    server.answer("/v1/batches", 202, {"id": "b9", "total": 2, "accepted": 1, "failed": 1})

    result = run("submit", str(path), "--to", "en-GB", "--name", "night desk", "--url",
                 server.url)

    assert result.exit_code == 0
    assert result.stdout == "b9\n"
    assert "1 of 2 lines could not be read" in result.stderr
    assert server.seen[0].body.splitlines() == [b'{"id": 1, "text": "x"}', b"{oops"]


def test_wait_logs_progress_and_exits_0_when_every_item_is_done(tmp_path, server):
    server.answer("/v1/batches", 202, {"id": "b1", "total": 3, "accepted": 3, "failed": 0})
    server.answer("/v1/batches/b1", 200, status_doc("running", 1))
    server.answer("/v1/batches/b1", 200, status_doc("done", 3, eta_seconds=None))

    result = run("submit", str(articles(tmp_path)), "--to", "ru-RU", "--wait",
                 "--url", server.url)

    assert result.exit_code == 0, result.output
    assert result.stdout == "b1\n"
    assert "batch b1 running: 1/3 finished, 1 done, 0 failed, 12.5 items/s, ETA 4s" in \
        result.stderr
    assert "3 of 3 items done, 0 failed, 0 cancelled" in result.stderr


def test_wait_exits_1_and_lists_the_failed_items_with_their_errors(tmp_path, server):
    failed = [{"id": "b.txt", "line": 3, "error": "unknown locale 'xx-XX'"}]
    server.answer("/v1/batches", 202, {"id": "b1", "total": 3, "accepted": 3, "failed": 0})
    server.answer("/v1/batches/b1", 200, status_doc("done", 2, 1, failed_items=failed))

    result = run("submit", str(articles(tmp_path)), "--to", "ru-RU", "--wait",
                 "--url", server.url)

    assert result.exit_code == 1
    assert "2 of 3 items done, 1 failed" in result.stderr
    assert "failed: b.txt (line 3): unknown locale 'xx-XX'" in result.stderr
    assert "some items did not finish" in result.stderr


def test_a_refusal_is_shown_with_the_servers_message(tmp_path, server):
    server.answer("/v1/batches", 422, {"error": {"code": "unprocessable",
                                                 "message": "unknown target 'xx'"}})

    result = run("submit", str(articles(tmp_path)), "--to", "xx", "--url", server.url)

    assert result.exit_code == 2
    assert "the API answered 422: unknown target 'xx'" in result.output


def test_connection_refused_names_the_url(tmp_path, unused_port):
    url = f"http://127.0.0.1:{unused_port}"

    result = run("status", "b1", env={"AUDARMA_URL": url})

    assert result.exit_code == 1
    assert f"cannot reach the audarma API at {url}: connection refused" in result.output


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


# --------------------------------------------------------------------------- the others


def test_status_waits_out_a_429_and_reads_url_and_key_from_the_environment(server):
    server.answer("/v1/batches/b1", 429, {"error": {"code": "too_many_requests",
                                                    "message": "slow down"}},
                  {"Retry-After": "2"})
    server.answer("/v1/batches/b1", 200, status_doc("running", 2, 1, failed_items=[
        {"id": "x", "line": None, "error": "engine 'deepl' is not configured"}]))

    result = run("status", "b1", env={"AUDARMA_URL": server.url, "AUDARMA_API_KEY": "env-k"})

    assert result.exit_code == 0, result.output
    assert "batch b1 running: 3/3 finished, 2 done, 1 failed" in result.stdout
    assert "failed: x: engine 'deepl' is not configured" in result.stdout
    assert [s.headers["Authorization"] for s in server.seen] == ["Bearer env-k"] * 2


def test_cancel_and_retry_post_to_their_routes(server):
    server.answer("/v1/batches/b1/cancel", 200, status_doc("cancelled", 1))
    server.answer("/v1/batches/b1/retry", 200, status_doc("running", 1))

    cancelled = run("cancel", "b1", "--url", server.url)
    retried = run("retry", "b1", "--url", server.url)

    assert (cancelled.exit_code, retried.exit_code) == (0, 0)
    assert "batch b1 cancelled" in cancelled.stdout
    assert "batch b1 running" in retried.stdout
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", "/v1/batches/b1/cancel"), ("POST", "/v1/batches/b1/retry")]


@pytest.mark.parametrize("name, fmt", [("out.zip", "zip"), ("out.jsonl", "jsonl"),
                                       ("OUT.NDJSON", "jsonl")])
def test_results_format_follows_the_extension_and_lands_whole(tmp_path, server, name, fmt):
    payload = bytes(range(256)) * 1000  # larger than one read
    server.answer(f"/v1/batches/b1/results?format={fmt}", 200, payload)

    result = run("results", "b1", "-o", str(tmp_path / name), "--url", server.url)

    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_bytes() == payload
    assert list(tmp_path.iterdir()) == [tmp_path / name]  # no .part left behind


def test_results_refuses_an_unknown_extension_without_asking(tmp_path, server):
    result = run("results", "b1", "-o", str(tmp_path / "out.txt"), "--url", server.url)

    assert result.exit_code == 2
    assert "the name must end in .jsonl, .ndjson, .zip" in result.output
    assert server.seen == []


def test_a_missing_batch_is_reported_and_no_file_is_written(tmp_path, server):
    result = run("results", "nope", "-o", str(tmp_path / "out.zip"), "--url", server.url)

    assert result.exit_code == 1
    assert "the API answered 404: no route /v1/batches/nope/results?format=zip" in result.output
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- progress


def test_on_a_terminal_progress_rewrites_one_line():
    states = iter([status_doc("running", 1), status_doc("running", 2),
                   status_doc("done", 3, eta_seconds=None)])

    class FakeApi:
        def json(self, method, path):
            return next(states)

    out = io.StringIO()
    final = cli_batch.wait_for(FakeApi(), "b1", out, tty=True, sleep=lambda s: None)

    assert final["status"] == "done"
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("\n")
    assert "ETA" not in text.rsplit("\r", 1)[1]


def test_off_a_terminal_progress_is_a_line_every_few_seconds():
    states = iter([status_doc("running", n % 3) for n in range(10)]
                  + [status_doc("done", 3)])
    now = [0.0]

    class FakeApi:
        def json(self, method, path):
            now[0] += 1.0  # each poll takes a second
            return next(states)

    out = io.StringIO()
    cli_batch.wait_for(FakeApi(), "b1", out, tty=False, clock=lambda: now[0],
                       sleep=lambda s: None)

    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 3  # at 1 s, 6 s, and the final state at 11 s
    assert lines[-1].startswith("batch b1 done: 3/3 finished")


def test_a_json_file_in_a_folder_is_sent_as_a_ninjs_item(tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    item = {"uri": "urn:example:1", "headline": "Tokayev in Astana",
            "body_text": "Kassym-Zhomart Tokayev spoke on 28 March 2023."}
    (folder / "story.json").write_text(json.dumps(item), encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")

    lines = cli_batch.read_items(folder)

    with pytest.raises(cli_batch.BadInput, match="broken.json is not a JSON ninjs item"):
        next(lines)
    (folder / "broken.json").unlink()
    assert [json.loads(line) for line in cli_batch.read_items(folder)] == [
        {"id": "story.json", "ninjs": item}]
