#!/usr/bin/env python3
"""Prepare a seeded bench database for the proposals scenario (bench/locust_proposals.py).

    DATABASE_URL=… .venv/bin/python bench/proposals_setup.py [--members 60] [--units 12] > accounts.json

Run by bench/run.py with the server's settings, after seeding and before the server starts. Through the
Django ORM, so the same on SQLite and PostgreSQL:

1. Tidy: deletes the proposals an earlier run submitted (their titles start with BENCH_MARK) and their
   text-index documents, so that a reused database does not pile them up in the members' lists and on
   the office's desk run after run. Their audit events stay: the audit log is append-only.
2. Logins: `seed_demo` gives only the seven demo accounts a password; every other member and unit
   clerk has an account without one. For 50 different people to be online at once, the busiest
   member accounts (most proposals of their own) and the clerks of the busiest handling units of the
   primary committee get the demo accounts' password (the hash is copied from `member`).
3. Prints the account pools as JSON: {"member": [...], "unit": [...], "clerk": [...], "leader": [...],
   "tidied": n, "committee": "…"}; the locustfile hands them out round-robin per user class.

Touches only the bench database it is pointed at (bench/run.py refuses database names without "bench").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_MARK = "【压测】"  # the start of every title the load test submits (see bench/locust_proposals.py)
PERSONA_MEMBERS = ("member", "member2")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", type=int, default=60, help="member accounts to open (default 60)")
    p.add_argument("--units", type=int, default=12, help="unit clerk accounts to open (default 12)")
    p.add_argument("--leaders", type=int, default=6, help="leader accounts to open (default 6)")
    args = p.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxie.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Count, Q

    from zhengxie.accounts.models import Role, RoleGrant, User
    from zhengxie.proposals.models import Assignment, Proposal
    from zhengxie.textindex.services import document_delete

    # 1. Tidy up after earlier runs.
    with transaction.atomic():
        ids = list(Proposal.objects.filter(title__startswith=BENCH_MARK).values_list("pk", flat=True))
        for pk in ids:
            document_delete(kind="proposal", object_id=pk)
        for start in range(0, len(ids), 500):
            Proposal.objects.filter(pk__in=ids[start:start + 500]).delete()

    # 2. The primary committee (where the demo accounts work) and its busiest people.
    template = User.objects.filter(username="member").first()
    if template is None or not template.has_usable_password():
        print("the demo account `member` is missing or has no password: was the database seeded?",
              file=sys.stderr)
        return 2
    grant = (RoleGrant.objects.filter(user=template, committee__isnull=False)
             .select_related("committee").first())
    if grant is None:
        print("the demo account `member` has no committee", file=sys.stderr)
        return 2
    committee = grant.committee
    grants = RoleGrant.objects.filter(committee=committee, user__is_active=True)

    leader_ids = set(grants.filter(role=Role.LEADER).values_list("user_id", flat=True))
    member_ids = set(grants.filter(role=Role.MEMBER).values_list("user_id", flat=True)) - leader_ids
    busiest = (Proposal.objects.filter(committee=committee, proposer_id__in=member_ids)
               .values("proposer_id").annotate(n=Count("pk")).order_by("-n", "proposer_id"))
    ranked = [row["proposer_id"] for row in busiest]
    ranked += sorted(member_ids - set(ranked))
    members = list(PERSONA_MEMBERS)
    names = dict(User.objects.filter(pk__in=ranked).values_list("pk", "username"))
    members += [names[pk] for pk in ranked if names[pk] not in members][: max(0, args.members - len(members))]

    unit_grants = grants.filter(role=Role.UNIT_HANDLER, unit__isnull=False)
    load = dict(Assignment.objects.filter(committee=committee).exclude(status=Assignment.Status.WITHDRAWN)
                .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    unit_rows = sorted(unit_grants.values_list("user__username", "unit_id"),
                       key=lambda r: (r[0] != "unit", -load.get(r[1], 0), r[0]))
    units = [name for name, _ in unit_rows][: args.units]

    leaders = sorted(User.objects.filter(pk__in=leader_ids).values_list("username", flat=True),
                     key=lambda n: (n != "leader", n))[: args.leaders]
    # The proposal office (and the committee admin, who may review too): the demo accounts only.
    clerks = sorted(User.objects.filter(grants__committee=committee,
                                        grants__role__in=[Role.PROPOSAL_STAFF, Role.COMMITTEE_ADMIN])
                    .filter(Q(username="clerk") | Q(username="admin"))
                    .values_list("username", flat=True).distinct(),
                    key=lambda n: (n != "clerk", n))

    opened = User.objects.filter(username__in=set(members + units + leaders)).exclude(
        password=template.password).update(password=template.password)
    json.dump({"committee": committee.short_name, "member": members, "unit": units, "clerk": clerks,
               "leader": leaders, "tidied": len(ids), "opened": opened}, sys.stdout, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
