"""The JSON API root (/api/v1/). Each app contributes a router from its own api.py.

What every router shares lives below the root, so routers can import it without importing this
module: who is calling and in which committee, error and page shapes (accounts/api.py), and the
state + transitions shape of workflow-driven resources (workflow/api.py). This module only
assembles: the NinjaAPI, the error answers (always {"detail": "<中文>"}), the routers, the docs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ninja
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Template
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from zhengxie.accounts.api import API_AUTH, MAX_ID
from zhengxie.accounts.api import router as accounts_router
from zhengxie.attachments.api import router as attachments_router
from zhengxie.audit.api import router as audit_router
from zhengxie.members.api import router as members_router
from zhengxie.notifications.api import router as notifications_router
from zhengxie.org.api import router as org_router
from zhengxie.opinions.api import router as opinions_router
from zhengxie.proposals.api import router as proposals_router
from zhengxie.textindex.api import router as search_router
from zhengxie.textindex.topic_api import router as topics_router
from zhengxie.workflow.engine import TransitionError

DESCRIPTION = """\
政协履职平台的 JSON 接口。

- **认证**：浏览器沿用登录会话（修改类请求须带 `X-CSRFToken` 请求头）；其他客户端先 `POST /api/v1/auth/token`
  换取令牌，再带 `Authorization: Bearer zx_…`。
- **所在政协**：每个请求只在一个政协内办理。用请求头 `X-Committee: <政协 id>`（或查询参数 `committee`）指定，
  不指定时为当前会话选择的或本人的第一个政协；指定了本人没有任职的政协返回 403。其他政协的对象一律返回 404。
- **列表**：`?page=&page_size=`（最多 100），返回 `{"items", "count", "page", "page_size"}`。
- **状态流转**：有状态的对象都带 `state`、`state_label`、`version` 和 `available_transitions`（当前用户此刻可进行的操作）；
  办理用 `POST …/{id}/transitions/{name}`，可带 `{"reason": "…", "version": n}`。
- **错误**：统一为 `{"detail": "中文说明"}`（400/401/403/404/409/422/429）；422 另有逐项的 `errors`。
"""

_NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
_DOCS_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"}
_DOCS_PAGE = Template("""<!DOCTYPE html>
<html lang="zh-hans">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<link rel="stylesheet" href="{{ assets }}swagger-ui.css">
<link rel="icon" href="{{ assets }}favicon.png" type="image/png">
</head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{{ settings_json|safe }}</script>
<div id="swagger-ui"></div>
<script src="{{ assets }}swagger-ui-bundle.js"></script>
<script src="{{ assets }}swagger-ui-init.js"></script>
</body>
</html>
""")


class SelfHostedSwagger(Swagger):
    """Swagger UI served from ninja's bundled files instead of a CDN.

    The site's CSP allows scripts from 'self' only (ninja's CDN page uses an inline script), and a
    county server may have no internet access; ninja is not an installed app, so its static files
    are served by the `docs/assets/` route below.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings_json = json.dumps({**self.settings, "url": self.get_openapi_url(api, kwargs)})
        html = _DOCS_PAGE.render(Context({
            "title": api.title,
            "assets": request.path.rstrip("/") + "/assets/",
            "csrf_token": get_token(request),
            # Inside <script>: "<" escaped so no value can close the tag.
            "settings_json": settings_json.replace("<", "\\u003c"),
        }))
        return HttpResponse(html)


class ChineseJSONRenderer(JSONRenderer):
    # Chinese as characters, not \u escapes: readable in curl and logs, and shorter.
    json_dumps_params = {"ensure_ascii": False}


