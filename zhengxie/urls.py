from django.contrib import admin
from django.urls import include, path

from zhengxie.api import api
from zhengxie.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("zhengxie.accounts.urls")),
    path("org/", include("zhengxie.org.urls")),
    path("search/", include("zhengxie.textindex.urls")),
    path("proposals/", include("zhengxie.proposals.urls")),
    path("opinions/", include("zhengxie.opinions.urls")),
    path("members/", include("zhengxie.members.urls")),
    path("audit/", include("zhengxie.audit.urls")),
    path("notifications/", include("zhengxie.notifications.urls")),
    path("deadlines/", include("zhengxie.deadlines.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]
