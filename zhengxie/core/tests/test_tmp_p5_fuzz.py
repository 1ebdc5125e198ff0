"""The JSON API fuzzed against its own OpenAPI document (/api/v1/openapi.json) with schemathesis.

For every operation schemathesis generates valid and invalid requests and checks each answer: no
5xx, a documented status code, a body that matches that status's schema, the documented content
type, schema-valid input accepted and schema-violating input refused, no answer without
credentials. Requests go in-process to the Django WSGI app, inside the test's transaction.

Four callers: a committee admin (every permission), a plain member (few), and a proposal clerk
(the proposal operations only), each with a bearer token issued directly (so the token endpoint's
lockout never touches them), and nobody at all against the token endpoint. Most generated requests
are steered onto real rows (the caller's committee in `X-Committee`, real member and proposal ids —
proposals at every step of the chain —, list kinds, transition names, and the units, sessions and
members a proposal payload names) so the handlers' deep paths run, not only their 404s; the rest
keep the generated values.

Deterministic (derandomized) and bounded: ZHENGXIE_FUZZ_EXAMPLES (default 25) examples per
operation and caller. For a deeper look before a release: ZHENGXIE_FUZZ_EXAMPLES=300.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.serialization import Binary

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import access_for
from zhengxie.accounts.services import api_token_issue
from zhengxie.members.models import Member
from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.notifications.services import notify
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.proposals import services as proposal_services
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW
from zhengxie.testing.factories import PASSWORD, grant, make_member, make_persona, make_user
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.services import document_upsert
from zhengxie.textindex.tests.conftest import KIND
from zhengxie.textindex.tests.conftest import testdoc_source  # noqa: F401  (autouse: the stand-in searchable kind)

application = get_wsgi_application()

CONFIG = schemathesis.Config.from_dict({
    "generation": {
        # HTTP servers ignore headers and query parameters they do not know (every browser sends
        # dozens); OpenAPI does not say a parameter list is closed, so "unknown header accepted"
        # is not a defect of this API.
        "allow-extra-parameters": False,
        # Credentials are the test's business (a real token per persona), not generated noise.
        "with-security-parameters": False,
    },
    "operations": [{
        # An upload is refused (400) by what its bytes turn out to be (PDF, Word, Excel, JPG, PNG,
        # sniffed from the content), which OpenAPI's `format: binary` cannot state: every generated
        # "valid" file is random bytes, so a 400 there is the API working, not rejecting valid input.
        "include-path": "/api/v1/attachments",
        "include-method": "POST",
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"],
        }},
    }],
})
# Loaded once per process, over WSGI like every request below.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)
TOKEN_PATH = "/api/v1/auth/token"

FUZZ = settings(
    max_examples=int(os.environ.get("ZHENGXIE_FUZZ_EXAMPLES", "25")),
    derandomize=True,
    deadline=None,
    database=None,
    # The fixtures (committees, personas, token) are meant to be shared by a test's examples; the
    # others would fail a run over how hard some schema is to generate for, not over the API.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

KINDS = list(LISTS)
TRANSITIONS = [t.name for t in MEMBER_WORKFLOW.transitions]
PROPOSAL_TRANSITIONS = [t.name for t in PROPOSAL_WORKFLOW.transitions]
SEARCH_TITLE = "关于老旧小区排水管网改造的建议"
SEARCH_BODY = "雨季内涝严重，老旧小区排水管网老化堵塞，建议分期改造并明确维护责任。"


@dataclass
class Proposals:
    """Proposals in committee A at every step of the chain (and one of B's), with what a payload names."""

    ids: list[int]
    unit_ids: list[int]
    user_ids: list[int]
    session_id: int


@dataclass
class World:
    """What a caller's requests are steered onto, and the token they carry."""

    committee_id: int
    member_ids: list[int]
    token: str
    proposals: Proposals | None = None


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep Django's request signals from closing the connection that holds the test's transaction.

    Django's test Client does the same; schemathesis calls the real WSGI handler, whose
    request_started/request_finished would otherwise drop the connection (on PostgreSQL) mid-test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def committees(wsgi_in_test_transaction, committee_a, committee_b, member_b) -> tuple[Committee, list[int]]:
    """Committee A with members in every state and inbox rows; committee B with a member of its own."""
    for _ in range(4):
        make_member(committee_a)
    Member.objects.filter(pk=make_member(committee_a).pk).update(state="suspended")
    Member.objects.filter(pk=make_member(committee_a).pk).update(state="left")
    ids = list(Member.objects.filter(committee=committee_a).values_list("id", flat=True))
    ids.append(Member.objects.get(user=member_b).pk)  # another committee's member: must be a 404
    unit = Unit.objects.filter(committee=committee_a).first()
    for i, audience in enumerate(["members", "staff", "public"]):  # searchable items, handled by a unit
        document_upsert(entry=IndexEntry(kind=KIND, object_id=i + 1, committee_id=committee_a.pk,
                                         title=f"{SEARCH_TITLE}（{i + 1}）", body=SEARCH_BODY, audience=audience,
                                         date=dt.date(2026, 3, 1), url=f"/proposals/{i + 1}/", unit_id=unit.pk))
    return committee_a, ids



PROPOSAL_TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来我区电动自行车保有量快速增长，居民楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "在小区增设集中充电设施，加强楼道巡查，清理违规充电。",
    "category": "society",
}


