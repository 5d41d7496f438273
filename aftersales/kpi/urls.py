from django.urls import path

from aftersales.kpi import views

app_name = "kpi"
urlpatterns = [
    path("", views.values, name="values"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
