"""URLs of the 社情民意 statistics page, its .xlsx export and the issue exports (.docx, PDF).

Kept apart from `opinions/urls.py` (the working pages) so the two can grow independently; included from
there under the same `opinions:` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from zhengxie.opinions.views import reports

urlpatterns: list[URLPattern] = [
    path("stats/", reports.stats, name="stats"),
    path("stats/list/", reports.stats_list, name="stats_list"),
    path("stats/export.xlsx", reports.stats_xlsx, name="stats_xlsx"),
    path("issues/<int:pk>.docx", reports.issue_docx, name="issue_docx"),
    path("issues/<int:pk>.pdf", reports.issue_pdf, name="issue_pdf"),
]
