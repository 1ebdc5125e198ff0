from django.urls import path

from zhengxie.proposals.views import common, member, staff, unit
from zhengxie.proposals.views import public

app_name = "proposals"

urlpatterns = [
    # 委员 (member side)
    path("", member.mine, name="mine"),
    path("new/", member.new, name="new"),
    path("<int:pk>/edit/", member.edit, name="edit"),
    path("<int:pk>/invite/", member.invite, name="invite"),
    path("<int:pk>/cosign/", member.cosign, name="cosign"),
    path("<int:pk>/evaluate/", member.evaluate, name="evaluate"),
    # 提案委 (the proposal office) and leaders
    path("desk/", staff.desk, name="desk"),
    path("desk/assign/", staff.bulk_assign, name="bulk_assign"),
    path("<int:pk>/assign/", staff.assign, name="assign"),
    path("<int:pk>/key/", staff.key, name="key"),
    path("<int:pk>/supervise/", staff.supervise, name="supervise"),
    path("overdue/", staff.overdue, name="overdue"),
    path("leader/", staff.leader, name="leader"),
    # 承办单位 (handling units)
    path("inbox/", unit.inbox, name="inbox"),
    path("inbox/answered/", unit.inbox_answered, name="inbox_answered"),
    path("<int:pk>/answer/", unit.answer, name="answer"),
    path("<int:pk>/reassign-request/", unit.reassign_request, name="reassign_request"),
    # everyone
    path("<int:pk>/", common.detail, name="detail"),
    path("<int:pk>/transitions/<str:name>/", common.transition, name="transition"),
    # 公开 (publication): public pages need no login; the office decides what is published
    path("public/", public.index, name="public_index"),
    path("public/<int:pk>/", public.detail, name="public_detail"),
    path("<int:pk>/publication/", public.decide, name="publication"),
    path("<int:pk>/excellent/", public.excellent, name="excellent"),
]

# 提案统计 and the Word files (views/reports.py)
from zhengxie.proposals.views import reports  # noqa: E402

urlpatterns += [
    path("stats/", reports.stats, name="stats"),
    path("stats/export.xlsx", reports.stats_xlsx, name="stats_xlsx"),
    path("stats/list/", reports.stats_list, name="stats_list"),
    path("<int:pk>/reply-<int:reply_id>.docx", reports.reply_docx, name="reply_docx"),
    path("compilation.docx", reports.compilation_docx, name="compilation_docx"),
]
