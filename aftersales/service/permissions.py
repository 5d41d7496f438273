"""Who may do what to a ticket. Reads are scoped by `Ticket.objects.visible_to(user)`; these checks
are for writes, one rule per line so coverage shows each case."""

from django.utils.translation import gettext as _

from aftersales.accounts.models import HANDLER_ROLES, MANAGER_ROLES, Role, User
from aftersales.core.errors import NotAllowed
from aftersales.service.models import Ticket


def works_in_store(user: User, store_id: int) -> bool:
    if user.sees_all_stores:
        return True
    return store_id in user.store_ids


def can_work_on(user: User, ticket: Ticket) -> bool:
    if not user.is_active or not user.is_staff_member:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role not in HANDLER_ROLES:
        return False
    return works_in_store(user, ticket.store_id)


def can_manage(user: User, store_id: int) -> bool:
    if not user.is_active or not user.is_staff_member:
        return False
    if user.is_superuser:
        return True
    if user.role not in MANAGER_ROLES:
        return False
    return works_in_store(user, store_id)


def is_ticket_customer(user: User, ticket: Ticket) -> bool:
    return user.is_authenticated and ticket.customer.user_id == user.pk


def require_work_on(user: User, ticket: Ticket) -> None:
    if not can_work_on(user, ticket):
        raise NotAllowed(_("You may not work on this service request."))


def require_manage(user: User, store_id: int) -> None:
    if not can_manage(user, store_id):
        raise NotAllowed(_("Only a manager of this store may do that."))
