"""Small helpers shared by views and API handlers."""

from __future__ import annotations

from django.core.paginator import Paginator


def client_ip(request) -> str | None:
    # Behind a proxy, gunicorn is started with --forwarded-allow-ips and REMOTE_ADDR is already right.
    return request.META.get("REMOTE_ADDR") or None


class _CountedPaginator(Paginator):
    """A paginator told its row count by a query the page runs anyway (the desk's tab counts)."""

    def __init__(self, object_list, per_page: int, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: this is its cached value


def paginate(request, queryset, per_page: int = 50, count: int | None = None):
    """A page of `queryset` from ?page=…; bad or out-of-range numbers fall back to the first/last page.
    `count`, when the caller already knows how many rows `queryset` holds, saves the COUNT query."""
    paginator = Paginator(queryset, per_page) if count is None else _CountedPaginator(queryset, per_page, count)
    return paginator.get_page(request.GET.get("page"))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"


def download(content: bytes, content_type: str, ascii_name: str, name: str):
    """A file to save (exports): an ASCII name for old clients, the Chinese one (RFC 5987) for everyone
    else, and never kept by a shared cache (exports name people)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store, private"
    return response
