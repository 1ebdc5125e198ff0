"""社会征集: the public form (no login) through which anyone may send a committee a 社情民意 item.

No captcha: a honeypot field people never see, and a signed time stamp that must be at least a few
seconds old (bots post at once); and per IP address at most `PER_IP` submissions (or posts caught by
the spam guard) in `WINDOW_MINUTES`, counted with the same throttle that limits login attempts. The item lands on the editors' desk as
source 社会公众; the name and contact are shown to the editors only.

`/opinions/public/` is where the public links lead (the footer of every page, the login page): the list
of committees to write to, or with `?committee=<code>` straight to that committee's form.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from zhengxie.accounts.services import throttle_count, throttle_locked
from zhengxie.core.http import client_ip
from zhengxie.opinions import services
from zhengxie.opinions.forms import PublicForm, form_stamp
from zhengxie.opinions.views.common import refusal
from zhengxie.org.models import Committee

PER_IP = 5
WINDOW_MINUTES = 60


def _key(ip: str | None) -> str:
    return f"opinions.public:{ip or 'unknown'}"


def _committee(code: str) -> Committee:
    committee = Committee.objects.filter(code=code).first()
    if committee is None:
        raise Http404("找不到该政协。")
    return committee


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Choose the committee to write to (or go straight to its form with ?committee=<code>)."""
    code = request.GET.get("committee", "").strip()
    committees = list(Committee.objects.order_by("id").only("code", "short_name"))
    if not code:
        return render(request, "opinions/public_committees.html", {"committees": committees})
    committee = Committee.objects.filter(code=code[:40]).first()
    if committee is None:
        return render(request, "opinions/public_committees.html", {"committees": committees, "unknown": code[:40]},
                      status=404)
    return redirect("opinions:public", code=committee.code)


@never_cache  # each visitor gets a fresh signed time stamp
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, code: str) -> HttpResponse:
    committee = _committee(code)
    form = PublicForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        ip = client_ip(request)
        minutes = throttle_locked(_key(ip))
        if minutes:
            form.add_error(None, f"提交过于频繁，请 {minutes} 分钟后再试。")
            status = 429
        elif (problem := form.spam_problem()) is not None:
            # Automatic posts count against the address too (typing mistakes do not).
            throttle_count(_key(ip), limit=PER_IP, minutes=WINDOW_MINUTES)
            form.add_error(None, problem)
        elif form.is_valid():
            d = form.cleaned_data
            try:
                o = services.opinion_submit_public(committee=committee, name=d["name"], contact=d["contact"],
                                                   title=d["title"], body=d["body"], ip=ip)
            except services.OpinionError as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
            else:
                throttle_count(_key(ip), limit=PER_IP, minutes=WINDOW_MINUTES)
                request.session["opinions_public_receipt"] = f"{o.year}-{o.serial:04d}"
                return redirect("opinions:public_done", code=committee.code)
    # A fresh stamp each time the form is handed out (again): the fill time counts from here.
    return render(request, "opinions/public_form.html", {
        "committee": committee, "form": form, "stamp": form_stamp(),
        "warnings": services.warnings_for("", str(form["body"].value() or "")),
    }, status=status)


def done(request: HttpRequest, code: str) -> HttpResponse:
    committee = _committee(code)
    return render(request, "opinions/public_done.html", {
        "committee": committee, "receipt": request.session.get("opinions_public_receipt", ""),
    })
