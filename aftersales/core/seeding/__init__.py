"""The parts of `aftersales seed`: a realistic, deterministic demo database (see the command's help).

org.py        organisation, stores, opening hours, departments, fault taxonomy, staff, leave
catalogue.py  product categories and models, warranty and SLA policies
customers.py  customers, contacts, portal logins, assets and their coverage
surveys.py    survey invitations and answers for the resolved requests
facts.py      the business data (sales, inventory, attendance, finance, quality, ...) through the import
campaigns.py  two relationship survey campaigns (one finished, one running) with answers
tickets.py    arrivals and the batch loop; timeline.py plays one ticket, finish.py stores it as of
              today (escalation.py adds what the SLA scan would have done, complaints.py a complaint's
              record with its escalations and closure)
calendar.py   store calendars precomputed for the SLA arithmetic
db.py         explicit-id, explicit-timestamp bulk inserts (executemany; COPY on PostgreSQL)
pipeline.py   a forked child generates the tickets while this process writes them
reset.py      `--reset`: delete what a seed wrote
context.py    size, random sources, "now" and the writer, shared by all of the above
names.py, faults.py   Chinese names, places, VINs, serials and request texts
"""

from __future__ import annotations

from django.db import transaction

from aftersales.core.seeding.campaigns import seed_campaigns
from aftersales.core.seeding.catalogue import seed_catalogue
from aftersales.core.seeding.context import SIZES, Seed, Size
from aftersales.core.seeding.customers import seed_customers
from aftersales.core.seeding.db import tune_for_bulk
from aftersales.core.seeding.facts import seed_facts
from aftersales.core.seeding.org import seed_org
from aftersales.core.seeding.surveys import seed_surveys
from aftersales.core.seeding.tickets import seed_tickets


def run(s: Seed) -> dict[str, int]:
    """Write the whole demo into an empty database; returns row counts per table."""
    from aftersales.accounts.models import User

    s.taken_usernames = set(User.objects.values_list("username", flat=True))
    restore = tune_for_bulk()
    try:
        with transaction.atomic():
            org = seed_org(s)
            catalogue = seed_catalogue(s, org)
            s.writer.flush()
            customers = seed_customers(s, org, catalogue)
            s.writer.flush()
        seed_tickets(s, org, catalogue, customers)
        seed_surveys(s)
        s.writer.reset_sequences()
        s.progress("business data (facts) …")
        with transaction.atomic():
            facts = seed_facts(s, org)
        with transaction.atomic():
            seed_campaigns(s)
    finally:
        restore()
    return {**{table.model._meta.label: table.written for table in s.writer.tables.values()}, **facts}


__all__ = ["SIZES", "Seed", "Size", "run"]
