"""社情民意 over the JSON API (/api/v1/opinions): the chain end to end, who sees what, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from zhengxie.accounts.models import User
from zhengxie.accounts.services import api_token_issue
from zhengxie.opinions.models import Opinion
from zhengxie.opinions.tests.conftest import TEXT
from zhengxie.org.models import Committee

API = "/api/v1/opinions"


class Caller:
    """One persona talking JSON to the API with a bearer token, in one committee."""

    def __init__(self, user: User, committee: Committee):
        self.client = Client()
        key, _ = api_token_issue(user=user)
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_X_COMMITTEE": str(committee.pk)}

    def get(self, path: str, **params: Any):
        return self.client.get(f"{API}{path}", params, **self.headers)

    def send(self, method: str, path: str, body: Any = None):
        return getattr(self.client, method)(f"{API}{path}", json.dumps(body) if body is not None else "",
                                            content_type="application/json", **self.headers)

    def post(self, path: str, body: Any = None):
        return self.send("post", path, body)

    def fire(self, pk: int, name: str, **body: Any):
        return self.post(f"/{pk}/transitions/{name}", body)


def test_an_item_travels_from_a_member_to_the_city_and_the_instruction_shows_in_the_members_record(
        county, city, member_a, editor_a, leader_a, city_editor):
    member, editor, leader = Caller(member_a, county), Caller(editor_a, county), Caller(leader_a, county)
    upper = Caller(city_editor, city)

    created = member.post("", TEXT)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert [t["name"] for t in created.json()["available_transitions"]] == ["submit"]
    assert member.fire(pk, "submit").json()["state"] == "submitted"

    queue = editor.get("", state="submitted").json()
    assert [i["id"] for i in queue["items"]] == [pk] and queue["items"][0]["serial"].endswith("-0001")
    assert editor.fire(pk, "adopt").json()["state"] == "adopted"
    edited = editor.fire(pk, "edit", title="关于完善农村助餐服务的建议", body="编辑后的正文")
    assert edited.status_code == 200 and edited.json()["edited_body"] == "编辑后的正文"
    assert member.get(f"/{pk}").json()["edited_title"] == "关于完善农村助餐服务的建议"
    assert leader.fire(pk, "sign").json()["state"] == "signed"

    issue = editor.post("/issues", {"series": "express", "recipients_main": ["区委", "区政府"]}).json()
    assert editor.send("patch", f"/issues/{issue['id']}", {"opinion_ids": [pk]}).status_code == 200
    published = editor.post(f"/issues/{issue['id']}/publish")
    assert published.status_code == 200 and published.json()["label"].endswith("年第1期")
    again = editor.post(f"/issues/{issue['id']}/publish")
    assert again.status_code == 409 and "不能重复印发" in again.json()["detail"]

    wrong = editor.post(f"/{pk}/forward", {"committee_id": county.pk})
    assert wrong.status_code == 400 and "只能报送上一级政协" in wrong.json()["detail"]
    forwarded = editor.post(f"/{pk}/forward", {"committee_id": city.pk})
    assert forwarded.status_code == 200 and forwarded.json()["forwarded_at"]
    copy = upper.get("", state="submitted").json()["items"][0]
    assert upper.fire(copy["id"], "adopt").json()["state"] == "adopted"
    instruction = upper.post(f"/{copy['id']}/tracks", {"kind": "instruction", "level": "city", "person": "王某某",
                                                        "person_title": "市委副书记", "text": "请市民政局研究。"})
    assert instruction.status_code == 201, instruction.content

    detail = member.get(f"/{pk}").json()
    assert [(n["level"], n["state"]) for n in detail["chain"]] == [("county", "published"), ("city", "adopted")]
    record = member.get("/record").json()
    assert record[0]["adopted_levels"] == ["county", "city"]
    assert [i["person"] for i in record[0]["instructions"]] == ["王某某"]


def test_refusals_carry_the_services_chinese_message_and_change_nothing(county, member_a, editor_a, leader_a):
    member, editor = Caller(member_a, county), Caller(editor_a, county)
    pk = member.post("", TEXT).json()["id"]
    member.fire(pk, "submit")
    twice = member.fire(pk, "submit")
    assert twice.status_code == 409 and "不能进行“提交”操作" in twice.json()["detail"]
    forbidden = member.fire(pk, "adopt")
    assert forbidden.status_code == 403
    nowhere = editor.post(f"/{pk}/tracks", {"kind": "instruction", "level": "province", "person": "李", "text": "阅"})
    assert nowhere.status_code == 409 and "待处理" in nowhere.json()["detail"]
    assert Opinion.objects.get(pk=pk).version == 1


def test_a_long_item_is_saved_with_a_warning_and_an_oversized_one_refused(county, member_a):
    member = Caller(member_a, county)
    long = member.post("", {**TEXT, "body": "字" * 1600})
    assert long.status_code == 201 and "1500" in long.json()["warnings"][0]
    assert member.post("", {**TEXT, "body": "字" * 10_001}).status_code == 422
    assert member.post("", {**TEXT, "title": ""}).status_code == 422


def test_another_committee_gets_404_and_a_member_never_sees_a_public_submitters_contact(
        county, committee_b, editor_a, editor_b, member_a, leader_a):
    from zhengxie.opinions import services

    public = services.opinion_submit_public(committee=county, name="张三", contact="13900000000", **TEXT)
    assert Caller(editor_a, county).get(f"/{public.pk}").json()["submitter_contact"] == "13900000000"
    assert Caller(editor_b, committee_b).get(f"/{public.pk}").status_code == 404
    assert Caller(member_a, county).get(f"/{public.pk}").status_code == 404
    assert Caller(leader_a, county).get(f"/{public.pk}").json()["submitter_contact"] == ""


def test_combining_through_the_api_refuses_another_committees_items(county, committee_b, member_a, member_b,
                                                                    editor_a):
    ours = Caller(member_a, county).post("", TEXT).json()["id"]
    Caller(member_a, county).fire(ours, "submit")
    theirs = Caller(member_b, committee_b).post("", TEXT).json()["id"]
    Caller(member_b, committee_b).fire(theirs, "submit")
    answer = Caller(editor_a, county).post("/combine", {"source_ids": [ours, theirs], "title": "综合", "body": "正文"})
    assert answer.status_code == 403 and "其他政协" in answer.json()["detail"]
    assert not Opinion.objects.filter(source_kind="combined").exists()


@pytest.mark.parametrize("rows,status", [([], 422), ([{"opinion_id": 1, "level": "mars", "person": "x", "text": "y"}], 422)])
def test_a_malformed_batch_of_instructions_is_rejected_by_the_schema(county, editor_a, rows, status):
    assert Caller(editor_a, county).post("/instructions", {"rows": rows}).status_code == status


def test_the_list_and_the_detail_take_the_same_queries_however_many_rows(county, city, member_a, editor_a,
                                                                          leader_a, city_editor):
    from zhengxie.opinions.tests.conftest import published
    from zhengxie.testing.queries import growth_report, queries_during

    editor = Caller(editor_a, county)
    first = published(member_a, editor_a, leader_a, county)
    editor.get("")  # the token's first use of the minute is recorded once
    _, few_list = queries_during(lambda: editor.get("", page_size=100))
    _, few_detail = queries_during(lambda: editor.get(f"/{first.pk}"))
    for _ in range(3):
        o = published(member_a, editor_a, leader_a, county)
    copy = Caller(editor_a, county).post(f"/{o.pk}/forward", {"committee_id": city.pk})
    assert copy.status_code == 200
    listed, many_list = queries_during(lambda: editor.get("", page_size=100))
    detail, many_detail = queries_during(lambda: editor.get(f"/{o.pk}"))
    assert listed.json()["count"] == 4 and len(detail.json()["chain"]) == 2
    assert len(many_list) == len(few_list), growth_report(few_list, many_list)
    assert len(many_detail) == len(few_detail), growth_report(few_detail, many_detail)


def test_every_audit_verb_the_module_writes_has_a_chinese_label():
    from zhengxie.audit.verbs import VERB_LABELS
    from zhengxie.opinions.models import Track
    from zhengxie.opinions.workflow import ISSUE_WORKFLOW, OPINION_WORKFLOW

    verbs = {f"{w.name}.{t.name}" for w in (OPINION_WORKFLOW, ISSUE_WORKFLOW) for t in w.transitions}
    verbs |= {f"opinion.{kind}" for kind in Track.Kind.values if kind != "adoption"}
    verbs |= {"opinion.create", "opinion.update", "opinion.piece", "opinion.forward", "opinion.receive",
              "opinion_issue.create", "opinion_issue.update"}
    assert verbs - set(VERB_LABELS) == set()