@pytest.fixture
def proposals(committees, member_a, clerk_a, unit_a, member_b, committee_b) -> Proposals:
    """member_a's proposals from draft to closed (handled by unit_a's unit), a joint one collecting
    co-signers, and one of committee B (always a 404)."""
    committee = committees[0]
    cosigner = make_persona(committee, Role.MEMBER, "fuzz_cosigner")
    units = list(Unit.objects.filter(committee=committee).order_by("order"))
    grant(make_user("fuzz_unit2"), committee, Role.UNIT_HANDLER, units[1])
    member, clerk, unit = (access_for(u, committee) for u in (member_a, clerk_a, unit_a))
    session = Session.objects.filter(committee=committee).first()

    def step(p, access, name, **payload):
        return proposal_services.transition(access=access, proposal_id=p.pk, name=name, payload=payload)

    def new(**extra):
        return proposal_services.proposal_create(access=member, data={**PROPOSAL_TEXT, "session_id": session.pk,
                                                                      **extra})

    chain = [new()]  # draft
    joint = new(proposer_kind="joint")
    step(joint, member, "invite", user_ids=[cosigner.pk])
    chain.append(joint)  # cosigning
    for target in range(1, 7):  # submitted, registered, assigned, handling, replied, closed
        p = step(new(), member, "submit")
        if target >= 2:
            step(p, clerk, "register")
        if target >= 3:
            step(p, clerk, "assign", mode="lead_assist",
                 units=[{"unit_id": units[0].pk, "role": "lead"}, {"unit_id": units[1].pk, "role": "assist"}])
        if target >= 4:
            step(p, unit, "accept")
        if target >= 5:
            proposal_services.unit_answer(access=unit, proposal_id=p.pk, data={"text": "已答复。", "grade": "B"})
        if target >= 6:
            proposal_services.evaluation_submit(access=member, proposal_id=p.pk, handling="satisfied",
                                                result="satisfied")
        chain.append(p)
    other = proposal_services.proposal_create(access=access_for(member_b, committee_b), data=PROPOSAL_TEXT)
    return Proposals(ids=[p.pk for p in chain] + [other.pk], unit_ids=[u.pk for u in units],
                     user_ids=[cosigner.pk, member_a.pk, clerk_a.pk], session_id=session.pk)


def _world(committees: tuple[Committee, list[int]], user: User, proposals: Proposals | None = None) -> World:
    committee, member_ids = committees
    notify(committee=committee, recipients=[user], verb="test", title="通知", body="内容", url="/")
    key, _ = api_token_issue(user=user)
    return World(committee_id=committee.pk, member_ids=member_ids, token=key, proposals=proposals)


@pytest.fixture
def as_admin(committees, admin_a, proposals) -> World:
    return _world(committees, admin_a, proposals)


@pytest.fixture
def as_member(committees, member_a, proposals) -> World:
    return _world(committees, member_a, proposals)


@pytest.fixture
def as_clerk(committees, clerk_a, proposals) -> World:
    return _world(committees, clerk_a, proposals)


def _positive_at(case: schemathesis.Case, location: ParameterLocation) -> bool:
    meta = case.meta
    return meta is None or not meta.is_negative_at(location)


def _steer(case: schemathesis.Case, world: World) -> None:
    """Point most schema-valid requests at real rows; values are picked from the generated ones,
    so a replayed example is steered the same way."""
    if case.headers and _positive_at(case, ParameterLocation.HEADER):
        committee = str(case.headers.get("X-Committee", ""))
        if committee.isdigit() and int(committee) % 4:
            case.headers["X-Committee"] = str(world.committee_id)
    params = case.path_parameters or {}
    if params and _positive_at(case, ParameterLocation.PATH):
        member = str(params.get("id", ""))
        if case.path.startswith("/api/v1/members/") and member.isdigit() and int(member) % 4:
            params["id"] = world.member_ids[int(member) % len(world.member_ids)]
        if case.path.startswith("/api/v1/proposals/") and world.proposals and member.isdigit() and int(member) % 4:
            params["id"] = world.proposals.ids[int(member) % len(world.proposals.ids)]
        names = PROPOSAL_TRANSITIONS if case.path.startswith("/api/v1/proposals/") else TRANSITIONS
        if isinstance(params.get("name"), str) and len(params["name"]) % 4:
            params["name"] = names[len(params["name"]) % len(names)]
        if isinstance(params.get("kind"), str) and len(params["kind"]) % 6:
            params["kind"] = KINDS[len(params["kind"]) % len(KINDS)]
    # Searches: most queries and texts are steered onto the indexed items, so hits are dressed and scored.
    if case.path == "/api/v1/search" and case.query and _positive_at(case, ParameterLocation.QUERY):
        q = case.query.get("q")
        if isinstance(q, str) and len(q) % 3:
            case.query["q"] = "排水管网"
    if case.path in {"/api/v1/search/similar", "/api/v1/search/routing"} and isinstance(case.body, dict) \
            and _positive_at(case, ParameterLocation.BODY):
        if isinstance(case.body.get("title"), str) and len(case.body["title"]) % 3:
            case.body["title"], case.body["body"] = SEARCH_TITLE, SEARCH_BODY
    # Proposal payloads: most ids named in a body are real units, members, sessions, proposals.
    if case.path.startswith("/api/v1/proposals") and world.proposals and isinstance(case.body, dict) \
            and _positive_at(case, ParameterLocation.BODY):
        _steer_proposal_body(case.body, world.proposals)
    if isinstance(case.body, dict) and "file" in case.body and _positive_at(case, ParameterLocation.BODY):
        data = case.body["file"].data if isinstance(case.body["file"], Binary) else case.body["file"]
        if isinstance(data, (bytes, str)) and not data:
            # Werkzeug (schemathesis's WSGI client) encodes an empty file part without the CRLF
            # before the closing boundary, which Django's parser reads as no file at all (422
            # "file missing"); browsers and curl encode it properly. One byte avoids the quirk.
            case.body["file"] = b"\x00"


