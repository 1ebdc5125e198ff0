"""Reads of 社情民意, always scoped to the caller's committee and to what the caller may see.

Lineage crosses committees on purpose: an item's author sees what became of it at every level above
(adopted, published, 批示 …), which is the point of forwarding on one platform. What crosses is the
decision, never another committee's desk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from zhengxie.accounts.permissions import Access
from zhengxie.opinions.models import Coauthor, Issue, IssueItem, Lineage, Opinion, Track
from zhengxie.opinions.permissions import O_EDIT, O_SIGN, O_VIEW
from zhengxie.opinions.workflow import DRAFT, PUBLISHED, SUBMITTED

RELATED = ("committee", "author", "combined_into", "origin__committee", "source_proposal")


def visible(access: Access) -> QuerySet[Opinion]:
    """Items `access` may open: the editors and signing officers every submitted item of the committee
    (and their own drafts); everyone else with a view right their own items and the published ones."""
    qs = Opinion.objects.filter(committee=access.committee)
    own = (Q(author=access.user) | Q(author__isnull=True, created_by=access.user)
           | Q(pk__in=Coauthor.objects.filter(committee=access.committee, user=access.user).values("opinion_id")))
    if access.has(O_EDIT) or access.has(O_SIGN):
        return qs.filter(~Q(state=DRAFT) | own)
    if not access.has(O_VIEW):
        return qs.none()
    return qs.filter(own | Q(state=PUBLISHED))


def opinion_get(access: Access, pk: int) -> Opinion | None:
    return visible(access).select_related(*RELATED, "issue_item__issue").filter(pk=pk).first()


def converted_from(access: Access, proposal_id: int) -> Opinion | None:
    """The item that proposal `proposal_id` of this committee was turned into (转为社情民意信息), or None.
    For the proposal's page, which names it to whoever may see the proposal; `may_open` says whether the
    caller may also open the item (only then is it linked)."""
    o = Opinion.objects.filter(committee=access.committee, source_proposal_id=proposal_id).first()
    if o is not None:
        o.may_open = visible(access).filter(pk=o.pk).exists()  # type: ignore[attr-defined]
    return o


def may_see_personal_data(access: Access) -> bool:
    """A public submitter's name and contact are for the editors only (to check the facts)."""
    return access.has(O_EDIT)


def editor_queue(access: Access, *, state: str = SUBMITTED, limit: int = 50, before_id: int | None = None
                 ) -> list[Opinion]:
    """The editors' desk: a committee's items in one state, newest first (index `opinion_queue`)."""
    if not access.has(O_EDIT):
        return []
    qs = Opinion.objects.filter(committee=access.committee, state=state).select_related("author", "origin__committee")
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return list(qs.order_by("-submitted_at", "-id")[:limit])


def similar_items(access: Access, o: Opinion, *, limit: int = 5) -> list:  # type: ignore[type-arg]
    """Likely duplicates of `o` in the committee's items (for the desk), best first."""
    from zhengxie.opinions.indexing import KIND
    from zhengxie.textindex.selectors import similar

    return similar(access, title=o.shown_title, body=o.shown_body, kinds=[KIND], exclude=(KIND, o.pk), limit=limit)


@dataclass
class Node:
    """One row of an item's chain: where it is, what happened to it there."""

    opinion: Opinion
    depth: int  # steps from the item asked about: > 0 above it, < 0 below it, 0 itself
    tracks: list[Track] = field(default_factory=list)

    @property
    def committee_name(self) -> str:
        return self.opinion.committee.short_name


@dataclass
class Chain:
    item: Opinion
    up: list[Node]  # nearest first: the piece it went into, the parent's copy, its parent's …
    down: list[Node]  # nearest first: the sources of a piece, the lower-level originals …

    @property
    def nodes(self) -> list[Node]:
        return [*reversed(self.down), Node(self.item, 0, list(self.item.tracks.all())), *self.up]


def _with_tracks() -> Prefetch:
    return Prefetch("tracks", queryset=Track.objects.order_by("date", "id"))


