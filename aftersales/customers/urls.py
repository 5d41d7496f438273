from django.urls import path

from aftersales.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("requests/new/", views.portal_new, name="portal_new"),
    path("requests/<str:number>/", views.portal_request, name="portal_request"),
    path("requests/<str:number>/reply/", views.portal_reply, name="portal_reply"),
    path("requests/<str:number>/reopen/", views.portal_reopen, name="portal_reopen"),
    path("requests/<str:number>/cancel/", views.portal_cancel, name="portal_cancel"),
    path(
        "requests/<str:number>/visits/<int:visit_id>/confirm/",
        views.portal_visit_confirm,
        name="portal_visit_confirm",
    ),
    path("contact/", views.web_form, name="web_form"),
    path("contact/sent/", views.web_form_done, name="web_form_done"),
    path("track/<str:token>/", views.track, name="track"),
]
