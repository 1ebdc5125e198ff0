"""API for proposals (提案): the list, one proposal, drafting, transitions and the steps around them.

Every read goes through `selectors.visible(access)`, so a row the caller may not open answers 404
whatever the operation; writes go through the same services and workflow as the pages
(`services.*`, `engine.fire` via `transition_endpoint`). Errors:

- `ProposalError` → its own status (400/403/404/409) with the service's Chinese message;
- transitions: 403 not allowed for the caller, 409 state / version / guards / required fields;
- schema violations → 422 (title over 100 字, ratings, grades and kinds outside their lists, ids
  past MAX_ID, NUL characters …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, model_validator

from zhengxie.accounts.api import (
    AUTH_ERRORS, MAX_ID, ErrorOut, Page, PageQuery, Text, ValidationErrorOut, api_access, paginate,
)
from zhengxie.accounts.models import User
from zhengxie.accounts.permissions import Access
from zhengxie.org.api import NamedRef
from zhengxie.org.models import Session
from zhengxie.proposals import services
from zhengxie.proposals.indexing import KIND
from zhengxie.proposals.models import (
    TITLE_MAX, Assignment, Category, ConvertTarget, Evaluation, HandlingMode, Proposal, ProposerKind, RejectGround,
    Reply, Signer, Supervision,
)
from zhengxie.proposals.permissions import P_REVIEW, P_SUPERVISE
from zhengxie.proposals.selectors import proposal_get, visible
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW, STATES
from zhengxie.textindex.api import IsoDate, JsonBool, JsonInt, ObjectId, RoutingOut, SimilarOut
from zhengxie.textindex.selectors import similar, suggest_units
from zhengxie.textindex.presentation import local_url, require_routing
from zhengxie.workflow.api import StatefulOut, TransitionIn, transition_endpoint

router = Router(tags=["提案"])

NOT_FOUND = "没有找到该提案。"
MAX_TEXT = services.MAX_TEXT
# What the API refuses outright (422) is what the services would refuse anyway (400), said earlier.
# "Not blank" as the services' str.strip() has it: the characters Python counts as white space are
# spelt out, because JSON Schema's \s (ECMAScript's) is another set (it lacks \x1c-\x1f and \x85).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
WRITE_ERRORS: dict[int, type[Schema]] = {
    **AUTH_ERRORS, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut,
}


def _choices(choices: list[tuple[str, str]]) -> str:
    return "、".join(f"`{code}`（{label}）" for code, label in choices)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("不能为空")
    return value


# A title as the services accept it: not blank, at most 100 字 (the pattern tells clients and the fuzzer).
Title = Annotated[Text, AfterValidator(_non_blank),
                  Field(min_length=1, max_length=TITLE_MAX, json_schema_extra={"pattern": NON_BLANK})]
CategoryCode = Literal["economy", "politics", "culture", "society", "ecology"]
KindCode = Literal["individual", "joint", "party", "organization", "sector", "member_group", "special_committee"]
RatingCode = Literal["satisfied", "basically", "dissatisfied"]
GradeCode = Literal["A", "B", "C", "D"]
ContactCode = Literal["face", "phone", "meeting", "written"]
StateCode = Literal["draft", "cosigning", "submitted", "returned", "registered", "not_registered", "converted",
                    "merged", "assigned", "handling", "replied", "rehandling", "closed"]

# The literals above are the model's choices, spelled out for the schema; keep them in step.
assert set(CategoryCode.__args__) == set(Category.values)  # type: ignore[attr-defined]
assert set(KindCode.__args__) == set(ProposerKind.values)  # type: ignore[attr-defined]
assert set(RatingCode.__args__) == set(Evaluation.Rating.values)  # type: ignore[attr-defined]
assert set(GradeCode.__args__) == set(Reply.Grade.values)  # type: ignore[attr-defined]
assert set(ContactCode.__args__) == set(Reply.Contact.values)  # type: ignore[attr-defined]
assert set(StateCode.__args__) == set(STATES)  # type: ignore[attr-defined]


@contextmanager
def _service() -> Iterator[None]:
    """A service's refusal as the API's error answer: its status, its Chinese message."""
    try:
        yield
    except services.ProposalError as exc:
        raise HttpError(exc.status, exc.message) from None


def _is_staff(access: Access) -> bool:
    return access.has(P_REVIEW) or access.has(P_SUPERVISE)


def _name(user: User) -> str:
    return user.display_name or user.username


# --- reading ---------------------------------------------------------------------------------


def proposal_detail(access: Access, pk: int) -> Proposal | None:
    """One proposal `access` may open, with the related rows its detail shows (a fixed number of
    queries however many co-signers, units, replies or ratings it has); None when not visible."""
    p = proposal_get(access, pk)
    if p is None:
        return None
    evaluations = Evaluation.objects.select_related("user").order_by("round", "id")
    if not _is_staff(access):
        evaluations = evaluations.filter(user=access.user)
    prefetch_related_objects(
        [p],
        Prefetch("signers", queryset=Signer.objects.select_related("user").order_by("invited_at", "id"),
                 to_attr="api_signers"),
        Prefetch("assignments", queryset=Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
                 .select_related("unit").order_by("id"), to_attr="api_assignments"),
        Prefetch("replies", queryset=Reply.objects.select_related("assignment__unit").order_by("created_at", "id"),
                 to_attr="api_replies"),
        Prefetch("evaluations", queryset=evaluations, to_attr="api_evaluations"),
    )
    accepted = Signer.objects.filter(status=Signer.Status.ACCEPTED)
    # The initiator, accepted co-signers, and the proposers of proposals merged into this one (as
    # effects.proposers, in one query).
    p.api_proposers = list(User.objects.filter(  # type: ignore[attr-defined]
        Q(pk=p.proposer_id) | Q(pk__in=accepted.filter(proposal=p).values("user_id"))
        | Q(pk__in=Proposal.objects.filter(merged_into=p).values("proposer_id"))
        | Q(pk__in=accepted.filter(proposal__merged_into=p).values("user_id"))
    ).order_by("id"))
    return p


def _loaded(p: Proposal) -> Proposal:
    """`p` with what proposal_detail attaches (a row the caller can no longer see after a transition
    is answered as it was fired on, without the related rows)."""
    if not hasattr(p, "api_signers"):
        for attr in ("api_signers", "api_assignments", "api_replies", "api_evaluations", "api_proposers"):
            setattr(p, attr, [])
    return p


class SignerOut(Schema):
    name: str
    status: str
    status_label: str
    responded_at: dt.datetime | None


class AssignmentOut(Schema):
    unit: NamedRef
    role: str = Field(..., description="lead（主办）、assist（协办）或 split（分办）")
    role_label: str
    status: str
    status_label: str
    due_date: dt.date | None


class ReplyOut(Schema):
    unit: NamedRef
    is_opinion: bool = Field(..., description="协办单位给主办单位的意见（不是正式答复）")
    round: int = Field(..., description="办理轮次：重新办理后为 2")
    text: str
    grade: str = Field(..., description="A/B/C（/D）；协办意见为空")
    grade_label: str
    contact: str
    contact_date: dt.date | None
    signed_by: str
    created_at: dt.datetime


class EvaluationOut(Schema):
    name: str = Field(..., description="评价的提案人")
    round: int
    handling: str
    handling_label: str
    result: str
    result_label: str
    comment: str
    created_at: dt.datetime


class ProposalItemOut(Schema):
    """A proposal as lists show it."""

    id: int
    title: str
    number_label: str = Field(..., description="案号，立案后才有，如 十一届五次会议第0001号")
    state: str
    state_label: str
    version: int
    category: str
    category_label: str
    proposer_kind: str
    proposer_name: str = Field(..., description="提案人（集体提案为提案单位）")
    session: NamedRef | None
    between_sessions: bool
    is_key: bool = Field(..., description="重点提案")
    due_date: dt.date | None = Field(..., description="办理期限")
    created_at: dt.datetime
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_state_label(obj: Proposal) -> str:
        return PROPOSAL_WORKFLOW.state_label(obj.state)

    @staticmethod
    def resolve_category_label(obj: Proposal) -> str:
        return obj.get_category_display() if obj.category else ""

    @staticmethod
    def resolve_proposer_name(obj: Proposal) -> str:
        if obj.proposer_kind in ProposerKind.collective() and obj.body_name:
            return obj.body_name
        return _name(obj.proposer)


class ProposalOut(StatefulOut):
    """One proposal with who proposed it, who handles it, the replies and ratings."""

    id: int
    title: str
    reason: str = Field(..., description="案由")
    suggestion: str = Field(..., description="建议")
    category: str
    category_label: str
    proposer_kind: str
    proposer_kind_label: str
    body_name: str = Field(..., description="集体提案的提案单位")
    proposers: list[str] = Field(..., description="提案人姓名（发起人在前）；并案的提案人也在内")
    signers: list[SignerOut] = Field(..., description="联名委员；提案人和工作人员看到全部邀请，其他人只看到已联名的")
    session: NamedRef | None
    between_sessions: bool
    number_label: str = Field(..., description="案号，立案后才有")
    is_key: bool
    handling_mode: str
    due_date: dt.date | None = Field(..., description="办理期限")
    assignments: list[AssignmentOut] = Field(..., description="承办单位（已撤销的不列出）")
    replies: list[ReplyOut]
    evaluations: list[EvaluationOut] = Field(..., description="评价：工作人员和领导看到全部，提案人只看到自己的")
    return_advice: str = Field(..., description="退回修改意见")
    reject_ground: str
    reject_reason: str
    convert_note: str
    merged_into_id: int | None = Field(..., description="并入的主提案")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    registered_at: dt.datetime | None
    assigned_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_category_label(obj: Proposal) -> str:
        return obj.get_category_display() if obj.category else ""

    @staticmethod
    def resolve_proposer_kind_label(obj: Proposal) -> str:
        return obj.get_proposer_kind_display()

    @staticmethod
    def resolve_proposers(obj: Proposal) -> list[str]:
        users = _loaded(obj).api_proposers  # type: ignore[attr-defined]
        return [_name(u) for u in sorted(users, key=lambda u: (u.pk != obj.proposer_id, u.pk))]

    @staticmethod
    def resolve_signers(obj: Proposal, context: Any) -> list[dict[str, Any]]:
        access = api_access(context["request"])
        everyone = access.user.pk == obj.proposer_id or access.has(P_REVIEW)
        return [
            {"name": _name(s.user), "status": s.status, "status_label": s.get_status_display(),
             "responded_at": s.responded_at}
            for s in _loaded(obj).api_signers  # type: ignore[attr-defined]
            if everyone or s.status == Signer.Status.ACCEPTED or s.user_id == access.user.pk
        ]

    @staticmethod
    def resolve_assignments(obj: Proposal) -> list[dict[str, Any]]:
        return [
            {"unit": a.unit, "role": a.role, "role_label": a.get_role_display(), "status": a.status,
             "status_label": a.get_status_display(), "due_date": a.due_date}
            for a in _loaded(obj).api_assignments  # type: ignore[attr-defined]
        ]

    @staticmethod
    def resolve_replies(obj: Proposal) -> list[dict[str, Any]]:
        return [
            {"unit": r.assignment.unit, "is_opinion": r.is_opinion, "round": r.round, "text": r.text,
             "grade": r.grade, "grade_label": r.get_grade_display() if r.grade else "", "contact": r.contact,
             "contact_date": r.contact_date, "signed_by": r.signed_by, "created_at": r.created_at}
            for r in _loaded(obj).api_replies  # type: ignore[attr-defined]
        ]

    @staticmethod
    def resolve_evaluations(obj: Proposal) -> list[dict[str, Any]]:
        return [
            {"name": _name(e.user), "round": e.round, "handling": e.handling,
             "handling_label": e.get_handling_display(), "result": e.result, "result_label": e.get_result_display(),
             "comment": e.comment, "created_at": e.created_at}
            for e in _loaded(obj).api_evaluations  # type: ignore[attr-defined]
        ]


class ProposalQuery(PageQuery):
    state: StateCode | None = Field(None, description="状态：" + _choices(list(STATES.items())))
    session: int | None = Field(None, ge=1, le=MAX_ID, description="会议 id")
    category: CategoryCode | None = Field(None, description="类别：" + _choices(Category.choices))
    mine: bool | None = Field(None, description="true：只看本人提出或受邀联名的提案")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="承办单位 id")
    key: bool | None = Field(None, description="true：只看重点提案；false：只看非重点提案")
    q: Text = Field("", max_length=100, description="标题或案号中包含的文字")


def proposal_list_rows(access: Access, query: ProposalQuery) -> QuerySet[Proposal]:
    rows = visible(access).select_related("session", "proposer")
    if query.state:
        rows = rows.filter(state=query.state)
    if query.session:
        rows = rows.filter(session_id=query.session)
    if query.category:
        rows = rows.filter(category=query.category)
    if query.mine:
        invited = Signer.objects.filter(user=access.user).exclude(status=Signer.Status.DECLINED)
        rows = rows.filter(Q(proposer=access.user) | Q(pk__in=invited.values("proposal_id")))
    if query.unit:
        handled = Assignment.objects.filter(unit_id=query.unit).exclude(status=Assignment.Status.WITHDRAWN)
        rows = rows.filter(pk__in=handled.values("proposal_id"))
    if query.key is not None:
        rows = rows.filter(is_key=query.key)
    q = query.q.strip()
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(number_label__icontains=q))
    return rows.order_by("-id")


@router.get("", response={200: Page[ProposalItemOut], **AUTH_ERRORS}, summary="提案列表",
            description="调用者有权查看的本政协提案，新的在前：委员看到本人的、受邀联名的和已立案的；"
                        "承办单位只看到交办给本单位的；提案委员会和领导看到已提交的全部。")
def proposal_list(request: HttpRequest, query: Query[ProposalQuery]) -> Any:
    access = api_access(request)
    return paginate(proposal_list_rows(access, query), query)


def _visible_or_404(access: Access, pk: int) -> Proposal:
    p = proposal_get(access, pk)
    if p is None:
        raise Http404(NOT_FOUND)
    return p


def _detail_or_404(access: Access, pk: int) -> Proposal:
    p = proposal_detail(access, pk)
    if p is None:
        raise Http404(NOT_FOUND)
    return p


def _id() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="提案 id")


@router.get("/{id}", response={200: ProposalOut, 404: ErrorOut, **AUTH_ERRORS}, summary="提案详情",
            description="含提案人（只有姓名）、联名、承办单位、答复、评价，以及调用者此刻可以进行的操作。")
def proposal_detail_get(request: HttpRequest, id: int = _id()) -> Any:  # noqa: A002
    return _detail_or_404(api_access(request), id)


# --- drafting ----------------------------------------------------------------------------------


class _ProposalFields(Schema):
    reason: Text = Field("", max_length=MAX_TEXT, description="案由：情况分析")
    suggestion: Text = Field("", max_length=MAX_TEXT, description="具体建议")
    category: CategoryCode | None = Field(None, description="类别：" + _choices(Category.choices))
    proposer_kind: KindCode | None = Field(
        None, description="提案者类型：" + _choices(ProposerKind.choices) + "；集体提案由提案工作人员录入，须填提案单位")
    body_name: Text = Field("", max_length=100, description="集体提案的提案单位名称，如 民盟某某区委")
    session_id: ObjectId | None = Field(None, description="会议 id（本政协的）")
    between_sessions: JsonBool = Field(False, description="平时提案（闭会期间提出，单独编号）")


class ProposalIn(_ProposalFields):
    title: Title = Field(..., description=f"标题，如“关于……的提案”，不超过 {TITLE_MAX} 字",
                         examples=["关于加强电动自行车充电安全管理的提案"])


class ProposalPatch(_ProposalFields):
    title: Title | None = Field(None, description=f"标题，不超过 {TITLE_MAX} 字")
    version: JsonInt = Field(..., ge=0, le=MAX_ID, description="读取时的 version；与当前不一致时拒绝（409）")
    # Sent fields only: defaults above must not overwrite what is stored.
    reason: Text | None = Field(None, max_length=MAX_TEXT, description="案由")  # type: ignore[assignment]
    suggestion: Text | None = Field(None, max_length=MAX_TEXT, description="具体建议")  # type: ignore[assignment]
    body_name: Text | None = Field(None, max_length=100, description="集体提案的提案单位名称")  # type: ignore[assignment]
    between_sessions: JsonBool | None = Field(None, description="平时提案")  # type: ignore[assignment]


def _fields(access: Access, data: Schema, *, exclude: set[str] | None = None) -> dict[str, Any]:
    fields = data.model_dump(exclude_none=True, exclude=exclude or set())
    session_id = fields.get("session_id")
    if session_id is not None and not Session.objects.filter(pk=session_id, committee=access.committee).exists():
        raise HttpError(400, "没有这个会议，请选择本政协的会议。")
    return fields


@router.post("", response={201: ProposalOut, **WRITE_ERRORS}, summary="起草提案",
             description="保存为草稿（只需标题），提交用 `POST /proposals/{id}/transitions/submit`。"
                         "需要提交提案的权限（委员；提案工作人员可录入集体提案）。")
def proposal_create(request: HttpRequest, data: ProposalIn) -> Any:
    access = api_access(request)
    with _service():
        p = services.proposal_create(access=access, data=_fields(access, data))
    return Status(201, _detail_or_404(access, p.pk))


@router.patch("/{id}", response={200: ProposalOut, **WRITE_ERRORS}, summary="修改提案",
              description="只改请求中给出的字段；只有草稿和退回修改的提案可以修改，且只有提案人本人（集体提案为工作人员）。"
                          "`version` 与当前不一致时拒绝（409）。")
def proposal_update(request: HttpRequest, data: ProposalPatch, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    _visible_or_404(access, id)
    with _service():
        services.proposal_update(access=access, proposal_id=id, data=_fields(access, data, exclude={"version"}),
                                 version=data.version)
    return _detail_or_404(access, id)


# --- transitions -------------------------------------------------------------------------------


class UnitIn(Schema):
    unit_id: ObjectId = Field(..., description="承办单位 id")
    role: Literal["lead", "assist", "split"] = Field(..., description="lead（主办）、assist（协办）、split（分办）")


class ProposalTransitionIn(TransitionIn):
    """What each proposal transition may carry; which are required is listed per transition."""

    model_config = {"json_schema_extra": {
        # A reply names its result grade; OpenAPI 3.1 (JSON Schema 2020-12) and older tools both read this.
        "dependentRequired": {"text": ["grade"]}, "dependencies": {"text": ["grade"]},
    }}

    user_ids: list[ObjectId] | None = Field(None, min_length=1, max_length=100,
                                            description="invite：邀请联名的委员（用户 id）")
    ground: Literal[tuple(RejectGround.values)] | None = Field(  # type: ignore[valid-type]
        None, description="reject：不予立案理由：" + _choices(RejectGround.choices) + "；`other` 须在 reason 中写明")
    note: Text | None = Field(None, max_length=2000, description="convert：转为意见建议的说明")
    # Checked by the workflow (an unknown value is 400 with the list), not by the schema (422).
    target: Text | None = Field(None, max_length=20, description=(
        "convert：转办去向：" + _choices(ConvertTarget.choices) + "；不填为 `unit`。"
        "`opinion` 生成一条本会的社情民意信息（待处理），其 `source_proposal_id` 指向本提案"))
    lead_id: ObjectId | None = Field(None, description="merge：并入的主提案 id")
    advice: Text | None = Field(None, max_length=5000, description="return：退回修改意见")
    mode: Literal["single", "lead_assist", "split"] | None = Field(
        None, description="assign / reassign：办理方式：" + _choices(HandlingMode.choices) + "；不填为单办")
    units: list[UnitIn] | None = Field(None, min_length=1, max_length=20, description="assign / reassign：承办单位")
    due_date: IsoDate | None = Field(None, description="assign / reassign：办理期限（须晚于今天），不填按本会设置（默认 3 个月）")
    # Not nullable: "text" present ⇔ a reply, which must name its grade (dependentRequired above).
    text: Text = Field(None, max_length=MAX_TEXT, description="reply：答复内容（答复也可用 …/answer）")  # type: ignore[assignment]
    grade: GradeCode = Field(None, description="reply：办理结果 A/B/C（本会启用时可用 D）")  # type: ignore[assignment]
    contact: ContactCode | None = Field(None, description="reply：答复前与提案人的沟通方式")
    contact_date: IsoDate | None = Field(None, description="reply：沟通日期")
    signed_by: Text | None = Field(None, max_length=50, description="reply：签发领导")

    @model_validator(mode="after")
    def _reply_has_grade(self) -> ProposalTransitionIn:
        if "text" in self.model_fields_set and "grade" not in self.model_fields_set:
            raise ValueError("答复须选择办理结果（grade）")
        return self


transition_endpoint(router, PROPOSAL_WORKFLOW, get=proposal_detail, out=ProposalOut, not_found=NOT_FOUND,
                    payload=ProposalTransitionIn)


# --- around the transitions --------------------------------------------------------------------


class CosignIn(Schema):
    accept: JsonBool = Field(..., description="true 确认联名，false 谢绝")


@router.post("/{id}/cosign", response={200: ProposalOut, **WRITE_ERRORS}, summary="回复联名邀请",
             description="受邀委员在邀请截止前确认或谢绝联名；没有受到邀请 404，已回复或已过期 409。")
def proposal_cosign(request: HttpRequest, data: CosignIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    _visible_or_404(access, id)
    with _service():
        services.signer_respond(access=access, proposal_id=id, accept=data.accept)
    return _detail_or_404(access, id)


class AnswerIn(Schema):
    text: Text = Field(..., min_length=1, max_length=MAX_TEXT, description="答复内容（协办单位为给主办单位的意见）",
                       json_schema_extra={"pattern": NON_BLANK})
    grade: GradeCode | None = Field(None, description="办理结果：主办、分办单位必填，A/B/C（本会启用时可用 D）；协办意见不填")
    contact: ContactCode | None = Field(None, description="沟通方式：" + _choices(Reply.Contact.choices))
    contact_date: IsoDate | None = Field(None, description="沟通日期")
    signed_by: Text = Field("", max_length=50, description="签发领导")

    @model_validator(mode="after")
    def _text_not_blank(self) -> AnswerIn:
        _non_blank(self.text)
        return self


@router.post("/{id}/answer", response={200: ProposalOut, **WRITE_ERRORS}, summary="承办单位答复",
             description="主办单位（或最后一个分办单位）的答复使提案进入“已答复”；协办单位的意见、其他分办单位的答复只作记录。"
                         "未选办理结果 400；没有交办给本单位 403；当前状态不能答复或已经答复过 409。")
def proposal_answer(request: HttpRequest, data: AnswerIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    _visible_or_404(access, id)
    with _service():
        services.unit_answer(access=access, proposal_id=id, data=data.model_dump(exclude_none=True))
    return _detail_or_404(access, id)


class EvaluationIn(Schema):
    handling: RatingCode = Field(..., description="对办理工作（沟通、态度）的评价：满意、基本满意、不满意")
    result: RatingCode = Field(..., description="对办理结果的评价：满意、基本满意、不满意")
    comment: Text = Field("", max_length=2000, description="意见")


@router.post("/{id}/evaluation", response={200: ProposalOut, **WRITE_ERRORS}, summary="提案人评价答复",
             description="每位提案人对答复评价一次；全部评价且无“不满意”（或已重新办理过）时自动办结。"
                         "评价值为 satisfied（满意）、basically（基本满意）、dissatisfied（不满意）。")
def proposal_evaluate(request: HttpRequest, data: EvaluationIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    _visible_or_404(access, id)
    with _service():
        services.evaluation_submit(access=access, proposal_id=id, handling=data.handling, result=data.result,
                                   comment=data.comment)
    return _detail_or_404(access, id)


class SupervisionIn(Schema):
    kind: Literal["meeting", "inspection", "consultation", "urge", "note"] = Field(
        ..., description="类型：" + _choices(Supervision.Kind.choices) + "；催办会通知承办单位")
    text: Text = Field(..., min_length=1, max_length=5000, description="内容", json_schema_extra={"pattern": NON_BLANK})

    @model_validator(mode="after")
    def _text_not_blank(self) -> SupervisionIn:
        _non_blank(self.text)
        return self


class SupervisionOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    author: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Supervision) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_author(obj: Supervision) -> str:
        return _name(obj.author)


@router.post("/{id}/supervision", response={201: SupervisionOut, **WRITE_ERRORS}, summary="记录督办或催办",
             description="提案委员会和领导可用。")
def proposal_supervise(request: HttpRequest, data: SupervisionIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    access.require(P_SUPERVISE)
    _visible_or_404(access, id)
    with _service():
        s = services.supervision_add(access=access, proposal_id=id, kind=data.kind, text=data.text)
    return Status(201, s)


# --- similar items and routing -----------------------------------------------------------------


class SimilarQuery(Schema):
    limit: int = Field(5, ge=1, le=20, description="最多返回几条")
    all_kinds: bool = Field(False, description="true：在所有类型的事项中查找（默认只查提案）")


@router.get("/{id}/similar", response={200: list[SimilarOut], 404: ErrorOut, **AUTH_ERRORS}, by_alias=True,
            summary="与该提案相似的事项",
            description="按标题、案由和建议在本政协调用者有权查看的事项中查找，相似度从高到低（不含提案本身）。")
def proposal_similar(request: HttpRequest, query: Query[SimilarQuery], id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    p = _visible_or_404(access, id)
    items = similar(access, title=p.title, body=f"{p.reason}\n{p.suggestion}", kinds=None if query.all_kinds else [KIND],
                    exclude=(KIND, p.pk), limit=query.limit)
    return [
        {"kind": i.doc.kind, "object_id": i.doc.object_id, "title": i.doc.title, "url": local_url(i.doc.url),
         "score": i.score, "topic": i.topic, "copy": i.copy, "likely_duplicate": i.likely_duplicate,
         "shared_terms": i.shared_terms, "passages_html": [str(x) for x in i.passages]}
        for i in items
    ]


class RoutingQuery(Schema):
    limit: int = Field(3, ge=1, le=5, description="最多建议几个单位")


@router.get("/{id}/routing", response={200: list[RoutingOut], 404: ErrorOut, **AUTH_ERRORS}, summary="承办单位建议",
            description="按本政协往年的办理记录和各单位职责，建议该提案最可能的主办单位。仅提案委员会可用（其他人 403）。")
def proposal_routing(request: HttpRequest, query: Query[RoutingQuery], id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    access.require(P_REVIEW)
    kinds = require_routing(access)
    p = _visible_or_404(access, id)
    suggestions = suggest_units(access.committee, title=p.title, body=f"{p.reason}\n{p.suggestion}",  # type: ignore[arg-type]
                                limit=query.limit, exclude=(KIND, p.pk), example_kinds=kinds)
    return [
        {"unit_id": s.unit.pk, "unit_name": s.unit.name, "confidence": s.confidence, "reasons": s.reasons,
         "examples": [{"kind": d.kind, "object_id": d.object_id, "title": d.title, "url": local_url(d.url)}
                      for d in s.examples]}
        for s in suggestions
    ]
