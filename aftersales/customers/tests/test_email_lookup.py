"""Finding a customer by email address whatever its case, through the index on LOWER(email)."""

from django.db import connection, transaction

from aftersales.customers.models import Customer


def test_with_email_finds_the_customer_whatever_the_case(cast):
    # given a customer whose address was entered with capitals
    cast.customer_a.email = "Wang.Li@Example.CN"
    cast.customer_a.save(update_fields=["email"])
    # when / then: any spelling of the same address finds them, another address does not
    assert list(Customer.objects.with_email("wang.li@example.cn")) == [cast.customer_a]
    assert list(Customer.objects.with_email("WANG.LI@EXAMPLE.CN")) == [cast.customer_a]
    assert list(Customer.objects.with_email("wang.li@example.com")) == []


def test_the_lookup_is_served_by_the_lower_email_index(cast):
    lookup = Customer.objects.with_email("Wang.Li@Example.CN").order_by("pk")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A handful of test rows fit one page, where a sequential scan is cheaper; forbid it to
            # see whether the index can serve the query at all.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        plan = lookup.explain()
    assert "customer_email_lower" in plan, plan
