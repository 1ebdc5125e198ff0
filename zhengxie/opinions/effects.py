"""What happens when an item or an issue moves: run by `fire()` inside its transaction, after the state
changed. Each effect returns extra audit payload (or None); notifications name whoever acts next, and
authors hear of every decision on their item, at whichever level it is taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.members.models import Member
from zhengxie.notifications.services import notify
from zhengxie.opinions.credit import LEVEL_BITS, credit_add
from zhengxie.opinions.indexing import reindex
from zhengxie.opinions.models import (
    Adoption, Counter, Issue, IssueItem, Lineage, Opinion, SigningOfficer, SourceKind, Track,
)
from zhengxie.org.models import Committee

Payload = Mapping[str, Any]
# Where a notice leads: the item's page (same committee as the recipient) or, for authors, 我的社情民意 —
# a decision taken at a level above is on a row they cannot open, and their record shows it.
MINE_URL = "/opinions/mine/"


def url_of(o: Opinion) -> str:
    return f"/opinions/{o.pk}/"


def editors(committee: Committee) -> list[User]:
    return list(User.objects.filter(grants__committee=committee, grants__role=Role.OPINION_STAFF, is_active=True)
                .distinct())


def signing_officers(committee: Committee) -> list[User]:
    authorised = SigningOfficer.objects.filter(committee=committee).values("user_id")
    return list(User.objects.filter(Q(grants__committee=committee, grants__role=Role.LEADER) | Q(pk__in=authorised),
                                    is_active=True).distinct())


def credited(o: Opinion) -> list[Opinion]:
    """The authored items behind `o`: itself, the sources of a combined piece, the lower-level
    originals of a forwarded copy (any depth). Credit and notices go to their authors and co-authors."""
    # The ids first: `pk = … OR pk IN (subquery)` makes PostgreSQL scan every item (0.65 s at a million).
    ids = [o.pk, *Lineage.objects.filter(upper=o).values_list("lower_id", flat=True)]
    return list(Opinion.objects.filter(pk__in=ids, author__isnull=False)
                .select_related("author", "committee").prefetch_related("coauthors__user"))


def tell_authors(o: Opinion, verb: str, title: str, body: str = "") -> None:
    """Notify every credited author and co-author, in the committee where they wrote the item (they
    may hold no role at the level where the decision was taken)."""
    by_committee: dict[int, tuple[Committee, list[User]]] = {}
    for item in credited(o):
        users = by_committee.setdefault(item.committee_id, (item.committee, []))[1]
        users += [item.author, *(c.user for c in item.coauthors.all())]  # type: ignore[list-item]
    for committee, users in by_committee.values():
        notify(committee=committee, recipients=users, verb=verb, title=title, body=body, url=MINE_URL)


def _label(o: Opinion) -> str:
    return f"《{o.shown_title}》"


def _where(o: Opinion) -> str:
    return o.committee.short_name


def next_number(committee_id: int, series: str, year: int) -> int:
    counter, _ = Counter.objects.get_or_create(committee_id=committee_id, series=series, year=year)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def link_up(lower: Opinion, upper: Opinion) -> None:
    """Record that `lower` went up into the new row `upper`, with every pair the closure needs."""
    rows = [Lineage(committee_id=upper.committee_id, lower=lower, upper=upper, depth=1)]
    rows += [Lineage(committee_id=upper.committee_id, lower_id=lower_id, upper=upper, depth=depth + 1)
             for lower_id, depth in Lineage.objects.filter(upper=lower).values_list("lower_id", "depth")]
    Lineage.objects.bulk_create(rows)


def snapshot_author(o: Opinion) -> None:
    """The sector and party a member belonged to when submitting."""
    if o.source_kind != SourceKind.MEMBER or o.author_id is None:
        return
    member = Member.objects.filter(committee_id=o.committee_id, user_id=o.author_id).select_related(
        "sector", "party").first()
    if member is not None:
        o.sector, o.party = member.sector, member.party
        o.sector_name, o.party_name = member.sector.name, member.party.name if member.party else ""


def receive(o: Opinion) -> None:
    """An item arrives on the editors' desk (submitted, or forwarded from below): stamped and numbered."""
    now = timezone.now()
    o.submitted_at = now
    o.year = timezone.localdate(now).year
    o.serial = next_number(o.committee_id, "item", o.year)


def submitted(o: Opinion, access: Access, payload: Payload) -> dict[str, Any]:
    snapshot_author(o)
    receive(o)
    o.save(update_fields=["submitted_at", "year", "serial", "sector", "party", "sector_name", "party_name"])
    reindex(o)
    notify(committee=o.committee, recipients=editors(o.committee), verb="opinion.submit",
           title=f"新收到社情民意信息{_label(o)}", body=f"来源：{o.get_source_kind_display()} {o.author_name}", url=url_of(o))
    return {"serial": f"{o.year}-{o.serial:04d}"}


