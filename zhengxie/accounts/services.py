"""Writes about accounts: login with throttling, tokens, role grants. Each writes its audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from zhengxie.accounts.models import ApiToken, LoginThrottle, Role, RoleGrant, User
from zhengxie.audit.services import audit_record
from zhengxie.org.models import Committee, Unit


class LoginError(Exception):
    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.message = message
        self.locked = locked


def _identifier(raw: str) -> str:
    return raw.strip().lower()[:150]


def login_check(*, identifier: str, password: str, request=None, ip: str | None = None) -> User:
    """Authenticate by username or phone; count failures and lock the identifier after too many.

    The lock applies to the identifier whether or not an account exists, so the lockout cannot be
    used to learn which usernames are real.
    """
    ident = _identifier(identifier)
    if not ident or not password:
        raise LoginError("请输入用户名（或手机号）和密码。")
    now = timezone.now()
    minutes = throttle_locked(ident, now=now)
    if minutes:
        raise LoginError(f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试。", locked=True)

    user = authenticate(request, username=identifier.strip(), password=password)
    if user is None:
        _record_failure(ident, now=now, ip=ip)
        raise LoginError("用户名或密码不正确。")
    LoginThrottle.objects.filter(identifier=ident).delete()
    audit_record(actor=user, committee=None, verb="account.login", obj=user, ip=ip)
    return user


def throttle_locked(identifier: str, *, now: dt.datetime | None = None) -> int | None:
    """Minutes until `identifier` may try again, or None when it is not locked.

    Identifiers are free-form (a login name, or e.g. "opinions.public:<ip>" for the public form), so one
    table and one rule serve every place that limits how often something may be tried.
    """
    now = now or timezone.now()
    locked_until = LoginThrottle.objects.filter(identifier=identifier[:150]).values_list("locked_until", flat=True).first()
    if locked_until and locked_until > now:
        return max(1, int((locked_until - now).total_seconds() // 60) + 1)
    return None


@transaction.atomic
def throttle_count(identifier: str, *, limit: int, minutes: int, now: dt.datetime | None = None) -> bool:
    """Count one try of `identifier` in its window of `minutes`; at `limit` tries it is locked for a window.
    Returns whether this try locked it."""
    now = now or timezone.now()
    window = dt.timedelta(minutes=minutes)
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(identifier=identifier[:150])
    if throttle.window_started_at is None or now - throttle.window_started_at > window:
        throttle.window_started_at = now
        throttle.failures = 0
    throttle.failures += 1
    locked = throttle.failures >= limit
    if locked:
        throttle.locked_until = now + window
        throttle.failures = 0
        throttle.window_started_at = None
    throttle.save()
    return locked


@transaction.atomic
def _record_failure(ident: str, *, now: dt.datetime, ip: str | None) -> None:
    locked = throttle_count(ident, limit=settings.LOGIN_MAX_FAILURES, minutes=settings.LOGIN_LOCKOUT_MINUTES, now=now)
    audit_record(actor=None, committee=None, verb="account.locked" if locked else "account.login_failed",
                 payload={"identifier": ident}, ip=ip)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, ip: str | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token for `user`; the plain key is returned once and never stored."""
    key = "zx_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=_hash(key), prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit_record(actor=user, committee=None, verb="account.token_issued", obj=user,
                 payload={"prefix": token.prefix}, ip=ip)
    return key, token


def api_token_user(key: str) -> User | None:
    """The active user behind a bearer key, or None if it is unknown, revoked or expired."""
    if not key or not key.startswith("zx_"):
        return None
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=now).first())
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def role_grant(*, actor: User | None, user: User, committee: Committee, role: str, unit: Unit | None = None,
               title: str = "") -> RoleGrant:
    """Give `user` a role in `committee` (a unit handler's grant names the unit, of the same committee)."""
    if role == Role.UNIT_HANDLER:
        if unit is None or unit.committee_id != committee.pk:
            raise ValueError("承办单位经办人必须属于本政协的承办单位。")
    else:
        unit = None
    grant, created = RoleGrant.objects.get_or_create(user=user, committee=committee, role=role, unit=unit,
                                                     defaults={"title": title})
    if created:
        audit_record(actor=actor, committee=committee, verb="account.role_granted", obj=user,
                     payload={"role": role, "unit": str(unit) if unit else None, "title": title})
    return grant


@transaction.atomic
def account_create(*, actor: User | None, username: str, display_name: str, password: str | None,
                   phone: str | None = None, committee: Committee | None = None) -> User:
    """Create a login account; without a password it cannot log in until one is set."""
    user = User(username=username, display_name=display_name, phone=phone or None)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, committee=committee, verb="account.created", obj=user,
                 payload={"username": username})
    return user


@transaction.atomic
def role_revoke(*, actor: User, committee: Committee, grant_id: int) -> None:
    """Take a role away; only grants of `committee` can be revoked from it."""
    grant = RoleGrant.objects.select_related("user", "unit").filter(committee=committee, pk=grant_id).first()
    if grant is None:
        raise ValueError("该角色授权不存在。")
    if grant.user_id == actor.pk and grant.role == Role.COMMITTEE_ADMIN:
        raise ValueError("不能撤销自己的管理员角色，请由其他管理员操作。")
    audit_record(actor=actor, committee=committee, verb="account.role_revoked", obj=grant.user,
                 payload={"role": grant.role, "unit": str(grant.unit) if grant.unit else None})
    grant.delete()
