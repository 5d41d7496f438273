from django.urls import path

from aftersales.surveys import views

app_name = "surveys"
urlpatterns = [
    path("thanks/", views.thanks, name="thanks"),
    path("results/", views.results, name="results"),
    path("<str:token>/", views.answer, name="answer"),
]
