from django.urls import path

from aftersales.surveys import campaign_views, views

app_name = "surveys"
urlpatterns = [
    path("thanks/", views.thanks, name="thanks"),
    path("results/", views.results, name="results"),
    path("requests/<str:number>/panel/", views.ticket_panel, name="ticket_panel"),
    path("requests/<str:number>/link/", views.ticket_link, name="ticket_link"),
    path("recovery/<str:number>/", views.recovery_outcome, name="recovery_outcome"),
    # before the token pattern: "campaigns" must not be read as a survey link's token
    path("campaigns/", campaign_views.campaigns, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/population/", campaign_views.campaign_population, name="campaign_population"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/draw/", campaign_views.campaign_draw, name="campaign_draw"),
    path("campaigns/<int:pk>/start/", campaign_views.campaign_start_view, name="campaign_start"),
    path("campaigns/<int:pk>/cancel/", campaign_views.campaign_cancel_view, name="campaign_cancel"),
    path("<str:token>/", views.answer, name="answer"),
]
