"""API for 社情民意: the list, one item with its chain, drafting, the desk's transitions, combining,
forwarding, tracking (转送/反馈/批示/媒体), issues, and an author's record.

Every read goes through `selectors.visible(access)`, so an item the caller may not open answers 404
whatever the operation; writes go through the same services and workflow as pages will. Errors:

- `OpinionError` → its own status (400/403/404/409) with the service's Chinese message;
- transitions: 403 not allowed for the caller, 409 state / version / guards / required fields;
- schema violations → 422.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from zhengxie.accounts.api import AUTH_ERRORS, MAX_ID, ErrorOut, Page, PageQuery, Text, ValidationErrorOut, api_access, paginate
from zhengxie.accounts.permissions import Access
from zhengxie.opinions import selectors, services
from zhengxie.opinions.models import BODY_HARD, TITLE_MAX, Issue, Opinion, Series, SourceKind, Track
from zhengxie.opinions.workflow import OPINION_WORKFLOW, STATES
from zhengxie.org.models import Committee
from zhengxie.textindex.api import IsoDate, ObjectId
from zhengxie.workflow.api import StatefulOut, TransitionIn, transition_endpoint

router = Router(tags=["社情民意"])

NOT_FOUND = "没有找到该信息。"
WRITE_ERRORS: dict[int, type[Schema]] = {
    **AUTH_ERRORS, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut,
}
StateCode = Literal["draft", "submitted", "screened_out", "adopted", "edited", "signed", "published"]
SourceCode = Literal["member", "informant", "party", "lower", "public", "combined"]
LevelCode = Literal["national", "province", "city", "county"]
SeriesCode = Literal["express", "special"]
assert set(StateCode.__args__) == set(STATES)  # type: ignore[attr-defined]
assert set(SourceCode.__args__) == set(SourceKind.values)  # type: ignore[attr-defined]
assert set(LevelCode.__args__) == set(Committee.Level.values)  # type: ignore[attr-defined]
assert set(SeriesCode.__args__) == set(Series.values)  # type: ignore[attr-defined]


@contextmanager
def _service() -> Iterator[None]:
    """A service's refusal as the API's error answer: its status, its Chinese message."""
    try:
        yield
    except services.OpinionError as exc:
        raise HttpError(exc.status, exc.message) from None


def _id() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="信息 id")


# --- shapes ------------------------------------------------------------------------------------------


class TrackOut(Schema):
    id: int
    kind: str = Field(..., description="adoption（采用）、instruction（批示）、referral（转送部门）、feedback（办理反馈）、media（媒体刊发）")
    kind_label: str
    level: str
    level_label: str
    adoption: str
    person: str = Field(..., description="批示领导")
    person_title: str
    unit_name: str
    outlet: str
    date: dt.date
    text: str
    url: str

    @staticmethod
    def resolve_kind_label(obj: Track) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_level_label(obj: Track) -> str:
        return obj.get_level_display()


class NodeOut(Schema):
    """One row of an item's chain (in this committee or one above or below it)."""

    id: int
    depth: int = Field(..., description="相对本条信息的位置：正数在上（综合稿、上级政协），负数在下（来源、下级原稿）")
    committee: str
    level: str
    state: str
    state_label: str
    title: str
    adoption: str
    issue: str = Field(..., description="刊发的期刊，如《社情民意专递》2026年第3期")
    tracks: list[TrackOut]


def _node(n: selectors.Node) -> dict[str, Any]:
    o = n.opinion
    item = getattr(o, "issue_item", None)
    return {"id": o.pk, "depth": n.depth, "committee": o.committee.short_name, "level": o.committee.level,
            "state": o.state, "state_label": STATES[o.state], "title": o.shown_title, "adoption": o.adoption,
            "issue": item.issue.label if item is not None and item.issue.number else "", "tracks": n.tracks}


