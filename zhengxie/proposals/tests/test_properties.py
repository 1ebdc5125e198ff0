"""Random sequences of actions by random people never break the proposal invariants.

Hypothesis picks who does what to which proposal; refused actions (403/409/400) are fine, anything
else is a bug. After every step: no state outside the table, numbers unique and gapless per series,
and every proposer of a replied proposal can rate it. After each sequence: every number on the
statistics page equals the count of the rows its link lists.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.org.models import Unit
from zhengxie.proposals import services, stats
from zhengxie.proposals.effects import proposers
from zhengxie.proposals.models import Evaluation, Proposal
from zhengxie.proposals.workflow import REPLIED, STATES
from zhengxie.testing.factories import grant, make_committee, make_persona, make_user
from zhengxie.workflow.engine import TransitionError

TEXT = {"title": "关于规范校外培训机构的提案", "reason": "校外培训乱象仍有反弹。", "suggestion": "建立联合执法机制。",
        "category": "society"}
ACTORS = ["member", "member2", "clerk", "unit1", "unit2", "leader"]
ACTIONS = ["create", "create_joint", "invite", "cosign", "submit", "register", "reject", "convert", "merge", "return",
           "assign", "assign_split", "accept", "answer", "rehandle", "close", "evaluate_ok", "evaluate_bad", "edit"]

# Who acts is drawn independently of what they do, so most steps are refused; the weights keep the
# runs long enough to reach replies, ratings and re-handling.
NATURAL = {"create": "member", "create_joint": "member", "invite": "member", "submit": "member", "edit": "member",
           "evaluate_ok": "member", "evaluate_bad": "member", "cosign": "member2", "accept": "unit1", "answer": "unit1"}
# "advance" takes the target one natural step down the chain (submit → register → assign → accept →
# answer → rate); mixed with random actions by random people it reaches every state in a few steps.
ADVANCE = {"draft": ("submit", "member"), "cosigning": ("cosign", "member2"), "submitted": ("register", "clerk"),
           "returned": ("submit", "member"), "registered": ("assign", "clerk"), "assigned": ("accept", "unit1"),
           "handling": ("answer", "unit1"), "rehandling": ("answer", "unit1"), "replied": ("evaluate_ok", "member")}
actor = st.one_of(st.just(None), st.just(None), st.just(None), st.sampled_from(ACTORS))  # None: the natural actor
action = st.one_of(st.just("advance"), st.just("advance"), st.sampled_from(ACTIONS))
step = st.tuples(action, actor, st.integers(0, 2), st.integers(0, 2))
# Every figure of a statistics table counts a subset of the rows one of these counts (立案 ⊂ 收到 …).
WIDEST = {"received", "rated", "unit_assigned", "replies"}


class ProposalInvariants(TestCase):
    def setUp(self) -> None:
        self.committee = make_committee("prop", name="丙区政协")
        self.u1, _ = Unit.objects.get_or_create(committee=self.committee, name="区教育局", defaults={"order": 1})
        self.u2, _ = Unit.objects.get_or_create(committee=self.committee, name="区民政局", defaults={"order": 2})
        self.people = {
            "member": make_persona(self.committee, Role.MEMBER, "p_member"),
            "member2": make_persona(self.committee, Role.MEMBER, "p_member2"),
            "clerk": make_persona(self.committee, Role.PROPOSAL_STAFF, "p_clerk"),
            "leader": make_persona(self.committee, Role.LEADER, "p_leader"),
        }
        for name, unit in (("unit1", self.u1), ("unit2", self.u2)):
            user = make_user(f"p_{name}", display_name=name)
            grant(user, self.committee, Role.UNIT_HANDLER, unit)
            self.people[name] = user

    def act(self, action: str, actor: str, target: int, other: int) -> None:
        access = access_for(self.people[actor], self.committee)
        ids = list(Proposal.objects.order_by("id").values_list("id", flat=True))
        if action in ("create", "create_joint"):
            services.proposal_create(access=access, data={**TEXT, "proposer_kind": "joint" if action == "create_joint" else "individual"})
            return
        if not ids:
            return
        pid, oid = ids[target % len(ids)], ids[other % len(ids)]
        fire = lambda name, payload=None: services.transition(access=access, proposal_id=pid, name=name, payload=payload)  # noqa: E731
        if action == "invite":
            fire("invite", {"user_ids": [self.people["member2"].pk, self.people["member"].pk]})
        elif action == "cosign":
            services.signer_respond(access=access, proposal_id=pid, accept=True)
        elif action == "edit":
            services.proposal_update(access=access, proposal_id=pid, data={"title": "关于规范校外培训机构收费的提案"})
        elif action in ("submit", "register", "accept", "rehandle", "close"):
            fire(action)
        elif action == "reject":
            fire("reject", {"ground": "personal"})
        elif action == "convert":
            fire("convert", {"note": "转有关部门参考"})
        elif action == "merge":
            fire("merge", {"lead_id": oid})
        elif action == "return":
            fire("return", {"advice": "请补充具体建议"})
        elif action == "assign":
            fire("assign", {"mode": "single", "units": [{"unit_id": self.u1.pk, "role": "lead"}]})
        elif action == "assign_split":
            fire("assign", {"mode": "split", "units": [{"unit_id": self.u1.pk, "role": "split"},
                                                       {"unit_id": self.u2.pk, "role": "split"}]})
        elif action == "answer":
            services.unit_answer(access=access, proposal_id=pid, data={"text": "已答复", "grade": "B"})
        elif action in ("evaluate_ok", "evaluate_bad"):
            rating = "satisfied" if action == "evaluate_ok" else "dissatisfied"
            services.evaluation_submit(access=access, proposal_id=pid, handling=rating, result=rating)

    def check_invariants(self) -> None:
        series: dict[tuple, list[int]] = defaultdict(list)
        for p in Proposal.objects.all():
            assert p.state in STATES, p.state
            event(f"reached {p.state}")  # --hypothesis-show-statistics: how deep the runs get
            if p.number is not None:
                series[(p.session_id, p.between_sessions)].append(p.number)
            if p.state == REPLIED:
                rnd = 2 if p.rehandled else 1
                rated = set(Evaluation.objects.filter(proposal=p, round=rnd).values_list("user_id", flat=True))
                for user in proposers(p):
                    if user.pk in rated:
                        continue
                    with transaction.atomic():  # try it, then undo: rating must be allowed
                        services.evaluation_submit(access=access_for(user, self.committee), proposal_id=p.pk,
                                                   handling="satisfied", result="satisfied")
                        transaction.set_rollback(True)
        for numbers in series.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), numbers

    def check_statistics(self) -> None:
        """Each figure of the statistics page (the headline and every cell of every breakdown table) is
        the number of rows the list behind its link shows (a rate's link lists its numerator)."""
        scope = stats.Scope(committee=self.committee)
        report = stats.stats_report(scope)
        for key in stats.FIGURES:
            assert report.total[key] == stats.figure_rows(scope, key).count(), key
        for table in report.tables:
            for row in table.rows:
                sub, errors = stats.scope_from_query(self.committee, {**scope.params(), table.param: row.key})
                assert not errors, (table.id, row.key, errors)
                keys = {column.figure for column in table.columns}
                if not any(row.numbers[key] for key in keys):
                    # A row of zeros (most categories and proposer kinds here): its widest lists are empty,
                    # and every other column lists a subset of those rows. Keeps the check cheap.
                    keys &= WIDEST
                for key in keys:
                    assert row.numbers[key] == stats.figure_rows(sub, key).count(), (table.id, row.label, key)

    @settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step, min_size=1, max_size=60))
    def test_random_actions_keep_the_invariants(self, steps) -> None:
        for action, who, target, other in steps:
            if action == "advance":
                ids = list(Proposal.objects.order_by("id").values_list("id", "state"))
                if not ids:
                    action, who = "create", None
                else:
                    action, natural = ADVANCE.get(ids[target % len(ids)][1], ("create", "member"))
                    who = who or natural
            actor = who or NATURAL.get(action, "clerk")
            if action == "answer" and who is None and target % 2:
                actor = "unit2"  # the other split unit
            try:
                with transaction.atomic():
                    self.act(action, actor, target, other)
            except (TransitionError, services.ProposalError):
                pass  # refused: must have changed nothing, which the invariants check
            self.check_invariants()
        self.check_statistics()
