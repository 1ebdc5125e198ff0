from __future__ import annotations

from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.org.models import Sector
from zhengxie.testing.factories import make_member


def _form(committee, **over):
    data = {"name": "孙七", "gender": "男", "ethnicity": "汉族", "birth_month": "1975-03",
            "sector": Sector.objects.filter(committee=committee).first().pk, "employer_title": "区第一中学校长",
            "phone": "13512345678", "title": "member"}
    data.update(over)
    return data


def test_admin_adds_a_member_by_hand(client, admin_a, committee_a):
    client.force_login(admin_a)
    response = client.post("/members/new/", _form(committee_a))
    assert response.status_code == 302
    member = Member.objects.get(name="孙七")
    assert member.committee == committee_a and member.birth_month.isoformat() == "1975-03-01"
    assert Event.objects.filter(verb="member.created", object_id=str(member.pk)).exists()


def test_bad_phone_and_missing_sector_give_chinese_messages_and_save_nothing(client, admin_a, committee_a):
    client.force_login(admin_a)
    response = client.post("/members/new/", _form(committee_a, phone="12345", sector=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "11 位手机号码" in page and "这个字段是必填项" in page
    assert not Member.objects.filter(name="孙七").exists()


def test_duplicate_phone_in_the_same_committee_is_refused(client, admin_a, committee_a):
    make_member(committee_a, phone="13512345678")
    client.force_login(admin_a)
    response = client.post("/members/new/", _form(committee_a))
    assert response.status_code == 400
    assert Member.objects.filter(phone="13512345678").count() == 1


def test_sector_of_another_committee_is_not_a_valid_choice(client, admin_a, committee_a, committee_b):
    client.force_login(admin_a)
    b_sector = Sector.objects.filter(committee=committee_b).first()
    response = client.post("/members/new/", _form(committee_a, sector=b_sector.pk))
    assert response.status_code == 400
    assert not Member.objects.filter(name="孙七").exists()


def test_editing_a_member_records_the_changed_fields(client, admin_a, committee_a):
    member = make_member(committee_a, name="周八")
    client.force_login(admin_a)
    data = _form(committee_a, name="周八", employer_title="区人民医院院长", phone=member.phone, version=member.version)
    assert client.post(f"/members/{member.pk}/edit/", data).status_code == 302
    event = Event.objects.get(verb="member.updated", object_id=str(member.pk))
    assert event.payload["employer_title"] == ["某单位主任", "区人民医院院长"]


def test_editing_with_a_stale_version_is_refused(client, admin_a, committee_a):
    member = make_member(committee_a, name="周八")
    client.force_login(admin_a)
    data = _form(committee_a, name="周八改", phone=member.phone, version=member.version + 5)
    response = client.post(f"/members/{member.pk}/edit/", data)
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "周八"


def test_admin_cannot_edit_another_committees_member(client, admin_a, committee_b):
    member = make_member(committee_b)
    client.force_login(admin_a)
    assert client.get(f"/members/{member.pk}/edit/").status_code == 404


def test_clerk_cannot_add_or_edit_members(client, clerk_a, committee_a):
    member = make_member(committee_a)
    client.force_login(clerk_a)
    assert client.get("/members/new/").status_code == 403
    assert client.post(f"/members/{member.pk}/edit/", {}).status_code == 403


def test_member_list_query_count_does_not_grow_with_rows(client, clerk_a, committee_a, django_assert_max_num_queries):
    client.force_login(clerk_a)
    for _ in range(5):
        make_member(committee_a)
    with django_assert_max_num_queries(16) as few:
        client.get("/members/")
    for _ in range(45):
        make_member(committee_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/members/")


def test_a_stale_filter_value_drops_only_that_filter(client, clerk_a, committee_a):
    make_member(committee_a, name="钱九")
    make_member(committee_a, name="吴十")
    client.force_login(clerk_a)
    page = client.get("/members/", {"q": "钱九", "sector": "999999"}).content.decode()
    assert "钱九" in page and "吴十" not in page


def test_csrf_refusal_is_explained_in_chinese(db, admin_a, committee_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    response = client.post("/org/sectors/add/", {"name": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
