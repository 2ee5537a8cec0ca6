"""Benchmark: one paragraph through the DeepL-compatible POST /v2/translate against the same
paragraph through the in-process pipeline, side by side in one run.

The endpoint is called as a WSGI server calls it: the request's bytes are built once, as a
client sends the same bytes every time, and each call gets a fresh environ and reads the whole
answer. What is measured is the server's own work from environ to response bytes: the key
check, the rate limit, the body parsing, the glossary check, the pipeline and the JSON answer.
Flask's test client is timed too, for comparison: it also rebuilds and URL-encodes the request
and keeps a cookie jar on every call, which is the harness's cost, not the endpoint's.

The app runs over a fresh SQLite database with the shipped glossary, with the default settings
unless told otherwise (`--key-cache-seconds 0 --glossary-refresh-seconds 0` is how the endpoint
ran before keys were cached: a key read and a revision query per request). Each round times the
pipeline and the endpoint one after the other, so both see the same machine state; the medians
of many rounds and their ratio are printed.

Target: the endpoint costs <= 1.5x the pipeline.

    .venv/bin/python bench/compat.py
    .venv/bin/python bench/compat.py --rounds 500 --target ES   # through Apertium
    .venv/bin/python bench/compat.py --key-cache-seconds 0 --glossary-refresh-seconds 0
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.api.compat import target_locale  # noqa: E402
from service.app import create_app  # noqa: E402
from service.core.figures import load_house_styles  # noqa: E402
from service.engines import build_engines  # noqa: E402
from service.store.db import Database  # noqa: E402
from service.usecases.run import LocalizerCache  # noqa: E402

TARGET_RATIO = 1.5
PARAGRAPH = (
    "President Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023, and the two "
    "sides signed agreements worth $24 billion. Prime Minister Olzhas Bektenov said trade grew "
    "by 12.5% last year."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--target", default="EN-GB", help="DeepL target_lang (EN-GB: no MT)")
    parser.add_argument("--key-cache-seconds", type=float,
                        help="AUDARMA_KEY_CACHE_SECONDS (default: the setting's; 0: a key read "
                             "a request)")
    parser.add_argument("--glossary-refresh-seconds", type=float,
                        help="AUDARMA_GLOSSARY_REFRESH_SECONDS (default: the setting's; 0: a "
                             "revision query a request)")
    args = parser.parse_args()
    overrides = {name: value for name, value in (
        ("key_cache_seconds", args.key_cache_seconds),
        ("glossary_refresh_seconds", args.glossary_refresh_seconds),
    ) if value is not None}

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.sqlite3")
        db.upgrade()
        app = create_app({"TESTING": True, "rate_limit": "1000000/minute", **overrides},
                         enqueue=lambda job, queue: None, database=db)
        services = app.extensions["audarma"]
        services.glossary.seed_if_empty()
        key, _ = services.keys.create("editor", name="bench")
        client = app.test_client()
        headers = {"Authorization": f"DeepL-Auth-Key {key}"}
        body = {"text": PARAGRAPH, "source_lang": "EN", "target_lang": args.target}
        with app.app_context():
            target = target_locale(args.target, "target_lang")
        settings = services.settings
        with build_engines(settings) as engines:
            localizer = LocalizerCache(
                engines, load_house_styles(desk=settings.styles_path or None), 60.0
            ).current(services.glossary)

            def pipeline() -> str:
                return localizer.localize(PARAGRAPH, [target], "en")["versions"][target]["text"]

            def through_client() -> str:
                response = client.post("/v2/translate", data=body, headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)
                return response.get_json()["translations"][0]["text"]

            request_environ = EnvironBuilder(
                path="/v2/translate", method="POST", data=body, headers=headers
            ).get_environ()
            request_bytes = request_environ["wsgi.input"].read()

            def through_wsgi() -> bytes:
                environ = {**request_environ, "wsgi.input": io.BytesIO(request_bytes)}
                statuses: list[str] = []
                answer = app(environ, lambda status, headers, exc_info=None: statuses.append(
                    status))
                try:
                    content = b"".join(answer)
                finally:
                    getattr(answer, "close", lambda: None)()
                assert statuses[0].startswith("200"), content
                return content

            expected = pipeline()
            assert through_client() == expected, "the endpoint and the pipeline disagree"
            answer = json.loads(through_wsgi())["translations"][0]["text"]
            assert answer == expected, "the endpoint and the pipeline disagree"
            for _ in range(10):  # warm all three: engines, caches, the first request's setup
                pipeline(), through_wsgi(), through_client()
            direct, wsgi, test_client = [], [], []
            for _ in range(args.rounds):
                direct.append(_timed(pipeline))
                wsgi.append(_timed(through_wsgi))
                test_client.append(_timed(through_client))
        db.dispose()

    direct_ms, wsgi_ms, client_ms = (statistics.median(t) for t in (direct, wsgi, test_client))
    ratio = wsgi_ms / direct_ms
    print(f"paragraph of {len(PARAGRAPH)} characters, en -> {target}, {args.rounds} rounds, "
          f"key cache {settings.key_cache_seconds:g} s, "
          f"glossary refresh {settings.glossary_refresh_seconds:g} s")
    print(f"in-process pipeline                      median {direct_ms:7.2f} ms")
    print(f"POST /v2/translate, WSGI call            median {wsgi_ms:7.2f} ms")
    print(f"POST /v2/translate, Flask's test client  median {client_ms:7.2f} ms "
          f"({client_ms / direct_ms:.2f}x, the harness's request building included)")
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio {ratio:.2f}x ({verdict} the target of <= {TARGET_RATIO}x)")


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
