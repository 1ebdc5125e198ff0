"""Proposals (提案) and what happens to them: co-signers, unit assignments, replies, ratings.

The proposal's `state` moves only through `proposals.workflow.PROPOSAL_WORKFLOW` (see there for the
table). The other rows here record who did what at each step; statistics count them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengxie.org.models import CommitteeOwned, Session, Unit
from zhengxie.workflow.engine import Stateful

TITLE_MAX = 100


class Category(models.TextChoices):
    ECONOMY = "economy", "经济建设"
    POLITICS = "politics", "政治建设"
    CULTURE = "culture", "文化建设"
    SOCIETY = "society", "社会建设"
    ECOLOGY = "ecology", "生态文明建设"


class ProposerKind(models.TextChoices):
    INDIVIDUAL = "individual", "委员个人"
    JOINT = "joint", "委员联名"
    PARTY = "party", "党派"
    ORGANIZATION = "organization", "人民团体"
    SECTOR = "sector", "界别"
    MEMBER_GROUP = "member_group", "委员小组"
    SPECIAL_COMMITTEE = "special_committee", "专门委员会"

    @classmethod
    def collective(cls) -> set[str]:
        return {cls.PARTY, cls.ORGANIZATION, cls.SECTOR, cls.MEMBER_GROUP, cls.SPECIAL_COMMITTEE}


class RejectGround(models.TextChoices):
    """The statutory grounds for 不予立案 (plus a custom reason)."""

    SECRET = "secret", "涉及党和国家秘密"
    PROHIBITED = "prohibited", "涉及国家明令禁止的事项"
    PARTY_INTERNAL = "party_internal", "属于党的内部组织或人事事务"
    DEMOCRATIC_PARTY_INTERNAL = "democratic_party_internal", "属于民主党派内部事务"
    LITIGATION = "litigation", "属于诉讼、仲裁或已进入法律程序的案件"
    ACADEMIC = "academic", "属于学术讨论"
    PERSONAL = "personal", "属于提案人个人或亲属的私事"
    PROMOTION = "promotion", "宣传推介具体产品、作品"
    ACCUSATION = "accusation", "对具体人员的检举、控告"
    EMPTY = "empty", "内容空泛，没有具体建议"
    OTHER = "other", "其他原因"


class ConvertTarget(models.TextChoices):
    """Where a proposal that is not one goes (转为意见建议): to the units for reference, or to the 社情民意
    editors as an item of their own (lineage kept both ways: `opinions.Opinion.source_proposal`)."""

    UNIT = "unit", "转有关单位参考（意见建议）"
    OPINION = "opinion", "转为社情民意信息"


class HandlingMode(models.TextChoices):
    SINGLE = "single", "单办"
    LEAD_ASSIST = "lead_assist", "主办+协办"
    SPLIT = "split", "分办"


class Proposal(CommitteeOwned, Stateful):
    session = models.ForeignKey(Session, verbose_name="会议", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    # 大会提案 are numbered per session; 平时提案 (between sessions) in their own series.
    between_sessions = models.BooleanField("平时提案", default=False)
    number = models.PositiveIntegerField("编号", null=True, blank=True)
    number_label = models.CharField("案号", max_length=50, blank=True)

    title = models.CharField("标题", max_length=TITLE_MAX)
    reason = models.TextField("案由")
    suggestion = models.TextField("建议")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    proposer_kind = models.CharField("提案者类型", max_length=20, choices=ProposerKind.choices,
                                     default=ProposerKind.INDIVIDUAL)
    # The initiator (first proposer) of a member proposal; the clerk who entered a collective one.
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提案人", on_delete=models.PROTECT,
                                 related_name="+")
    body_name = models.CharField("提案单位", max_length=100, blank=True)  # 民盟某某区委, 经济界 …

    return_advice = models.TextField("退回修改意见", blank=True)
    reject_ground = models.CharField("不予立案理由", max_length=32, choices=RejectGround.choices, blank=True)
    reject_reason = models.TextField("不予立案说明", blank=True)
    convert_note = models.TextField("转意见建议说明", blank=True)
    merged_into = models.ForeignKey("self", verbose_name="并入", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged")

    handling_mode = models.CharField("办理方式", max_length=16, choices=HandlingMode.choices, blank=True)
    due_date = models.DateField("办理期限", null=True, blank=True)
    rehandled = models.BooleanField("已重新办理", default=False)

    is_key = models.BooleanField("重点提案", default=False)
    supervising_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="领衔督办领导", null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    is_public = models.BooleanField("可公开", default=False)
    public_note = models.CharField("公开说明", max_length=200, blank=True)
    is_excellent = models.BooleanField("优秀提案", default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    registered_at = models.DateTimeField("立案时间", null=True, blank=True)
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "提案"
        verbose_name_plural = "提案"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "session", "between_sessions", "number"],
                condition=Q(number__isnull=False),
                name="uniq_proposal_number",
            ),
        ]
        # The desk's tabs (one state, newest first) read their page straight off this index.
        indexes = [models.Index(fields=["committee", "state", "-submitted_at", "-id"], name="proposal_desk")]

    def __str__(self) -> str:
        return self.number_label or self.title


class Signer(CommitteeOwned):
    """A co-signer (附议/联名) of a joint proposal: invited, then accepts or declines before expiry."""

    class Status(models.TextChoices):
        INVITED = "invited", "待确认"
        ACCEPTED = "accepted", "已联名"
        DECLINED = "declined", "已谢绝"
        EXPIRED = "expired", "已过期"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="signers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("邀请截止")
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="uniq_proposal_signer")]


class Assignment(CommitteeOwned):
    """One unit's share of handling a proposal (lead, assisting, or one of several in 分办)."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"
        SPLIT = "split", "分办"

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "待签收"
        ACCEPTED = "accepted", "已签收"
        REASSIGN_REQUESTED = "reassign_requested", "申请调整"
        ANSWERED = "answered", "已答复"  # lead/split: reply sent; assist: opinion sent to the lead
        WITHDRAWN = "withdrawn", "已撤销"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=8, choices=Role.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    due_date = models.DateField("期限", null=True, blank=True)
    reassign_reason = models.TextField("调整理由", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "status"], name="assignment_unit_status")]


