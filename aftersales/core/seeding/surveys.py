"""Survey invitations and answers for the seeded requests, so that the survey pages and the survey KPIs
(CSAT, NPS, CES, response rate) have a year of data in the demo.

Every resolved request whose customer has an email address was invited a day after its resolution (the
dispatch job's default delay), as the job would have done; about half of the customers answered within
a few days. The scores lean on what happened to the request — a breached or reopened one scores lower —
so that a store's survey KPIs move with its service KPIs, as they do in life.

Each invitation's token digest is the digest of no token (32 random bytes): seeded links cannot be
opened, and nobody can compute one from the seed. The digests are the only non-deterministic values.
Low scores open no service-recovery follow-up here: the seeded history ends before "now", and the
follow-ups belong to the live dispatch path.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta

from aftersales.core.seeding.context import Seed
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import Status
from aftersales.surveys.models import (
    SurveyAnswer,
    SurveyInvitation,
    SurveyItem,
    SurveyResponse,
    SurveyTemplate,
)

INVITATION_DELAY = timedelta(days=1)
EXPIRY = timedelta(days=28)
ANSWER_SHARE = 0.48
COMMENTS = [
    "师傅很专业，问题一次解决。",
    "响应很快，态度很好。",
    "等配件的时间太长了。",
    "希望上门时间能更准时一些。",
    "客服电话一直打不通。",
    "维修后还是有异响，希望跟进。",
    "整体满意，价格透明。",
    "Very helpful technician, thank you.",
]
CHUNK = 5000


def seed_surveys(s: Seed) -> int:
    """Invite and answer for every resolved request written by the seed; returns the responses written."""
    template = SurveyTemplate.objects.filter(code="transactional", active=True).order_by("-version").first()
    if template is None:  # the data migration makes it; a database without it gets no surveys
        s.progress("surveys: no active transactional template, none seeded")
        return 0
    items = {item.kind: item.pk for item in SurveyItem.objects.filter(template=template)}
    rng = random.Random(s.seed * 7919 + 17)  # its own stream: the ticket data stays as it was
    invitations = s.writer.table(SurveyInvitation)
    responses = s.writer.table(SurveyResponse)
    answers = s.writer.table(SurveyAnswer)
    as_of = s.as_of
    written = 0
    for n, (ticket_id, resolved_at, late_response, late_resolution, reopens) in enumerate(
        _resolved_requests(), start=1
    ):
        sent_at = resolved_at + INVITATION_DELAY
        if sent_at >= as_of:
            continue  # the dispatch job has not come round to it yet
        answered_at = sent_at + timedelta(hours=rng.expovariate(1 / 30))
        if rng.random() >= ANSWER_SHARE or answered_at >= min(as_of, sent_at + EXPIRY):
            answered_at = None
        invitation_id = invitations.add(
            {
                "ticket_id": ticket_id,
                "template_id": template.pk,
                "token_digest": os.urandom(32).hex(),
                "sent_at": sent_at,
                "expires_at": sent_at + EXPIRY,
                "answered_at": answered_at,
                "created_at": sent_at,
                "updated_at": answered_at or sent_at,
            }
        )
        if answered_at is not None:
            scores = _scores(rng, late=late_response or late_resolution, reopens=reopens)
            _answer(rng, responses, answers, items, invitation_id, answered_at, scores)
            written += 1
        if n % CHUNK == 0:
            s.writer.flush()
            s.progress(f"surveys: {n:,} resolved requests invited, {written:,} answered")
    s.writer.flush()
    s.progress(f"surveys: {written:,} answered")
    return written


def _resolved_requests():
    """(id, resolved_at, response breached, resolution breached, reopens) of every resolved request of a
    customer with an email address, in id order, a page at a time (no cursor is held open across the
    writes in between)."""
    after = 0
    while True:
        page = list(
            Ticket.objects.filter(pk__gt=after, status__in=[Status.RESOLVED, Status.CLOSED])
            .exclude(customer__email="")
            .order_by("pk")
            .values_list("pk", "resolved_at", "response_breached", "resolution_breached", "reopen_count")[
                :CHUNK
            ]
        )
        if not page:
            return
        yield from page
        after = page[-1][0]


def _scores(rng: random.Random, *, late: bool, reopens: int) -> dict[str, int]:
    """CSAT, NPS and CES of one answer, lower after a breach or a reopen."""
    mood = rng.random() - (0.25 if late else 0) - 0.2 * reopens
    csat = 5 if mood > 0.45 else 4 if mood > 0.12 else 3 if mood > 0.0 else 2 if mood > -0.2 else 1
    return {
        "csat": csat,
        "nps": min(10, max(0, 2 * csat + rng.choice((-1, 0, 0, 1)))),
        "ces": min(7, max(1, csat + 2 + rng.choice((-1, 0, 0, 1)))),
    }


def _answer(rng, responses, answers, items, invitation_id: int, answered_at: datetime, scores) -> None:
    response_id = responses.add(
        {
            "invitation_id": invitation_id,
            "language": "zh-hans",
            "created_at": answered_at,
            "updated_at": answered_at,
        }
    )
    for kind, number in scores.items():
        if kind in items:
            answers.add({"response_id": response_id, "item_id": items[kind], "number": number, "choices": []})
    if "text" in items and rng.random() < 0.3:
        answers.add(
            {
                "response_id": response_id,
                "item_id": items["text"],
                "text": rng.choice(COMMENTS),
                "choices": [],
            }
        )
