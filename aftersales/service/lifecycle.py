"""The states a ticket moves through and the moves allowed between them (DESIGN §4)."""

from aftersales.service.models.tickets import Status

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset(
        {S.IN_PROGRESS, S.PENDING_CUSTOMER, S.PENDING_PARTS, S.VISIT_SCHEDULED, S.RESOLVED, S.CANCELLED}
    ),
    S.IN_PROGRESS: frozenset(
        {S.PENDING_CUSTOMER, S.PENDING_PARTS, S.VISIT_SCHEDULED, S.RESOLVED, S.CANCELLED}
    ),
    S.PENDING_CUSTOMER: frozenset({S.IN_PROGRESS, S.VISIT_SCHEDULED, S.RESOLVED, S.CANCELLED}),
    S.PENDING_PARTS: frozenset({S.IN_PROGRESS, S.VISIT_SCHEDULED, S.CANCELLED}),
    S.VISIT_SCHEDULED: frozenset(
        {S.IN_PROGRESS, S.PENDING_CUSTOMER, S.PENDING_PARTS, S.RESOLVED, S.CANCELLED}
    ),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset(
        {
            S.ASSIGNED,
            S.IN_PROGRESS,
            S.PENDING_CUSTOMER,
            S.PENDING_PARTS,
            S.VISIT_SCHEDULED,
            S.RESOLVED,
            S.CANCELLED,
        }
    ),
    S.CLOSED: frozenset({S.REOPENED}),
    S.CANCELLED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