def lineage(access: Access, pk: int) -> Chain | None:
    """The chain of item `pk` both ways, whatever its length, in four queries: the item, the lineage
    pairs, the rows they name (with their committees and issues), their tracking records."""
    item = visible(access).filter(pk=pk).first()
    if item is None:
        return None
    pairs = list(Lineage.objects.filter(Q(lower=item) | Q(upper=item)).values_list("lower_id", "upper_id", "depth"))
    depth = {up: d for low, up, d in pairs if low == item.pk} | {low: -d for low, up, d in pairs if up == item.pk}
    rows = {o.pk: o for o in Opinion.objects.filter(pk__in=[item.pk, *depth]).select_related(
        "committee", "issue_item__issue").prefetch_related(_with_tracks())}
    item = rows[item.pk]
    nodes = [Node(rows[pk], d, list(rows[pk].tracks.all())) for pk, d in depth.items()]
    return Chain(item=item, up=sorted((n for n in nodes if n.depth > 0), key=lambda n: (n.depth, n.opinion.pk)),
                 down=sorted((n for n in nodes if n.depth < 0), key=lambda n: (-n.depth, n.opinion.pk)))


@dataclass
class Credit:
    """What became of one of an author's items: every level it reached and what happened there."""

    item: Opinion
    levels: list[Node]  # the item itself first, then each row above it, nearest first

    @property
    def adopted_levels(self) -> list[str]:
        return [n.opinion.committee.level for n in self.levels
                if any(t.kind == Track.Kind.ADOPTION for t in n.tracks)]

    @property
    def instructions(self) -> list[Track]:
        return [t for n in self.levels for t in n.tracks if t.kind == Track.Kind.INSTRUCTION]


def author_record(access: Access) -> list[Credit]:
    """The caller's own items in this committee (co-authored ones too), newest first, each with its adoptions, issues and 批示 at
    every level above credited back to it, in five queries however many items and levels."""
    coauthored = Coauthor.objects.filter(committee=access.committee, user=access.user).values("opinion_id")
    mine = list(Opinion.objects.filter(Q(author=access.user) | Q(pk__in=coauthored), committee=access.committee)
                .select_related("committee", "issue_item__issue").prefetch_related(_with_tracks())
                .order_by("-created_at", "-id"))
    if not mine:
        return []
    pairs = list(Lineage.objects.filter(lower__in=[o.pk for o in mine]).values_list("lower_id", "upper_id", "depth"))
    uppers = {o.pk: o for o in Opinion.objects.filter(pk__in={up for _, up, _ in pairs}).select_related(
        "committee", "issue_item__issue").prefetch_related(_with_tracks())}
    above: dict[int, list[Node]] = {}
    for low, up, d in sorted(pairs, key=lambda p: (p[2], p[1])):
        above.setdefault(low, []).append(Node(uppers[up], d, list(uppers[up].tracks.all())))
    return [Credit(item=o, levels=[Node(o, 0, list(o.tracks.all())), *above.get(o.pk, [])]) for o in mine]


def issues(access: Access) -> QuerySet[Issue]:
    if not access.has(O_VIEW):
        return Issue.objects.none()
    qs = Issue.objects.filter(committee=access.committee)
    return qs if access.has(O_EDIT) else qs.filter(state="published")


def issue_get(access: Access, pk: int) -> Issue | None:
    return issues(access).prefetch_related(
        Prefetch("items", queryset=IssueItem.objects.select_related("opinion").order_by("position"))
    ).filter(pk=pk).first()


# --- the pages' lists ------------------------------------------------------------------------------------


def _matching(q: str) -> Q:
    """Titles (original or edited), authors, or a receipt / record number containing `q`."""
    match = Q(title__icontains=q) | Q(edited_title__icontains=q) | Q(author_name__icontains=q)
    if q.isdigit() and len(q) < 10:
        match |= Q(serial=int(q)) | Q(pk=int(q))
    return match


@dataclass(frozen=True)
class DeskFilter:
    """What the desk is narrowed to, besides its tab: text, source kind, sector and a submission period.

    `sector_id` and `sector_name` go together: an item matches by the sector it was snapshotted with
    (the FK) or by the name it carries (forwarded copies have the lower committee's name and no FK).
    `submitted_from`/`submitted_before` are aware datetimes (start of the first day, start of the day
    after the last), so the range stays a range on the `opinion_queue` index's `submitted_at`."""

    q: str = ""
    source_kind: str = ""
    sector_id: int | None = None
    sector_name: str = ""
    submitted_from: dt.datetime | None = None
    submitted_before: dt.datetime | None = None

    def apply(self, qs: QuerySet[Opinion]) -> QuerySet[Opinion]:
        if self.q.strip():
            qs = qs.filter(_matching(self.q.strip()))
        if self.source_kind:
            qs = qs.filter(source_kind=self.source_kind)
        if self.sector_id is not None:
            qs = qs.filter(Q(sector_id=self.sector_id) | Q(sector_name=self.sector_name))
        if self.submitted_from is not None:
            qs = qs.filter(submitted_at__gte=self.submitted_from)
        if self.submitted_before is not None:
            qs = qs.filter(submitted_at__lt=self.submitted_before)
        return qs


