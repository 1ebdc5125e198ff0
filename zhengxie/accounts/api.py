"""The API's common ground, used by every app's router, and the accounts endpoints.

- Who is calling: a bearer token (`Authorization: Bearer zx_…`, for clients) or the browser
  session (for pages; CSRF enforced on unsafe methods). `API_AUTH` lists both.
- In which committee: `api_access(request)` gives the handler the caller's `Access` for the
  committee asked for (`X-Committee` header or `?committee=`) or their default one, and refuses
  (403) a committee where they hold no role. Handlers pass that Access to selectors and services,
  so nothing is read or written without a committee.
- How answers look: errors are {"detail": "<中文>"} (`ErrorOut`); lists are pages
  ({"items", "count", "page", "page_size"}, see `Page` / `PageQuery` / `paginate`).

It lives in accounts (the one permission layer for pages and API) rather than in zhengxie/api.py
so that app routers can import it without importing the API root that imports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator

from zhengxie.accounts.middleware import SESSION_KEY
from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access, access_for, committees_for
from zhengxie.accounts.selectors import resolve_committee
from zhengxie.accounts.services import LoginError, api_token_issue, api_token_user, login_check
from zhengxie.core.http import client_ip

# ---------------------------------------------------------------------------------------------
# Shapes shared by every router
# ---------------------------------------------------------------------------------------------

# Ids coming from outside are bounded so an absurd number is a 422, not an overflow in the database.
MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here so it is a 422 and not a 500 there.
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\x00）")
    return value


# Every string the API accepts is this type (with a max_length where it is stored or searched).
Text = Annotated[str, AfterValidator(_no_nul), Field(json_schema_extra={"pattern": "^[^\\x00]*$"})]


class ErrorOut(Schema):
    detail: str = Field(..., description="给用户看的中文说明", examples=["没有找到该委员。"])


class ValidationErrorOut(Schema):
    detail: str = Field(..., examples=["请求参数不正确：page（数值过小）。"])
    errors: list[dict[str, Any]] = Field(..., description="逐项的校验错误（loc / msg / type）")


# The error answers every authenticated operation may give; routers add their own (404, 409 …).
AUTH_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}

T = TypeVar("T")


class PageQuery(Schema):
    """?page=&page_size= for every list; filters of a list extend this schema."""

    page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数，最多 100")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int = Field(..., description="符合条件的总条数")
    page: int
    page_size: int


def paginate(rows: QuerySet[Any] | Sequence[Any], query: PageQuery) -> dict[str, Any]:
    """One page of `rows` (a queryset costs two queries: count and page); past the end, an empty page."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = (query.page - 1) * query.page_size
    items = list(rows[start:start + query.page_size]) if start < count else []
    return {"items": items, "count": count, "page": query.page, "page_size": query.page_size}


# ---------------------------------------------------------------------------------------------
# Who is calling
# ---------------------------------------------------------------------------------------------


