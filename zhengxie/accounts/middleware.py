from __future__ import annotations

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
