"""社情民意 (public-opinion information): items, the pieces editors combine them into, issues, and what
became of each item at every level it reached.

An item's `state` moves only through `opinions.workflow.OPINION_WORKFLOW`; an issue's through
`ISSUE_WORKFLOW`. Forwarding an item to the parent committee creates a new item there (`origin` points
back); `Lineage` holds every "this row went up into that one" pair, by forwarding or by combination, so
the whole chain of an item is read in one query whatever its length, both ways. An item the proposal
office made from a proposal (`source_proposal`) points back at it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengxie.org.models import Committee, CommitteeOwned, Party, Sector, Unit
from zhengxie.workflow.engine import Stateful

TITLE_MAX = 100
# Domain rule: an item is short (≤ ~1,500 字). Past the soft limit the author is warned, not refused;
# the hard limit only stops pasted documents and abuse.
BODY_SOFT = 1500
BODY_HARD = 10_000


class SourceKind(models.TextChoices):
    MEMBER = "member", "委员"
    INFORMANT = "informant", "特邀信息员"
    PARTY = "party", "党派"
    LOWER = "lower", "下级政协"
    PUBLIC = "public", "社会公众"
    # A piece the editors wrote from several adopted items (综合稿); its authors are its sources'.
    COMBINED = "combined", "综合稿"

    @classmethod
    def by_staff(cls) -> set[str]:
        """Kinds entered by the editors on someone's behalf (no account of the author here)."""
        return {cls.PARTY, cls.LOWER, cls.PUBLIC}


class Adoption(models.TextChoices):
    SINGLE = "single", "单篇采用"
    COMBINED = "combined", "综合采用"
    REFERRED = "referred", "转送有关部门"


