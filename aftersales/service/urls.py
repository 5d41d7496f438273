from django.urls import path

from aftersales.service import views

app_name = "service"
urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("requests/new/", views.register, name="register"),
    path("requests/new/customers/", views.customer_search, name="customer_search"),
    path("requests/new/customers/<int:pk>/assets/", views.customer_assets, name="customer_assets"),
    path("requests/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("requests/<str:number>/actions/<slug:action>/", views.ticket_action, name="ticket_action"),
    path(
        "requests/<str:number>/attachments/<int:pk>/", views.attachment_download, name="attachment_download"
    ),
    path("complaints/", views.complaint_register, name="complaints"),
    path("complaints/export.csv", views.complaint_register_csv, name="complaints_csv"),
    path("complaints/export.xlsx", views.complaint_register_xlsx, name="complaints_xlsx"),
    path("manager/", views.manager, name="manager"),
    path("manager/requests/<str:number>/assign/", views.manager_assign, name="manager_assign"),
]
