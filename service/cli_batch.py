"""`audarma batch`: send a folder of articles, or a JSONL file, to a running API as one batch.

Talks HTTP with the standard library only: POST /v1/batches, then (with --wait) polls
GET /v1/batches/{id} behind a progress bar and downloads the NDJSON results.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

ARTICLE_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 60.0


# --------------------------------------------------------------------------- reading input


def read_items(path: Path) -> list[dict]:
    """Batch items from a folder of .txt/.html files or a .jsonl file; errors name the file
    (and line) to fix."""
    if path.is_dir():
        return _folder_items(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return _jsonl_items(path)
    raise click.ClickException(f"{path}: give a folder of .txt/.html files or a .jsonl file")


def _folder_items(folder: Path) -> list[dict]:
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
    )
    if not files:
        raise click.ClickException(f"{folder}: no .txt or .html files in this folder")
    return [{ARTICLE_SUFFIXES[p.suffix.lower()]: _read_text(p), "id": p.name} for p in files]


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{path} is not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "convert it first, e.g. iconv -f cp1251 -t utf-8"
        ) from exc


def _jsonl_items(path: Path) -> list[dict]:
    items = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if line.strip():
            items.append(_jsonl_item(path, number, line))
    if not items:
        raise click.ClickException(f"{path}: no items (the file has no JSON lines)")
    return items


def _jsonl_item(path: Path, number: int, line: str) -> dict:
    where = f"{path}, line {number}"
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(item, dict) or not any(k in item for k in ("text", "html")):
        raise click.ClickException(f'{where}: expected an object like {{"id": ..., "text": ...}}')
    return item


# --------------------------------------------------------------------------- HTTP


class Api:
    """The few calls the command needs, with errors turned into readable messages."""

    def __init__(self, url: str, key: str):
        self.url = url.rstrip("/")
        self.key = key

    def request(self, method: str, path: str, body: dict | None = None) -> bytes:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise ApiProblem(exc.code, _error_message(exc)) from exc
        except urllib.error.URLError as exc:
            raise click.ClickException(f"cannot reach {self.url}: {exc.reason}") from exc

    def json(self, method: str, path: str, body: dict | None = None) -> dict:
        return json.loads(self.request(method, path, body))


class ApiProblem(click.ClickException):
    def __init__(self, status: int, message: str):
        super().__init__(f"the API answered {status}: {message}")
        self.status = status


def _error_message(exc: urllib.error.HTTPError) -> str:
    raw = exc.read()
    try:
        return json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return raw.decode("utf-8", "replace")[:200] or exc.reason


# --------------------------------------------------------------------------- waiting


def wait_for(api: Api, batch_id: str, poll: float = POLL_SECONDS) -> dict:
    """Poll the batch behind a progress bar until every job is done or failed."""
    batch = _progress(api, batch_id)
    with click.progressbar(length=batch["total"], label=f"batch {batch_id}",
                           show_pos=True, file=sys.stderr) as bar:
        seen = 0
        while True:
            finished = batch["counts"]["done"] + batch["counts"]["failed"]
            bar.update(finished - seen)
            seen = finished
            if batch["finished"]:
                return batch
            time.sleep(poll)
            batch = _progress(api, batch_id)


def _progress(api: Api, batch_id: str) -> dict:
    try:
        return api.json("GET", f"/v1/batches/{batch_id}")
    except ApiProblem as exc:
        if exc.status != 429:
            raise
        time.sleep(POLL_SECONDS * 5)  # throttled: slow down rather than give up
        return api.json("GET", f"/v1/batches/{batch_id}")


# --------------------------------------------------------------------------- the command


@click.group()
def batch() -> None:
    """Localize many articles at once through a running audarma API."""


@batch.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--to", "targets", required=True, help="Target locales, comma-separated: es-ES,ru-RU")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True,
              help="Base URL of the audarma API.")
@click.option("--key", envvar="AUDARMA_API_KEY", required=True,
              help="API key (editor or admin); default: $AUDARMA_API_KEY.")
@click.option("--from", "source_language", default="auto", show_default=True,
              help="Source language (en, ru, kk) or auto.")
@click.option("--name", default="", help="A name for the batch.")
@click.option("--wait", is_flag=True, help="Show progress until done, then download results.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --wait writes the results (default: <batch id>.jsonl).")
def submit(path, targets, url, key, source_language, name, wait, output):
    """Submit PATH (a folder of .txt/.html files, or a .jsonl file) as one batch."""
    items = read_items(path)
    api = Api(url, key)
    body = {"items": items, "targets": [t.strip() for t in targets.split(",") if t.strip()],
            "source_language": source_language, "name": name or path.name}
    created = api.json("POST", "/v1/batches", body)
    click.echo(created["id"])
    if not wait:
        return
    final = wait_for(api, created["id"])
    target = output or Path(f"{created['id']}.jsonl")
    target.write_bytes(api.request("GET", f"/v1/batches/{created['id']}/results"))
    counts = final["counts"]
    click.echo(f"{counts['done']} done, {counts['failed']} failed; results in {target}", err=True)

