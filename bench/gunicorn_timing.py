"""gunicorn config for the load bench: per request, the worker's CPU time and its own wall time.

bench/run.py starts gunicorn with `-c bench/gunicorn_timing.py` and BENCH_TIMING_DIR set. A sync worker
serves one request at a time, so the CPU time its process used between pre_request and post_request is
that request's: Python, templates and (on SQLite) the database, but not a PostgreSQL backend's share.
Unlike response times it hardly moves with whatever else runs on the machine, so it tells whether a page
could meet its target on an idle box. Requests are named by the X-Bench-Name header the locustfiles send
(the same names as in locust's statistics); others are left out.

One line per request, tab-separated, in BENCH_TIMING_DIR/<worker pid>.tsv: end time (epoch seconds),
name, status, CPU ms, wall ms in the worker.
"""

from __future__ import annotations

import os
import time
from typing import Any

_DIR = os.environ.get("BENCH_TIMING_DIR", "")


def pre_request(worker: Any, req: Any) -> None:
    req._bench_start = (time.process_time(), time.perf_counter())


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    start = getattr(req, "_bench_start", None)
    if not _DIR or start is None:
        return
    name = next((v for k, v in req.headers if k == "X-BENCH-NAME"), "")
    if not name:
        return
    cpu_ms = (time.process_time() - start[0]) * 1000
    wall_ms = (time.perf_counter() - start[1]) * 1000
    status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
    line = f"{time.time():.3f}\t{name.replace(chr(9), ' ')}\t{status}\t{cpu_ms:.2f}\t{wall_ms:.2f}\n"
    with open(os.path.join(_DIR, f"{os.getpid()}.tsv"), "a") as f:
        f.write(line)
