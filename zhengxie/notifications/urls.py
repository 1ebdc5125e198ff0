from django.urls import path

from zhengxie.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("read/", views.mark_all_read, name="mark_all_read"),
]
