"""Roster pages: upload a .xlsx of new members, download the current roster. The work is in members/roster.py."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from zhengxie.accounts.permissions import Perm
from zhengxie.core.http import client_ip
from zhengxie.members import roster

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A report longer than this is cut on the page; the office fixes the first ones and uploads again.
REPORT_LIMIT = 500


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="委员名册文件（.xlsx）",
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_TYPE}", "aria-describedby": "file-help"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request):
    request.access.require(Perm.MANAGE_MEMBERS)
    result = None
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = roster.roster_import(actor=request.user, committee=request.committee,
                                          fileobj=form.cleaned_data["file"], ip=client_ip(request))
            if result.ok:
                messages.success(request, f"已导入 {result.created} 名委员")
                return redirect("members:list")
    else:
        form = RosterUploadForm()
    errors = result.errors if result else []
    context = {
        "form": form,
        "columns": roster.COLUMN_HELP,
        "max_rows": settings.ROSTER_MAX_ROWS,
        "max_size": roster.human_size(settings.ROSTER_MAX_BYTES),
        "errors": errors[:REPORT_LIMIT],
        "error_count": len(errors),
        "truncated": len(errors) > REPORT_LIMIT,
    }
    # A failed import is a client error, so scripts posting files notice; browsers show the page as usual.
    status = 400 if request.method == "POST" else 200
    return render(request, "members/roster_import.html", context, status=status)


@login_required
@require_GET
def roster_export(request):
    request.access.require(Perm.MANAGE_MEMBERS)
    committee = request.committee
    content = roster.roster_export(actor=request.user, committee=committee, ip=client_ip(request))
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"委员名册-{committee.code}-{stamp}.xlsx"
    response = HttpResponse(content, content_type=XLSX_TYPE)
    # An ASCII name for old clients, the Chinese one (RFC 5987) for everyone else.
    response["Content-Disposition"] = (
        f"attachment; filename=\"roster-{committee.code}-{stamp}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    # Full phone numbers: keep the file out of shared caches and the browser's cache.
    response["Cache-Control"] = "no-store, private"
    return response
