from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from zhengxie.accounts.permissions import Perm
from zhengxie.audit.forms import EventFilterForm
from zhengxie.audit.selectors import EventFilter, committee_events
from zhengxie.audit.verbs import VERB_LABELS, verb_label
from zhengxie.core.http import paginate


@login_required
def event_list(request):
    request.access.require(Perm.VIEW_AUDIT)
    form = EventFilterForm(request.GET or None)
    f = EventFilter()
    if form.is_valid():
        f = EventFilter(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    page = paginate(request, committee_events(request.access, f), per_page=50)
    for e in page.object_list:
        e.verb_label = verb_label(e.verb)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "verbs": sorted(VERB_LABELS.items()),
    })
