"""Reads of customers, assets and warranty coverage."""

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db import connections, router
from django.db.models import Q, QuerySet

from aftersales.accounts.models import Store
from aftersales.core import reference
from aftersales.customers.models import Asset, Coverage, Customer, ProductModel, WarrantyPolicy


@dataclass(frozen=True)
class WarrantyStatus:
    """What registration shows: "in warranty until …" or "out of warranty since …"."""

    in_warranty: bool
    until: date | None  # last covered day of the coverage in force
    since: date | None  # day after the last coverage ended (None if the asset never had one)
    parts_percent: int
    labour_percent: int
    policy_name: str

    @property
    def label(self) -> str:
        from django.utils.formats import date_format
        from django.utils.translation import gettext

        if self.in_warranty:
            return gettext("In warranty until %(date)s") % {"date": date_format(self.until)}
        if self.since:
            return gettext("Out of warranty since %(date)s") % {"date": date_format(self.since)}
        return gettext("No warranty on record")


@dataclass(frozen=True)
class _Cover:
    starts_on: date
    ends_on: date
    policy: WarrantyPolicy


def _coverages(asset: Asset) -> list[_Cover]:
    """The asset's coverages by end date, with their policies (reference data, cached per process:
    core.reference). Written out in SQL because every registration runs it: the ORM spent several
    times longer composing and turning this three-column read into objects than the database spent
    running it."""
    connection = connections[router.db_for_read(Coverage)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT starts_on, ends_on, policy_id FROM {Coverage._meta.db_table} "  # noqa: S608 - table name
            "WHERE asset_id = %s ORDER BY ends_on",
            [asset.pk],
        )
        rows = cursor.fetchall()
    return [
        _Cover(
            starts_on=_date(starts_on),
            ends_on=_date(ends_on),
            policy=reference.cached_row(WarrantyPolicy, policy_id),
        )
        for starts_on, ends_on, policy_id in rows
    ]


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite may give text


def asset_warranty_status(*, asset: Asset, on: date) -> WarrantyStatus:
    coverages = _coverages(asset)
    in_force = [c for c in coverages if c.starts_on <= on <= c.ends_on]
    if in_force:
        # Several coverages may overlap (standard + extended): the most generous one applies.
        best = max(in_force, key=lambda c: (c.policy.parts_percent + c.policy.labour_percent, c.ends_on))
        return WarrantyStatus(
            in_warranty=True,
            until=max(c.ends_on for c in in_force),
            since=None,
            parts_percent=best.policy.parts_percent,
            labour_percent=best.policy.labour_percent,
            policy_name=best.policy.name,
        )
    ended = [c for c in coverages if c.ends_on < on]
    since = None
    if ended:
        from datetime import timedelta

        since = ended[-1].ends_on + timedelta(days=1)
    return WarrantyStatus(
        in_warranty=False,
        until=None,
        since=since,
        parts_percent=0,
        labour_percent=0,
        policy_name=ended[-1].policy.name if ended else "",
    )


def asset_with_customer(pk: int) -> Asset | None:
    """The asset `pk` with its customer, its product model and the customer's home store (those two
    reference rows from the cache, core.reference), or None. Written out in SQL because every API
    registration runs it: the ORM spent several times longer composing the join and building the two
    objects than the database spent running it. The values pass through the same converters the ORM
    applies (SQLite hands back text for dates and times); a test compares the result with the ORM's
    read, field by field, on both databases."""
    connection = connections[router.db_for_read(Asset)]
    sql, asset_columns, converters = _asset_with_customer_sql(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, column, field_converters in converters:
        for convert in field_converters:
            values[index] = convert(values[index], column, connection)
    # Every concrete field, in order: `from_db` needs no names then.
    asset = Asset.from_db(connection.alias, None, values[:asset_columns])
    customer = Customer.from_db(connection.alias, None, values[asset_columns:])
    asset.customer = customer
    asset.product_model = reference.cached_row(ProductModel, asset.product_model_id)
    customer.home_store = reference.cached_row(Store, customer.home_store_id)
    return asset


@cache
def _asset_with_customer_sql(alias: str) -> tuple[str, int, list[tuple]]:
    """The query, the number of asset columns, and the converters of each column that has any."""
    connection = connections[alias]
    asset_fields, customer_fields = Asset._meta.concrete_fields, Customer._meta.concrete_fields
    columns = [f"a.{field.column}" for field in asset_fields] + [
        f"c.{field.column}" for field in customer_fields
    ]
    converters = []
    for index, (table, field) in enumerate(
        [("a", field) for field in asset_fields] + [("c", field) for field in customer_fields]
    ):
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    sql = (
        f"SELECT {', '.join(columns)} FROM {Asset._meta.db_table} a "  # noqa: S608 - names from the models
        f"JOIN {Customer._meta.db_table} c ON c.id = a.customer_id WHERE a.id = %s"
    )
    return sql, len(asset_fields), converters


def customer_search(*, viewer, query: str, limit: int = 20) -> QuerySet[Customer]:
    """Lookup for the registration form: by name, phone, email, or an asset's serial / VIN."""
    query = query.strip()
    customers = Customer.objects.visible_to(viewer)
    if not query:
        return customers.none()
    matching_assets = Asset.objects.filter(serial__iexact=query).values("customer_id")
    return customers.filter(
        Q(name__icontains=query)
        | Q(phone__contains=query)
        | Q(email__iexact=query)
        | Q(pk__in=matching_assets)
    ).select_related("home_store")[:limit]


def coverage_for(*, asset: Asset) -> QuerySet[Coverage]:
    return asset.coverages.select_related("policy")
