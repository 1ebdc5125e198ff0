"""Building blocks for tests: a committee with its lists, and people holding each role.

Tests read like sentences when they use the named personas from conftest.py (clerk_a, unit_a,
member_b, …); these helpers build them.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.hashers import make_password

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.members.models import Member
from zhengxie.org.models import Committee, Party, Sector, Session, SpecialCommittee, Term, Unit, Workstation

PASSWORD = "zhengxie-test-1"
# Hashing with argon2 for every persona would dominate test time; hash once and reuse.
_HASHED: dict[str, str] = {}
_seq = itertools.count(1)


def hashed(password: str = PASSWORD) -> str:
    if password not in _HASHED:
        _HASHED[password] = make_password(password)
    return _HASHED[password]


def make_committee(code: str, *, name: str | None = None, level: str = Committee.Level.COUNTY,
                   parent: Committee | None = None) -> Committee:
    short = name or f"{code}区政协"
    c = Committee.objects.create(code=code, name=f"中国人民政治协商会议{short}", short_name=short,
                                 region_name=short.replace("政协", ""), level=level, parent=parent)
    for i, n in enumerate(["中共", "民革", "民盟", "经济界", "教育界", "医药卫生界"]):
        Sector.objects.create(committee=c, name=n, order=i)
    for i, n in enumerate(["中共", "民革", "民盟", "民建", "无党派"]):
        Party.objects.create(committee=c, name=n, order=i)
    for i, n in enumerate(["提案委员会", "经济委员会"]):
        SpecialCommittee.objects.create(committee=c, name=n, order=i)
    Workstation.objects.create(committee=c, name="城关街道委员工作室")
    for i, n in enumerate(["区教育局", "区卫生健康局", "区住房和城乡建设局"]):
        Unit.objects.create(committee=c, name=n, order=i)
    term = Term.objects.create(committee=c, number=11, name="第十一届", start_date=dt.date(2022, 1, 10))
    Session.objects.create(committee=c, term=term, number=5, name="十一届五次会议",
                           start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 1, 16))
    return c


def make_user(username: str | None = None, *, display_name: str = "", phone: str | None = None,
              is_superuser: bool = False) -> User:
    username = username or f"user{next(_seq)}"
    return User.objects.create(username=username, display_name=display_name or username, phone=phone,
                               password=hashed(), is_superuser=is_superuser, is_staff=is_superuser)


def grant(user: User, committee: Committee, role: str, unit: Unit | None = None) -> RoleGrant:
    return RoleGrant.objects.create(user=user, committee=committee, role=role, unit=unit)


def make_member(committee: Committee, *, user: User | None = None, name: str = "", phone: str = "") -> Member:
    n = next(_seq)
    return Member.objects.create(
        committee=committee, user=user, name=name or f"委员{n}", gender="女", ethnicity="汉族",
        birth_month=dt.date(1970, 5, 1), sector=Sector.objects.filter(committee=committee).first(),
        party=Party.objects.filter(committee=committee).first(), employer_title="某单位主任",
        phone=phone or f"139{n:08d}", state="active",
    )


def make_persona(committee: Committee, role: str, username: str) -> User:
    """A user holding `role` in `committee` (a member also gets a member profile; a unit clerk a unit)."""
    user = make_user(username, display_name=username)
    unit = Unit.objects.filter(committee=committee).order_by("order").first() if role == Role.UNIT_HANDLER else None
    grant(user, committee, role, unit)
    if role == Role.MEMBER:
        make_member(committee, user=user, name=username)
    return user
