from django.urls import path

from aftersales.facts import views

app_name = "facts"
urlpatterns = [
    path("", views.datasets, name="datasets"),
    path("import/", views.import_page, name="import"),
    path("templates/<slug:dataset>.<slug:extension>", views.template, name="template"),
]
