"""URLs of the 社情民意 statistics page, its .xlsx export and the issue exports (.docx, PDF).

Kept apart from `opinions/urls.py` (the working pages) so the two can grow independently; included from
there under the same `opinions:` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
