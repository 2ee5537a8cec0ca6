"""`audarma batch`: submit many articles to a running API as one batch, follow it, fetch results.

Talks HTTP with the standard library only. The upload is NDJSON sent with chunked transfer from
a generator, so a folder of 100,000 articles is read one file at a time and never held whole;
the results are streamed to disk the same way. Exit codes: 0 all done, 1 some items failed
(or the server refused), 2 bad input (nothing sent).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

# A .json file in a folder is one IPTC ninjs item (docs/result-document.md, "ninjs items").
ARTICLE_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html", ".json": "ninjs"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
RESULT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".zip": "zip"}
DEFAULT_URL = "http://127.0.0.1:8000"
POLL_SECONDS = 1.0
LOG_EVERY_SECONDS = 5.0  # progress lines when stderr is not a terminal
TIMEOUT_SECONDS = 60.0
CHUNK_BYTES = 64 * 1024
SHOWN_FAILURES = 10
BAD_INPUT_STATUSES = (400, 413, 415, 422)
FINISHED = ("done", "cancelled")


class BadInput(click.ClickException):
    """The input cannot be sent: nothing reached the server."""

    exit_code = 2


class ApiProblem(click.ClickException):
    """The server answered with an error; its own message is shown."""

    def __init__(self, status: int, message: str, retry_after: float | None = None):
        super().__init__(f"the API answered {status}: {message}")
        self.status = status
        self.retry_after = retry_after


class InputRefused(ApiProblem):
    """The server refused what was sent as bad input (400, 413, 415, 422)."""

    exit_code = 2


def api_problem(status: int, message: str, retry_after: float | None = None) -> ApiProblem:
    kind = InputRefused if status in BAD_INPUT_STATUSES else ApiProblem
    return kind(status, message, retry_after)


# --------------------------------------------------------------------------- reading input


def read_items(path: Path) -> Iterator[bytes]:
    """NDJSON lines (bytes, newline-terminated) for the items in PATH, produced lazily.

    A folder gives one item per .txt/.html file, its file name as the id; a .jsonl/.ndjson
    file is passed through line by line (blank lines dropped), so that the server judges each
    line and a malformed one becomes a failed item instead of stopping the whole batch.
    Problems found before anything is sent (no such files, not UTF-8) raise BadInput."""
    if path.is_dir():
        files = _article_files(path)
        return (_folder_line(file) for file in files)
    if path.suffix.lower() in JSONL_SUFFIXES:
        return _jsonl_lines(path)
    raise BadInput(f"{path}: give a folder of .txt/.html files or a .jsonl/.ndjson file")


def _article_files(folder: Path) -> list[Path]:
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
    )
    if not files:
        raise BadInput(f"{folder}: no .txt, .html, .htm or .json (ninjs) files in this folder")
    return files


def _folder_line(file: Path) -> bytes:
    kind = ARTICLE_SUFFIXES[file.suffix.lower()]
    text = _read_text(file)
    if kind != "ninjs":
        return json.dumps({"id": file.name, kind: text}, ensure_ascii=False).encode() + b"\n"
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{file} is not a JSON ninjs item: {exc.msg} at line {exc.lineno}"
                       ) from exc
    return json.dumps({"id": file.name, "ninjs": item}, ensure_ascii=False).encode() + b"\n"


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{path} is not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "convert it first, e.g. iconv -f cp1251 -t utf-8"
        ) from exc


def _jsonl_lines(path: Path) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    return _nonblank(handle)


def _nonblank(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        for line in handle:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


def submit_path(targets: list[str], source_language: str, name: str) -> str:
    """POST /v1/batches with the batch's defaults in the query string, not in a header line:
    the body is then the items alone, and the line numbers the server gives failed items are
    the lines of the file the user submitted."""
    query = urllib.parse.urlencode(
        {"targets": ",".join(targets), "source_language": source_language, "name": name})
    return f"/v1/batches?{query}"


def parse_targets(value: str) -> list[str]:
    targets = [t.strip() for t in value.split(",") if t.strip()]
    if not targets:
        raise BadInput(f"--to {value!r}: give at least one locale, e.g. --to ru-RU,de-DE")
    return targets


# --------------------------------------------------------------------------- HTTP


class Api:
    """The calls the commands need; connection and HTTP errors become readable messages."""

    def __init__(self, url: str, key: str):
        self.url = url.rstrip("/")
        self.key = key

    def open(
        self,
        method: str,
        path: str,
        body: Iterable[bytes] | bytes | None = None,
        content_type: str = "application/json",
    ) -> http.client.HTTPResponse:
        """The open response. An iterable body goes out with Transfer-Encoding: chunked
        (urllib does so when it cannot know the length), one piece at a time."""
        req = urllib.request.Request(self.url + path, data=body, method=method)
        req.add_header("Authorization", f"Bearer {self.key}")
        if body is not None:
            req.add_header("Content-Type", content_type)
        try:
            return urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS)
        except urllib.error.HTTPError as exc:
            raise api_problem(exc.code, _error_message(exc), _retry_after(exc)) from exc
        except urllib.error.URLError as exc:
            raise click.ClickException(self._unreachable(exc.reason)) from exc
        except OSError as exc:  # the server closed the connection while we were sending
            raise click.ClickException(self._unreachable(exc)) from exc

    def json(self, method: str, path: str) -> dict[str, Any]:
        with self.open(method, path) as response:
            return json.loads(response.read())

    def _unreachable(self, reason: object) -> str:
        if isinstance(reason, ConnectionRefusedError):
            reason = "connection refused"
        return (f"cannot reach the audarma API at {self.url}: {reason} "
                "(is it running? set --url or AUDARMA_URL)")


def _error_message(exc: urllib.error.HTTPError) -> str:
    raw = exc.read()
    try:
        return json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return raw.decode("utf-8", "replace")[:200] or str(exc.reason)


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    try:
        return float(exc.headers.get("Retry-After", ""))
    except ValueError:
        return None


def batch_path(batch_id: str, suffix: str = "") -> str:
    return f"/v1/batches/{urllib.parse.quote(batch_id, safe='')}{suffix}"


# --------------------------------------------------------------------------- progress


def describe(batch: dict) -> str:
    """One line: counts, rate and ETA as the server reports them."""
    counts = batch.get("counts", {})
    finished = sum(counts.get(k, 0) for k in ("done", "failed", "cancelled"))
    parts = [f"{finished}/{batch.get('total', 0)} finished", f"{counts.get('done', 0)} done",
             f"{counts.get('failed', 0)} failed"]
    if counts.get("cancelled"):
        parts.append(f"{counts['cancelled']} cancelled")
    if batch.get("rate"):
        parts.append(f"{batch['rate']:.1f} items/s")
    if batch.get("eta_seconds") is not None and batch.get("status") not in FINISHED:
        parts.append(f"ETA {_duration(batch['eta_seconds'])}")
    return f"batch {batch.get('id')} {batch.get('status')}: " + ", ".join(parts)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def fetch_status(
    api: Api, batch_id: str, sleep: Callable[[float], None] | None = None
) -> dict:
    """GET the batch; when throttled (429) or briefly unavailable (503), wait as the server
    asks and try again rather than give up on a long batch."""
    sleep = sleep or time.sleep
    while True:
        try:
            return api.json("GET", batch_path(batch_id))
        except ApiProblem as exc:
            if exc.status not in (429, 503):
                raise
            sleep(exc.retry_after or POLL_SECONDS * 5)


def wait_for(
    api: Api,
    batch_id: str,
    out: IO[str],
    tty: bool,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] | None = None,
) -> dict:
    """Poll until the batch is done or cancelled. On a terminal one line is rewritten in place;
    otherwise (a log, CI) a line is written every LOG_EVERY_SECONDS and at the end."""
    sleep = sleep or time.sleep
    last_logged = None
    while True:
        batch = fetch_status(api, batch_id, sleep)
        finished = batch.get("status") in FINISHED
        line = describe(batch)
        if tty:
            out.write("\r" + line + "\x1b[K" + ("\n" if finished else ""))
            out.flush()
        elif finished or last_logged is None or clock() - last_logged >= LOG_EVERY_SECONDS:
            out.write(line + "\n")
            out.flush()
            last_logged = clock()
        if finished:
            return batch
        sleep(poll)


def summary(batch: dict, seconds: float) -> str:
    """The closing report: counts, time taken, and the first failed items with their errors."""
    counts = batch.get("counts", {})
    done, failed = counts.get("done", 0), counts.get("failed", 0)
    lines = [f"{done} of {batch.get('total', 0)} items done, {failed} failed, "
             f"{counts.get('cancelled', 0)} cancelled in {_duration(seconds)}"]
    shown = batch.get("failed_items", [])[:SHOWN_FAILURES]
    lines += [f"  failed: {_failure(item)}" for item in shown]
    if failed > SHOWN_FAILURES:
        lines.append(f"  ... and {failed - SHOWN_FAILURES} more (audarma batch status "
                     f"{batch.get('id')})")
    return "\n".join(lines)


def _failure(item: dict) -> str:
    where = f" (line {item['line']})" if item.get("line") is not None else ""
    return f"{item.get('id')}{where}: {item.get('error')}"


def exit_code(batch: dict) -> int:
    """0 when every item is done, 1 when any failed or was cancelled."""
    counts = batch.get("counts", {})
    return 0 if counts.get("done", 0) == batch.get("total", 0) else 1


# --------------------------------------------------------------------------- the commands


def connection_options(command: Callable) -> Callable:
    command = click.option(
        "--key", envvar="AUDARMA_API_KEY", required=True,
        help="API key (editor or admin); default: $AUDARMA_API_KEY.")(command)
    return click.option(
        "--url", envvar="AUDARMA_URL", default=DEFAULT_URL, show_default=True,
        help="Base URL of the audarma API; default: $AUDARMA_URL.")(command)


@click.group()
def batch() -> None:
    """Localize many articles at once through a running audarma API."""


@batch.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--to", "targets", required=True, help="Target locales, comma-separated: ru-RU,de-DE")
@click.option("--from", "source_language", default="auto", show_default=True,
              help="Source language (en, ru, kk) or auto.")
@click.option("--name", default="", help="A name for the batch (default: PATH's name).")
@click.option("--wait", is_flag=True, help="Show progress on stderr until the batch finishes.")
@connection_options
def submit(path: Path, targets: str, source_language: str, name: str, wait: bool,
           url: str, key: str) -> None:
    """Submit PATH (a folder of .txt/.html files, or a .jsonl file) as one batch.

    The batch id is printed alone on the first line of stdout."""
    started = time.monotonic()
    where = submit_path(parse_targets(targets), source_language, name or path.name)
    items = read_items(path)
    api = Api(url, key)
    with api.open("POST", where, items, "application/x-ndjson") as resp:
        created = json.loads(resp.read())
    click.echo(created["id"])
    if created.get("failed"):
        click.echo(f"{created['failed']} of {created.get('total')} lines could not be read; "
                   "they are failed items", err=True)
    if not wait:
        return
    final = wait_for(api, created["id"], sys.stderr, sys.stderr.isatty())
    click.echo(summary(final, time.monotonic() - started), err=True)
    code = exit_code(final)
    if code:
        click.echo("some items did not finish: see the failures above", err=True)
    sys.exit(code)



@batch.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True, help="Print the server's JSON as it is.")
@connection_options
def status(batch_id: str, as_json: bool, url: str, key: str) -> None:
    """Show a batch's counts, rate, ETA and failed items."""
    current = fetch_status(Api(url, key), batch_id)
    if as_json:
        click.echo(json.dumps(current, ensure_ascii=False, indent=2))
        return
    click.echo(describe(current))
    for item in current.get("failed_items", [])[:SHOWN_FAILURES]:
        click.echo(f"  failed: {_failure(item)}")


