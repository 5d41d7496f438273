from aftersales.service.models.complaints import Complaint
from aftersales.service.models.mail import InboundMessage
from aftersales.service.models.sla import PauseSegment, SlaPolicy
from aftersales.service.models.tickets import (
    Attachment,
    Comment,
    Ticket,
    TicketEvent,
)
from aftersales.service.models.work import AssignmentCursor, PartUsage, Visit

__all__ = [
    "AssignmentCursor",
    "Attachment",
    "Comment",
    "Complaint",
    "InboundMessage",
    "PartUsage",
    "PauseSegment",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "Visit",
]
