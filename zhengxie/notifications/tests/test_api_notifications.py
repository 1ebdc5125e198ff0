"""The caller's inbox over the API: their own notifications, in the committee they work in."""

from __future__ import annotations

import pytest

from zhengxie.accounts.models import Role
from zhengxie.notifications.models import Notification
from zhengxie.notifications.services import notify
from zhengxie.testing.factories import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def inboxes(member_a, clerk_a, committee_a, committee_b):
    """member_a has two notices in A and one in B (where they also serve); clerk_a has one in A."""
    grant(member_a, committee_b, Role.MEMBER)
    notify(committee=committee_a, recipients=[member_a], verb="test", title="甲区通知一")
    notify(committee=committee_a, recipients=[member_a], verb="test", title="甲区通知二")
    notify(committee=committee_b, recipients=[member_a], verb="test", title="乙区通知")
    notify(committee=committee_a, recipients=[clerk_a], verb="test", title="给提案委的通知")


def titles(response) -> list[str]:
    return [n["title"] for n in response.json()["items"]]


def test_a_member_reads_their_own_notifications_of_the_current_committee(login, member_a, committee_b,
                                                                          inboxes):
    client = login(member_a)
    assert titles(client.get("/api/v1/notifications")) == ["甲区通知二", "甲区通知一"]
    assert titles(client.get("/api/v1/notifications", HTTP_X_COMMITTEE=str(committee_b.pk))) == ["乙区通知"]


def test_marking_all_read_touches_only_the_current_committee_and_the_caller(login, member_a, clerk_a,
                                                                             inboxes):
    client = login(member_a)
    response = client.post("/api/v1/notifications/read")
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert all(n["is_read"] for n in client.get("/api/v1/notifications").json()["items"])
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    assert Notification.objects.filter(title="乙区通知", read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=clerk_a, read_at__isnull=True).exists()


def test_unread_filter_and_bad_input(login, member_a, inboxes):
    client = login(member_a)
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 2
    assert client.get("/api/v1/notifications?unread=maybe").status_code == 422
    assert client.get("/api/v1/notifications?page_size=500").status_code == 422
