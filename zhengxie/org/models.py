"""The organisation a deployment hosts: committees (nested 全国→省→市→县/区) and their per-committee lists.

Every row outside `Committee` itself carries its committee; reads go through selectors that filter by it.
"""

from __future__ import annotations

from django.db import models


class Committee(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", "全国"
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县（区）级"

    name = models.CharField("名称", max_length=100)  # 中国人民政治协商会议某某区委员会
    short_name = models.CharField("简称", max_length=50)  # 某某区政协
    region_name = models.CharField("行政区", max_length=50, blank=True)  # 某某区
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级政协", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField("代码", max_length=40, unique=True)
    # Rules that differ between committees (deadline lengths, D grade on/off, …) live here, with
    # defaults in code, so a committee admin can change them without a migration.
    settings = models.JSONField("配置", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政协委员会"
        verbose_name_plural = "政协委员会"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.short_name

    def ancestors(self) -> list[Committee]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class CommitteeOwned(models.Model):
    """Base for every committee-owned row: the committee is mandatory and indexed."""

    committee = models.ForeignKey(Committee, verbose_name="所属政协", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class NamedListItem(CommitteeOwned):
    """A per-committee configurable list entry (界别, 党派, 专委会, …), ordered for display."""

    name = models.CharField("名称", max_length=100)
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]
        constraints: list = []

    def __str__(self) -> str:
        return self.name


class Sector(NamedListItem):
    class Meta(NamedListItem.Meta):
        verbose_name = "界别"
        verbose_name_plural = "界别"
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="uniq_sector_name")]


class Party(NamedListItem):
    class Meta(NamedListItem.Meta):
        verbose_name = "党派"
        verbose_name_plural = "党派"
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="uniq_party_name")]


class SpecialCommittee(NamedListItem):
    class Meta(NamedListItem.Meta):
        verbose_name = "专门委员会"
        verbose_name_plural = "专门委员会"
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="uniq_specialcommittee_name")]


class Workstation(NamedListItem):
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta(NamedListItem.Meta):
        verbose_name = "委员工作室"
        verbose_name_plural = "委员工作室"
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="uniq_workstation_name")]


class Unit(NamedListItem):
    """A handling unit (承办单位): a government department or other body that answers proposals."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府部门"
        PARTY = "party", "党委部门"
        JUDICIAL = "judicial", "法院/检察院"
        ENTERPRISE = "enterprise", "企事业单位"
        OTHER = "other", "其他"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.GOVERNMENT)
    short_name = models.CharField("简称", max_length=50, blank=True)
    # What the unit is responsible for; routing suggestions read it. Blank: the standard department
    # description shipped in org/data/departments.json, matched by name (see org/departments.py).
    duties = models.TextField("主要职责", blank=True)

    class Meta(NamedListItem.Meta):
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="uniq_unit_name")]


class Term(CommitteeOwned):
    """届: five years, e.g. 第十一届."""

    number = models.PositiveIntegerField("届次")
    name = models.CharField("名称", max_length=50)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "届"
        verbose_name_plural = "届"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["committee", "number"], name="uniq_term_number")]

    def __str__(self) -> str:
        return self.name


class Session(CommitteeOwned):
    """次会议: the yearly plenary session of a term, e.g. 十一届一次会议; proposals are numbered per session."""

    term = models.ForeignKey(Term, verbose_name="届", on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField("会次")
    name = models.CharField("名称", max_length=50)
    start_date = models.DateField("开幕日期")
    end_date = models.DateField("闭幕日期")

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-start_date"]
        constraints = [models.UniqueConstraint(fields=["term", "number"], name="uniq_session_number")]

    def __str__(self) -> str:
        return self.name