class OpinionItemOut(Schema):
    """An item as lists show it."""

    id: int
    title: str = Field(..., description="编辑后的标题（未编辑时为原标题）")
    state: str
    state_label: str
    version: int
    source_kind: str
    source_kind_label: str
    author_name: str
    serial: str = Field(..., description="收文编号，如 2026-0012，提交后才有")
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_title(obj: Opinion) -> str:
        return obj.shown_title

    @staticmethod
    def resolve_state_label(obj: Opinion) -> str:
        return STATES[obj.state]

    @staticmethod
    def resolve_source_kind_label(obj: Opinion) -> str:
        return obj.get_source_kind_display()

    @staticmethod
    def resolve_serial(obj: Opinion) -> str:
        return f"{obj.year}-{obj.serial:04d}" if obj.serial else ""


class OpinionOut(StatefulOut):
    """One item: the original beside the editor's version, what became of it here and at every level."""

    id: int
    title: str = Field(..., description="原稿标题")
    body: str = Field(..., description="原稿正文")
    edited_title: str = Field(..., description="编辑后的标题（作者也能看到）")
    edited_body: str
    warnings: list[str] = Field(..., description="提示（如正文超过 1500 字），不影响保存")
    source_kind: str
    source_kind_label: str
    author_name: str
    coauthors: list[str] = Field(..., description="联名人姓名")
    body_name: str = Field(..., description="报送单位（党派、下级政协）")
    submitter_name: str = Field(..., description="社会公众反映人：只有编辑可见")
    submitter_contact: str = Field(..., description="反映人联系方式：只有编辑可见")
    sector_name: str
    party_name: str
    serial: str
    adoption: str
    screened_reason: str
    send_back_reason: str
    combined_into_id: int | None
    source_proposal_id: int | None = Field(..., description="由提案转来时，原提案的 id（能否打开由提案的权限决定）")
    chain: list[NodeOut] = Field(..., description="本条信息上下的全部环节（综合、报送、上级的采用和批示），自下而上")
    submitted_at: dt.datetime | None
    adopted_at: dt.datetime | None
    edited_at: dt.datetime | None
    signed_at: dt.datetime | None
    published_at: dt.datetime | None
    forwarded_at: dt.datetime | None

    @staticmethod
    def resolve_warnings(obj: Opinion) -> list[str]:
        return services.warnings_for(obj.shown_title, obj.shown_body)

    @staticmethod
    def resolve_source_kind_label(obj: Opinion) -> str:
        return obj.get_source_kind_display()

    @staticmethod
    def resolve_coauthors(obj: Opinion) -> list[str]:
        return [c.name for c in obj.coauthors.all()]

    @staticmethod
    def resolve_submitter_name(obj: Opinion, context: Any) -> str:
        return obj.submitter_name if selectors.may_see_personal_data(api_access(context["request"])) else ""

    @staticmethod
    def resolve_submitter_contact(obj: Opinion, context: Any) -> str:
        return obj.submitter_contact if selectors.may_see_personal_data(api_access(context["request"])) else ""

    @staticmethod
    def resolve_serial(obj: Opinion) -> str:
        return f"{obj.year}-{obj.serial:04d}" if obj.serial else ""

    @staticmethod
    def resolve_chain(obj: Opinion) -> list[dict[str, Any]]:
        chain = getattr(obj, "api_chain", None)
        return [_node(n) for n in chain.nodes] if chain is not None else []


def opinion_detail(access: Access, pk: int) -> Opinion | None:
    """One item with its chain (a fixed number of queries however long the chain); None when not visible."""
    chain = selectors.lineage(access, pk)
    if chain is None:
        return None
    o = selectors.opinion_get(access, pk)
    if o is not None:
        o.api_chain = chain  # type: ignore[attr-defined]
    return o


def _detail_or_404(access: Access, pk: int) -> Opinion:
    o = opinion_detail(access, pk)
    if o is None:
        raise Http404(NOT_FOUND)
    return o


