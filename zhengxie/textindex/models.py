"""What the text index stores, in ordinary tables that SQLite and PostgreSQL both have.

`Document` is the searchable copy of one domain row (a proposal, a 社情民意 item, a reply): its text,
the fields search filters on, and who may see it. The token index beside it is vendor-specific
(an FTS5 table on SQLite, a tsvector table with GIN indexes on PostgreSQL; see `backends.py`) and is
created by migration 0002. `Band` holds the MinHash-LSH buckets of similar-item detection,
`UnitTerm` the routing profile learnt from which unit handled what, `TermStat` document
frequencies. None of them is the source of truth: `manage.py textindex_rebuild` recreates them
from the domains.
"""

from __future__ import annotations

from django.db import models

from zhengxie.org.models import CommitteeOwned, Session, Unit


class Audience(models.TextChoices):
    STAFF = "staff", "仅工作人员"  # the owning office (and units it concerns)
    MEMBERS = "members", "本政协委员"
    PUBLIC = "public", "公开"


class Document(CommitteeOwned):
    kind = models.CharField("类型", max_length=32)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField("标题", max_length=300)
    body = models.TextField("正文", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    audience = models.CharField("可见范围", max_length=16, choices=Audience.choices, default=Audience.STAFF)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField("状态", max_length=32, blank=True)
    state_label = models.CharField("状态名称", max_length=32, blank=True)
    category = models.CharField("类别", max_length=50, blank=True)
    # The lead unit that handled it (routing learns from this) and every unit it concerns (who may see it).
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit_ids = models.JSONField(default=list, blank=True)
    date = models.DateField("日期")
    # Salient bigrams with weights, as used for the MinHash signature and routing: kept so a
    # document can be removed from the routing profile exactly as it was added.
    terms = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "索引文档"
        verbose_name_plural = "索引文档"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="uniq_textindex_object")]
        indexes = [models.Index(fields=["committee", "kind", "date"], name="textindex_doc_scope")]

    def __str__(self) -> str:
        return self.title


class Band(models.Model):
    """One MinHash-LSH bucket a document falls into: documents sharing a bucket are candidates."""

    key = models.BigIntegerField()
    # A plain id, not a foreign key: a document's rows are found again by its keys (recomputed from
    # its stored terms), so the table needs no second index and deletes never scan it.
    document_id = models.BigIntegerField()
    committee_id = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["key", "committee_id"], name="textindex_band_key")]


class UnitTerm(models.Model):
    """How strongly a term points at a unit in a committee, summed over the items it handled."""

    committee_id = models.IntegerField()
    unit_id = models.IntegerField()
    term = models.CharField(max_length=8)
    weight = models.FloatField(default=0.0)
    items = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee_id", "term", "unit_id"], name="uniq_textindex_unitterm")
        ]


class TermStat(models.Model):
    """Document frequency of a bigram over the whole deployment (refreshed by a periodic job)."""

    term = models.CharField(max_length=8, primary_key=True)
    df = models.IntegerField()
