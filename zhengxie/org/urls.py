from django.urls import path

from zhengxie.org import views

app_name = "org"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sessions/add/", views.session_add, name="session_add"),
    path("<slug:kind>/add/", views.item_create, name="item_create"),
    path("<slug:kind>/<int:item_id>/", views.item_update, name="item_update"),
]
