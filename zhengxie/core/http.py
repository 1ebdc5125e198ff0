"""Small helpers shared by views and API handlers."""

from __future__ import annotations

from django.core.paginator import Paginator


def client_ip(request) -> str | None:
    # Behind a proxy, gunicorn is started with --forwarded-allow-ips and REMOTE_ADDR is already right.
    return request.META.get("REMOTE_ADDR") or None


def paginate(request, queryset, per_page: int = 50):
    """A page of `queryset` from ?page=…; bad or out-of-range numbers fall back to the first/last page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
