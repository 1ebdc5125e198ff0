"""Random sequences of actions by random people never break the 社情民意 invariants.

Hypothesis picks who does what to which item or issue, in a county under a city (and a county beside
it). Refused actions are fine; anything else is a bug. After every step: no state outside the tables,
issue numbers unique and gapless per committee, series and year, receipt numbers likewise, every
published item in a published issue and back, lineage only ever pointing at the same committee or the
parent chain (a forwarded copy at exactly the parent), and no 批示 at a level its item never reached.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.opinions import services
from zhengxie.opinions.models import Issue, IssueItem, Lineage, Opinion, Track
from zhengxie.opinions.workflow import ISSUE_WORKFLOW, STATES, TAKEN_UP
from zhengxie.org.models import Committee
from zhengxie.testing.factories import make_committee, make_persona
from zhengxie.workflow.engine import TransitionError

TEXT = {"title": "关于规范农贸市场管理的建议", "body": "部分农贸市场占道经营，建议加强管理。"}
ACTORS = ["member", "informant", "editor", "leader", "city_editor", "city_leader", "editor_b"]
ACTIONS = ["create", "submit", "screen_out", "reconsider", "adopt", "adopt_referred", "combine", "edit", "sign",
           "send_back", "issue", "republish", "forward", "forward_wrong", "instruction", "refer", "feedback", "publish"]
# The natural actor of each action, used when Hypothesis does not pick one.
NATURAL = {"create": "member", "submit": "member", "sign": "leader", "send_back": "leader"}
LEVELS = ["county", "county", "city", "province"]

# "advance" takes an item one natural step down the chain by the right person (submit → adopt → edit →
# sign → issue → forward …); mixed with random actions by random people it reaches every state.
# Where a state has several natural next steps, `other` picks one.
ADVANCE = {"draft": ["submit"], "submitted": ["adopt", "combine", "adopt"], "adopted": ["edit", "edit", "instruction"],
           "edited": ["sign"], "signed": ["issue"], "published": ["forward", "instruction", "refer", "feedback"],
           "screened_out": ["reconsider"]}
actor = st.one_of(st.none(), st.none(), st.sampled_from(ACTORS))
action = st.one_of(st.just("advance"), st.just("advance"), st.just("advance"), st.sampled_from(ACTIONS))
step = st.tuples(action, actor, st.integers(0, 7), st.integers(0, 7), st.sampled_from(LEVELS))


class OpinionInvariants(TestCase):
    def setUp(self) -> None:
        self.city = make_committee("hcity", name="丙市政协", level=Committee.Level.CITY)
        self.county = make_committee("hcounty", name="甲区政协", parent=self.city)
        self.other = make_committee("hother", name="乙区政协", parent=self.city)
        self.people = {
            "member": (make_persona(self.county, Role.MEMBER, "h_member"), self.county),
            "informant": (make_persona(self.county, Role.INFORMANT, "h_informant"), self.county),
            "editor": (make_persona(self.county, Role.OPINION_STAFF, "h_editor"), self.county),
            "leader": (make_persona(self.county, Role.LEADER, "h_leader"), self.county),
            "city_editor": (make_persona(self.city, Role.OPINION_STAFF, "h_city_editor"), self.city),
            "city_leader": (make_persona(self.city, Role.LEADER, "h_city_leader"), self.city),
            "editor_b": (make_persona(self.other, Role.OPINION_STAFF, "h_editor_b"), self.other),
        }

    def act(self, action: str, who: str, target: int, other: int, level: str) -> None:
        user, committee = self.people[who]
        access = access_for(user, committee)
        if action == "create":
            services.opinion_create(access=access, **TEXT)
            return
        # Mostly the actor's own committee's rows, sometimes anyone's (other committees must be refused).
        pool = Opinion.objects.filter(committee=committee) if target % 4 else Opinion.objects.all()
        ids = list(pool.order_by("id").values_list("id", flat=True))
        if not ids:
            return
        oid, second = ids[target % len(ids)], ids[other % len(ids)]
        fire = lambda name, payload=None: services.opinion_transition(  # noqa: E731
            access=access, opinion_id=oid, name=name, payload=payload)
        if action in ("submit", "reconsider", "adopt", "sign"):
            fire(action)
        elif action == "adopt_referred":
            fire("adopt", {"adoption": "referred"})
        elif action in ("screen_out", "send_back"):
            fire(action, {"reason": "理由"})
        elif action == "publish":
            fire("publish")
        elif action == "combine":
            # Combine with another pending item of the pool; when there is none, a member sends one in first.
            pending = [i for i in pool.filter(state="submitted").order_by("id").values_list("id", flat=True) if i != oid]
            if pending:
                partner = pending[other % len(pending)]
            else:
                author = access_for(self.people["member"][0], self.county)
                draft = services.opinion_create(access=author, **TEXT)
                partner = services.opinion_transition(access=author, opinion_id=draft.pk, name="submit").pk
            services.opinion_combine(access=access, source_ids=[oid, partner], title="综合稿", body="综合正文")
        elif action == "edit":
            services.opinion_edit(access=access, opinion_id=oid, title="编辑后的标题", body="编辑后的正文")
        elif action == "issue":
            issue = services.issue_create(access=access, series=("express", "special")[other % 2],
                                          recipients_main=["区委"])
            services.issue_update(access=access, issue_id=issue.pk, opinion_ids=list(dict.fromkeys([oid, second])))
            services.issue_publish(access=access, issue_id=issue.pk)
        elif action == "republish":
            issue = Issue.objects.filter(committee=committee).order_by("id").values_list("id", flat=True)
            if issue:
                services.issue_publish(access=access, issue_id=list(issue)[other % len(issue)])
        elif action in ("forward", "forward_wrong"):
            parent_id = committee.parent_id or self.city.pk
            wrong = (self.other if committee == self.county else self.county).pk
            services.opinion_forward(access=access, opinion_id=oid,
                                     committee_id=parent_id if action == "forward" else wrong)
        elif action == "instruction":
            services.instruction_record(access=access, opinion_id=oid, level=level, person="某领导", text="阅")
        elif action == "refer":
            services.opinion_refer(access=access, opinion_id=oid, unit_name=("区民政局", "区卫健局")[other % 2])
        elif action == "feedback":
            services.feedback_record(access=access, opinion_id=oid, unit_name=("区民政局", "区卫健局")[other % 2],
                                     text="已办理")

    def advance(self, target: int, other: int) -> tuple[str, str | None, int]:
        """The natural next step for the target item: (action, actor, target index in its committee)."""
        rows = list(Opinion.objects.order_by("id").values_list("id", "state", "committee_id", "created_by_id"))
        if not rows:
            return "create", "member" if target % 2 else "informant", target
        pk, state, committee_id, creator = rows[target % len(rows)]
        choices = ADVANCE[state]
        name = choices[other % len(choices)]
        who: str | None = {"submit": None, "sign": "leader"}.get(name, "editor")
        if who is None:
            who = next(k for k, (u, _) in self.people.items() if u.pk == creator)
        elif committee_id == self.city.pk:
            who = f"city_{who}"
        elif committee_id == self.other.pk:
            who = "editor_b" if who == "editor" else "leader"
        # Re-aim at the same row within the actor's committee pool (see `act`): multiples of 4 pick all rows.
        ids = list(Opinion.objects.filter(committee_id=committee_id).order_by("id").values_list("id", flat=True))
        index = ids.index(pk)
        while index % 4 == 0:
            index += len(ids)
        return name, who, index

    def check_invariants(self) -> None:
        items = {o.pk: o for o in Opinion.objects.select_related("committee", "origin__committee")}
        serials: dict[tuple, list[int]] = defaultdict(list)
        for o in items.values():
            assert o.state in STATES, o.state
            event(f"reached {o.state}")
            if o.serial is not None:
                serials[(o.committee_id, o.year)].append(o.serial)
            if o.origin_id is not None:
                event(f"forwarded, reached {o.state} in the city")
                assert o.committee_id == o.origin.committee.parent_id, "a copy lives at its origin's parent"
                assert o.origin.state in TAKEN_UP
            if o.combined_into_id is not None:
                event("combined")
                assert o.state in TAKEN_UP and items[o.combined_into_id].committee_id == o.committee_id
            in_issue = IssueItem.objects.filter(opinion=o, issue__state="published").exists()
            assert (o.state == "published") == in_issue, (o.pk, o.state)
        for numbers in serials.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), numbers

        issues: dict[tuple, list[int]] = defaultdict(list)
        for issue in Issue.objects.all():
            assert issue.state in ISSUE_WORKFLOW.states
            assert (issue.number is not None) == (issue.state == "published")
            if issue.number is not None:
                issues[(issue.committee_id, issue.series, issue.year)].append(issue.number)
        for numbers in issues.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), numbers

        for link in Lineage.objects.all():
            lower, upper = items[link.lower_id], items[link.upper_id]
            reachable = [lower.committee_id] + [c.pk for c in lower.committee.ancestors()]
            assert upper.committee_id in reachable and link.committee_id == upper.committee_id
        for t in Track.objects.filter(kind=Track.Kind.INSTRUCTION).select_related("opinion__committee"):
            assert t.level in services.reached_levels(t.opinion), (t.opinion_id, t.level)
            event(f"批示 at {t.level}")

    @settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step, min_size=1, max_size=40))
    def test_random_actions_keep_the_invariants(self, steps) -> None:
        for action, who, target, other, level in steps:
            if action == "advance":
                action, who, target = self.advance(target, other)
            actor_name = who or NATURAL.get(action, "editor")
            try:
                with transaction.atomic():
                    self.act(action, actor_name, target, other, level)
            except (TransitionError, services.OpinionError):
                pass  # refused: must have changed nothing, which the invariants check
            self.check_invariants()
