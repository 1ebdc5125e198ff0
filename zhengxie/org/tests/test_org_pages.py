from __future__ import annotations

from zhengxie.audit.models import Event
from zhengxie.org.models import Sector, Session, Term
from zhengxie.org.services import chinese_number


def test_chinese_numbers_read_as_in_session_names():
    assert [chinese_number(n) for n in (1, 5, 10, 11, 20, 21, 99)] == ["一", "五", "十", "十一", "二十", "二十一",
                                                                        "九十九"]


def test_admin_adds_next_years_session_named_by_the_usual_pattern(client, admin_a, committee_a):
    client.force_login(admin_a)
    response = client.post("/org/sessions/add/", {"term_number": 11, "number": 6, "start_date": "2027-01-11",
                                                  "end_date": "2027-01-15"})
    assert response.status_code == 302
    session = Session.objects.get(committee=committee_a, number=6)
    assert session.name == "十一届六次会议" and session.term.name == "第十一届"
    assert Event.objects.filter(verb="org.item_created", object_id=str(session.pk)).exists()


def test_a_new_term_is_created_with_its_first_session(client, admin_a, committee_a):
    client.force_login(admin_a)
    client.post("/org/sessions/add/", {"term_number": 12, "number": 1, "start_date": "2027-01-11",
                                       "end_date": "2027-01-15"})
    assert Term.objects.get(committee=committee_a, number=12).name == "第十二届"


def test_duplicate_session_and_reversed_dates_are_refused_with_messages(client, admin_a, committee_a):
    client.force_login(admin_a)
    page = client.post("/org/sessions/add/", {"term_number": 11, "number": 5, "start_date": "2026-01-12",
                                              "end_date": "2026-01-16"}, follow=True).content.decode()
    assert "已存在" in page
    page = client.post("/org/sessions/add/", {"term_number": 11, "number": 7, "start_date": "2027-01-12",
                                              "end_date": "2027-01-01"}, follow=True).content.decode()
    assert "闭幕日期不能早于开幕日期" in page
    assert Session.objects.filter(committee=committee_a).count() == 1


def test_admin_renames_and_deactivates_a_sector(client, admin_a, committee_a):
    sector = Sector.objects.filter(committee=committee_a).first()
    client.force_login(admin_a)
    client.post(f"/org/sectors/{sector.pk}/", {"name": "中共界", "is_active": ""})
    sector.refresh_from_db()
    assert (sector.name, sector.is_active) == ("中共界", False)
    assert Event.objects.get(verb="org.item_updated").payload["name"] == [sector.name.replace("界", ""), "中共界"]


def test_admin_cannot_rename_another_committees_sector(client, admin_a, committee_b):
    sector = Sector.objects.filter(committee=committee_b).first()
    client.force_login(admin_a)
    page = client.post(f"/org/sectors/{sector.pk}/", {"name": "改名", "is_active": "1"}, follow=True)
    sector.refresh_from_db()
    assert sector.name != "改名"
    assert "该条目不存在" in page.content.decode()


def test_only_admins_add_sessions(client, clerk_a, committee_a):
    client.force_login(clerk_a)
    response = client.post("/org/sessions/add/", {"term_number": 11, "number": 6, "start_date": "2027-01-11",
                                                  "end_date": "2027-01-15"})
    assert response.status_code == 403