# --- reading -----------------------------------------------------------------------------------------


class OpinionQuery(PageQuery):
    state: StateCode | None = Field(None, description="状态")
    source_kind: SourceCode | None = Field(None, description="来源")
    mine: bool | None = Field(None, description="true：只看本人的信息")
    q: Text = Field("", max_length=100, description="标题中包含的文字")


def opinion_list_rows(access: Access, query: OpinionQuery) -> QuerySet[Opinion]:
    rows = selectors.visible(access)
    if query.state:
        rows = rows.filter(state=query.state)
    if query.source_kind:
        rows = rows.filter(source_kind=query.source_kind)
    if query.mine:
        rows = rows.filter(author=access.user)
    q = query.q.strip()
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(edited_title__icontains=q))
    return rows.order_by("-id")


@router.get("", response={200: Page[OpinionItemOut], **AUTH_ERRORS}, summary="社情民意信息列表",
            description="调用者有权查看的本政协信息，新的在前：委员和特邀信息员看到本人的和已刊发的；"
                        "编辑和签发人看到已提交的全部。编辑的待处理队列：`?state=submitted`。")
def opinion_list(request: HttpRequest, query: Query[OpinionQuery]) -> Any:
    return paginate(opinion_list_rows(api_access(request), query), query)


class CreditOut(Schema):
    item: OpinionItemOut
    levels: list[NodeOut] = Field(..., description="本条信息及其上各级的环节，由近及远")
    adopted_levels: list[str] = Field(..., description="被采用的层级")
    instructions: list[TrackOut] = Field(..., description="各级领导批示")


@router.get("/record", response={200: list[CreditOut], **AUTH_ERRORS}, summary="我的社情民意履职记录",
            description="本人在本政协报送的信息，以及每条在本级和上级的采用、刊发、批示。")
def opinion_record(request: HttpRequest) -> Any:
    return [{"item": c.item, "levels": [_node(n) for n in c.levels], "adopted_levels": c.adopted_levels,
             "instructions": c.instructions} for c in selectors.author_record(api_access(request))]


# --- issues --------------------------------------------------------------------------------------------


class IssueOut(StatefulOut):
    id: int
    series: str
    label: str = Field(..., description="如《社情民意专递》2026年第12期；印发时编号")
    year: int
    number: int | None
    recipients_main: list[str] = Field(..., description="主送")
    recipients_copy: list[str] = Field(..., description="抄送")
    items: list[OpinionItemOut] = Field(..., description="编入的信息，按顺序")
    published_at: dt.datetime | None

    @staticmethod
    def resolve_items(obj: Issue) -> list[Opinion]:
        return [i.opinion for i in obj.items.all()]


class IssueIn(Schema):
    series: SeriesCode = Field(..., description="express（社情民意专递）或 special（社情民意专报）")
    year: int | None = Field(None, ge=2000, le=2100, description="年度，不填为今年")
    recipients_main: list[Text] = Field([], max_length=30, description="主送单位")
    recipients_copy: list[Text] = Field([], max_length=30, description="抄送单位")


class IssuePatch(Schema):
    opinion_ids: list[ObjectId] | None = Field(None, max_length=50, description="编入的信息 id，按顺序")
    recipients_main: list[Text] | None = Field(None, max_length=30)
    recipients_copy: list[Text] | None = Field(None, max_length=30)
    version: int | None = Field(None, ge=0, le=MAX_ID)


def _issue_or_404(access: Access, pk: int) -> Issue:
    issue = selectors.issue_get(access, pk)
    if issue is None:
        raise Http404("没有找到该期刊。")
    return issue


def _issue_id() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="期刊 id")


@router.get("/issues", response={200: Page[IssueOut], **AUTH_ERRORS}, summary="期刊列表",
            description="编辑看到全部（含编排中的），其他人看到已印发的。")
