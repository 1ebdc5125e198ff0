"""`manage.py serve` as `make run` uses it: a real process tree on its own SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads the process tree from /proc")

MANAGE_PY = str(settings.BASE_DIR / "manage.py")


def dev_environment(var_dir: Path) -> dict[str, str]:
    """The environment `make run` gives: debug on, nothing inherited from the test settings or a test DB."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ZHENGXIE_") and k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    return {**env, "ZHENGXIE_DEBUG": "1", "ZHENGXIE_VAR_DIR": str(var_dir)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory) -> dict[str, str]:
    env = dev_environment(tmp_path_factory.mktemp("var"))
    subprocess.run([sys.executable, MANAGE_PY, "migrate", "--noinput", "-v", "0"],
                   env=env, check=True, timeout=180)
    return env


@pytest.fixture
def serving(dev_env, tmp_path):
    """Start `serve` on a free port; wait until /healthz answers; yield (process, port, log path)."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, MANAGE_PY, "serve", "--port", str(port)],
                                   env=dev_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"serve exited early:\n{log_path.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"/healthz never answered:\n{log_path.read_text()}"
            time.sleep(0.3)
        yield process, port, log_path
    finally:
        for pid in children_of(process.pid):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_answers_http_runs_three_children_and_stops_them_all_on_sigterm(serving):
    process, port, log_path = serving
    children = children_of(process.pid)
    assert len(children) == 3
    assert f"http://127.0.0.1:{port}/" in log_path.read_text()

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=10) == 0
    assert not [pid for pid in children if is_running(pid)]


def test_serve_stops_everything_and_fails_when_one_child_dies(serving):
    process, port, log_path = serving
    children = children_of(process.pid)
    worker = next(pid for pid in children if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes())

    os.kill(worker, signal.SIGKILL)

    assert process.wait(timeout=10) == 1
    assert not [pid for pid in children if is_running(pid)]
