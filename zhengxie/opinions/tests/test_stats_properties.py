"""Random stories of items across a county, its city and its province never make a statistic disagree
with its list: after each sequence, every figure of every committee (and every cell of the county's
breakdown tables) equals the number of rows its link lists, and the headline adds up
(收到 = 待处理 + 未采用 + 采用; 采用 = 单篇 + 综合 + 转送; credit from above never exceeds what was sent up).
"""

from __future__ import annotations

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.opinions import services, stats
from zhengxie.opinions.models import Opinion
from zhengxie.org.models import Committee
from zhengxie.testing.factories import make_committee, make_persona
from zhengxie.workflow.engine import TransitionError

LEVELS = ["county", "city", "province"]
ACTIONS = ["submit", "submit", "party", "screen_out", "reconsider", "adopt", "refer", "combine", "edit", "sign",
           "publish", "forward", "forward", "adopt_up", "instruct", "coauthored"]
# "advance" takes the target one natural step up its road (adopt → forward → adopted above → 批示), so
# mixed with random actions the runs reach credit from two levels up in a few steps.
action = st.one_of(st.just("advance"), st.just("advance"), st.sampled_from(ACTIONS))
step = st.tuples(action, st.integers(0, 7), st.integers(0, 7), st.sampled_from(LEVELS))


class StatisticsInvariants(TestCase):
    def setUp(self) -> None:
        self.province = make_committee("sp", name="丁省政协", level=Committee.Level.PROVINCE)
        self.city = make_committee("sc", name="丙市政协", level=Committee.Level.CITY, parent=self.province)
        self.county = make_committee("sx", name="甲区政协", level=Committee.Level.COUNTY, parent=self.city)
        self.committees = [self.county, self.city, self.province]
        self.people = {}
        for c in self.committees:
            for role, name in ((Role.MEMBER, "member"), (Role.MEMBER, "friend"), (Role.INFORMANT, "informant"),
                               (Role.OPINION_STAFF, "editor"), (Role.LEADER, "leader")):
                self.people[(c.pk, name)] = make_persona(c, role, f"s_{c.code}_{name}")

    def acc(self, committee: Committee, who: str):
        return access_for(self.people[(committee.pk, who)], committee)

    def act(self, action: str, target: int, other: int, level: str) -> None:
        if action == "advance" and not Opinion.objects.exists():
            action = "submit"
        if action in ("submit", "coauthored"):
            c = self.committees[target % 2]  # county or city
            who = "informant" if other % 3 == 0 else "member"
            co = [self.people[(c.pk, "friend")].pk] if action == "coauthored" else []
            o = services.opinion_create(access=self.acc(c, who), title="关于改进社区养老服务的建议", body="正文。",
                                        coauthor_ids=co)
            services.opinion_transition(access=self.acc(c, who), opinion_id=o.pk, name="submit")
            return
        if action == "party":
            c = self.committees[target % 2]
            o = services.opinion_create(access=self.acc(c, "editor"), title="关于党派的建议", body="正文。",
                                        source_kind="party", body_name="民盟基层委员会")
            services.opinion_transition(access=self.acc(c, "editor"), opinion_id=o.pk, name="submit")
            return
        items = list(Opinion.objects.order_by("id").select_related("committee"))
        if not items:
            return
        o, p = items[target % len(items)], items[other % len(items)]
        if action == "advance":
            o = o.combined_into or o  # a combined source goes on inside its piece
            while (up := Opinion.objects.filter(origin=o).select_related("committee").first()) is not None:
                o = up  # and a forwarded one at the top of its road
            c = o.committee
            if o.state == "submitted":
                action = "adopt"
            elif o.state in ("adopted", "edited", "signed", "published") and c.parent_id and other % 2 == 0:
                action = "forward"
            else:
                action, level = "instruct", c.level  # at the top of its road: credited all the way down
        c = o.committee
        ed = self.acc(c, "editor")
        if action == "screen_out":
            services.opinion_transition(access=ed, opinion_id=o.pk, name="screen_out", payload={"reason": "重复。"})
        elif action == "reconsider":
            services.opinion_transition(access=ed, opinion_id=o.pk, name="reconsider")
        elif action in ("adopt", "adopt_up"):
            services.opinion_transition(access=ed, opinion_id=o.pk, name="adopt")
        elif action == "refer":
            services.opinion_transition(access=ed, opinion_id=o.pk, name="adopt", payload={"adoption": "referred"})
        elif action == "combine":
            services.opinion_combine(access=ed, source_ids=[o.pk, p.pk], title="关于综合的建议", body="综合稿。")
        elif action == "edit":
            services.opinion_edit(access=ed, opinion_id=o.pk, title=o.shown_title, body=o.shown_body + "。")
        elif action == "sign":
            services.opinion_transition(access=self.acc(c, "leader"), opinion_id=o.pk, name="sign")
        elif action == "publish":
            issue = services.issue_create(access=ed, series="express" if other % 2 else "special",
                                          recipients_main=["党委"])
            services.issue_update(access=ed, issue_id=issue.pk, opinion_ids=[o.pk])
            services.issue_publish(access=ed, issue_id=issue.pk)
        elif action == "forward":
            if c.parent_id:
                services.opinion_forward(access=ed, opinion_id=o.pk, committee_id=c.parent_id)
        elif action == "instruct":
            services.instruction_record(access=ed, opinion_id=o.pk, level=level, person="王某", text="请研究。")

    def check_statistics(self) -> None:
        for c in self.committees:
            scope = stats.Scope(committee=c)
            n = stats.count_figures(scope)
            for key in stats.FIGURES:
                assert n[key] == stats.figure_rows(scope, key).count(), (c.level, key)
            assert n["received"] == n["pending"] + n["screened_out"] + n["adopted"]
            assert n["adopted"] == n["adopted_single"] + n["adopted_combined"] + n["adopted_referred"]
            assert n[f"adopted_{c.level}"] == n["adopted"]
            assert n["adopted_upper"] <= n["sent_up"] and n["published"] <= n["adopted"]
            if n["sent_up"]:
                event(f"{c.level} sent up")
            if n["adopted_upper"]:
                event(f"{c.level} credited with adoption from above")
            if any(n[f"instructed_{lv}"] for lv in LEVELS[LEVELS.index(c.level) + 1:]):
                event(f"{c.level} credited with a 批示 from above")
        scope = stats.Scope(committee=self.county)
        report = stats.stats_report(scope)
        for table in report.tables:
            for row in table.rows:
                sub, errors = stats.scope_from_query(self.county, {table.param: row.key})
                assert not errors, (table.id, row.key, errors)
                keys = [col.figure for col in table.columns]
                if not row.numbers["received"]:
                    keys = ["received"]  # every column counts a subset of 收到
                for key in keys:
                    assert row.numbers[key] == stats.figure_rows(sub, key).count(), (table.id, row.label, key)

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(step, min_size=6, max_size=40))
    def test_every_statistic_equals_the_rows_it_lists(self, steps) -> None:
        for action, target, other, level in steps:
            try:
                with transaction.atomic():
                    self.act(action, target, other, level)
            except (TransitionError, services.OpinionError):
                pass  # refused: changes nothing
        self.check_statistics()