def issue_list(request: HttpRequest, query: Query[PageQuery]) -> Any:
    rows = selectors.issues(api_access(request)).prefetch_related("items__opinion")
    return paginate(rows, query)


@router.get("/issues/{id}", response={200: IssueOut, 404: ErrorOut, **AUTH_ERRORS}, summary="期刊详情")
def issue_get(request: HttpRequest, id: int = _issue_id()) -> Any:  # noqa: A002
    return _issue_or_404(api_access(request), id)


@router.post("/issues", response={201: IssueOut, **WRITE_ERRORS}, summary="新建期刊")
def issue_create(request: HttpRequest, data: IssueIn) -> Any:
    access = api_access(request)
    with _service():
        issue = services.issue_create(access=access, **data.model_dump())
    return Status(201, _issue_or_404(access, issue.pk))


@router.patch("/issues/{id}", response={200: IssueOut, **WRITE_ERRORS}, summary="编排期刊",
              description="设置编入的信息（按顺序）和主送、抄送；已印发的不能再改。")
def issue_update(request: HttpRequest, data: IssuePatch, id: int = _issue_id()) -> Any:  # noqa: A002
    access = api_access(request)
    with _service():
        services.issue_update(access=access, issue_id=id, **data.model_dump())
    return _issue_or_404(access, id)


@router.post("/issues/{id}/publish", response={200: IssueOut, **WRITE_ERRORS}, summary="印发期刊",
             description="编号（按政协、刊物、年度连续编号）并刊发其中的全部信息；已印发的再次印发返回 409。")
def issue_publish(request: HttpRequest, data: TransitionIn | None = None, id: int = _issue_id()) -> Any:  # noqa: A002
    access = api_access(request)
    with _service():
        services.issue_publish(access=access, issue_id=id, version=data.version if data else None)
    return _issue_or_404(access, id)


# --- one item ------------------------------------------------------------------------------------------


class OpinionIn(Schema):
    title: Text = Field(..., min_length=1, max_length=TITLE_MAX, description="标题，如“关于……的建议”")
    body: Text = Field("", max_length=BODY_HARD, description="正文，一般不超过 1500 字（超过只提示）")
    source_kind: SourceCode | None = Field(None, description="来源：委员、特邀信息员按本人身份；编辑可录入党派、下级政协、社会公众的信息")
    body_name: Text = Field("", max_length=100, description="报送单位（党派、下级政协）")
    submitter_name: Text = Field("", max_length=50, description="社会公众反映人姓名")
    submitter_contact: Text = Field("", max_length=100, description="社会公众反映人联系方式")
    party_id: ObjectId | None = Field(None, description="党派 id（本政协的）")
    coauthor_ids: list[ObjectId] = Field([], max_length=10, description="联名的委员或特邀信息员（用户 id）")


class OpinionPatch(Schema):
    title: Text = Field(..., min_length=1, max_length=TITLE_MAX)
    body: Text = Field("", max_length=BODY_HARD)
    coauthor_ids: list[ObjectId] | None = Field(None, max_length=10, description="联名人（不填则不变）")
    version: int | None = Field(None, ge=0, le=MAX_ID, description="读取时的 version；不一致时拒绝（409）")


@router.post("", response={201: OpinionOut, **WRITE_ERRORS}, summary="起草社情民意信息",
             description="保存为草稿；提交用 `POST /opinions/{id}/transitions/submit`。")
def opinion_create(request: HttpRequest, data: OpinionIn) -> Any:
    access = api_access(request)
    with _service():
        o = services.opinion_create(access=access, **data.model_dump())
    return Status(201, _detail_or_404(access, o.pk))


