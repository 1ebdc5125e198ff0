"""`manage.py run_scheduler`: enqueue periodic jobs as their slots come (the db_worker runs them)."""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from zhengxie.scheduler.registry import registered_jobs
from zhengxie.scheduler.services import scheduler_tick


class Command(BaseCommand):
    help = (
        "Enqueue every periodic job whose slot is due, every --interval seconds (or once with --once). "
        "Running more than one is harmless: each slot is enqueued once."
    )
    stopping = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0,
                            help="Seconds between passes (default: %(default)s).")
        parser.add_argument("--once", action="store_true", help="Do one pass and exit (tests, cron).")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        if once:
            enqueued = scheduler_tick()
            self.stdout.write(f"已排队 / enqueued: {', '.join(enqueued) if enqueued else '-'}")
            return

        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        names = ", ".join(job.name for job in registered_jobs())
        self.stdout.write(f"定时调度器已启动 / scheduler running every {interval:g}s: {names}")
        while not self.stopping:
            close_old_connections()  # like a request: never reuse a connection the server dropped
            for name in scheduler_tick():
                self.stdout.write(f"已排队 / enqueued: {name}")
            close_old_connections()
            deadline = time.monotonic() + interval
            # Short naps so that a stop signal takes effect within a fraction of a second.
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        self.stdout.write("定时调度器已停止 / scheduler stopped")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
