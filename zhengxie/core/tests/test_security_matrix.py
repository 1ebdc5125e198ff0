"""The permission matrix over HTTP: every role, through pages and the API, against objects it must not
reach — another committee's, and (inside one committee) another handling unit's.

The harness is a table. Each target names an object factory, the URLs that read it, the URLs that
would change it, the lists that must never show it, and how to snapshot its rows. For every role:

- every read answers 403 or 404 (never the object);
- every write answers a refusal (pages may redirect with an error message) and the snapshot taken
  after all writes equals the one before, and the other committee's audit trail did not grow;
- no list, search or filter shows the object's marker text.

A control test walks the same URLs against the caller's own committee, so a typo in a URL cannot
make the matrix pass by answering 404 to everyone.

API requests carry a bearer token and `X-Committee: <own committee>`; requests marked `switch`
name the other committee instead, which only a platform admin may do (by design: they serve every
committee, see test_api_auth.py), so those are skipped for the platform admin.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from zhengxie.accounts.models import Role, RoleGrant
from zhengxie.accounts.permissions import access_for
from zhengxie.accounts.services import api_token_issue
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.services import attachment_upload
from zhengxie.attachments.tests import samples
from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record
from zhengxie.members.models import Member
from zhengxie.org.models import Sector, Unit
from zhengxie.proposals import services as proposal_services
from zhengxie.proposals.models import Assignment, Evaluation, Proposal, Reply, Signer, Supervision
from zhengxie.testing.factories import make_persona
from zhengxie.testing.factories import grant, make_member, make_user
from zhengxie.textindex.models import Audience, Document
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.services import document_upsert
from zhengxie.textindex.tests.conftest import KIND
from zhengxie.textindex.tests.conftest import testdoc_source  # noqa: F401  (autouse: the stand-in searchable kind)

ROLES = ["member_a", "clerk_a", "editor_a", "consult_a", "unit_a", "leader_a", "admin_a", "platform_admin"]

# A page may redirect back with an error message, or show its form again with errors (400).
PAGE_WRITE_REFUSALS = {302, 400, 403, 404, 405}
API_REFUSALS = {403, 404}


@dataclass(frozen=True)
class Req:
    surface: str  # "page" (session) or "api" (bearer token)
    method: str
    url: str  # formatted with {id} and the world's ids ({a}, {b}, {sector_b} …)
    data: dict[str, Any] | None = None
    switch: bool = False  # names the other committee explicitly


@dataclass(frozen=True)
class Target:
    name: str
    make: Callable[[SimpleNamespace], Any]
    state: Callable[[Any], Any]
    reads: tuple[Req, ...] = ()
    writes: tuple[Req, ...] = ()
    lists: tuple[Req, ...] = ()
    marker: str = ""


def page(url: str, data: dict[str, Any] | None = None, method: str | None = None) -> Req:
    return Req("page", method or ("post" if data is not None else "get"), url, data)


def api(url: str, data: dict[str, Any] | None = None, method: str | None = None, switch: bool = False) -> Req:
    return Req("api", method or ("post" if data is not None else "get"), url, data, switch)


def rows(model, pk) -> list[dict[str, Any]]:
    return list(model.objects.filter(pk=pk).values())


# --- objects of committee B ------------------------------------------------------------------


def make_b_member(w):
    return make_member(w.b, name="乙区秘密委员", phone="13700000009")


def make_b_sector(w):
    return Sector.objects.create(committee=w.b, name="乙区秘密界别", order=99)


def make_b_unit(w):
    return Unit.objects.create(committee=w.b, name="乙区秘密单位", order=99)


def make_b_event(w):
    member = Member.objects.get(user=w.member_b)
    return audit_record(actor=w.admin_b, committee=w.b, verb="member.updated", obj=member,
                        payload={"employer_title": ["", "乙区秘密事件"]})


def make_b_attachment(w):
    return attachment_upload(actor=w.member_b, committee=w.b,
                             uploaded_file=samples.upload("乙区秘密附件.pdf", samples.pdf()))


def make_b_grant(w):
    person = make_user("b_secret", display_name="乙区秘密经办人")
    unit = Unit.objects.filter(committee=w.b).first()
    g = grant(person, w.b, Role.UNIT_HANDLER, unit)
    RoleGrant.objects.filter(pk=g.pk).update(title="乙区秘密职务")
    return g


# A searchable item: found by its own words, and by a text like it (which does not carry the marker,
# so a page echoing the text back does not count as showing the item).
SEARCH_BODY = ("我区上世纪九十年代建成的老旧小区多为六层住宅，老年住户上下楼困难。建议简化加装电梯审批流程，"
               "提高财政补贴比例，并协调低层住户意见，推动既有住宅加装电梯工作。")
LIKE_IT = {"title": "关于老旧小区加装电梯的建议", "body": SEARCH_BODY}


def index_document(committee, title: str, *, audience: str = Audience.MEMBERS, unit_ids: tuple[int, ...] = ()):
    return document_upsert(entry=IndexEntry(
        kind=KIND, object_id=Document.objects.count() + 9000, committee_id=committee.pk, title=title,
        body=SEARCH_BODY, date=dt.date(2026, 3, 1), audience=audience, unit_ids=unit_ids))


def make_b_document(w):
    return index_document(w.b, "乙区秘密文档：关于老旧小区加装电梯的建议")


def search_lists() -> tuple[Req, ...]:
    """Every way to find a searchable item: search by its words (a part of the marker, which the page
    echoes), similar items, routing examples."""
    return (page("/search/?q=秘密文档"), page("/search/?q=加装电梯"), page("/search/?q=加装电梯&page=2"),
            page("/search/similar/", LIKE_IT), page("/search/similar/", {**LIKE_IT, "whole_deployment": "on"}),
            page("/search/similar/panel/", LIKE_IT), page("/search/routing/panel/", LIKE_IT),
            api("/api/v1/search?q=秘密文档"), api("/api/v1/search?q=加装电梯&page_size=100"),
            api("/api/v1/search/similar", LIKE_IT), api("/api/v1/search/similar", {**LIKE_IT, "whole_deployment": True}),
            api("/api/v1/search/routing", LIKE_IT))


PROPOSAL_REASON = "我区老旧小区多为六层住宅，老年住户上下楼困难，加装电梯审批流程复杂，居民意见难以协调。"
PROPOSAL_TEXT = {"reason": PROPOSAL_REASON, "suggestion": "简化加装电梯审批流程，提高财政补贴比例。", "category": "society"}


def make_proposal(committee, proposer, title: str, *steps: tuple[Any, str, dict[str, Any]]):
    """A proposal of `proposer`, submitted, then taken through `steps` ((who, transition, payload) …)."""
    p = proposal_services.proposal_create(access=access_for(proposer, committee), data={**PROPOSAL_TEXT, "title": title})
    proposal_services.transition(access=access_for(proposer, committee), proposal_id=p.pk, name="submit")
    for who, name, payload in steps:
        proposal_services.transition(access=access_for(who, committee), proposal_id=p.pk, name=name, payload=payload)
    return Proposal.objects.get(pk=p.pk)


def proposal_rows(p) -> Any:
    related = [list(model.objects.filter(proposal=p).values()) for model in
               (Signer, Assignment, Reply, Evaluation, Supervision)]
    return rows(Proposal, p.pk), related


def make_b_proposal(w):
    return make_proposal(w.b, w.member_b, "乙区秘密提案：关于老旧小区加装电梯的提案")


def proposal_writes(*, switch: bool = True) -> tuple[Req, ...]:
    """Every way to change a proposal through the API (a valid body each, so only the scope refuses)."""
    writes = (
        api("/api/v1/proposals/{id}", {"title": "被篡改", "version": 1}, method="patch"),
        api("/api/v1/proposals/{id}/transitions/register", {}),
        api("/api/v1/proposals/{id}/transitions/return", {"advice": "越权退回"}),
        api("/api/v1/proposals/{id}/transitions/reject", {"ground": "personal"}),
        api("/api/v1/proposals/{id}/transitions/accept", {}),
        api("/api/v1/proposals/{id}/transitions/reply", {"text": "越权答复", "grade": "A"}),
        api("/api/v1/proposals/{id}/cosign", {"accept": True}),
        api("/api/v1/proposals/{id}/answer", {"text": "越权答复", "grade": "A"}),
        api("/api/v1/proposals/{id}/evaluation", {"handling": "dissatisfied", "result": "dissatisfied"}),
        api("/api/v1/proposals/{id}/supervision", {"kind": "urge", "text": "越权催办"}),
    )
    if switch:
        writes += (api("/api/v1/proposals/{id}/transitions/register", {}, switch=True),)
    return writes


MEMBER_FORM = {"name": "被篡改", "gender": "男", "ethnicity": "汉族", "sector": "{sector_b}",
               "title": "member", "phone": "13700000009", "version": "0"}
TRANSITION = {"reason": "越权操作", "version": 0}

OTHER_COMMITTEE = [
    Target(
        "member", make_b_member, lambda m: rows(Member, m.pk), marker="乙区秘密委员",
        reads=(page("/members/{id}/"), page("/members/{id}/edit/"), api("/api/v1/members/{id}"),
               api("/api/v1/members/{id}", switch=True), api("/api/v1/members?committee={b}", switch=True)),
        writes=(page("/members/{id}/transitions/suspend/", {"reason": "越权", "version": "0"}),
                page("/members/{id}/transitions/leave/", {"reason": "越权", "version": "0"}),
                page("/members/{id}/edit/", MEMBER_FORM),
                api("/api/v1/members/{id}/transitions/suspend", TRANSITION),
                api("/api/v1/members/{id}/transitions/leave", TRANSITION),
                api("/api/v1/members/{id}/transitions/suspend", TRANSITION, switch=True)),
        lists=(page("/members/"), page("/members/?q=乙区秘密"), page("/members/?q=1370000"),
               page("/members/?sector={sector_b}"), api("/api/v1/members?page_size=100"),
               api("/api/v1/members?q=乙区秘密"), api("/api/v1/members?sector={sector_b}"), page("/")),
    ),
    Target(
        "org list item", make_b_sector, lambda s: rows(Sector, s.pk), marker="乙区秘密界别",
        reads=(api("/api/v1/org/sectors", switch=True),),
        writes=(page("/org/sectors/{id}/", {"name": "被篡改", "is_active": "1"}),
                page("/org/sectors/{id}/", {"name": "乙区秘密界别", "is_active": "0"}),
                api("/api/v1/org/sectors", {"name": "越权新增"}, switch=True)),
        lists=(page("/org/"), page("/members/"), page("/members/new/"), api("/api/v1/org/sectors?page_size=100")),
    ),
    Target(
        "handling unit", make_b_unit, lambda u: (rows(Unit, u.pk), RoleGrant.objects.filter(unit=u).count()),
        marker="乙区秘密单位",
        reads=(api("/api/v1/org/units", switch=True),),
        writes=(page("/org/units/{id}/", {"name": "被篡改", "is_active": "1"}),
                page("/accounts/roles/", {"username": "new_b_clerk", "display_name": "某人",
                                          "password": "Good-pass-2026", "role": "unit_handler", "unit": "{id}"}),
                api("/api/v1/org/units", {"name": "越权新增"}, switch=True)),
        lists=(page("/org/"), page("/accounts/roles/"), api("/api/v1/org/units?page_size=100")),
    ),
    Target(
        "audit event", make_b_event, lambda e: rows(Event, e.pk), marker="乙区秘密事件",
        reads=(api("/api/v1/audit/events", switch=True), api("/api/v1/audit/events?committee={b}", switch=True)),
        lists=(page("/audit/"), page("/audit/?object_id={member_b_profile}"), page("/audit/?verb=member"),
               page("/"), api("/api/v1/audit/events?page_size=100"),
               api("/api/v1/audit/events?object_type=members.member&object_id={member_b_profile}")),
    ),
    Target(
        "attachment", make_b_attachment, lambda a: rows(Attachment, a.pk), marker="乙区秘密附件",
        reads=(api("/api/v1/attachments/{id}"), api("/api/v1/attachments/{id}/download"),
               api("/api/v1/attachments/{id}", switch=True), api("/api/v1/attachments/{id}/download", switch=True)),
        writes=(api("/api/v1/attachments", {"file": "乙区.pdf"}, switch=True),),
        lists=(page("/"), api("/api/v1/audit/events?page_size=100")),
    ),
    Target(
        "search document", make_b_document, lambda d: rows(Document, d.pk), marker="乙区秘密文档",
        reads=(api("/api/v1/search?q=秘密文档", switch=True), api("/api/v1/search/similar", LIKE_IT, switch=True),
               api("/api/v1/search/routing", LIKE_IT, switch=True)),
        lists=search_lists(),
    ),
    Target(
        "proposal", make_b_proposal, proposal_rows, marker="乙区秘密提案",
        reads=(api("/api/v1/proposals/{id}"), api("/api/v1/proposals/{id}/similar"),
               api("/api/v1/proposals/{id}/routing"), api("/api/v1/proposals/{id}", switch=True),
               api("/api/v1/proposals?committee={b}", switch=True)),
        writes=proposal_writes(),
        lists=(api("/api/v1/proposals?page_size=100"), api("/api/v1/proposals?q=乙区秘密"),
               api("/api/v1/proposals?state=submitted&page_size=100"), api("/api/v1/search?q=乙区秘密提案"),
               api("/api/v1/search/similar", {"title": "关于老旧小区加装电梯的提案", "body": PROPOSAL_REASON})),
    ),
    Target(
        "role grant", make_b_grant, lambda g: rows(RoleGrant, g.pk), marker="乙区秘密",
        reads=(api("/api/v1/me", switch=True),),
        writes=(page("/accounts/roles/{id}/revoke/", {}),),
        lists=(page("/accounts/roles/"), page("/"), api("/api/v1/me"), api("/api/v1/committees")),
    ),
]


# --- the harness -----------------------------------------------------------------------------


@pytest.fixture
def world(committee_a, committee_b, member_b, admin_b, clerk_b):
    return SimpleNamespace(
        a=committee_a, b=committee_b, member_b=member_b, admin_b=admin_b, clerk_b=clerk_b,
        sector_b=Sector.objects.filter(committee=committee_b).first().pk,
        member_b_profile=Member.objects.get(user=member_b).pk,
    )


class Caller:
    """One persona, with a browser session and an API token, working in `home`."""

    def __init__(self, user, home, other):
        self.user, self.home, self.other = user, home, other
        self.browser = Client()
        self.browser.force_login(user)
        session = self.browser.session
        session["committee_id"] = home.pk  # the platform admin, too, works in A here
        session.save()
        self.token, _ = api_token_issue(user=user)

    def send(self, req: Req, fmt: dict[str, Any]):
        url = req.url.format(**fmt)
        if req.surface == "page":
            if req.method == "get":
                return self.browser.get(url)
            data = {k: (v.format(**fmt) if isinstance(v, str) else v) for k, v in (req.data or {}).items()}
            return self.browser.post(url, data)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        if "committee=" not in url:  # the header would take precedence over ?committee=
            headers["HTTP_X_COMMITTEE"] = str((self.other if req.switch else self.home).pk)
        client = Client()
        if req.method == "get":
            return client.get(url, **headers)
        if "file" in (req.data or {}):
            return client.post(url, {"file": samples.upload(req.data["file"], samples.pdf())}, **headers)
        send = getattr(client, req.method)  # post, patch …
        return send(url, json.dumps(req.data), content_type="application/json", **headers)


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def run_matrix(caller: Caller, target: Target, world: SimpleNamespace, obj: Any, *, foreign_events) -> None:
    fmt = {**vars(world), "id": obj.pk, "a": world.a.pk, "b": world.b.pk}
    skip_switch = caller.user.is_superuser
    before, events_before = target.state(obj), foreign_events()
    assert before, f"{target.name}: the factory made nothing"
    for req in target.reads:
        if req.switch and skip_switch:
            continue
        response = caller.send(req, fmt)
        assert response.status_code in API_REFUSALS, (target.name, req, response.status_code, body_of(response)[:200])
        assert target.marker not in body_of(response), (target.name, req)
    for req in target.writes:
        if req.switch and skip_switch:
            continue
        response = caller.send(req, fmt)
        allowed = PAGE_WRITE_REFUSALS if req.surface == "page" else API_REFUSALS
        assert response.status_code in allowed, (target.name, req, response.status_code, body_of(response)[:200])
    for req in target.lists:
        response = caller.send(req, fmt)
        assert response.status_code < 500, (target.name, req)
        assert target.marker not in body_of(response), (target.name, req, response.status_code)
    assert target.state(obj) == before, f"{target.name} changed"
    assert foreign_events() == events_before, f"{target.name}: the other side's audit trail grew"


# --- another committee -----------------------------------------------------------------------


@pytest.mark.parametrize("target", OTHER_COMMITTEE, ids=lambda t: t.name)
@pytest.mark.parametrize("role", ROLES)
def test_no_role_reads_or_changes_another_committees_objects(request, world, role, target):
    caller = Caller(request.getfixturevalue(role), world.a, world.b)
    obj = target.make(world)
    run_matrix(caller, target, world, obj, foreign_events=lambda: Event.objects.filter(committee=world.b).count())
    assert Member.objects.filter(committee=world.b, name="被篡改").count() == 0
    assert not Sector.objects.filter(committee=world.b, name="越权新增").exists()


def _own_twin(target: Target, w: SimpleNamespace):
    """The same kind of object in committee A, made by the same factory."""
    twin = SimpleNamespace(**{**vars(w), "b": w.a, "member_b": w.member_a, "admin_b": w.admin_a,
                              "sector_b": Sector.objects.filter(committee=w.a).first().pk})
    return target.make(twin)


@pytest.mark.parametrize("target", OTHER_COMMITTEE, ids=lambda t: t.name)
def test_the_matrix_urls_are_live_for_the_owning_committee(world, member_a, admin_a, target):
    """Control: the same factory in committee A, and A's own admin reads the very same URLs with 200
    and finds the marker in at least one list, so the refusals above are real refusals."""
    own = SimpleNamespace(**{**vars(world), "b": world.a, "member_b": member_a, "admin_b": admin_a})
    obj = target.make(own)
    fmt = {**vars(own), "id": obj.pk, "a": world.a.pk, "b": world.a.pk,
           "sector_b": Sector.objects.filter(committee=world.a).first().pk,
           "member_b_profile": Member.objects.get(user=member_a).pk}
    caller = Caller(admin_a, world.a, world.a)
    for req in target.reads:
        response = caller.send(req, fmt)
        assert response.status_code == 200, (target.name, req, response.status_code)
    if target.lists:
        assert any(target.marker in body_of(caller.send(req, fmt)) for req in target.lists), target.name


# --- another unit in the same committee ------------------------------------------------------


@pytest.fixture
def units(committee_a, unit_a):
    """unit_a handles for 区教育局 (unit X); a second clerk handles for 区卫生健康局 (unit Y)."""
    unit_x = RoleGrant.objects.get(user=unit_a).unit
    unit_y = Unit.objects.get(committee=committee_a, name="区卫生健康局")
    clerk_y = make_user("unit_y_clerk", display_name="卫健局经办人")
    grant(clerk_y, committee_a, Role.UNIT_HANDLER, unit_y)
    return SimpleNamespace(a=committee_a, b=committee_a, unit_x=unit_x, unit_y=unit_y, clerk_y=clerk_y)


def make_y_attachment(w):
    return attachment_upload(actor=w.clerk_y, committee=w.a,
                             uploaded_file=samples.upload("卫健局答复.pdf", samples.pdf()))


def make_y_grant(w):
    return RoleGrant.objects.get(user=w.clerk_y)


def make_y_document(w):
    return index_document(w.a, "卫健局秘密文档：关于老旧小区加装电梯的建议", audience=Audience.STAFF,
                          unit_ids=(w.unit_y.pk,))


def make_y_proposal(w):
    """A proposal assigned to unit Y only, in the state where a unit accepts it."""
    member = make_persona(w.a, Role.MEMBER, "y_proposer")
    clerk = make_persona(w.a, Role.PROPOSAL_STAFF, "y_office")
    return make_proposal(w.a, member, "卫健局秘密提案：关于老旧小区加装电梯的提案", (clerk, "register", {}),
                         (clerk, "assign", {"units": [{"unit_id": w.unit_y.pk, "role": "lead"}]}))


OTHER_UNIT = [
    Target(
        "attachment of unit Y", make_y_attachment, lambda a: rows(Attachment, a.pk), marker="卫健局答复",
        reads=(api("/api/v1/attachments/{id}"), api("/api/v1/attachments/{id}/download"),
               page("/api/v1/attachments/{id}"), page("/api/v1/attachments/{id}/download")),
        lists=(page("/"), api("/api/v1/audit/events")),
    ),
    Target(
        "role grant of unit Y", make_y_grant, lambda g: rows(RoleGrant, g.pk), marker="卫健局经办人",
        writes=(page("/accounts/roles/{id}/revoke/", {}),
                page("/accounts/roles/", {"username": "unit_y_clerk", "role": "unit_handler", "unit": "{unit_y}"})),
        lists=(page("/"), page("/org/"), api("/api/v1/me")),
    ),
    Target(
        "proposal of unit Y", make_y_proposal, proposal_rows, marker="卫健局秘密提案",
        reads=(api("/api/v1/proposals/{id}"), api("/api/v1/proposals/{id}/similar"),
               api("/api/v1/proposals/{id}/routing")),
        writes=proposal_writes(switch=False),
        lists=(api("/api/v1/proposals?page_size=100"), api("/api/v1/proposals?unit={unit_y}"),
               api("/api/v1/proposals?q=卫健局秘密"), api("/api/v1/search?q=卫健局秘密提案"), page("/")),
    ),
    Target(
        "search document of unit Y", make_y_document, lambda d: rows(Document, d.pk), marker="卫健局秘密文档",
        lists=search_lists(),
    ),
]


@pytest.mark.parametrize("target", OTHER_UNIT, ids=lambda t: t.name)
def test_a_unit_clerk_reads_and_changes_nothing_of_another_unit(units, unit_a, target):
    caller = Caller(unit_a, units.a, units.a)
    obj = target.make(units)
    fmt_world = SimpleNamespace(**{**vars(units), "unit_y": units.unit_y.pk})
    # Any write that got through would leave an event in the committee's trail.
    run_matrix(caller, target, fmt_world, obj, foreign_events=lambda: Event.objects.filter(committee=units.a).count())
    assert not RoleGrant.objects.filter(user=unit_a, unit=units.unit_y).exists()


def test_a_unit_clerk_knows_only_their_own_unit(units, unit_a):
    me = Caller(unit_a, units.a, units.a).send(api("/api/v1/me"), {})
    assert me.json()["unit_ids"] == [units.unit_x.pk]


def test_the_unit_harness_is_live_for_unit_y_itself(units):
    """Control: unit Y's own clerk downloads their file through the same URLs."""
    attachment = make_y_attachment(units)
    caller = Caller(units.clerk_y, units.a, units.a)
    for req in OTHER_UNIT[0].reads:
        assert caller.send(req, {"id": attachment.pk}).status_code == 200, req


def test_unit_y_reads_and_accepts_its_own_proposal_through_the_same_urls(units):
    """Control: unit Y's clerk opens the proposal unit X's clerk could not, and signs for it."""
    proposal = make_y_proposal(units)
    caller = Caller(units.clerk_y, units.a, units.a)
    fmt = {"id": proposal.pk, "unit_y": units.unit_y.pk}
    target = next(t for t in OTHER_UNIT if t.name == "proposal of unit Y")
    assert caller.send(target.reads[0], fmt).status_code == 200
    assert "卫健局秘密提案" in body_of(caller.send(target.lists[1], fmt))
    assert caller.send(api("/api/v1/proposals/{id}/transitions/accept", {}), fmt).status_code == 200


def test_unit_y_finds_its_own_search_document_through_the_same_lists(units):
    """Control: the searches unit X's clerk ran above find the document for unit Y's clerk."""
    make_y_document(units)
    caller = Caller(units.clerk_y, units.a, units.a)
    found = [req for req in search_lists() if "卫健局秘密文档" in body_of(caller.send(req, {}))]
    assert len(found) >= 4, found
