"""Customers and their assets over the API (`/api/v1/customers`, `/api/v1/assets`).

Reads go through `Customer.objects.visible_to` / `Asset.objects.visible_to`: a customer the caller may
not see is "not found". Writes are for staff working in the store concerned.
"""

from django.db.models import Q
from django.http import Http404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from aftersales.accounts.models import Store, User
from aftersales.api.auth import current_user
from aftersales.api.pagination import PageNumberPagination
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.customers.models import Asset, Customer, ProductModel, WarrantyPolicy
from aftersales.customers.schemas import AssetIn, AssetOut, CustomerIn, CustomerOut
from aftersales.customers.services import asset_register, customer_access_record, customer_create
from aftersales.service.permissions import works_in_store

router = Router(tags=["customers"])


def _require_staff_of(user: User, store: Store) -> None:
    if not user.is_staff_member or not works_in_store(user, store.pk):
        raise NotAllowed(f"Only staff of {store.name} may do that.", field="store")


def _store(code: str, *, field: str) -> Store:
    store = Store.objects.filter(code=code).first()
    if store is None:
        raise ApplicationError(f"There is no store with code '{code}' ({field}).", field=field)
    return store


def _visible_customer(user: User, customer_id: int) -> Customer:
    customer = Customer.objects.visible_to(user).select_related("home_store").filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def _assets(user: User):
    return Asset.objects.visible_to(user).select_related("product_model", "selling_store")


@router.get("/customers", response=list[CustomerOut], summary="List customers")
@paginate(PageNumberPagination)
def customers_list(request, q: str = Query("", description="name, phone, email, or an asset's serial / VIN")):
    user = current_user(request)
    customers = Customer.objects.visible_to(user).select_related("home_store")
    q = q.strip()
    if q:
        customers = customers.filter(
            Q(name__icontains=q)
            | Q(phone__contains=q)
            | Q(email__iexact=q)
            | Q(pk__in=Asset.objects.filter(serial__iexact=q).values("customer_id"))
        )
    return customers.order_by("name", "pk")


@router.get("/customers/{int:customer_id}", response=CustomerOut, summary="Get a customer")
def customers_get(request, customer_id: int):
    user = current_user(request)
    customer = _visible_customer(user, customer_id)
    customer_access_record(viewer=user, customer=customer, purpose="api: customer")
    return customer


@router.post("/customers", response={201: CustomerOut}, summary="Create a customer")
def customers_create(request, payload: CustomerIn):
    user = current_user(request)
    if not user.is_staff_member:
        raise NotAllowed("Only staff may register customers.")
    if payload.home_store:
        home_store = _store(payload.home_store, field="home_store")
    else:
        own = list(user.stores.all()[:2])
        if len(own) != 1:
            raise ApplicationError("Give the customer's home store (a store code).", field="home_store")
        home_store = own[0]
    _require_staff_of(user, home_store)
    customer = customer_create(
        name=payload.name,
        home_store=home_store,
        phone=payload.phone,
        email=payload.email,
        kind=payload.kind,
        tier=payload.tier,
        consent_to_contact=payload.consent_to_contact,
        city=payload.city,
        address=payload.address,
    )
    return Status(201, customer)


@router.get(
    "/customers/{int:customer_id}/assets", response=list[AssetOut], summary="List a customer's assets"
)
@paginate(PageNumberPagination)
def customers_assets(request, customer_id: int):
    user = current_user(request)
    customer = _visible_customer(user, customer_id)
    return _assets(user).filter(customer=customer).order_by("serial", "pk")


@router.post(
    "/customers/{int:customer_id}/assets",
    response={201: AssetOut},
    summary="Register an asset and its warranty",
)
def customers_assets_create(request, customer_id: int, payload: AssetIn):
    user = current_user(request)
    customer = _visible_customer(user, customer_id)
    _require_staff_of(user, customer.home_store)
    product_model = (
        ProductModel.objects.select_related("warranty_policy").filter(code=payload.product_model).first()
    )
    if product_model is None:
        raise ApplicationError(
            f"There is no product model with code '{payload.product_model}' (product_model).",
            field="product_model",
        )
    selling_store = (
        _store(payload.selling_store, field="selling_store") if payload.selling_store else customer.home_store
    )
    policies = {
        policy.code: policy for policy in WarrantyPolicy.objects.filter(code__in=payload.extra_policies)
    }
    unknown = [code for code in payload.extra_policies if code not in policies]
    if unknown:
        raise ApplicationError(
            f"There is no warranty policy with code '{unknown[0]}' (extra_policies).", field="extra_policies"
        )
    asset = asset_register(
        customer=customer,
        product_model=product_model,
        serial=payload.serial,
        purchase_date=payload.purchase_date,
        delivery_date=payload.delivery_date,
        selling_store=selling_store,
        extra_policies=tuple(policies[code] for code in payload.extra_policies),
    )
    return Status(201, _assets(user).get(pk=asset.pk))


@router.get("/assets/{int:asset_id}", response=AssetOut, summary="Get an asset with its warranty status")
def assets_get(request, asset_id: int):
    asset = _assets(current_user(request)).filter(pk=asset_id).first()
    if asset is None:
        raise Http404
    return asset
