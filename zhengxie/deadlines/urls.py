from django.urls import path

from zhengxie.deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/<int:day_id>/delete/", views.calendar_day_delete, name="calendar_delete"),
]
