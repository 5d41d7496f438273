from django.urls import path

from aftersales.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("executive/", views.executive, name="executive"),
    path("store/", views.store, name="store"),
    path("specialist/", views.specialist, name="specialist"),
    path("quality/", views.quality, name="quality"),
    path("business/", views.business, name="business"),
    path("drill/<str:code>/<str:part>/", views.drill, name="drill"),
]
