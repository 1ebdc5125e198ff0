"""Member profiles (委员): one row per person per committee they serve."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengxie.org.models import CommitteeOwned, Party, Sector, SpecialCommittee, Workstation
from zhengxie.workflow.engine import Stateful


class Member(CommitteeOwned, Stateful):
    class Gender(models.TextChoices):
        MALE = "男", "男"
        FEMALE = "女", "女"

    class Title(models.TextChoices):
        CHAIR = "chair", "主席"
        VICE_CHAIR = "vice_chair", "副主席"
        SECRETARY_GENERAL = "secretary_general", "秘书长"
        STANDING = "standing", "常委"
        MEMBER = "member", "委员"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memberships",
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=2, choices=Gender.choices, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    birth_month = models.DateField("出生年月", null=True, blank=True)  # stored as the 1st of the month
    sector = models.ForeignKey(Sector, verbose_name="界别", on_delete=models.PROTECT, related_name="members")
    party = models.ForeignKey(
        Party, verbose_name="党派", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    employer_title = models.CharField("工作单位及职务", max_length=200, blank=True)
    # Personal data: masked in lists, full only to staff (see members.selectors.phone_for).
    phone = models.CharField("手机号", max_length=20, blank=True)
    special_committee = models.ForeignKey(
        SpecialCommittee, verbose_name="专委会", null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    workstation = models.ForeignKey(
        Workstation, verbose_name="委员工作室", null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField("职务", max_length=20, choices=Title.choices, default=Title.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "委员"
        verbose_name_plural = "委员"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "phone"], condition=~Q(phone=""), name="uniq_member_phone_per_committee"
            ),
            models.UniqueConstraint(
                fields=["committee", "user"], condition=Q(user__isnull=False), name="uniq_member_user_per_committee"
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "state", "id"], name="member_committee_state"),
            models.Index(fields=["committee", "name"], name="member_committee_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_standing(self) -> bool:
        return self.title in {self.Title.CHAIR, self.Title.VICE_CHAIR, self.Title.SECRETARY_GENERAL, self.Title.STANDING}
