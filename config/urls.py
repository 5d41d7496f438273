from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from aftersales.api.urls import api
from aftersales.service.views import home as home_view

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("aftersales.accounts.urls")),
    path("portal/", include("aftersales.customers.urls")),
    path("s/", include("aftersales.surveys.urls")),
    path("kpi/", include("aftersales.kpi.urls")),
    path("facts/", include("aftersales.facts.urls")),
    path("reports/", include("aftersales.reports.urls")),
    path("", home_view, name="home"),
    path("", include("aftersales.service.urls")),
]
