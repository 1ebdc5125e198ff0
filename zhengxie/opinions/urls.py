"""The 社情民意 pages. Statistics and the issue exports live in `report_urls.py` (same `opinions:` namespace)."""

from django.urls import include, path

from zhengxie.opinions.views import desk, issues, item, member, public, signers

app_name = "opinions"

urlpatterns = [
    # 委员、特邀信息员 (authors)
    path("", member.start, name="start"),
    path("mine/", member.mine, name="mine"),
    path("new/", member.new, name="new"),
    path("<int:pk>/draft/", member.edit, name="edit"),
    # 社情民意编辑 (the editors) and the signing officer
    path("desk/", desk.desk, name="desk"),
    path("desk/bulk/", desk.desk_bulk, name="desk_bulk"),
    path("combine/", desk.combine, name="combine"),
    path("sign/", desk.sign, name="sign"),
    path("instructions/", desk.instructions, name="instructions"),
    path("signers/", signers.signers, name="signers"),
    path("<int:pk>/revise/", item.revise, name="revise"),
    path("<int:pk>/forward/", item.forward, name="forward"),
    path("<int:pk>/track/", item.track, name="track"),
    # everyone who may open the item
    path("<int:pk>/", item.detail, name="detail"),
    path("<int:pk>/transitions/<str:name>/", item.transition, name="transition"),
    # issues
    path("issues/", issues.issues, name="issues"),
    path("issues/<int:pk>/", issues.issue, name="issue"),
    path("issues/<int:pk>/compose/", issues.issue_compose, name="issue_compose"),
    path("issues/<int:pk>/publish/", issues.issue_publish, name="issue_publish"),
    # 社会征集: no login
    path("public/", public.start, name="public_start"),
    path("public/<slug:code>/", public.submit, name="public"),
    path("public/<slug:code>/thanks/", public.done, name="public_done"),
    # statistics and exports (another file, same namespace)
    path("", include("zhengxie.opinions.report_urls")),
]
