"""seed_demo's proposals: last year's session handled through to the ratings, the current one as the desk
looks in plenary week, and the demo accounts' own work waiting for them."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.deadlines.models import Deadline
from zhengxie.demo import builder
from zhengxie.demo import proposals as demo
from zhengxie.members.models import Member
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.proposals import member_selectors, queues, services, unit_services
from zhengxie.proposals.effects import proposers
from zhengxie.proposals.models import Assignment, Evaluation, Proposal, Reply, Signer, Supervision
from zhengxie.proposals.models import Counter as NumberCounter
from zhengxie.textindex.models import Document

pytestmark = pytest.mark.django_db

ACTIVE = ("assigned", "handling", "rehandling")


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The county demo, seeded once for this module (about 600 proposals) and rolled back after it."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", "--scale", "county", stdout=out)
        committee = Committee.objects.get(code="demo-county")
        sessions = list(Session.objects.filter(committee=committee).order_by("start_date"))
        yield SimpleNamespace(committee=committee, ended=sessions[-2], current=sessions[-1], output=out.getvalue())
        transaction.set_rollback(True)


def acc(username: str, committee: Committee):
    return access_for(User.objects.get(username=username), committee)


def states(session: Session) -> Counter[str]:
    return Counter(Proposal.objects.filter(session=session).values_list("state", flat=True))


# --- texts and units (no database) ---------------------------------------------------------------


def test_every_corpus_unit_maps_to_a_handling_unit_at_every_level():
    texts = demo.corpus()
    plans = builder.plan_committees("province", 2026)
    kinds = {(str(p.level), p.region.kind): p for p in plans}
    assert set(kinds) == {("province", "省"), ("city", "市"), ("county", "区"), ("county", "县")}
    for plan in kinds.values():
        units = [(i, name) for i, (name, _, _) in enumerate(builder._units_for(plan))]
        mapped = demo.map_units(texts.units, units)
        assert set(mapped) == set(texts.units), (plan.code, set(texts.units) - set(mapped))
        names = {u: units[i][1] for u, i in mapped.items()}
        if plan.region.kind == "区":
            assert names["公安局"] == "区公安分局" and names["教育局"] == "区教育局"
        if plan.level == Committee.Level.PROVINCE:
            assert names["教育局"] == "省教育厅" and names["消防救援大队"] == "省消防救援总队"


def test_generated_texts_keep_to_one_subject_and_speak_of_the_committees_own_level():
    texts = demo.corpus()
    county = demo.Locale(level_char="县", region="桃源县", towns=("城关镇", "石桥镇"))
    rng = random.Random(1)
    for _ in range(200):
        unit = texts.pick_unit(rng)
        item = rng.randrange(len(texts.by_unit[unit]))
        title = texts.title(rng, unit, item, county)
        reason = texts.reason(rng, unit, item, county, 2025)
        suggestion = texts.suggestion(rng, unit, item, county, 2025)
        assert re.fullmatch(r"关于.{4,}的提案", title) and len(title) <= 100
        assert len(reason) >= 60 and "我区" not in reason and "全区" not in reason
        lines = suggestion.split("\n")
        assert len(lines) >= 2 and all(re.match(r"^(?:[一二三四五六七八九]、|\d\. )\S", line) for line in lines)
        assert "\x00" not in reason + suggestion
    # A source's numbers are redrawn, its ages and ordinals are not.
    text = texts.vary(random.Random(3), "全区有126家机构，60岁以上老人占28.5%，第3批试点。", county, 2025)
    assert "全县" in text and "60岁" in text and "第3批" in text and "126家" not in text


# --- the county demo: counts per state ------------------------------------------------------------


def test_the_summary_reports_the_proposals_by_state(county):
    assert "提案已生成" in county.output and "待审查" in county.output and "办结" in county.output


def test_two_sessions_of_about_300_proposals_each_and_none_elsewhere(county):
    counts = dict(Proposal.objects.filter(committee=county.committee).values_list("session").annotate(n=Count("pk")))
    assert set(counts) == {county.ended.pk, county.current.pk}
    assert all(280 <= n <= 330 for n in counts.values())


def test_the_session_that_ended_looks_like_a_real_year(county):
    s = states(county.ended)
    total = sum(s.values())
    registered = Proposal.objects.filter(session=county.ended, number__isnull=False).count()
    assert 0.85 <= registered / total <= 0.89  # 立案率, as the committees report it (e.g. 87.5%)
    assert s["not_registered"] and s["merged"] and s["converted"]
    assert s["not_registered"] + s["merged"] + s["converted"] == total - registered
    assert s["closed"] >= 0.75 * total and s["replied"] >= 1 and s["rehandling"] >= 1 and s["handling"] >= 3
    assert not s["draft"] and not s["submitted"] and not s["assigned"]
    today = timezone.localdate()
    # What is still being handled from last year is overdue.
    assert not Proposal.objects.filter(session=county.ended, state="handling", due_date__gte=today).exists()
    closed = Proposal.objects.filter(session=county.ended, state="closed")
    rated = closed.filter(evaluations__isnull=False).distinct().count()
    assert 0.85 <= rated / closed.count() < 1  # a few closed unrated (未评价) when the window lapsed
    grades = Counter(Reply.objects.filter(proposal__session=county.ended, is_opinion=False, round=1)
                     .values_list("grade", flat=True))
    assert grades["A"] > grades["B"] > grades["C"] > 0
    ratings = Counter(Evaluation.objects.filter(proposal__session=county.ended).values_list("result", flat=True))
    assert (ratings["satisfied"] + ratings["basically"]) / sum(ratings.values()) > 0.9  # 满意率
    assert closed.filter(replied_at__date__gt=F("due_date")).exists()  # some were answered late
    assert Proposal.objects.filter(session=county.ended, is_key=True, supervising_leader__isnull=False).count() >= 3


def test_the_current_session_is_the_desk_in_plenary_week(county):
    s = states(county.current)
    assert 80 <= s["submitted"] <= 120  # waiting for review
    assert s["registered"] >= 50 and s["assigned"] >= 20 and s["handling"] >= 5
    assert s["draft"] >= 5 and s["cosigning"] >= 3 and s["returned"] >= 3
    assert not s["closed"] and not s["replied"]
    unassigned = Proposal.objects.filter(session=county.current, state="registered", assignments__isnull=False)
    assert not unassigned.exists()
    education = Unit.objects.get(committee=county.committee, name="区教育局")
    waiting = Assignment.objects.filter(proposal__session=county.current, unit=education,
                                        status=Assignment.Status.ASSIGNED)
    assert waiting.count() >= 4
    # Everything happened in the last few days: deadlines are months ahead, invitations still open.
    week_ago = timezone.now() - dt.timedelta(days=6)
    assert not Proposal.objects.filter(session=county.current, submitted_at__lt=week_ago).exists()
    assert not Proposal.objects.filter(session=county.current, due_date__lt=timezone.localdate()).exists()


def test_numbers_are_gapless_per_session_and_the_counter_is_at_the_last(county):
    for session in (county.ended, county.current):
        numbers = sorted(Proposal.objects.filter(session=session, number__isnull=False)
                         .values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
        assert NumberCounter.objects.get(session=session, between_sessions=False).last == len(numbers)
        labels = Proposal.objects.filter(session=session, number=1).values_list("number_label", flat=True)
        assert list(labels) == [f"{session.name}第0001号"]


def test_categories_follow_the_national_split(county):
    cats = Counter(Proposal.objects.filter(session=county.ended).values_list("category", flat=True))
    total = sum(cats.values())
    assert 0.33 <= cats["economy"] / total <= 0.52 and 0.18 <= cats["society"] / total <= 0.36
    assert all(cats[c] for c in ("politics", "culture", "ecology"))


# --- every row follows the workflow ------------------------------------------------------------------


def test_each_state_has_the_rows_the_workflow_would_have_written(county):
    qs = Proposal.objects.filter(committee=county.committee)
    live = Q(assignments__status__in=["assigned", "accepted", "reassign_requested", "answered"])
    assert not qs.filter(state__in=ACTIVE).filter(Q(due_date__isnull=True) | ~live).exists()
    assert not qs.filter(state__in=["registered", *ACTIVE, "replied", "closed"], number__isnull=True).exists()
    assert not qs.filter(state__in=["draft", "cosigning"], submitted_at__isnull=False).exists()
    assert not qs.filter(state="not_registered", reject_ground="").exists()
    assert not qs.filter(state="converted", convert_note="").exists()
    assert not qs.filter(state="returned", return_advice="").exists()
    assert not qs.filter(state="merged", merged_into__isnull=True).exists()
    assert not qs.filter(state__in=["replied", "closed"]).exclude(replies__is_opinion=False).exists()
    assert not qs.filter(state="closed", closed_at__isnull=True).exists()
    # A handling proposal was signed for by its lead (or a split) unit.
    signed = Q(assignments__role__in=["lead", "split"], assignments__status__in=["accepted", "answered"])
    assert not qs.filter(state="handling").exclude(signed).exists()
    # One open reply deadline per proposal a unit is working on, none for the others.
    open_deadlines = Counter(Deadline.objects.filter(committee=county.committee, status="open")
                             .values_list("subject_id", flat=True))
    active = {str(pk) for pk in qs.filter(state__in=ACTIVE).values_list("pk", flat=True)}
    assert set(open_deadlines) == active and set(open_deadlines.values()) == {1}
    # Last year's assignments were all signed for long ago.
    assert not Assignment.objects.filter(proposal__session=county.ended, status=Assignment.Status.ASSIGNED).exists()
    # Joint proposals that were submitted had at least one co-signer who accepted.
    joint = qs.filter(proposer_kind="joint").exclude(state__in=["draft", "cosigning"])
    assert not joint.exclude(signers__status=Signer.Status.ACCEPTED).exists()


def test_merged_proposals_follow_a_lead_of_the_same_session_on_the_same_subject(county):
    for p in Proposal.objects.filter(committee=county.committee, state="merged").select_related("merged_into"):
        lead = p.merged_into
        assert lead.session_id == p.session_id and lead.state not in ("merged", "draft", "not_registered")
        assert lead.category == p.category


def test_only_proposers_rate_and_the_timeline_records_every_act(county):
    closed = list(Proposal.objects.filter(session=county.ended, state="closed", evaluations__isnull=False)
                  .distinct().order_by("id")[:25])
    for p in closed:
        raters = set(Evaluation.objects.filter(proposal=p).values_list("user_id", flat=True))
        assert raters <= {u.pk for u in proposers(p)}
        verbs = list(Event.objects.filter(object_type="proposals.proposal", object_id=str(p.pk))
                     .order_by("at", "id").values_list("verb", flat=True))
        assert verbs[0] == "proposal.create" and verbs[-1] in ("proposal.close", "proposal.fulfilled")
        for verb in ("proposal.submit", "proposal.register", "proposal.assign", "proposal.accept",
                     "proposal.reply", "proposal.evaluate", "proposal.close"):
            assert verb in verbs, (p.pk, verb)
    # The register event names the number, at the moment the proposal records.
    p = Proposal.objects.filter(session=county.ended, number=1).get()
    event = Event.objects.get(object_type="proposals.proposal", object_id=str(p.pk), verb="proposal.register")
    assert event.payload["number"] == p.number_label and event.at == p.registered_at
    assert event.actor.username == "clerk"


def test_submitted_proposals_are_in_the_text_index_and_drafts_are_not(county):
    docs = dict(Document.objects.filter(kind="proposal", committee=county.committee)
                .values_list("object_id", "state"))
    for pk, state in Proposal.objects.filter(committee=county.committee).values_list("pk", "state"):
        if state in ("draft", "cosigning"):
            assert pk not in docs
        else:
            assert docs[pk] == state


# --- the demo accounts' situations -------------------------------------------------------------------


def test_only_the_demo_accounts_can_log_in_and_most_members_have_an_account(county):
    usable = sorted(u.username for u in User.objects.all() if u.has_usable_password())
    assert usable == sorted(a.username for a in builder.DEMO_ACCOUNTS)
    members = list(Member.objects.filter(committee=county.committee).order_by("id"))
    with_account = [m for m in members if m.user_id]
    assert 0.85 <= len(with_account) / len(members) < 0.97
    assert members[-1].user_id is None  # the load test suspends and reinstates the last member without one
    member_grants = RoleGrant.objects.filter(committee=county.committee, role=Role.MEMBER).count()
    assert member_grants == len(with_account) - 1  # the leader persona holds the leader role only
    handlers = RoleGrant.objects.filter(committee=county.committee, role=Role.UNIT_HANDLER)
    assert handlers.values("unit").distinct().count() == Unit.objects.filter(committee=county.committee).count()
    education = handlers.filter(unit__name="区教育局")
    assert list(education.values_list("user__username", flat=True)) == ["unit"]


def test_member_has_drafts_a_returned_proposal_an_invitation_and_replies_to_rate(county):
    access = acc("member", county.committee)
    groups = {g.key: g.items for g in member_selectors.my_groups(access)[0]}
    assert len(groups["draft"]) >= 2 and len(groups["to_rate"]) >= 2 and groups["done"]
    returned = groups["returned"]
    assert returned and all(p.return_advice for p in returned)
    invitations = list(member_selectors.my_invitations(access))
    assert [s.proposal.proposer.username for s in invitations] == ["member2"]
    assert invitations[0].expires_at > timezone.now() and invitations[0].proposal.state == "cosigning"


def test_member_rating_the_joint_reply_closes_it_because_member2_has_rated_already(county):
    access = acc("member", county.committee)
    joint = next(p for p in member_selectors.my_groups(access)[0][0].items if p.proposer_kind == "joint")
    services.evaluation_submit(access=access, proposal_id=joint.pk, handling="satisfied", result="basically")
    assert Proposal.objects.get(pk=joint.pk).state == "closed"


def test_the_unit_account_has_something_in_every_inbox_group(county):
    inbox = unit_services.unit_inbox(acc("unit", county.committee))
    assert len(inbox.pending) >= 5 and inbox.handling and inbox.rehandling and inbox.answered
    pending = {(i.assignment.role, i.assignment.status) for i in inbox.pending}
    assert ("lead", "assigned") in pending and ("assist", "assigned") in pending
    assert ("lead", "reassign_requested") in pending
    assert any(i.overdue for i in inbox.handling)  # last year's, still not answered
    assert any(i.is_assist for i in inbox.handling) and any(i.assignment.role == "split" for i in inbox.handling)
    assert any(i.open_b_reply_id for i in inbox.answered)  # a B-grade commitment to report on
    assert any(i.proposal.state == "replied" for i in inbox.answered)


def test_the_unit_account_signs_for_a_new_proposal(county):
    access = acc("unit", county.committee)
    item = next(i for i in unit_services.unit_inbox(access).pending if i.accept_via_transition and i.is_lead)
    unit_services.assignment_accept(access=access, proposal_id=item.proposal.pk)
    assert Proposal.objects.get(pk=item.proposal.pk).state == "handling"


def test_the_clerk_registers_the_next_number(county):
    access = acc("clerk", county.committee)
    last = NumberCounter.objects.get(session=county.current).last
    p = Proposal.objects.filter(session=county.current, state="submitted").order_by("submitted_at").first()
    p = services.transition(access=access, proposal_id=p.pk, name="register")
    assert p.number == last + 1


def test_the_leader_supervises_a_few_key_proposals(county):
    access = acc("leader", county.committee)
    mine = Proposal.objects.filter(committee=county.committee, is_key=True, supervising_leader__username="leader")
    assert 4 <= mine.count() <= 10
    assert {"registered", "assigned", "handling"} <= set(mine.values_list("state", flat=True))
    assert Supervision.objects.filter(proposal__in=mine, author__username="leader").exists()
    listed = list(queues.key_proposals(access))
    assert listed[0].supervising_leader.username == "leader"  # the leader's own come first
    assert queues.office_counts(access).overdue >= 1


def test_the_demo_accounts_notifications_point_at_their_situations(county):
    from zhengxie.notifications.models import Notification

    verbs = Counter(Notification.objects.filter(recipient__username="member").values_list("verb", flat=True))
    assert verbs["proposal.invite"] == 1 and verbs["proposal.return"] == 1 and verbs["proposal.reply"] == 2
    assert Notification.objects.filter(recipient__username="unit", verb="proposal.assign").count() >= 4
