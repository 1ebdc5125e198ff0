from __future__ import annotations

import time

from django.conf import settings

from zhengxie.accounts.permissions import Access, access_for
from zhengxie.accounts.selectors import resolve_committee

SESSION_KEY = "committee_id"


class CurrentCommitteeMiddleware:
    """Puts the committee the user works in (`request.committee`) and their `request.access` on the request.

    The committee comes from the session (chosen with the committee switcher) and falls back to the
    first committee the user holds a role in. Anonymous requests get None and cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            request.committee = resolve_committee(user, request.session.get(SESSION_KEY))
            request.access = access_for(user, request.committee)
        else:
            request.committee = None
            request.access = Access(user=user, committee=None)
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Sliding idle timeout without a database write on every request.

    Django can re-save the session on every request (SESSION_SAVE_EVERY_REQUEST) to push the expiry
    forward, but that turns every page view into a write. We refresh the expiry at most once every
    SESSION_REFRESH_SECONDS instead: an idle session still ends SESSION_COOKIE_AGE after the last
    activity, give or take that interval.
    """

    KEY = "_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a fresh expiry
        return self.get_response(request)


def mark_session_fresh(sender, request, user, **kwargs) -> None:
    """On login the session is saved anyway: stamp it so the next request need not write it again."""
    if getattr(request, "session", None) is not None:
        request.session[SessionRefreshMiddleware.KEY] = int(time.time())