def desk_rows(access: Access, *, state: str, q: str = "", filters: DeskFilter | None = None) -> QuerySet[Opinion]:
    """One tab of the editors' desk (newest first), optionally narrowed by `q` or `filters`. Paged by the
    caller; the related rows a row shows come in the same query."""
    if not access.has(O_EDIT):
        return Opinion.objects.none()
    qs = (filters or DeskFilter(q=q)).apply(Opinion.objects.filter(committee=access.committee, state=state))
    return qs.select_related("author", "origin__committee", "combined_into", "source_proposal").order_by(
        "-submitted_at", "-id")


def desk_counts(access: Access, *, q: str = "", filters: DeskFilter | None = None) -> dict[str, int]:
    """How many items each state holds (with the desk's filter), in one query; drafts are not the desk's."""
    from django.db.models import Count

    if not access.has(O_EDIT):
        return {}
    qs = (filters or DeskFilter(q=q)).apply(Opinion.objects.filter(committee=access.committee).exclude(state=DRAFT))
    return {state: n for state, n in qs.order_by().values_list("state").annotate(n=Count("id"))}


def desk_sectors(access: Access) -> list[tuple[int, str]]:
    """The committee's sectors (界别) the desk may be filtered by, in their configured order."""
    from zhengxie.org.models import Sector

    return list(Sector.objects.filter(committee=access.committee).order_by("order", "id").values_list("id", "name"))


def desk_selection(access: Access, ids: list[int]) -> list[Opinion]:
    """The items of this committee among `ids` (any state: the transition judges), for a bulk action;
    oldest submission first, so receipt order is kept in what the desk reports."""
    if not access.has(O_EDIT) or not ids:
        return []
    return list(Opinion.objects.filter(committee=access.committee, pk__in=ids).exclude(state=DRAFT)
                .order_by("submitted_at", "id"))


def typed_drafts(access: Access, *, limit: int = 20) -> list[Opinion]:
    """Drafts this editor typed in for others (a party, a lower committee, the public), newest first."""
    if not access.has(O_EDIT):
        return []
    return list(Opinion.objects.filter(committee=access.committee, state=DRAFT, author__isnull=True,
                                       created_by=access.user).order_by("-id")[:limit])


def signing_queue(access: Access) -> QuerySet[Opinion]:
    """Edited items waiting for the signing officer (leaders and authorised editors)."""
    from zhengxie.opinions.workflow import EDITED

    if not access.has(O_SIGN):
        return Opinion.objects.none()
    return (Opinion.objects.filter(committee=access.committee, state=EDITED)
            .select_related("edited_by").order_by("edited_at", "id"))


def issue_candidates(access: Access) -> QuerySet[Opinion]:
    """Signed items of the committee not yet in any issue (what an issue may take in)."""
    from zhengxie.opinions.workflow import SIGNED

    if not access.has(O_EDIT):
        return Opinion.objects.none()
    return (Opinion.objects.filter(committee=access.committee, state=SIGNED, issue_item__isnull=True)
            .order_by("signed_at", "id"))


def trackable(access: Access, *, limit: int = 300) -> list[Opinion]:
    """Items whose fate may be recorded (adopted onwards), newest first: the batch 批示 page's choices."""
    from zhengxie.opinions.workflow import TAKEN_UP

    if not access.has(O_EDIT):
        return []
    return list(Opinion.objects.filter(committee=access.committee, state__in=TAKEN_UP, combined_into__isnull=True)
                .order_by("-adopted_at", "-id")[:limit])


def attachments_of(o: Opinion) -> list:  # type: ignore[type-arg]
    """The files attached to item `o` (whoever may open the item may read them: see apps.ready)."""
    from zhengxie.attachments.models import Attachment

    return list(Attachment.objects.filter(committee_id=o.committee_id, object_type="opinions.opinion",
                                          object_id=str(o.pk)).order_by("id"))


def people_named(access: Access, names: list[str]) -> dict[str, list[int]]:
    """The members and 特邀信息员 of this committee with each of `names` (display name), for naming co-authors
    by name on a phone rather than picking them from a list of hundreds."""
    from zhengxie.accounts.models import Role, User

    if not names:
        return {}
    rows = (User.objects.filter(display_name__in=names, is_active=True, grants__committee=access.committee,
                                grants__role__in=[Role.MEMBER, Role.INFORMANT])
            .distinct().values_list("display_name", "id"))
    out: dict[str, list[int]] = {name: [] for name in names}
    for name, pk in rows:
        out[name].append(pk)
    return out
