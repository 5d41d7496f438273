from aftersales.service.views.actions import ticket_action
from aftersales.service.views.attachments import attachment_download
from aftersales.service.views.complaints import (
    complaint_register,
    complaint_register_csv,
    complaint_register_xlsx,
)
from aftersales.service.views.detail import ticket_detail
from aftersales.service.views.manager import manager, manager_assign
from aftersales.service.views.register import customer_assets, customer_search, register
from aftersales.service.views.workspace import home, workspace

__all__ = [
    "attachment_download",
    "complaint_register",
    "complaint_register_csv",
    "complaint_register_xlsx",
    "customer_assets",
    "customer_search",
    "home",
    "manager",
    "manager_assign",
    "register",
    "ticket_action",
    "ticket_detail",
    "workspace",
]
