#!/usr/bin/env python3
"""社情民意 forwarding at province scale: an item sent up two levels, and its lineage read back.

    .venv/bin/python bench/run.py --scenario opinions --scale province --prepare-only   # seed once
    .venv/bin/python bench/opinions_forward.py [--samples 300] [--output bench/results/opinions-forward-postgres-province]

The issue's target: "forwarding an item up two levels and reading its lineage < 50 ms". Measured
in-process, through the same services the pages and the API call, on the bench database
(BENCH_POSTGRES_URL, default the one bench/run.py seeds). For each sample, a county item that its
committee adopted and has not sent up yet (a different one each time, from every county in turn):

1. the county's editor forwards it to the city (`opinions.services.opinion_forward`: row lock, checks,
   the city's copy with a receipt number, the lineage rows, text index, audit events, notices);
2. the city's editor adopts the copy (`opinion_transition … adopt`; a decision, timed apart);
3. the city's editor forwards the copy to the province (the lineage now spans two levels);
4. the county's editor reads the item's chain (`opinions.selectors.lineage`: up both levels, with what
   was decided at each).

The figure is (1) + (3) + (4); each step is reported too. Every sample runs in one transaction that is
rolled back at the end, so the data stays as seeded and runs can be repeated (so the figure leaves out
one commit, about a millisecond here). Reports medians, p95 and max over the samples after a warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhengxie_bench"
TARGET_MS = 50.0
FIGURE = "forward up two levels + read the lineage"


class Rollback(Exception):
    pass


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--output", default="bench/results/opinions-forward-postgres-province")
    args = p.parse_args(argv)

    os.environ.update({"ZHENGXIE_DEBUG": "0", "ZHENGXIE_DEMO": "0", "ZHENGXIE_SECRET_KEY": secrets.token_urlsafe(40),
                       "ZHENGXIE_ALLOWED_HOSTS": "127.0.0.1", "ZHENGXIE_LOG_LEVEL": "WARNING",
                       "DATABASE_URL": os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_URL})
    if "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        print("refusing a database whose name lacks 'bench'", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxie.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from zhengxie.accounts.models import Role, RoleGrant
    from zhengxie.accounts.permissions import access_for
    from zhengxie.opinions import selectors, services
    from zhengxie.opinions.models import Opinion
    from zhengxie.opinions.workflow import TAKEN_UP
    from zhengxie.org.models import Committee

    counties = list(Committee.objects.filter(level=Committee.Level.COUNTY, parent__parent__isnull=False)
                    .select_related("parent__parent").order_by("id"))
    editors = {cid: uid for cid, uid in RoleGrant.objects.filter(role=Role.OPINION_STAFF).order_by("-id")
               .values_list("committee_id", "user__id")}
    accesses: dict[int, object] = {}

    def access(committee: Committee):  # type: ignore[no-untyped-def]
        if committee.pk not in accesses:
            from zhengxie.accounts.models import User

            accesses[committee.pk] = access_for(User.objects.get(pk=editors[committee.pk]), committee)
        return accesses[committee.pk]

    rng = random.Random(2026)
    pools = {}
    for c in counties:
        ids = list(Opinion.objects.filter(committee=c, state__in=sorted(TAKEN_UP), combined_into__isnull=True,
                                          forwarded_at__isnull=True, forwarded_copy__isnull=True)
                   .values_list("pk", flat=True)[:2000])
        rng.shuffle(ids)
        pools[c.pk] = ids
    items = Opinion.objects.count()
    if not any(pools.values()):
        print("no county item to forward: seed with bench/run.py --scenario opinions --prepare-only", file=sys.stderr)
        return 2

    steps: dict[str, list[float]] = {k: [] for k in ("forward to the city", "adopt at the city",
                                                     "forward to the province", "read the lineage", FIGURE)}
    done = 0
    turn = 0
    while done < args.samples + args.warmup:
        c = counties[turn % len(counties)]
        turn += 1
        if not pools[c.pk]:
            continue
        pk = pools[c.pk].pop()
        city, province = c.parent, c.parent.parent
        t = [0.0] * 5
        try:
            with transaction.atomic():
                t[0] = time.perf_counter()
                copy = services.opinion_forward(access=access(c), opinion_id=pk, committee_id=city.pk)
                t[1] = time.perf_counter()
                services.opinion_transition(access=access(city), opinion_id=copy.pk, name="adopt",
                                            payload={"adoption": "single"})
                t[2] = time.perf_counter()
                services.opinion_forward(access=access(city), opinion_id=copy.pk, committee_id=province.pk)
                t[3] = time.perf_counter()
                chain = selectors.lineage(access(c), pk)
                t[4] = time.perf_counter()
                assert chain is not None and len(chain.up) == 2, "the chain should reach the province"
                raise Rollback
        except Rollback:
            pass
        done += 1
        if done <= args.warmup:
            continue
        ms = [(t[i + 1] - t[i]) * 1000 for i in range(4)]
        for name, v in zip(list(steps)[:4], ms):
            steps[name].append(v)
        steps[FIGURE].append(ms[0] + ms[2] + ms[3])

    result = {
        "figure": FIGURE, "target_ms": TARGET_MS, "samples": args.samples, "warmup": args.warmup,
        "items_in_database": items, "database": connection.vendor + " " + str(connection.pg_version
                                                                              if connection.vendor == "postgresql" else ""),
        "steps": {name: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(pct(v, 0.95), 1),
                         "max_ms": round(max(v), 1)} for name, v in steps.items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cores": os.cpu_count()},
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    fig = result["steps"][FIGURE]
    result["passed"] = fig["p95_ms"] < TARGET_MS
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    lines = [f"# 社情民意 forwarding: {FIGURE}", "",
             f"{items:,} items in the database; {args.samples} samples after {args.warmup} warm-up; "
             f"load average {result['load_average']}; {result['at']}.", "",
             "| step | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
    lines += [f"| {name} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |" for name, v in result["steps"].items()]
    lines += ["", f"Target: {FIGURE} p95 < {TARGET_MS:.0f} ms: **{'met' if result['passed'] else 'missed'}** "
                  f"(p95 {fig['p95_ms']} ms).", ""]
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