def screened_out(o: Opinion, access: Access, payload: Payload) -> None:
    o.screened_reason = str(payload["reason"]).strip()
    o.save(update_fields=["screened_reason"])
    reindex(o)
    tell_authors(o, "opinion.screen_out", f"您的信息{_label(o)}未被{_where(o)}采用，已存档",
                 f"说明：{o.screened_reason}")


def reconsidered(o: Opinion, access: Access, payload: Payload) -> None:
    o.screened_reason = ""
    o.save(update_fields=["screened_reason"])
    reindex(o)


def _adopt(o: Opinion, access: Access, kind: str) -> None:
    o.adoption, o.adopted_at = kind, timezone.now()
    o.save(update_fields=["adoption", "adopted_at", "combined_into"])
    Track.objects.create(committee_id=o.committee_id, opinion=o, kind=Track.Kind.ADOPTION, level=o.committee.level,
                         adoption=kind, date=timezone.localdate(), recorded_by=access.user)
    credit_add(Opinion, Lineage, o.pk, Track.Kind.ADOPTION, o.committee.level)
    o.credit_adoption |= LEVEL_BITS[o.committee.level]  # what credit_add wrote, on the object the caller saves
    reindex(o)
    tell_authors(o, "opinion.adopt", f"您的信息{_label(o)}已被{_where(o)}{Adoption(kind).label}")


def adopted(o: Opinion, access: Access, payload: Payload) -> dict[str, Any]:
    kind = str(payload.get("adoption") or Adoption.SINGLE)
    _adopt(o, access, kind)
    return {"adoption": kind}


def combined(o: Opinion, access: Access, payload: Payload) -> dict[str, Any]:
    piece = Opinion.objects.get(pk=int(payload["piece_id"]), committee_id=o.committee_id)
    o.combined_into = piece
    _adopt(o, access, Adoption.COMBINED)
    link_up(o, piece)
    return {"piece": piece.pk}


def edited(o: Opinion, access: Access, payload: Payload) -> None:
    o.edited_title, o.edited_body = str(payload["title"]).strip(), str(payload["body"]).strip()
    o.edited_by, o.edited_at, o.send_back_reason = access.user, timezone.now(), ""
    o.save(update_fields=["edited_title", "edited_body", "edited_by", "edited_at", "send_back_reason"])
    reindex(o)
    tell_authors(o, "opinion.edit", f"您的信息{_label(o)}已由编辑修改", "可在信息详情中对照原稿查看编辑后的文本。")
    notify(committee=o.committee, recipients=signing_officers(o.committee), verb="opinion.edit",
           title=f"社情民意信息{_label(o)}已编辑，待签发", url=url_of(o))


def sent_back(o: Opinion, access: Access, payload: Payload) -> None:
    o.send_back_reason = str(payload["reason"]).strip()
    o.save(update_fields=["send_back_reason"])
    notify(committee=o.committee, recipients=editors(o.committee), verb="opinion.send_back",
           title=f"社情民意信息{_label(o)}被退回编辑", body=o.send_back_reason, url=url_of(o))


def signed(o: Opinion, access: Access, payload: Payload) -> None:
    o.signed_at, o.signed_by = timezone.now(), access.user
    o.save(update_fields=["signed_at", "signed_by"])
    notify(committee=o.committee, recipients=editors(o.committee), verb="opinion.sign",
           title=f"社情民意信息{_label(o)}已签发，可编入期刊", url=url_of(o))


def published(o: Opinion, access: Access, payload: Payload) -> dict[str, Any]:
    o.published_at = timezone.now()
    o.save(update_fields=["published_at"])
    reindex(o)
    issue = IssueItem.objects.select_related("issue").get(opinion=o).issue
    tell_authors(o, "opinion.publish", f"您的信息{_label(o)}已刊发于{issue.label}")
    return {"issue": issue.pk}


def issue_published(issue: Issue, access: Access, payload: Payload) -> dict[str, Any]:
    from zhengxie.opinions.workflow import OPINION_WORKFLOW
    from zhengxie.workflow.engine import fire

    issue.number = next_number(issue.committee_id, issue.series, issue.year)
    issue.published_at = timezone.now()
    issue.save(update_fields=["number", "published_at"])
    items = list(Opinion.objects.filter(issue_item__issue=issue).order_by("issue_item__position"))
    for o in items:
        fire(OPINION_WORKFLOW, o, "publish", access=access)
    return {"number": issue.number, "label": issue.label, "items": [o.pk for o in items]}
