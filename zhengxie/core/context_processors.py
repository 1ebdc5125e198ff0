from __future__ import annotations

from django.conf import settings

from zhengxie.accounts.permissions import committees_for


def platform(request):
    user = getattr(request, "user", None)
    authed = bool(user and user.is_authenticated)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "current_committee": getattr(request, "committee", None),
        "access": getattr(request, "access", None),
        "my_committees": (lambda: committees_for(user)) if authed else (lambda: []),
    }
