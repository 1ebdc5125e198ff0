from django.urls import path

from zhengxie.proposals.views import common, member, staff, unit

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
    path("<int:pk>/answer/", unit.answer, name="answer"),
    path("<int:pk>/reassign-request/", unit.reassign_request, name="reassign_request"),
    # everyone
    path("<int:pk>/", common.detail, name="detail"),
    path("<int:pk>/transitions/<str:name>/", common.transition, name="transition"),
]
