"""Bad input is refused with a clear Chinese message, and nothing changes (rows, versions, audit log)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from zhengxie.accounts.models import Role
from zhengxie.audit.models import Event
from zhengxie.opinions import selectors, services
from zhengxie.opinions.models import BODY_HARD, Counter, Issue, IssueItem, Lineage, Opinion, Track
from zhengxie.opinions.tests.conftest import TEXT, acc, published, signed, submitted
from zhengxie.testing.factories import make_committee, make_persona
from zhengxie.workflow.engine import TransitionError


def snapshot() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(Opinion.objects.order_by("pk").values_list("pk", "state", "version", "edited_title", "edited_body",
                                                           "combined_into_id", "forwarded_at")),
        list(Issue.objects.order_by("pk").values_list("pk", "state", "number", "version")),
        IssueItem.objects.count(), Lineage.objects.count(), Track.objects.count(),
        list(Counter.objects.order_by("pk").values_list("pk", "last")), Event.objects.count(),
    )


def test_a_forward_to_a_committee_that_is_not_the_parent_is_refused(
        county, city, province, committee_b, member_a, editor_a, leader_a):
    o = published(member_a, editor_a, leader_a, county)
    before = snapshot()
    for target in (province, committee_b, county):
        with pytest.raises(services.OpinionError, match=f"只能报送上一级政协（{city.short_name}）"):
            services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=target.pk)
    assert snapshot() == before


def test_an_item_is_forwarded_once_and_a_top_committee_has_nowhere_to_forward(
        county, city, member_a, editor_a, leader_a, committee_b, member_b, editor_b, leader_b):
    o = published(member_a, editor_a, leader_a, county)
    services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    orphan = published(member_b, editor_b, leader_b, committee_b)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="不能重复报送"):
        services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    with pytest.raises(services.OpinionError, match="没有上级政协"):
        services.opinion_forward(access=acc(editor_b, committee_b), opinion_id=orphan.pk, committee_id=city.pk)
    assert snapshot() == before


def test_a_submitted_item_cannot_be_forwarded_before_the_editors_adopt_it(county, city, member_a, editor_a):
    o = submitted(member_a, county)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="待处理"):
        services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    assert snapshot() == before


def test_editing_a_signed_item_is_refused(member_a, editor_a, leader_a, committee_a):
    o = signed(member_a, editor_a, leader_a, committee_a)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="已签发，不能再修改"):
        services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title="改标题", body="改正文")
    with pytest.raises(TransitionError, match="已签发"):  # the transition itself refuses it too
        services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="edit",
                                    payload={"title": "改标题", "body": "改正文"})
    assert snapshot() == before


def test_publishing_an_issue_twice_is_refused_and_its_number_stays(member_a, editor_a, leader_a, committee_a):
    o = published(member_a, editor_a, leader_a, committee_a)
    issue = Issue.objects.get(items__opinion=o)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="不能重复印发"):
        services.issue_publish(access=acc(editor_a, committee_a), issue_id=issue.pk)
    with pytest.raises(services.OpinionError, match="不能重复印发"):
        services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, recipients_main=["别处"])
    assert snapshot() == before


def test_an_issue_with_an_unsigned_item_or_without_recipients_is_not_published(member_a, editor_a, leader_a,
                                                                               committee_a):
    ready = signed(member_a, editor_a, leader_a, committee_a)
    waiting = submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=waiting.pk, name="adopt")
    issue = services.issue_create(access=acc(editor_a, committee_a), series="express")
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[ready.pk, waiting.pk])
    before = snapshot()
    with pytest.raises(TransitionError, match="尚未签发"):
        services.issue_publish(access=acc(editor_a, committee_a), issue_id=issue.pk)
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[ready.pk])
    with pytest.raises(TransitionError, match="主送"):
        services.issue_publish(access=acc(editor_a, committee_a), issue_id=issue.pk)
    assert snapshot()[0] == before[0] and not Issue.objects.filter(number__isnull=False).exists()


def test_an_instruction_at_a_level_the_item_never_reached_is_refused(county, city, member_a, editor_a, leader_a,
                                                                     city_editor):
    o = published(member_a, editor_a, leader_a, county)
    before = snapshot()
    for level in ("city", "province", "national"):
        with pytest.raises(services.OpinionError, match="没有报送到"):
            services.instruction_record(access=acc(editor_a, county), opinion_id=o.pk, level=level, person="李某",
                                        text="阅。")
    assert snapshot() == before

    services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    t = services.instruction_record(access=acc(editor_a, county), opinion_id=o.pk, level="city", person="李某",
                                    person_title="市长", text="请市卫健委研究。", date="2026-01-05")
    assert t.level == "city" and str(t.date) == "2026-01-05"
    with pytest.raises(services.OpinionError, match="没有报送到省级"):
        services.instruction_record(access=acc(editor_a, county), opinion_id=o.pk, level="province", person="李某",
                                    text="阅。")


def test_a_stack_of_instructions_is_recorded_whole_or_not_at_all(member_a, editor_a, leader_a, committee_a):
    first = published(member_a, editor_a, leader_a, committee_a)
    second = published(member_a, editor_a, leader_a, committee_a)
    before = snapshot()
    rows = [{"opinion_id": first.pk, "level": "county", "person": "张书记", "text": "请区民政局落实。"},
            {"opinion_id": second.pk, "level": "city", "person": "王市长", "text": "阅。"}]
    with pytest.raises(services.OpinionError, match="第 2 条：.*没有报送到市级"):
        services.instructions_record_batch(access=acc(editor_a, committee_a), rows=rows)
    assert snapshot() == before
    rows[1]["level"] = "county"
    assert len(services.instructions_record_batch(access=acc(editor_a, committee_a), rows=rows)) == 2


def test_a_combined_piece_whose_sources_belong_to_another_committee_is_refused(
        member_a, editor_a, committee_a, member_b, committee_b):
    ours, theirs = submitted(member_a, committee_a), submitted(member_b, committee_b)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="属于其他政协"):
        services.opinion_combine(access=acc(editor_a, committee_a), source_ids=[ours.pk, theirs.pk],
                                 title="关于养老的综合建议", body="综合稿")
    assert snapshot() == before


def test_a_piece_needs_two_pending_sources(member_a, editor_a, committee_a):
    one, two = submitted(member_a, committee_a), submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=two.pk, name="adopt")
    before = snapshot()
    with pytest.raises(services.OpinionError, match="至少需要两条"):
        services.opinion_combine(access=acc(editor_a, committee_a), source_ids=[one.pk, one.pk], title="综合",
                                 body="正文")
    with pytest.raises(services.OpinionError, match="只能综合待处理的信息"):
        services.opinion_combine(access=acc(editor_a, committee_a), source_ids=[one.pk, two.pk], title="综合",
                                 body="正文")
    assert snapshot() == before


def test_blank_and_oversized_text_is_refused_and_a_long_item_only_warned(member_a, committee_a):
    access = acc(member_a, committee_a)
    for title, body, message in (("", "正文", "请填写标题"), ("关" * 101, "正文", "不能超过 100 个字"),
                                 ("标题", "字" * (BODY_HARD + 1), "不能超过 10000 个字"), ("标\x00题", "正文", "非法字符")):
        with pytest.raises(services.OpinionError, match=message):
            services.opinion_create(access=access, title=title, body=body)
    assert not Opinion.objects.exists()

    draft = services.opinion_create(access=access, title="只有标题的草稿")
    with pytest.raises(TransitionError, match="请填写正文"):
        services.opinion_transition(access=access, opinion_id=draft.pk, name="submit")
    long = "字" * 1600
    assert services.warnings_for("标题", long) and not services.warnings_for("标题", "字" * 1500)
    services.opinion_update(access=access, opinion_id=draft.pk, title="标题", body=long)
    assert services.opinion_transition(access=access, opinion_id=draft.pk, name="submit").state == "submitted"


def test_a_double_submit_is_refused_and_numbered_once(member_a, committee_a):
    o = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
    services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="submit")
    before = snapshot()
    with pytest.raises(TransitionError, match="待处理"):
        services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="submit")
    assert snapshot() == before and Counter.objects.get(series="item").last == 1


def test_a_second_editor_working_from_a_stale_page_is_refused(member_a, editor_a, committee_a):
    colleague = make_persona(committee_a, Role.OPINION_STAFF, "editor_a2")
    o = submitted(member_a, committee_a)
    seen = o.version
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt", version=seen)
    before = snapshot()
    with pytest.raises(TransitionError, match="已被他人处理"):
        services.opinion_transition(access=acc(colleague, committee_a), opinion_id=o.pk, name="screen_out",
                                    payload={"reason": "重复"}, version=seen)
    with pytest.raises(services.OpinionError, match="已被他人处理"):
        services.media_record(access=acc(colleague, committee_a), opinion_id=o.pk, outlet="甲区融媒", version=seen)
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_two_editors_acting_at_once_apply_one_decision():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("row locks need a real database file or PostgreSQL; run on PostgreSQL")
    c = make_committee("conc_op")
    author = make_persona(c, Role.MEMBER, "conc_author")
    editors = [make_persona(c, Role.OPINION_STAFF, f"conc_editor{i}") for i in range(2)]
    o = submitted(author, c)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, name, payload):
        try:
            barrier.wait()
            services.opinion_transition(access=acc(user, c), opinion_id=o.pk, name=name, payload=payload)
            outcomes.append(name)
        except TransitionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(editors[0], "adopt", {})),
               threading.Thread(target=act, args=(editors[1], "screen_out", {"reason": "重复"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Whichever editor comes second is refused ("screen_out" sorts after "refused", so count, not order).
    assert len(outcomes) == 2 and outcomes.count("refused") == 1, outcomes
    o.refresh_from_db()
    assert o.version == 2 and o.state in ("adopted", "screened_out")
    assert Event.objects.filter(object_type="opinions.opinion", object_id=str(o.pk),
                                verb__in=["opinion.adopt", "opinion.screen_out"]).count() == 1


def test_feedback_needs_a_referral_to_that_department_first(member_a, editor_a, leader_a, committee_a):
    o = published(member_a, editor_a, leader_a, committee_a)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="没有转送区民政局"):
        services.feedback_record(access=acc(editor_a, committee_a), opinion_id=o.pk, unit_name="区民政局",
                                 text="已落实")
    assert snapshot() == before
    services.opinion_refer(access=acc(editor_a, committee_a), opinion_id=o.pk, unit_name="区民政局")
    services.feedback_record(access=acc(editor_a, committee_a), opinion_id=o.pk, unit_name="区民政局", text="已落实")
    assert list(Track.objects.filter(opinion=o).values_list("kind", flat=True)) == ["adoption", "referral", "feedback"]


def test_another_committees_editor_and_a_member_cannot_act_on_an_item(member_a, editor_b, member_b, committee_a,
                                                                      committee_b):
    o = submitted(member_a, committee_a)
    before = snapshot()
    with pytest.raises(services.OpinionError, match="找不到"):
        services.opinion_transition(access=acc(editor_b, committee_b), opinion_id=o.pk, name="adopt")
    with pytest.raises(TransitionError):
        services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="adopt")
    assert snapshot() == before
    assert selectors.opinion_get(acc(editor_b, committee_b), o.pk) is None


def test_members_see_their_own_and_published_items_and_only_editors_see_a_submitters_contact(
        member_a, editor_a, leader_a, committee_a):
    other = make_persona(committee_a, Role.MEMBER, "other_member")
    draft = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
    pending = submitted(member_a, committee_a)
    done = published(member_a, editor_a, leader_a, committee_a)
    public = services.opinion_submit_public(committee=committee_a, name="张三", contact="13900000000", **TEXT)
    assert public.state == "submitted" and public.created_by is None

    assert set(selectors.visible(acc(other, committee_a)).values_list("pk", flat=True)) == {done.pk}
    assert {draft.pk, pending.pk, done.pk} <= set(selectors.visible(acc(member_a, committee_a)).values_list("pk", flat=True))
    assert draft.pk not in set(selectors.visible(acc(editor_a, committee_a)).values_list("pk", flat=True))
    assert selectors.may_see_personal_data(acc(editor_a, committee_a))
    assert not selectors.may_see_personal_data(acc(leader_a, committee_a))
