"""Every list page and list endpoint costs the same number of queries for 3 rows as for 15.

Each row of the table below names a page or endpoint, who looks at it, and what adds rows to it
(including the related rows it shows: unit handler counts, sessions under terms, a member's lists …).
The test adds a few rows, fetches, adds four times as many, fetches again, and compares the query
counts; it also checks that the newest rows are on the page, so the rows counted are rows shown.
A failure prints the statements that ran more often: the N+1 to fix.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.accounts.permissions import access_for
from zhengxie.accounts.services import api_token_issue
from zhengxie.audit.services import audit_record
from zhengxie.members.models import Member
from zhengxie.notifications.models import Notification
from zhengxie.notifications.services import notify
from zhengxie.proposals import services as proposal_services
from zhengxie.org.lists import LISTS
from zhengxie.org.models import (
    Committee,
    Party,
    Sector,
    Session,
    SpecialCommittee,
    Term,
    Unit,
    Workstation,
)
from zhengxie.testing.factories import grant, make_member, make_user
from zhengxie.testing.queries import growth_report, queries_during
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.services import document_upsert
from zhengxie.textindex.tests.conftest import KIND
from zhengxie.textindex.tests.conftest import testdoc_source  # noqa: F401  (autouse: the stand-in searchable kind)

pytestmark = pytest.mark.django_db

FEW = 3
MORE = 4 * FEW  # fetched again with FEW + MORE = 5 × FEW rows

_seq = itertools.count(1)


@dataclass
class Scene:
    """Where rows are added: the committee being looked at, and the person looking."""

    committee: Committee
    viewer: User


Grow = Callable[[Scene, int], list[str]]  # adds n rows, returns texts the answer must now contain


# --- what adds rows ---------------------------------------------------------------------------


def members(scene: Scene, n: int) -> list[str]:
    """Members with every list they show filled in, some with a login account."""
    c = scene.committee
    special = list(SpecialCommittee.objects.filter(committee=c))
    stations = list(Workstation.objects.filter(committee=c))
    names = []
    for i in range(n):
        k = next(_seq)
        user = make_user(f"qc_member{k}") if i % 2 else None
        member = make_member(c, user=user, name=f"列表委员{k}")
        Member.objects.filter(pk=member.pk).update(special_committee=special[i % len(special)],
                                                   workstation=stations[i % len(stations)])
        names.append(member.name)
    return names[-1:]


def _events(scene: Scene, n: int, *, by_viewer: bool) -> list[str]:
    reprs = []
    for _ in range(n):
        k = next(_seq)
        subject = make_user(f"qc_subject{k}", display_name=f"审计对象{k}")
        actor = scene.viewer if by_viewer else make_user(f"qc_actor{k}", display_name=f"操作人{k}")
        audit_record(actor=actor, committee=scene.committee, verb="account.created", obj=subject,
                     payload={"username": subject.username}, ip="127.0.0.1")
        reprs.append(subject.display_name)
    return reprs[-1:]


def events(scene: Scene, n: int) -> list[str]:
    """Audit events in the committee, each by a different person."""
    return _events(scene, n, by_viewer=False)


def own_events(scene: Scene, n: int) -> list[str]:
    """Audit events the viewer did (what a member's home page shows)."""
    return _events(scene, n, by_viewer=True)


def notifications(scene: Scene, n: int) -> list[str]:
    titles = [f"通知标题{next(_seq)}" for _ in range(n)]
    for title in titles:
        notify(committee=scene.committee, recipients=[scene.viewer], verb="test", title=title,
               body="正文", url="/members/")
    return titles[-1:]


def unread_notifications(scene: Scene, n: int) -> list[str]:
    """Notifications as the home page shows them: a to-do with the unread count."""
    notifications(scene, n)
    unread = Notification.objects.filter(recipient=scene.viewer, committee=scene.committee,
                                         read_at__isnull=True).count()
    return [f"未读通知 {unread} 条"]


def org_structure(scene: Scene, n: int) -> list[str]:
    """One more of everything the org page shows: each list, units with handlers, terms with
    sessions, lower-level committees."""
    c = scene.committee
    shown = []
    for _ in range(n):
        k = next(_seq)
        for model in (Sector, Party, SpecialCommittee, Workstation):
            model.objects.create(committee=c, name=f"{model._meta.verbose_name}{k}", order=100 + k)
        unit = Unit.objects.create(committee=c, name=f"承办单位{k}", order=100 + k, kind=Unit.Kind.ENTERPRISE)
        for j in range(2):
            grant(make_user(f"qc_handler{k}_{j}"), c, Role.UNIT_HANDLER, unit)
        term = Term.objects.create(committee=c, number=100 + k, name=f"第{k}届", start_date=dt.date(2000, 1, 1))
        for j in (1, 2):
            Session.objects.create(committee=c, term=term, number=j, name=f"第{k}届{j}次会议",
                                   start_date=dt.date(2000 + j, 1, 1), end_date=dt.date(2000 + j, 1, 5))
        child = Committee.objects.create(code=f"qc-child{k}", name=f"下级政协{k}", short_name=f"下级{k}政协",
                                         level=Committee.Level.COUNTY, parent=c)
        shown = [f"界别{k}", unit.name, term.name, f"第{k}届2次会议", child.short_name]
    return shown


def list_items(kind: str) -> Grow:
    model, label = LISTS[kind]

    def grow(scene: Scene, n: int) -> list[str]:
        names = [f"{label}{next(_seq)}" for _ in range(n)]
        for name in names:
            model.objects.create(committee=scene.committee, name=name, order=500)
        return names[-1:]

    return grow


def role_grants(scene: Scene, n: int) -> list[str]:
    """People holding every kind of role here, unit clerks with their unit, some with two roles."""
    c = scene.committee
    roles = [r for r in Role if r != Role.UNIT_HANDLER]
    units = list(Unit.objects.filter(committee=c))
    shown = []
    for i in range(n):
        k = next(_seq)
        user = make_user(f"qc_granted{k}", display_name=f"授权人{k}")
        grant(user, c, roles[i % len(roles)])
        if i % 2:
            grant(user, c, Role.UNIT_HANDLER, units[i % len(units)])
        shown = [user.display_name]
    return shown


def committees(scene: Scene, n: int) -> list[str]:
    """More committees the viewer holds a role in (the committee switcher, /committees, /me)."""
    shown = []
    for _ in range(n):
        k = next(_seq)
        other = Committee.objects.create(code=f"qc-c{k}", name=f"中国人民政治协商会议{k}区委员会",
                                         short_name=f"{k}区政协", level=Committee.Level.COUNTY)
        if not scene.viewer.is_superuser:
            grant(scene.viewer, other, Role.MEMBER)
        shown = [other.short_name]
    return shown


def units_handled(scene: Scene, n: int) -> list[str]:
    """More units the viewer handles for here (their role label on the home page, unit_ids in /me)."""
    shown = []
    for _ in range(n):
        unit = Unit.objects.create(committee=scene.committee, name=f"经办单位{next(_seq)}", order=900)
        grant(scene.viewer, scene.committee, Role.UNIT_HANDLER, unit)
        shown = [unit.name]
    return shown


def members_without_phone(scene: Scene, n: int) -> list[str]:
    """Members the roster to-do counts (no phone number)."""
    for _ in range(n):
        Member.objects.filter(pk=make_member(scene.committee).pk).update(phone="")
    missing = Member.objects.filter(committee=scene.committee, state="active", phone="").count()
    return [f"{missing} 名在任委员缺少手机号"]


def committees_and_units(scene: Scene, n: int) -> list[str]:
    """Both at once; the units show as ids only (unit_ids), so the committees name what is shown."""
    units_handled(scene, n)
    return committees(scene, n)


def search_documents(scene: Scene, n: int) -> list[str]:
    """Searchable items the viewer may see (members-visible, concerning every unit), each with a state,
    a lead unit and a session, as the results list shows them."""
    c = scene.committee
    units = list(Unit.objects.filter(committee=c))
    session = Session.objects.filter(committee=c).first()
    shown = []
    for i in range(n):
        k = next(_seq)
        document_upsert(entry=IndexEntry(
            kind=KIND, object_id=100_000 + k, committee_id=c.pk, title=f"关于第{k}期排水管网改造的建议",
            body="雨季内涝严重，排水管网老化，建议分期改造。", date=dt.date(2026, 3, 1), url=f"/proposals/{k}/",
            audience="members", state="open", state_label="办理中", session_id=session.pk if session else None,
            unit_id=units[i % len(units)].pk, unit_ids=tuple(u.pk for u in units)))
        shown = [f"关于第{k}期"]
    return shown


def _proposal(scene: Scene, proposer: User, *, steps: tuple[str, ...] = (), unit: Unit | None = None) -> str:
    """A proposal of `proposer` in the scene's committee, in its session, taken through `steps` by a clerk."""
    c = scene.committee
    k = next(_seq)
    title = f"关于第{k}件电动自行车充电安全的提案"
    session = Session.objects.filter(committee=c).first()
    p = proposal_services.proposal_create(access=access_for(proposer, c), data={
        "title": title, "reason": "楼道充电隐患大。", "suggestion": "增设集中充电设施。", "category": "society",
        "session_id": session.pk if session else None})
    clerk = make_user(f"qc_proposal_clerk{k}")
    grant(clerk, c, Role.PROPOSAL_STAFF)
    for step in steps:
        payload = {"units": [{"unit_id": unit.pk, "role": "lead"}]} if step == "assign" and unit else {}
        who = proposer if step == "submit" else clerk
        proposal_services.transition(access=access_for(who, c), proposal_id=p.pk, name=step, payload=payload)
    return title


def _new_member(scene: Scene) -> User:
    user = make_user(f"qc_proposer{next(_seq)}", display_name=f"提案人{next(_seq)}")
    grant(user, scene.committee, Role.MEMBER)
    return user


def proposals_submitted(scene: Scene, n: int) -> list[str]:
    """Submitted and registered proposals, each by another member (the office's list)."""
    return [_proposal(scene, _new_member(scene), steps=("submit", "register")[: 1 + i % 2]) for i in range(n)][-1:]


def proposals_of_member(scene: Scene, n: int) -> list[str]:
    """The viewer's own drafts and other members' registered proposals (what a member's list shows)."""
    titles = []
    for i in range(n):
        if i % 2:
            titles.append(_proposal(scene, _new_member(scene), steps=("submit", "register")))
        else:
            titles.append(_proposal(scene, scene.viewer))
    return titles[-1:]


def proposals_of_unit(scene: Scene, n: int) -> list[str]:
    """Proposals assigned to the viewer's unit (a unit clerk's list)."""
    unit = RoleGrant.objects.get(user=scene.viewer, committee=scene.committee, role=Role.UNIT_HANDLER).unit
    return [_proposal(scene, _new_member(scene), steps=("submit", "register", "assign"), unit=unit)
            for _ in range(n)][-1:]


def together(*grows: Grow) -> Grow:
    def grow(scene: Scene, n: int) -> list[str]:
        return [text for g in grows for text in g(scene, n)]

    return grow


# --- what is looked at ------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    name: str
    url: str
    viewer: str  # persona fixture
    grow: Grow

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")


LISTINGS = [
    # Pages
    Listing("members page, as admin", "/members/", "admin_a", members),
    Listing("members page, as member", "/members/", "member_a", members),
    Listing("audit log page", "/audit/", "admin_a", events),
    Listing("org overview page, as admin", "/org/", "admin_a", org_structure),
    Listing("org overview page, as unit clerk", "/org/", "unit_a", org_structure),
    Listing("roles page", "/accounts/roles/", "admin_a", role_grants),
    Listing("notifications inbox", "/notifications/", "member_a", notifications),
    Listing("home page, as admin", "/", "admin_a",
            together(events, unread_notifications, members_without_phone, committees)),
    Listing("home page, as member", "/", "member_a", together(own_events, unread_notifications, committees)),
    Listing("home page, as unit clerk", "/", "unit_a", together(own_events, units_handled, committees)),
    Listing("search page, as member", "/search/?q=排水管网", "member_a", search_documents),
    Listing("search page, as clerk, filtered", "/search/?q=排水管网&state=open", "clerk_a", search_documents),
    Listing("search page, as unit clerk", "/search/?q=排水管网", "unit_a", search_documents),
    # API
    Listing("GET /api/v1/members, as admin", "/api/v1/members?page_size=100", "admin_a", members),
    Listing("GET /api/v1/members, as member", "/api/v1/members?page_size=100", "member_a", members),
    *[Listing(f"GET /api/v1/org/{kind}", f"/api/v1/org/{kind}?page_size=100", "member_a", list_items(kind))
      for kind in LISTS],
    Listing("GET /api/v1/audit/events", "/api/v1/audit/events?page_size=100", "admin_a", events),
    Listing("GET /api/v1/notifications", "/api/v1/notifications?page_size=100", "member_a", notifications),
    Listing("GET /api/v1/committees", "/api/v1/committees?page_size=100", "member_a", committees),
    Listing("GET /api/v1/committees, as platform admin", "/api/v1/committees?page_size=100", "platform_admin",
            committees),
    Listing("GET /api/v1/me, as unit clerk", "/api/v1/me", "unit_a", committees_and_units),
    Listing("GET /api/v1/proposals, as clerk", "/api/v1/proposals?page_size=100", "clerk_a", proposals_submitted),
    Listing("GET /api/v1/proposals, as member", "/api/v1/proposals?page_size=100", "member_a", proposals_of_member),
    Listing("GET /api/v1/proposals, as unit clerk", "/api/v1/proposals?page_size=100", "unit_a", proposals_of_unit),
    Listing("GET /api/v1/proposals, as leader, filtered", "/api/v1/proposals?page_size=100&key=false&q=电动自行车",
            "leader_a", proposals_submitted),
    Listing("GET /api/v1/search, as member", "/api/v1/search?q=排水管网&page_size=100", "member_a", search_documents),
    Listing("GET /api/v1/search, as unit clerk", "/api/v1/search?q=排水管网&page_size=100", "unit_a", search_documents),
]


def _fetcher(listing: Listing, viewer: User) -> Callable[[], str]:
    client = Client()
    headers = {}
    if listing.is_api:
        key, _ = api_token_issue(user=viewer)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    else:
        client.force_login(viewer)

    def fetch() -> str:
        response = client.get(listing.url, **headers)
        assert response.status_code == 200, (listing.url, response.status_code)
        return response.content.decode()

    return fetch


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
def test_the_query_count_does_not_grow_with_the_rows_listed(listing, request, committee_a, committee_b):
    viewer = request.getfixturevalue(listing.viewer)
    scene = Scene(committee=committee_a, viewer=viewer)
    fetch = _fetcher(listing, viewer)

    shown = listing.grow(scene, FEW)
    fetch()  # first request warms what is cached per process (content types, token last-used …)
    page, few = queries_during(fetch)
    assert not [text for text in shown if text not in page], "the rows added are not all shown"

    shown = listing.grow(scene, MORE)
    page, many = queries_during(fetch)
    assert not [text for text in shown if text not in page], "the rows added are not all shown"

    assert len(many) == len(few), growth_report(few, many)