class OpinionTransitionIn(TransitionIn):
    """What each transition may carry: `reason` for screen_out / send_back; `adoption` for adopt;
    `piece_id` for combine (usually done with `POST /opinions/combine`); `title` and `body` for edit."""

    adoption: Literal["single", "referred"] | None = Field(None, description="adopt：single（单篇采用）或 referred（转送有关部门）")
    piece_id: ObjectId | None = Field(None, description="combine：综合稿 id")
    title: Text | None = Field(None, max_length=TITLE_MAX, description="edit：编辑后的标题")
    body: Text | None = Field(None, max_length=BODY_HARD, description="edit：编辑后的正文")


transition_endpoint(router, OPINION_WORKFLOW, get=opinion_detail, out=OpinionOut, not_found=NOT_FOUND,
                    payload=OpinionTransitionIn)


class CombineIn(Schema):
    source_ids: list[ObjectId] = Field(..., min_length=2, max_length=50, description="要综合的待处理信息 id")
    title: Text = Field(..., min_length=1, max_length=TITLE_MAX)
    body: Text = Field(..., min_length=1, max_length=BODY_HARD)


@router.post("/combine", response={201: OpinionOut, **WRITE_ERRORS}, summary="综合采用",
             description="几条本会待处理的信息综合为一篇综合稿（已采用，待编辑）；每条来源记为综合采用。")
def opinion_combine(request: HttpRequest, data: CombineIn) -> Any:
    access = api_access(request)
    with _service():
        piece = services.opinion_combine(access=access, **data.model_dump())
    return Status(201, _detail_or_404(access, piece.pk))


class ForwardIn(Schema):
    committee_id: ObjectId = Field(..., description="上一级政协的 id（只能报送上一级）")
    version: int | None = Field(None, ge=0, le=MAX_ID)


@router.post("/{id}/forward", response={200: OpinionOut, **WRITE_ERRORS}, summary="报送上级政协",
             description="在上级政协的待处理队列生成一条信息并保留来源链；只能报送上一级，且只报送一次。")
