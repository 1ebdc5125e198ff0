from django.urls import path

from zhengxie.members import roster_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_new, name="new"),
    path("<int:member_id>/", views.member_detail, name="detail"),
    path("<int:member_id>/edit/", views.member_edit, name="edit"),
    path("<int:member_id>/transitions/<slug:name>/", views.member_transition, name="transition"),
    path("import/", roster_views.roster_import, name="import"),
    path("export.xlsx", roster_views.roster_export, name="export"),
]
