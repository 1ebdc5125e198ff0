from django.urls import path

from zhengxie.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("committee/", views.switch_committee, name="switch_committee"),
    path("password/", views.password_change, name="password_change"),
]
urlpatterns += [
    path("roles/", views.role_list, name="roles"),
    path("roles/<int:grant_id>/revoke/", views.role_revoke_view, name="role_revoke"),
]
