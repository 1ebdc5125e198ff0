"""The JSON API root (/api/v1/). Each app contributes a router from its own api.py."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="政协履职平台 API", version="1", urls_namespace="api")
