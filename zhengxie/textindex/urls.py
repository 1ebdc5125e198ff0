from django.urls import path

from zhengxie.textindex import topic_views, views

app_name = "textindex"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("similar/", views.similar_page, name="similar"),
    path("similar/panel/", views.similar_panel, name="similar_panel"),
    path("routing/panel/", views.routing_panel, name="routing_panel"),
    path("topics/", topic_views.topics_page, name="topics"),
]
