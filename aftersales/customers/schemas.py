"""API shapes of customers and their assets."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ninja import Field, Schema

from aftersales.core import clock
from aftersales.customers.selectors import asset_warranty_status


class StoreRef(Schema):
    code: str
    name: str


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    phone: str
    email: str
    tier: str
    consent_to_contact: bool
    region: str
    city: str
    address: str
    home_store: StoreRef
    created_at: datetime


class CustomerRef(Schema):
    id: int
    name: str


class CustomerIn(Schema):
    name: str
    home_store: str | None = Field(
        None, description="store code; defaults to the caller's store when they work in exactly one"
    )
    phone: str = ""
    email: str = Field("", description="a phone number or an email address is required")
    kind: str = Field("person", description="person | company")
    tier: str = Field("standard", description="standard | silver | gold | vip")
    consent_to_contact: bool = True
    city: str = ""
    address: str = ""


class ProductModelRef(Schema):
    code: str
    name: str


class WarrantyOut(Schema):
    """The warranty in force today: "in warranty until …" or "out of warranty since …"."""

    in_warranty: bool
    until: date | None = Field(description="last covered day of the coverage in force")
    since: date | None = Field(description="first day without coverage (null if there never was one)")
    parts_percent: int
    labour_percent: int
    policy_name: str
    label: str


class AssetOut(Schema):
    id: int
    customer_id: int
    product_model: ProductModelRef
    serial: str
    purchase_date: date
    delivery_date: date | None
    selling_store: StoreRef
    warranty: WarrantyOut

    @staticmethod
    def resolve_warranty(obj):
        """Today's status, "today" being the date at the selling store."""
        today = clock.now().astimezone(ZoneInfo(obj.selling_store.timezone)).date()
        return asset_warranty_status(asset=obj, on=today)


class AssetIn(Schema):
    product_model: str = Field(description="product model code")
    serial: str = Field(description="serial number, or the VIN of a vehicle")
    purchase_date: date
    delivery_date: date | None = None
    selling_store: str | None = Field(None, description="store code; defaults to the customer's home store")
    extra_policies: list[str] = Field(
        default_factory=list, description="codes of extended warranty policies bought with the asset"
    )
