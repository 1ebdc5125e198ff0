"""Recreate the text index from the domains: `manage.py textindex_rebuild [--kind proposal] [--refresh-only]`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from zhengxie.textindex.registry import sources
from zhengxie.textindex.services import index_rebuild, index_refresh


class Command(BaseCommand):
    help = "重建全文索引、相似分析与交办建议所用的数据（从各业务模块重新读取）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", action="append", default=[], help="只重建这一类（可重复）；默认全部")
        parser.add_argument(
            "--refresh-only", action="store_true", help="只重新统计词频并重算相似特征与交办画像（不重读业务数据）"
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        if options["refresh_only"]:
            n = index_refresh()
            self.stdout.write(f"已重算 {n} 篇文档的特征，用时 {time.monotonic() - started:.1f} 秒。")
            return
        kinds = list(options["kind"])  # type: ignore[arg-type]
        known = {s.kind for s in sources()}
        unknown = set(kinds) - known
        if unknown:
            self.stderr.write(f"未知的类型：{'、'.join(sorted(unknown))}（可选：{'、'.join(sorted(known)) or '无'}）")
            raise SystemExit(2)
        n = index_rebuild(kinds=kinds or None, stdout=self.stdout)
        self.stdout.write(f"已重建 {n} 篇文档的索引，用时 {time.monotonic() - started:.1f} 秒。")
