#!/usr/bin/env python3
"""Prepare a seeded bench database for the 社情民意 scenario (bench/locust_opinions.py).

    DATABASE_URL=… .venv/bin/python bench/opinions_setup.py [--editors 30] > accounts.json

Run by bench/run.py with the server's settings, after seeding (`--with-opinions`) and before the server
starts. The scenario's editors work in many committees at once, as one provincial deployment does: the
province's, every city's and the busiest counties' (most items this year) editors get the demo
accounts' password (the hash is copied from `editor`), `editor` itself first. Prints the pool as JSON:
{"editor": [...], "committees": n, "opened": n, "tidied": 0}.

Touches only the bench database it is pointed at (bench/run.py refuses database names without "bench").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--editors", type=int, default=30, help="editor accounts to open (default 30)")
    args = p.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxie.settings")
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from zhengxie.accounts.models import Role, RoleGrant, User
    from zhengxie.opinions.models import Opinion

    template = User.objects.filter(username="editor").first()
    if template is None or not template.has_usable_password():
        print("the demo account `editor` is missing or has no password: was the database seeded?", file=sys.stderr)
        return 2
    year = timezone.localdate().year
    busy = dict(Opinion.objects.filter(year=year, serial__isnull=False).values("committee_id")
                .annotate(n=Count("pk")).values_list("committee_id", "n"))
    rows = RoleGrant.objects.filter(role=Role.OPINION_STAFF, user__is_active=True).values_list(
        "user__username", "committee_id", "committee__level")
    level_rank = {"national": 0, "province": 1, "city": 2, "county": 3}
    ranked = sorted(rows, key=lambda r: (r[0] != "editor", level_rank.get(r[2], 9) if r[2] != "county" else 9,
                                         -busy.get(r[1], 0), r[0]))
    editors = [name for name, _, _ in ranked][: args.editors]
    if not editors:
        print("no editor accounts (社情民意): seed with --with-opinions first", file=sys.stderr)
        return 2
    opened = User.objects.filter(username__in=editors).exclude(password=template.password).update(
        password=template.password)
    committees = len({cid for name, cid, _ in ranked if name in editors})
    json.dump({"editor": editors, "committees": committees, "opened": opened, "tidied": 0}, sys.stdout,
              ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
