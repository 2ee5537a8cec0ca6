"""Benchmark: submit -> done in the embedded `audarma serve` (SQLite database and broker).

Starts `audarma serve` twice in fresh folders: once as shipped (the API wakes the worker after
each enqueue) and once with AUDARMA_EMBEDDED_WAKE=off, the baseline, where the worker finds each
job by its 0.1 s poll alone. Each run submits one paragraph (target en-GB: no machine
translation) one job at a time and polls GET /v1/jobs/<id> every millisecond until it is done.

Target: median submit -> done <= 30 ms with the wake-up.

    .venv/bin/python bench/serve.py
    .venv/bin/python bench/serve.py --jobs 100
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARTICLE = (
    "Astana, 14 May 2024. Kassym-Jomart Tokayev met the heads of three regions on Tuesday; "
    "spending on roads rose by 4.5% to $1.2 billion, the ministry said."
)


def start(folder: str, wake: bool) -> tuple[subprocess.Popen, int, str]:
    env = dict(os.environ, AUDARMA_EMBEDDED_WAKE="on" if wake else "off",
               AUDARMA_LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [str(BIN / "audarma"), "serve", "--port", "0"], cwd=folder, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    port = key = None
    deadline = time.monotonic() + 120
    while (port is None or key is None) and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("audarma serve exited before it was ready")
        if "serving on http://" in line:
            port = int(line.split("serving on http://", 1)[1].split()[0].rsplit(":", 1)[1])
        if line.startswith("editor key: ak_"):
            key = line.split(": ", 1)[1].strip()
    if port is None or key is None:
        raise SystemExit("audarma serve did not print its address and key in time")
    return process, port, key


def measure(port: int, key: str, jobs: int) -> tuple[list[float], list[float]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = json.dumps({"text": ARTICLE, "targets": ["en-GB"]})
    times, submits = [], []
    for n in range(jobs + 3):
        started = time.perf_counter()
        connection.request("POST", "/v1/jobs", body=body, headers=headers)
        response = connection.getresponse()
        job = json.loads(response.read())
        assert response.status == 202, job
        submitted = time.perf_counter()
        while True:
            connection.request("GET", f"/v1/jobs/{job['id']}", headers=headers)
            reply = connection.getresponse()
            state = json.loads(reply.read())["status"]
            if state in ("done", "failed"):
                break
            time.sleep(0.001)
        assert state == "done", state
        if n >= 3:  # the first jobs load the glossary into the worker
            times.append((time.perf_counter() - started) * 1000)
            submits.append((submitted - started) * 1000)
    connection.close()
    return times, submits


def run(wake: bool, jobs: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory(prefix="audarma-bench-serve-") as folder:
        process, port, key = start(folder, wake)
        try:
            return measure(port, key, jobs)
        finally:
            process.terminate()
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=60)
    args = parser.parse_args()
    results = {}
    for label, wake in (("poll only (baseline)", False), ("woken on submit", True)):
        times, submits = run(wake, args.jobs)
        results[label] = times
        cut = statistics.quantiles(times, n=10)
        print(f"{label:22} submit -> done median {statistics.median(times):6.1f} ms, "
              f"p90 {cut[-1]:6.1f} ms; the POST alone {statistics.median(submits):5.1f} ms "
              f"({len(times)} jobs)")
    baseline = statistics.median(results["poll only (baseline)"])
    woken = statistics.median(results["woken on submit"])
    print(f"ratio woken / baseline: {woken / baseline:.2f}  (target: woken median <= 30 ms)")


if __name__ == "__main__":
    main()