@batch.command()
@click.argument("batch_id")
@connection_options
def cancel(batch_id: str, url: str, key: str) -> None:
    """Cancel a batch: queued items are cancelled, running ones finish."""
    click.echo(describe(Api(url, key).json("POST", batch_path(batch_id, "/cancel"))))


@batch.command()
@click.argument("batch_id")
@connection_options
def retry(batch_id: str, url: str, key: str) -> None:
    """Queue a batch's failed items again."""
    click.echo(describe(Api(url, key).json("POST", batch_path(batch_id, "/retry"))))


@batch.command()
@click.argument("batch_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.jsonl (one line per item) or FILE.zip (one text file per article "
                   "and locale); the format follows the extension.")
@connection_options
def results(batch_id: str, output: Path, url: str, key: str) -> None:
    """Download a batch's results, streamed to disk."""
    fmt = RESULT_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise BadInput(f"-o {output}: the name must end in {', '.join(RESULT_FORMATS)}")
    api = Api(url, key)
    with api.open("GET", batch_path(batch_id, f"/results?format={fmt}")) as response:
        size = stream_to(response, output)
    click.echo(f"{output}: {size} bytes", err=True)


def stream_to(response: IO[bytes], output: Path) -> int:
    """Copy the response to OUTPUT in chunks through a temporary file beside it, so that a
    broken download never leaves a truncated file under the final name."""
    partial = output.with_name(output.name + ".part")
    size = 0
    try:
        with partial.open("wb") as out:
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                size += len(chunk)
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {exc}") from exc
    return size
