"""Accounts: people who log in, the roles they hold per committee, login throttling and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from zhengxie.org.models import Committee, Unit


class User(AbstractUser):
    """One person, one account, whatever number of committees they serve (roles live in RoleGrant)."""

    display_name = models.CharField("姓名", max_length=50)
    # Personal data: shown only to staff. Unique so that it can be used as a login name.
    phone = models.CharField("手机号", max_length=20, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    MEMBER = "member", "委员"
    PROPOSAL_STAFF = "proposal_staff", "提案工作人员"
    OPINION_STAFF = "opinion_staff", "社情民意工作人员"
    # 特邀信息员: not members, but they submit 社情民意 items in the committee's name.
    INFORMANT = "informant", "特邀信息员"
    CONSULTATION_STAFF = "consultation_staff", "协商/专委会工作人员"
    UNIT_HANDLER = "unit_handler", "承办单位经办人"
    LEADER = "leader", "领导"
    COMMITTEE_ADMIN = "committee_admin", "委员会管理员"


class RoleGrant(models.Model):
    """A role one user holds in one committee; a unit handler's grant also names the unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="handlers")
    title = models.CharField("职务", max_length=50, blank=True)  # 副主席, 提案委副主任, 科员…
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "committee", "role", "unit"], name="uniq_role_grant"),
            models.UniqueConstraint(
                fields=["user", "committee", "role"], condition=Q(unit__isnull=True), name="uniq_role_grant_nounit"
            ),
            models.CheckConstraint(
                condition=Q(role="unit_handler", unit__isnull=False) | (~Q(role="unit_handler") & Q(unit__isnull=True)),
                name="unit_only_for_unit_handler",
            ),
        ]
        indexes = [models.Index(fields=["committee", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class LoginThrottle(models.Model):
    """Failed logins per identifier (username or phone, existing or not), to lock out guessing."""

    identifier = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True)
    locked_until = models.DateTimeField(null=True)


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
