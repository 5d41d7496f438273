"""Template helpers of the staff pages, beside the shared ones in `core.templatetags.ui`."""

from django import template
from django.utils.translation import gettext

from aftersales.service.forms import error_id

register = template.Library()


@register.filter
def sla_target_label(ticket) -> str:
    """Which target the ticket's SLA countdown is about: "first response" or "resolution"."""
    if ticket is None:
        return ""
    target, _due = ticket.sla_target
    return {"response": gettext("first response"), "resolution": gettext("resolution")}[target]


@register.inclusion_tag("service/partials/field.html")
def field(bound_field, *, label: str | None = None, hide_label: bool = False):
    """One form field: label, input, help and error text, for Pico's form styles."""
    return {
        "field": bound_field,
        "label": label if label is not None else bound_field.label,
        "hide_label": hide_label,
        "is_checkbox": bound_field.widget_type == "checkbox",
        "error_id": error_id(bound_field.form, bound_field.name),
    }


@register.inclusion_tag("service/partials/form_errors.html")
def form_errors(form):
    return {"errors": form.non_field_errors() if form is not None else []}
