"""`seed --reset`: remove what a seed wrote, so the next run starts from the same empty tables.

Removed: the survey campaigns (their invitations go with the customers); every ticket with its events, comments, attachments' rows, visits, parts and pauses; assignment
cursors and SLA policies; customers with contacts, assets and coverage; the product catalogue and
warranty policies; the fault taxonomy; the demo organisation with its stores (opening hours,
departments, teams, calendar overrides); every imported business data row and the import history;
and the demo accounts (staff `@staff.example.com` and the
customers' portal logins). Other accounts stay (they lose their links to the deleted stores).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from aftersales.accounts.models import FaultCategory, Organisation, Store, User
from aftersales.core.seeding.context import ORG_CODE, STAFF_EMAIL_DOMAIN
from aftersales.core.seeding.db import delete_all
from aftersales.customers.models import Asset, Customer, ProductCategory, ProductModel, WarrantyPolicy
from aftersales.facts.datasets import REGISTRY
from aftersales.facts.models import ImportBatch
from aftersales.service.models import AssignmentCursor, SlaPolicy, Ticket
from aftersales.surveys.models import Campaign


def is_seeded() -> bool:
    return Ticket.objects.exists() or Organisation.objects.filter(code=ORG_CODE).exists()


@transaction.atomic
def wipe() -> None:
    portal_users = list(Customer.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    # Imported facts point at stores and staff (PROTECT): they go first, with their import history.
    delete_all([*(dataset.model for dataset in reversed(REGISTRY)), ImportBatch])
    # The big tables (and whatever cascades from them) go with plain DELETEs.
    delete_all(
        [
            Campaign,
            Ticket,
            AssignmentCursor,
            SlaPolicy,
            Customer,
            Asset,
            ProductModel,
            ProductCategory,
            WarrantyPolicy,
        ]
    )
    # The small ones through the ORM, which also clears many-to-many rows, leave and API tokens.
    User.objects.filter(Q(email__endswith=STAFF_EMAIL_DOMAIN) | Q(pk__in=portal_users)).delete()
    Store.objects.filter(organisation__code=ORG_CODE).delete()
    Organisation.objects.filter(code=ORG_CODE).delete()
    delete_all([FaultCategory])
