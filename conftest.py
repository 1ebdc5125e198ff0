"""Shared personas: two committees A and B, and a person in each role in each.

Use them by name: `clerk_a` (提案委 staff of A), `unit_a` (区教育局 clerk of A), `member_b`, …
"""

from __future__ import annotations

import pytest

from zhengxie.accounts.models import Role
from zhengxie.testing.factories import make_committee, make_persona, make_user

ROLE_PERSONAS = {
    "member": Role.MEMBER,
    "clerk": Role.PROPOSAL_STAFF,
    "editor": Role.OPINION_STAFF,
    "consult": Role.CONSULTATION_STAFF,
    "unit": Role.UNIT_HANDLER,
    "leader": Role.LEADER,
    "admin": Role.COMMITTEE_ADMIN,
}


@pytest.fixture
def committee_a(db):
    return make_committee("aaa", name="甲区政协")


@pytest.fixture
def committee_b(db):
    return make_committee("bbb", name="乙区政协")


def _persona_fixture(prefix: str, role: str, committee_fixture: str):
    @pytest.fixture
    def _fixture(request):
        committee = request.getfixturevalue(committee_fixture)
        return make_persona(committee, role, f"{prefix}_{committee_fixture[-1]}")

    return _fixture


for _prefix, _role in ROLE_PERSONAS.items():
    globals()[f"{_prefix}_a"] = _persona_fixture(_prefix, _role, "committee_a")
    globals()[f"{_prefix}_b"] = _persona_fixture(_prefix, _role, "committee_b")


@pytest.fixture
def platform_admin(db):
    return make_user("root", display_name="平台管理员", is_superuser=True)


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in as `user` and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
