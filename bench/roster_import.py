"""Time the member roster import: a realistic 2,000-row .xlsx into a fresh committee, five times.

    .venv/bin/python bench/roster_import.py [--rows 2000] [--runs 5]

Runs against a fresh SQLite database in a temporary directory, or against PostgreSQL when
DATABASE_URL is set (the committees, accounts and members it creates are then left in that database,
under unique committee codes and fresh phone numbers). Each run imports new people into a new
committee, so every run does the full work: parse, check, create accounts, members, role grants and
audit events. Only `roster_import` is timed, not building the file.

Prints each run, the median and the p95, and writes bench/results/roster_import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "roster_import.json"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉玉梅海燕晓东春雷永健立新丹凤宏斌淑珍"
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族", "壮族", "蒙古族", "土家族"]
EMPLOYERS = [
    ("区人民医院", ["院长", "副院长", "主任医师", "护士长"]),
    ("区第一中学", ["校长", "副校长", "高级教师"]),
    ("某某实业有限公司", ["董事长", "总经理", "副总经理"]),
    ("区农业农村局", ["局长", "副局长", "四级调研员"]),
    ("城关街道办事处", ["主任", "副主任"]),
    ("某某律师事务所", ["主任", "合伙人", "律师"]),
    ("区科技创新中心", ["主任", "研究员"]),
    ("某某村村民委员会", ["主任", "党支部书记"]),
]


def configure() -> tempfile.TemporaryDirectory:
    """Settings for the bench: the test settings, with var/ (and so the SQLite file) in a temp dir."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengxie.test_settings"
    tmp = tempfile.TemporaryDirectory(prefix="zhengxie-bench-")
    # With DATABASE_URL set the database is that one; the temp dir then only holds static/secret files.
    os.environ["ZHENGXIE_VAR_DIR"] = tmp.name
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return tmp


def fresh_phones(rng: random.Random, n: int) -> list[str]:
    """n mobile numbers nobody in the database has yet (matters on a reused PostgreSQL database)."""
    from zhengxie.accounts.models import User

    while True:
        start = rng.randrange(0, 10**9 - n)
        prefix = rng.choice("3456789")
        phones = [f"1{prefix}{start + i:09d}" for i in range(n)]
        if not User.objects.filter(phone__in=phones).exists():
            return phones


def roster_file(committee, rows: int, rng: random.Random) -> io.BytesIO:
    """A roster as an office keeps it: mixed date styles, some phones stored as numbers, blanks where allowed."""
    import openpyxl

    from zhengxie.members.roster import COLUMNS
    from zhengxie.org.models import Party, Sector, SpecialCommittee

    sectors = list(Sector.objects.filter(committee=committee).values_list("name", flat=True))
    parties = list(Party.objects.filter(committee=committee).values_list("name", flat=True))
    specials = list(SpecialCommittee.objects.filter(committee=committee).values_list("name", flat=True))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for phone in fresh_phones(rng, rows):
        year, month = rng.randint(1955, 1990), rng.randint(1, 12)
        birth = rng.choice([dt.datetime(year, month, rng.randint(1, 28)), f"{year}.{month:02d}",
                            f"{year}年{month}月", f"{year}-{month:02d}", f"{year}.{month:02d}"])
        sector = rng.choice(sectors)
        party = sector if sector in parties else rng.choice(parties + [""] * 2)
        employer, titles = rng.choice(EMPLOYERS)
        sheet.append([
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2]))),
            rng.choice(["男", "男", "女"]),
            rng.choice(ETHNICITIES),
            birth,
            sector,
            party,
            f"{employer}{rng.choice(titles)}",
            int(phone) if rng.random() < 0.3 else phone,
            rng.choice(specials + [""] * 3),
        ])
    buf = io.BytesIO()
    workbook.save(buf)
    buf.seek(0)
    buf.name = "委员名册.xlsx"
    return buf


def p95(samples: list[float]) -> float:
    """95th percentile by linear interpolation (with 5 runs it lies between the two slowest)."""
    ordered = sorted(samples)
    pos = 0.95 * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = configure()
    from django.db import connection, connections

    from zhengxie.members.models import Member
    from zhengxie.members.roster import roster_import
    from zhengxie.testing.factories import make_committee, make_user

    stamp = f"{int(time.time()) % 10**8}"
    rng = random.Random(20260112)
    admin = make_user(f"bench-admin-{stamp}", display_name="基准测试管理员")
    samples: list[float] = []
    try:
        for run in range(1, args.runs + 1):
            committee = make_committee(f"bench-{stamp}-{run}", name=f"基准{run}区政协")
            fileobj = roster_file(committee, args.rows, rng)
            started = time.perf_counter()
            result = roster_import(actor=admin, committee=committee, fileobj=fileobj)
            elapsed = time.perf_counter() - started
            if result.errors or result.created != args.rows:
                print(f"run {run}: import failed: {result.errors[:5]}", file=sys.stderr)
                return 1
            assert Member.objects.filter(committee=committee).count() == args.rows
            samples.append(elapsed)
            print(f"run {run}: {elapsed:.3f} s ({args.rows} rows, {result.accounts_created} accounts created)")
        database = connection.vendor
    finally:
        connections.close_all()
        tmp.cleanup()

    report = {
        "rows": args.rows,
        "runs": args.runs,
        "median_s": round(statistics.median(samples), 4),
        "p95_s": round(p95(samples), 4),
        "database": database,
    }
    print(f"median {report['median_s']:.3f} s, p95 {report['p95_s']:.3f} s on {database}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