class BearerAuth(HttpBearer):
    """`Authorization: Bearer zx_…` from POST /auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token.strip())
        if user is None:
            # A client that sent a token wants to know it is the token that failed, not the login.
            raise AuthenticationError(401, "API 令牌无效、已过期或已被撤销，请重新获取。")
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session; unsafe methods must carry the CSRF token (X-CSRFToken header).

    Unlike ninja's own SessionAuth, the CSRF check runs only once a logged-in session is found,
    so an anonymous caller is told to log in (401) rather than that CSRF failed.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试（请求头需带 X-CSRFToken）。")
        return user


# Bearer first: a client with a token never needs a CSRF token, whatever cookies it carries.
API_AUTH = [BearerAuth(), SessionAuth()]


# ---------------------------------------------------------------------------------------------
# In which committee
# ---------------------------------------------------------------------------------------------


def _requested_committee_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("X-Committee") or request.GET.get("committee")
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or not 1 <= int(raw) <= MAX_ID:
        raise HttpError(400, "政协编号（X-Committee 或 committee 参数）必须是正整数。")
    return int(raw)


def api_access(request: HttpRequest, *, committee_required: bool = True) -> Access:
    """The caller's Access in the committee this request works in.

    The committee is the one named by the `X-Committee` header or `?committee=`, else the one the
    browser session has chosen, else the caller's first. Naming a committee where the caller holds
    no role is refused (403) rather than silently answered from another committee.
    """
    access: Access | None = getattr(request, "_api_access", None)
    if access is None:
        user = getattr(request, "auth", None)
        if not isinstance(user, User):
            raise AuthenticationError()
        requested = _requested_committee_id(request)
        session_user = getattr(request, "user", AnonymousUser())
        same_as_session = session_user.is_authenticated and session_user.pk == user.pk
        if requested is not None:
            committee = resolve_committee(user, requested)
            if committee is None or committee.pk != requested:
                raise HttpError(403, "您在该政协没有任职，不能查看或办理其事项。")
            access = access_for(user, committee)
        elif same_as_session and isinstance(getattr(request, "access", None), Access):
            # The middleware already resolved the session's committee: same answer as the pages.
            access = request.access  # type: ignore[attr-defined]
        else:
            default = request.session.get(SESSION_KEY) if same_as_session else None
            access = access_for(user, resolve_committee(user, default))
        request._api_access = access  # type: ignore[attr-defined]
    if committee_required and access.committee is None:
        raise HttpError(403, "您尚未在任何政协任职，无法使用此功能。")
    return access


# ---------------------------------------------------------------------------------------------
# Endpoints: /auth/token, /me, /committees
# ---------------------------------------------------------------------------------------------

router = Router(tags=["账号"])


class TokenIn(Schema):
    username: Text = Field(..., min_length=1, max_length=150, description="用户名或手机号")
    password: Text = Field(..., min_length=1, max_length=128)


class TokenOut(Schema):
    token: str = Field(..., description="以 zx_ 开头；只返回这一次，请妥善保存")
    expires_at: dt.datetime


class CommitteeOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    level: str
    parent_id: int | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str


class RoleOut(Schema):
    code: str
    label: str


class MeOut(Schema):
    user: UserOut
    committee: CommitteeOut | None = Field(..., description="本次请求所在的政协")
    roles: list[RoleOut] = Field(..., description="在该政协担任的角色")
    permissions: list[str]
    unit_ids: list[int] = Field(..., description="作为承办单位经办人所属的单位")
    committees: list[CommitteeOut] = Field(..., description="可以切换到的政协")


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="用用户名（或手机号）和密码换取 API 令牌",
    description="连续失败达到上限后该用户名被临时锁定（429）。令牌用法：`Authorization: Bearer zx_…`。",
)
def token_issue(request: HttpRequest, credentials: TokenIn) -> Any:
    ip = client_ip(request)
    try:
        user = login_check(identifier=credentials.username, password=credentials.password,
                           request=request, ip=ip)
    except LoginError as exc:
        raise HttpError(429 if exc.locked else 401, exc.message) from None
    key, token = api_token_issue(user=user, ip=ip)
    return {"token": key, "expires_at": token.expires_at}


@router.get("/me", response={200: MeOut, **AUTH_ERRORS, 400: ErrorOut}, summary="当前用户、所在政协、角色与权限")
def me(request: HttpRequest) -> Any:
    access = api_access(request, committee_required=False)
    labels = dict(Role.choices)
    return {
        "user": access.user,
        "committee": access.committee,
        "roles": [{"code": r, "label": labels.get(r, r)} for r in sorted(access.roles)],
        "permissions": sorted(access.perms),
        "unit_ids": sorted(access.unit_ids),
        "committees": committees_for(access.user),
    }


@router.get("/committees", response={200: Page[CommitteeOut], **AUTH_ERRORS}, summary="可以在其中工作的政协")
def committee_list(request: HttpRequest, query: Query[PageQuery]) -> Any:
    return paginate(committees_for(api_access(request, committee_required=False).user), query)