def opinion_forward(request: HttpRequest, data: ForwardIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    with _service():
        services.opinion_forward(access=access, opinion_id=id, committee_id=data.committee_id, version=data.version)
    return _detail_or_404(access, id)


class TrackIn(Schema):
    kind: Literal["referral", "feedback", "instruction", "media"] = Field(
        ..., description="referral（转送有关部门）、feedback（办理反馈）、instruction（批示）、media（媒体刊发）")
    date: IsoDate | None = Field(None, description="日期，不填为今天")
    text: Text = Field("", max_length=10_000, description="内容：批示、反馈或说明")
    level: LevelCode | None = Field(None, description="instruction：批示领导的层级（须是信息到达过的层级）")
    person: Text = Field("", max_length=50, description="instruction：批示领导")
    person_title: Text = Field("", max_length=100, description="instruction：领导职务")
    unit_id: ObjectId | None = Field(None, description="referral / feedback：本会的部门 id")
    unit_name: Text = Field("", max_length=100, description="referral / feedback：部门名称（不在本会名单中时）")
    outlet: Text = Field("", max_length=100, description="media：媒体名称")
    url: Text = Field("", max_length=300, description="media：链接")
    version: int | None = Field(None, ge=0, le=MAX_ID)


def _record(access: Access, opinion_id: int, data: TrackIn) -> Track:
    common = {"access": access, "opinion_id": opinion_id, "version": data.version, "date": data.date}
    if data.kind == "referral":
        return services.opinion_refer(**common, unit_id=data.unit_id, unit_name=data.unit_name, text=data.text)
    if data.kind == "feedback":
        return services.feedback_record(**common, unit_id=data.unit_id, unit_name=data.unit_name, text=data.text)
    if data.kind == "instruction":
        return services.instruction_record(**common, level=data.level or "", person=data.person,
                                           person_title=data.person_title, text=data.text)
    return services.media_record(**common, outlet=data.outlet, text=data.text, url=data.url)


@router.post("/{id}/tracks", response={201: TrackOut, **WRITE_ERRORS}, summary="登记转送、反馈、批示或媒体刊发")
def opinion_track(request: HttpRequest, data: TrackIn, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    with _service():
        return Status(201, _record(access, id, data))


class InstructionRowIn(Schema):
    opinion_id: ObjectId
    level: LevelCode
    person: Text = Field(..., min_length=1, max_length=50)
    person_title: Text = Field("", max_length=100)
    text: Text = Field(..., min_length=1, max_length=5000)
    date: IsoDate | None = None


class InstructionBatchIn(Schema):
    rows: list[InstructionRowIn] = Field(..., min_length=1, max_length=200)


@router.post("/instructions", response={201: list[TrackOut], **WRITE_ERRORS}, summary="批量登记批示",
             description="一次登记多条批示：全部成功或全部不登记（错误说明是第几条）。")
def instructions_batch(request: HttpRequest, data: InstructionBatchIn) -> Any:
    access = api_access(request)
    with _service():
        return Status(201, services.instructions_record_batch(access=access, rows=[r.model_dump() for r in data.rows]))


class BulkTransitionIn(Schema):
    ids: list[ObjectId] = Field(..., min_length=1, max_length=services.BULK_MAX,
                                description=f"信息 id，一次最多 {services.BULK_MAX} 条")
    name: Literal["adopt", "screen_out"] = Field(..., description="adopt（采用，单篇）或 screen_out（不予采用）")
    reason: Text = Field("", max_length=services.REASON_MAX, description="screen_out：不予采用理由，对所选信息统一适用")
    versions: dict[str, int] = Field({}, max_length=services.BULK_MAX,
                                     description="读取时各条的 version（键为 id）；不一致的那条不处理并列出")


class RefusedOut(Schema):
    id: int
    title: str
    message: str = Field(..., description="未处理的原因")


class BulkTransitionOut(Schema):
    done: list[OpinionItemOut] = Field(..., description="已处理的信息")
    refused: list[RefusedOut] = Field(..., description="未处理的信息（已被他人处理、状态不符、找不到）")


@router.post("/bulk-transitions", response={200: BulkTransitionOut, **WRITE_ERRORS}, summary="批量采用或不予采用",
             description="与逐条操作相同的流程，每条单独加锁、核对版本、记审计事件；不能处理的逐条列出原因，其余照常处理。")
def opinion_bulk_transition(request: HttpRequest, data: BulkTransitionIn) -> Any:
    access = api_access(request)
    versions: dict[int, int | None] = {}
    for key, value in data.versions.items():
        if not (key.isascii() and key.isdigit() and len(key) < 12):
            raise HttpError(400, "versions 的键应为信息 id。")
        versions[int(key)] = value
    with _service():
        outcome = services.opinion_transition_many(access=access, opinion_ids=data.ids, name=data.name,
                                                   reason=data.reason, versions=versions)
    return {"done": outcome.done, "refused": outcome.refused}


# Last: `/{id}` would otherwise answer for /combine, /instructions … (ninja matches in order).


@router.get("/{id}", response={200: OpinionOut, 404: ErrorOut, **AUTH_ERRORS}, summary="社情民意信息详情",
            description="原稿与编辑稿并列，本条信息上下各级的采用、刊发、批示，以及调用者此刻可以进行的操作。")
def opinion_get(request: HttpRequest, id: int = _id()) -> Any:  # noqa: A002
    return _detail_or_404(api_access(request), id)


@router.patch("/{id}", response={200: OpinionOut, **WRITE_ERRORS}, summary="修改草稿",
              description="只有草稿可以修改，且只有作者本人（或录入的编辑）。")
def opinion_update(request: HttpRequest, data: OpinionPatch, id: int = _id()) -> Any:  # noqa: A002
    access = api_access(request)
    with _service():
        services.opinion_update(access=access, opinion_id=id, title=data.title, body=data.body, version=data.version,
                                coauthor_ids=data.coauthor_ids)
    return _detail_or_404(access, id)
