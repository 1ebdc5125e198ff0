"""`manage.py seed_demo --scale county|city|province [--if-empty] [--seed N]`: fill an empty database with demo data.

Only in demo mode (settings.DEMO_MODE, on with ZHENGXIE_DEBUG=1): the demo accounts share a published
password. `make run` calls it with --if-empty so that the demo is seeded once and then left alone.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengxie.demo.builder import DEFAULT_SEED, DEMO_ACCOUNTS, DEMO_PASSWORD, SCALES, DemoConflict, build_demo
from zhengxie.org.models import Committee


class Command(BaseCommand):
    help = "演示模式：生成演示数据（政协、界别、承办单位、委员、演示账号）(demo mode: seed demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="county",
                            help="county：一个区政协；city：市政协及 8 个区县；province：省政协及约 100 个政协。")
        parser.add_argument("--if-empty", action="store_true",
                            help="已有任何政协委员会时什么也不做 (do nothing unless the database is empty).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子，默认 {DEFAULT_SEED}。")

    def handle(self, *args, scale: str, if_empty: bool, seed: int, **options) -> None:
        if not getattr(settings, "DEMO_MODE", False):
            raise CommandError("seed_demo 只能在演示模式下运行（设置 ZHENGXIE_DEBUG=1 或 ZHENGXIE_DEMO=1）；"
                               "演示账号使用公开密码，切勿用于生产环境。")
        if if_empty and Committee.objects.exists():
            self.stdout.write("数据库中已有政协委员会，跳过演示数据生成（--if-empty）。")
            return
        started = time.perf_counter()
        try:
            result = build_demo(scale=scale, seed=seed)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        assert result.primary is not None
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已生成（{scale}，种子 {seed}）：政协 {result.committees} 个，委员 {result.members} 名，"
            f"承办单位 {result.units} 个，演示账号 {result.accounts} 个，用时 {seconds:.1f} 秒。"
        ))
        names = "、".join(a.username for a in DEMO_ACCOUNTS)
        self.stdout.write(f"演示账号 {names}（密码 {DEMO_PASSWORD}）均在 {result.primary.short_name}。")
