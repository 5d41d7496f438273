"""Template helpers shared by every page: optional links, status badges, SLA state, durations.

{% load ui %}
{% url_or_none 'service:manager' as manager_url %}{% if manager_url %}…{% endif %}
<span class="{{ ticket.status|status_badge_class }}">…</span>
<span class="sla sla-{{ ticket|sla_state }}">{{ ticket|sla_minutes_left|duration_minutes }}</span>
"""

import re
from datetime import date, datetime

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, ngettext

from aftersales.core import clock

register = template.Library()

# Ticket statuses by meaning; mirrors service.models.tickets (core does not import the apps above it).
DONE_STATUSES = frozenset({"resolved", "closed", "cancelled"})
PAUSED_STATUSES = frozenset({"pending_customer", "pending_parts"})
MANAGER_ROLES = frozenset({"admin", "executive", "store_manager", "department_manager"})


@register.simple_tag
def url_or_none(name: str, *args, **kwargs) -> str | None:
    """`{% url %}` that gives None instead of failing when the URL name does not exist (yet)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@register.filter
def is_manager(user) -> bool:
    """Whether the manager pages are for this user (managers, executives, administrators)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (getattr(user, "is_superuser", False) or getattr(user, "role", "") in MANAGER_ROLES)
    )


@register.filter
def status_badge_class(status) -> str:
    """CSS classes of a ticket status badge: "badge badge-in_progress". Takes a status or a ticket."""
    value = str(getattr(status, "status", status) or "unknown")
    return f"badge badge-{re.sub(r'[^a-z0-9_-]', '', value.lower()) or 'unknown'}"


def _active_target(ticket) -> tuple[str, datetime | None]:
    """The target the ticket is racing now: first response until it happened, then resolution."""
    if (
        getattr(ticket, "response_due_at", None) is not None
        and getattr(ticket, "first_response_at", None) is None
    ):
        return "response", ticket.response_due_at
    return "resolution", getattr(ticket, "resolution_due_at", None)


def _active_deadline(ticket) -> datetime | None:
    return _active_target(ticket)[1]


@register.filter
def sla_state(ticket) -> str:
    """ "ok", "warning", "breached", "paused", "met" or "missed" for a Ticket, from its stored SLA fields.

    A done ticket (resolved, closed, cancelled) is "met", or "missed" if a target was missed. An open ticket is
    judged on the target it is racing now (first response, then resolution): "paused" while the clock
    stands still, "breached" once that deadline has passed, "warning" once
    the policy's warning share (as the SLA scan uses it) of the time to it is used up (or the SLA scan has warned), else "ok"."""
    if ticket is None:
        return ""
    now = clock.now()
    status = getattr(ticket, "status", "")
    if status in DONE_STATUSES or not getattr(ticket, "is_open", True):
        response_due = getattr(ticket, "response_due_at", None)
        resolution_due = getattr(ticket, "resolution_due_at", None)
        first_response = getattr(ticket, "first_response_at", None)
        resolved = getattr(ticket, "resolved_at", None)
        missed = (
            getattr(ticket, "response_breached", False)
            or getattr(ticket, "resolution_breached", False)
            or (response_due is not None and first_response is not None and first_response > response_due)
            or (resolution_due is not None and resolved is not None and resolved > resolution_due)
        )
        return "missed" if missed else "met"
    if status in PAUSED_STATUSES or getattr(ticket, "paused_since", None) is not None:
        return "paused"
    target, deadline = _active_target(ticket)
    if getattr(ticket, f"{target}_breached", False):
        return "breached"
    if deadline is None:
        return "ok"
    if now >= deadline:
        return "breached"
    warned, responded = getattr(ticket, "warned_at", None), getattr(ticket, "first_response_at", None)
    if warned is not None and (target == "response" or responded is None or warned >= responded):
        return "warning"  # the SLA scan warned about the target raced now
    started = getattr(ticket, "created_at", None)
    policy = getattr(ticket, "sla_policy", None)
    share = policy.warning_percent / 100 if policy is not None else settings.AFTERSALES_SLA_WARNING_SHARE
    if started is not None and deadline > started and (now - started) / (deadline - started) >= share:
        return "warning"
    return "ok"


@register.filter
def sla_minutes_left(ticket) -> int | None:
    """Whole minutes to the deadline the ticket is racing now (negative when overdue); None if none."""
    deadline = _active_deadline(ticket) if ticket is not None else None
    if deadline is None:
        return None
    return int((deadline - clock.now()).total_seconds() // 60)


@register.filter
def duration_minutes(minutes) -> str:
    """Minutes as "45 min", "2 h 05 min" or "3 d 4 h"; negative values get a leading "−"."""
    if minutes is None or minutes == "":
        return ""
    try:
        total = int(minutes)
    except (TypeError, ValueError):
        return ""
    sign, total = ("−", -total) if total < 0 else ("", total)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    elif hours:
        text = gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": mins}
    else:
        text = ngettext("%(minutes)d min", "%(minutes)d min", mins) % {"minutes": mins}
    return sign + text


@register.inclusion_tag("partials/filter_select.html")
def filter_select(
    field_id: str, name: str, label: str, options, selected, *, value: str = "", text: str = ""
):
    """One select of a list page's filter form (a GET form), "All" first, the current choice selected:
    {% filter_select "complaints-store" "store" _("Store") stores filters.store value="code" text="name" %}.
    `options` are (value, label) pairs (model choices), or objects whose attributes `value` and
    `text` name (without `text`, the object's str()), or plain values shown as they are."""
    rows = []
    for option in options:
        pair = isinstance(option, (tuple, list)) and len(option) == 2
        option_value = getattr(option, value) if value else option[0] if pair else option
        option_text = getattr(option, text) if text else option[1] if pair else option
        rows.append((option_value, option_text, option_value == selected))
    return {"id": field_id, "name": name, "label": label, "options": rows}


@register.inclusion_tag("partials/filter_input.html")
def filter_input(field_id: str, name: str, label: str, current, *, type: str = "text", css_class: str = ""):  # noqa: A002 - the HTML attribute's name
    """One input of a list page's filter form: a date (`type="date"`, shown as YYYY-MM-DD) or a search
    box; nothing filtered (None) shows empty."""
    if current is None:
        current = ""
    elif isinstance(current, date):
        current = current.isoformat()
    return {
        "id": field_id,
        "name": name,
        "label": label,
        "value": current,
        "type": type,
        "css_class": css_class,
    }
