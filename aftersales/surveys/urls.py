from django.urls import path

from aftersales.surveys import views

app_name = "surveys"
urlpatterns = [
    path("thanks/", views.thanks, name="thanks"),
    path("results/", views.results, name="results"),
    path("requests/<str:number>/panel/", views.ticket_panel, name="ticket_panel"),
    path("requests/<str:number>/link/", views.ticket_link, name="ticket_link"),
    path("recovery/<str:number>/", views.recovery_outcome, name="recovery_outcome"),
    path("<str:token>/", views.answer, name="answer"),
]