class Reply(CommitteeOwned):
    """A unit's formal reply letter (lead / split units) or an assisting unit's opinion to the lead."""

    class Grade(models.TextChoices):
        A = "A", "A 已解决或采纳"
        B = "B", "B 正在解决或列入计划"
        C = "C", "C 因条件限制留作参考"
        D = "D", "D 其他"

    class Contact(models.TextChoices):
        FACE = "face", "面商"
        PHONE = "phone", "电话"
        MEETING = "meeting", "座谈会"
        WRITTEN = "written", "书面"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="replies")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="replies")
    round = models.PositiveSmallIntegerField("办理轮次", default=1)  # 2 after 重新办理
    is_opinion = models.BooleanField("协办意见", default=False)
    text = models.TextField("答复内容")
    grade = models.CharField("办理结果", max_length=1, choices=Grade.choices, blank=True)
    contact = models.CharField("沟通方式", max_length=16, choices=Contact.choices, blank=True)
    contact_date = models.DateField("沟通日期", null=True, blank=True)
    signed_by = models.CharField("签发领导", max_length=50, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    fulfilled_at = models.DateTimeField("B 类承诺落实时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Evaluation(CommitteeOwned):
    """A proposer's rating of a reply round: of the handling work and of the result."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically", "基本满意"
        DISSATISFIED = "dissatisfied", "不满意"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="evaluations")
    round = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handling = models.CharField("办理态度", max_length=16, choices=Rating.choices)
    result = models.CharField("办理结果", max_length=16, choices=Rating.choices)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "round", "user"], name="uniq_evaluation")]


class Supervision(CommitteeOwned):
    """A 督办 activity or a 催办 reminder on a proposal."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "督办会议"
        INSPECTION = "inspection", "实地视察"
        CONSULTATION = "consultation", "提案办理协商"
        URGE = "urge", "催办"
        NOTE = "note", "督办批注"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    text = models.TextField("内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Counter(CommitteeOwned):
    """The last number given in a series (a session's 大会提案, or its 平时提案): locked while numbering,
    so numbers are unique and gapless however many clerks register at once."""

    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    between_sessions = models.BooleanField(default=False)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "session", "between_sessions"], name="uniq_proposal_counter")
        ]