def _steer_proposal_body(body: dict, proposals: Proposals) -> None:
    def pick(value: object, pool: list[int]) -> object:
        return pool[value % len(pool)] if isinstance(value, int) and not isinstance(value, bool) and value % 4 else value

    if "session_id" in body:
        body["session_id"] = pick(body["session_id"], [proposals.session_id])
    if "lead_id" in body:
        body["lead_id"] = pick(body["lead_id"], proposals.ids)
    if isinstance(body.get("user_ids"), list):
        body["user_ids"] = [pick(i, proposals.user_ids) for i in body["user_ids"]]
    if isinstance(body.get("units"), list):
        for row in body["units"]:
            if isinstance(row, dict) and "unit_id" in row:
                row["unit_id"] = pick(row["unit_id"], proposals.unit_ids)


def _call(case: schemathesis.Case, world: World) -> None:
    _steer(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"})


@pytest.fixture
def token_account(wsgi_in_test_transaction):
    """An account the token requests may name (never one the other tests authenticate with)."""
    return make_user("fuzz_user")


def _as_admin(case: schemathesis.Case, as_admin: World) -> None:
    _call(case, as_admin)


def _as_member(case: schemathesis.Case, as_member: World) -> None:
    _call(case, as_member)


def _as_clerk(case: schemathesis.Case, as_clerk: World) -> None:
    _call(case, as_clerk)


def _as_anyone(case: schemathesis.Case, token_account: User) -> None:
    if isinstance(case.body, dict) and _positive_at(case, ParameterLocation.BODY):
        # Some requests name a real account, some with its password: success, failure and lockout.
        if isinstance(case.body.get("username"), str) and len(case.body["username"]) % 3 == 0:
            case.body["username"] = "fuzz_user"
        if isinstance(case.body.get("password"), str) and len(case.body["password"]) % 2 == 0:
            case.body["password"] = PASSWORD
    case.call_and_validate()


# One test function per caller and operation (test_a_plain_member_gets_schema_answers_from_get_api_v1_me
# …), not one `@schema.parametrize()` test per caller: under pytest 9 that test's items all share one
# node id, and pytest-xdist (`make test`) then runs only the first operation. An operation is
# selected with `exclude`: an `include` is OR-ed with the one the per-operation config above adds.
CALLERS = [
    ("test_a_committee_admin_gets_schema_answers_from", _as_admin, lambda op: op.path != TOKEN_PATH),
    ("test_a_plain_member_gets_schema_answers_from", _as_member, lambda op: op.path != TOKEN_PATH),
    # The proposal office drives most of the proposal chain: its own pass over those operations.
    ("test_a_proposal_clerk_gets_schema_answers_from", _as_clerk, lambda op: op.path.startswith("/api/v1/proposals")),
    ("test_anyone_gets_schema_answers_from", _as_anyone, lambda op: op.path == TOKEN_PATH),
]


def _fuzz_test(body: Callable[..., None], label: str) -> Callable[..., None]:
    def test(*args: object, **kwargs: object) -> None:
        body(*args, **kwargs)

    # pytest reads the fixtures a test needs from its signature: the body's.
    test.__signature__ = inspect.signature(body)  # type: ignore[attr-defined]
    only = schema.exclude(lambda ctx: ctx.operation.label != label)
    return pytest.mark.django_db(only.parametrize()(FUZZ(test)))


for _prefix, _body, _wanted in CALLERS:
    for _result in schema.get_all_operations():
        _operation = _result.ok()
        if _wanted(_operation):
            _name = f"{_prefix}_{re.sub(r'[^a-z0-9]+', '_', _operation.label.lower()).strip('_')}"
            globals()[_name] = _fuzz_test(_body, _operation.label)