class JSONObjectParser(Parser):
    """Request bodies are JSON objects; anything else (an array, a bare string) is refused with 400
    instead of being read as an empty object."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if data is None:  # `null`, which ninja's schema for an optional body allows
            return {}
        if not isinstance(data, dict):
            raise ValueError("request body is not a JSON object")
        return data


# Documented on every operation that needs a login, so generated clients and "Try it out" offer it.
X_COMMITTEE = {
    "in": "header",
    "name": "X-Committee",
    "required": False,
    # Empty means "not given" (the default committee), as a form or proxy may send it.
    "schema": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
                         {"type": "string", "pattern": "^\\s*$"}]},
    "description": "在哪个政协办理（政协 id）；不填为默认政协。也可用查询参数 committee。",
}


class ZhengxieAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also lists the X-Committee header."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("security"):
                    operation.setdefault("parameters", []).append(dict(X_COMMITTEE))
        return schema


api = ZhengxieAPI(
    title="政协履职平台 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    renderer=ChineseJSONRenderer(),
    parser=JSONObjectParser(),
    docs=SelfHostedSwagger(settings={"persistAuthorization": True}),
)


# --- Errors: {"detail": "<中文>"} whatever went wrong ------------------------------------------

# Messages ninja and Django produce in English, as the user should read them.
_ENGLISH = {
    "Cannot parse request body": "请求内容必须是 JSON 对象（{…}）。",
    "CSRF check Failed": "CSRF 校验失败：请刷新页面后重试。",
    "Too many requests.": "请求过于频繁，请稍后再试。",
    "Unauthorized": "请先登录。",
    "Forbidden": "您没有权限进行此操作。",
}


def _chinese(message: object, default: str) -> str:
    """`message` if it is meant for users (contains Chinese), else `default` or its translation."""
    text = str(message or "")
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    for english, chinese in _ENGLISH.items():
        if text.startswith(english):
            return chinese
    return default


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, _chinese(exc.message, "请先登录。"))
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, _chinese(exc.message, "请求有误。"))


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, _chinese(exc, "您没有权限进行此操作。"))


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _chinese(exc, "没有找到该对象。"))


def _on_transition_error(request: HttpRequest, exc: TransitionError) -> HttpResponse:
    # TransitionForbidden carries 403, every other refusal 409.
    return _error(request, exc.status, exc.message)


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # RequestDataTooBig, TooManyFieldsSent …: Django would answer 400 in HTML.
    return _error(request, 400, "请求内容过大或格式不正确。")


_VALIDATION_HINTS = {
    "missing": "缺少此项",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "too_long": "内容过长",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "list_type": "应为列表",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: Any) -> str:
    """The field as the client knows it: ("body", "credentials", "username") → "username"."""
    parts = [str(p) for p in (loc or ())]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and len(parts) > 1:
            parts = parts[1:]  # the handler's parameter name, not part of the JSON
    return ".".join(parts) or "请求内容"


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems, errors = [], []
    for err in exc.errors[:20]:
        hint = _VALIDATION_HINTS.get(err.get("type", ""))
        if hint is None and err.get("type") == "value_error":
            hint = str(err.get("msg", "")).removeprefix("Value error, ")
        problems.append(f"{_field_name(err.get('loc'))}（{hint or '格式不正确'}）")
        # The submitted input is not echoed back: it may be huge, or a password.
        errors.append({"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")),
                       "type": err.get("type", "")})
    return _error(request, 422, "请求参数不正确：" + "；".join(problems) + "。", errors=errors)


api.add_exception_handler(AuthenticationError, _on_authentication_error)
api.add_exception_handler(HttpError, _on_http_error)
api.add_exception_handler(PermissionDenied, _on_permission_denied)
api.add_exception_handler(Http404, _on_not_found)
api.add_exception_handler(TransitionError, _on_transition_error)
api.add_exception_handler(ValidationError, _on_validation_error)
api.add_exception_handler(SuspiciousOperation, _on_suspicious)


# --- Routers ---------------------------------------------------------------------------------

api.add_router("", accounts_router)  # /auth/token, /me, /committees
api.add_router("/org", org_router)
api.add_router("/members", members_router)
api.add_router("/proposals", proposals_router)
api.add_router("/opinions", opinions_router)
api.add_router("/audit", audit_router)
api.add_router("/notifications", notifications_router)
api.add_router("/attachments", attachments_router)
api.add_router("/search/topics", topics_router)
api.add_router("/search", search_router)

# Docs assets and the JSON 404 for unknown paths come last, so they shadow nothing.
_fallback = Router()


@_fallback.get("/docs/assets/{name}", auth=None, include_in_schema=False)
def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in _DOCS_ASSETS:
        raise Http404("没有这个文件。")
    return FileResponse((_NINJA_STATIC / name).open("rb"))


@_fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None,
                         include_in_schema=False)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404("没有这个接口。")


api.add_router("", _fallback)
