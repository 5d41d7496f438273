"""Customer-facing pages: the signed-in portal (`portal`) and the pages without sign-in (`public`)."""

from aftersales.customers.views.portal import (
    portal_cancel,
    portal_home,
    portal_new,
    portal_reopen,
    portal_reply,
    portal_request,
    portal_visit_confirm,
)
from aftersales.customers.views.public import track, web_form, web_form_done

__all__ = [
    "portal_cancel",
    "portal_home",
    "portal_new",
    "portal_reopen",
    "portal_reply",
    "portal_request",
    "portal_visit_confirm",
    "track",
    "web_form",
    "web_form_done",
]
