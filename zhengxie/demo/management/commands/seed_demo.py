"""`manage.py seed_demo --scale county|city|province [--if-empty] [--seed N] [--without-proposals]
[--without-opinions | --only-opinions]`: demo data.

Only in demo mode (settings.DEMO_MODE, on with ZHENGXIE_DEBUG=1): the demo accounts share a published
password. `make run` calls it with --if-empty so that the demo is seeded once and then left alone.

After the committees, members and accounts (`demo.builder`), two sessions of proposals per committee
(`demo.proposals`); `--without-proposals` leaves them out (a quick province roster for the load test).
Then years of 社情民意 per committee (`demo.opinions`, needs the proposals' member accounts);
`--without-opinions` leaves them out, `--only-opinions` adds them to a demo seeded without them.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengxie.demo import opinions as demo_opinions
from zhengxie.demo import proposals as demo_proposals
from zhengxie.demo.builder import DEFAULT_SEED, DEMO_ACCOUNTS, DEMO_PASSWORD, SCALES, DemoConflict, build_demo
from zhengxie.org.models import Committee
from zhengxie.opinions.workflow import STATES as OPINION_STATES
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW


class Command(BaseCommand):
    help = "演示模式：生成演示数据（政协、界别、承办单位、委员、演示账号、提案）(demo mode: seed demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="county",
                            help="county：一个区政协；city：市政协及 8 个区县；province：省政协及约 100 个政协。")
        parser.add_argument("--if-empty", action="store_true",
                            help="已有任何政协委员会时什么也不做 (do nothing unless the database is empty).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子，默认 {DEFAULT_SEED}。")
        parser.add_argument("--without-proposals", action="store_true",
                            help="不生成提案（省级规模的提案约 50 万件，需较长时间）(skip the proposals).")
        parser.add_argument("--without-opinions", action="store_true",
                            help="不生成社情民意信息 (skip the 社情民意 items).")
        parser.add_argument("--only-opinions", action="store_true",
                            help="只为已有的演示数据补充社情民意信息 (add the 社情民意 to a demo seeded without them).")

    def handle(self, *args, scale: str, if_empty: bool, seed: int, without_proposals: bool = False,
               without_opinions: bool = False, only_opinions: bool = False, **options) -> None:
        if not getattr(settings, "DEMO_MODE", False):
            raise CommandError("seed_demo 只能在演示模式下运行（设置 ZHENGXIE_DEBUG=1 或 ZHENGXIE_DEMO=1）；"
                               "演示账号使用公开密码，切勿用于生产环境。")
        if only_opinions:
            from zhengxie.opinions.models import Opinion

            if not Committee.objects.exists() or Opinion.objects.exists():
                raise CommandError("--only-opinions 需要一个已生成演示数据、尚无社情民意信息的数据库。")
            self._opinions(scale, seed)
            return
        if if_empty and Committee.objects.exists():
            self.stdout.write("数据库中已有政协委员会，跳过演示数据生成（--if-empty）。")
            return
        if not without_proposals:
            try:
                demo_proposals.corpus()  # before anything is written: the proposals' texts come from it
            except FileNotFoundError as exc:
                raise CommandError(f"{exc} 可加 --without-proposals 跳过提案。") from exc
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
        if not without_proposals:
            per = "、".join(f"{n} 件" for n in dict.fromkeys(demo_proposals.PER_SESSION[scale].values()))
            self.stdout.write(f"正在生成提案（每个政协两次会议，每次约 {per}）……")
            log = self.stdout.write if scale == "province" else None
            proposals = demo_proposals.seed_proposals(scale=scale, seed=seed, log=log)
            states = "，".join(f"{PROPOSAL_WORKFLOW.state_label(k)} {v}" for k, v in sorted(
                proposals.by_state.items(), key=lambda kv: list(PROPOSAL_WORKFLOW.states).index(kv[0])))
            self.stdout.write(self.style.SUCCESS(
                f"提案已生成：{proposals.proposals} 件（{states}），审计事件 {proposals.events} 条，"
                f"用时 {proposals.seconds:.1f} 秒。"))
        if not without_proposals and not without_opinions:
            self._opinions(scale, seed)
        names = "、".join(a.username for a in DEMO_ACCOUNTS)
        self.stdout.write(f"演示账号 {names}（密码 {DEMO_PASSWORD}）均在 {result.primary.short_name}。")

    def _opinions(self, scale: str, seed: int) -> None:
        per = "、".join(f"{n} 条" for n in dict.fromkeys(demo_opinions.PER_YEAR[scale].values()))
        self.stdout.write(f"正在生成社情民意信息（每个政协 {demo_opinions.YEARS[scale]} 年，每年约 {per}）……")
        log = self.stdout.write if scale == "province" else None
        result = demo_opinions.seed_opinions(scale=scale, seed=seed, log=log)
        states = "，".join(f"{OPINION_STATES.get(k, k)} {v}" for k, v in sorted(result.by_state.items()))
        self.stdout.write(self.style.SUCCESS(
            f"社情民意信息已生成：{result.items} 条（{states}），期刊 {result.issues} 期，"
            f"审计事件 {result.events} 条，用时 {result.seconds:.1f} 秒。"))
