"""`manage.py serve`: the development and demo server (`make run`): web, task worker and scheduler together.

Production runs the three as separate services instead (docs/operations.md). Each child runs in its own
process group so that Ctrl-C reaches only this process, which forwards it exactly once; a child that dies
takes the others down with it, so nothing is left running half-configured.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

POLL_SECONDS = 0.2
GRACE_SECONDS = 5.0


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a preexec hook that makes the child get SIGTERM if this process is killed outright."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)  # loaded before fork: the hook must not allocate much
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


class Command(BaseCommand):
    help = "开发/演示：同时运行网站、任务 worker 与定时调度器 (dev/demo: web server + task worker + scheduler)."
    requires_system_checks: list[str] = []  # the children run the checks

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Web port (default: %(default)s).")
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default: %(default)s).")

    def handle(self, *args: Any, port: int, host: str, **options: Any) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}")
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        commands = {
            "web": ["runserver", netloc, "--noreload"],
            # No autoreload: a reloader would add a grandchild that our signals do not reach.
            "worker": ["db_worker", "--interval", "1", "--no-reload"],
            "scheduler": ["run_scheduler"],
        }

        received: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            received.append(signum)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        manage_py = str(settings.BASE_DIR / "manage.py")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # keep the children's logs in order when piped
        preexec = _die_with_parent()
        children: dict[str, subprocess.Popen[bytes]] = {}
        exit_code = 0
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(
                    [sys.executable, manage_py, *command],
                    env=env, stdin=subprocess.DEVNULL, process_group=0, preexec_fn=preexec,
                )
            self.stdout.write(
                f"政协平台运行于 http://{netloc}/ ，任务 worker 与定时调度器已启动（Ctrl-C 停止）"
                f" / Serving at http://{netloc}/ with the task worker and scheduler running (Ctrl-C to stop)"
            )
            self.stdout.flush()
            while not received:
                dead = [(name, child) for name, child in children.items() if child.poll() is not None]
                if dead:
                    name, child = dead[0]
                    self.stderr.write(f"{name} 已退出 (exit {child.returncode})，正在停止其余进程 / "
                                      f"{name} exited with code {child.returncode}; stopping the others")
                    exit_code = 1
                    break
                time.sleep(POLL_SECONDS)
        finally:
            self._stop_all(children, signum=received[0] if received else signal.SIGTERM, received=received)
        if exit_code:
            sys.exit(exit_code)

    @staticmethod
    def _stop_all(children: dict[str, subprocess.Popen[bytes]], *, signum: int, received: list[int]) -> None:
        """Forward `signum` to every live child; kill what is still alive after the grace period
        or on a second Ctrl-C."""
        signals_before = len(received)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(child.poll() is None for child in children.values()):
            if time.monotonic() > deadline or len(received) > signals_before:
                break
            time.sleep(0.05)
        for child in children.values():
            if child.poll() is None:
                child.kill()
            child.wait()