class Opinion(CommitteeOwned, Stateful):
    source_kind = models.CharField("来源", max_length=16, choices=SourceKind.choices)
    # The account credited with the item: set for members' and informants' own items only. Forwarded
    # copies and combined pieces have none; their authors are found through `Lineage`.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作者", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField("作者（显示）", max_length=200, blank=True)
    # Who typed it in: the author, or an editor for others; none for the public form.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    body_name = models.CharField("报送单位", max_length=100, blank=True)  # 民盟某某区委, 乙区政协 …
    # A member of the public: personal data, shown to the editors only.
    submitter_name = models.CharField("反映人", max_length=50, blank=True)
    submitter_contact = models.CharField("联系方式", max_length=100, blank=True)
    # Snapshots at submission: a member may change sector later; statistics count what was true then.
    # The names travel with forwarded copies (the FKs point at the committee's own lists only).
    sector = models.ForeignKey(Sector, verbose_name="界别", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    party = models.ForeignKey(Party, verbose_name="党派", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    sector_name = models.CharField("界别（提交时）", max_length=100, blank=True)
    party_name = models.CharField("党派（提交时）", max_length=100, blank=True)

    title = models.CharField("标题", max_length=TITLE_MAX)
    body = models.TextField("正文", blank=True)
    edited_title = models.CharField("编辑后标题", max_length=TITLE_MAX, blank=True)
    edited_body = models.TextField("编辑后正文", blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    screened_reason = models.TextField("未采用理由", blank=True)
    send_back_reason = models.TextField("退回编辑意见", blank=True)
    adoption = models.CharField("采用方式", max_length=16, choices=Adoption.choices, blank=True)
    combined_into = models.ForeignKey("self", verbose_name="综合到", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="sources")
    # One-to-one: an item goes up to its parent once; a second forward is refused by the database too.
    origin = models.OneToOneField("self", verbose_name="下级原稿", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="forwarded_copy")
    # A proposal the proposal office turned into this item (转为社情民意信息): once, so one-to-one too.
    source_proposal = models.OneToOneField("proposals.Proposal", verbose_name="由提案转来", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="converted_opinion")

    # Receipt number (收文编号) per committee and year, given on submission.
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    serial = models.PositiveIntegerField("收文编号", null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    adopted_at = models.DateTimeField("采用时间", null=True, blank=True)
    edited_at = models.DateTimeField("编辑时间", null=True, blank=True)
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("刊发时间", null=True, blank=True)
    forwarded_at = models.DateTimeField("报送上级时间", null=True, blank=True)
    # Levels (bits of `opinions.credit.LEVEL_BITS`) that adopted the item or gave it a 批示, here or on
    # any row it became higher up: kept by `opinions.credit`, counted by the statistics.
    credit_adoption = models.PositiveSmallIntegerField("采用层级", default=0)
    credit_instruction = models.PositiveSmallIntegerField("批示层级", default=0)

    class Meta:
        verbose_name = "社情民意信息"
        verbose_name_plural = "社情民意信息"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "year", "serial"], condition=Q(serial__isnull=False),
                                    name="uniq_opinion_serial"),
        ]
        indexes = [
            # The editor desk: a committee's items in one state, newest first.
            models.Index(fields=["committee", "state", "-submitted_at"], name="opinion_queue"),
            models.Index(fields=["author", "committee"], name="opinion_author"),
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        return self.edited_title or self.title

    @property
    def shown_body(self) -> str:
        return self.edited_body or self.body


class Coauthor(CommitteeOwned):
    """A member or informant who wrote the item together with its author (联名反映): credited and told
    of every decision as the author is."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="coauthors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opinion", "user"], name="uniq_opinion_coauthor")]


class Lineage(CommitteeOwned):
    """`lower` went up into `upper` (`depth` steps: combined into a piece, or forwarded to the parent).

    A closure table: every pair along a chain has its row, so an item's chain is one query either way.
    Rows are only added when `upper` is created (a piece or a forwarded copy is always new), so the
    table never needs rewriting. `committee` is the upper row's committee: where the decision lives.
    """

    lower = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="+")
    upper = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lower", "upper"], name="uniq_opinion_lineage")]
        indexes = [models.Index(fields=["upper", "depth"], name="opinion_lineage_down")]


class Track(CommitteeOwned):
    """What came of an item at one level: adopted, a leader's 批示, sent to a department, its feedback,
    published in the media. Duty records and statistics count these rows (and the audit events)."""

    class Kind(models.TextChoices):
        ADOPTION = "adoption", "采用"
        INSTRUCTION = "instruction", "批示"
        REFERRAL = "referral", "转送部门办理"
        FEEDBACK = "feedback", "办理反馈"
        MEDIA = "media", "媒体刊发"

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="tracks")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    # The level the record counts at: the committee's own, or the level of the leader who gave a 批示.
    level = models.CharField("层级", max_length=16, choices=Committee.Level.choices)
    adoption = models.CharField("采用方式", max_length=16, choices=Adoption.choices, blank=True)
    person = models.CharField("批示领导", max_length=50, blank=True)
    person_title = models.CharField("领导职务", max_length=100, blank=True)
    unit = models.ForeignKey(Unit, verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    unit_name = models.CharField("部门名称", max_length=100, blank=True)
    outlet = models.CharField("媒体", max_length=100, blank=True)
    date = models.DateField("日期")
    text = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "采用与反馈"
        verbose_name_plural = "采用与反馈"
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["opinion", "kind"], name="opinion_track_kind"),
            models.Index(fields=["committee", "kind", "level"], name="opinion_track_level"),
        ]


class Series(models.TextChoices):
    EXPRESS = "express", "社情民意专递"
    SPECIAL = "special", "社情民意专报"


class Issue(CommitteeOwned, Stateful):
    """One issue of a series (《社情民意专递》2026年第12期): numbered when it is published."""

    series = models.CharField("刊物", max_length=16, choices=Series.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    recipients_main = models.JSONField("主送", default=list, blank=True)
    recipients_copy = models.JSONField("抄送", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField("印发时间", null=True, blank=True)

    class Meta:
        verbose_name = "期刊"
        verbose_name_plural = "期刊"
        ordering = ["-year", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "series", "year", "number"],
                                    condition=Q(number__isnull=False), name="uniq_opinion_issue_number"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        name = Series(self.series).label
        return f"《{name}》{self.year}年第{self.number}期" if self.number else f"《{name}》{self.year}年（待印发）"


class IssueItem(CommitteeOwned):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    # An item appears in one issue only.
    opinion = models.OneToOneField(Opinion, on_delete=models.PROTECT, related_name="issue_item")
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["issue", "position"], name="uniq_opinion_issue_position")]


class Counter(CommitteeOwned):
    """The last number given in a series and year (issues per series; `item` for receipt numbers):
    locked while numbering, so numbers are unique and gapless however many editors act at once."""

    series = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "series", "year"], name="uniq_opinion_counter")]


class SigningOfficer(CommitteeOwned):
    """A staff member the committee has authorised to sign (签发) items, besides its leaders."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "签发人"
        verbose_name_plural = "签发人"
        constraints = [models.UniqueConstraint(fields=["committee", "user"], name="uniq_opinion_signing_officer")]
