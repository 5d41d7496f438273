from django.db import models
from django.db.models.functions import Lower


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CustomerQuerySet":
        """Customers a person may see: staff of the customer's home store or of a store that served them;
        company-wide roles see all; a portal customer sees only themself."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.is_staff_member:
            return self.filter(user=user)
        if user.sees_all_stores:
            return self
        store_ids = sorted(user.store_ids)
        # EXISTS rather than a join: no DISTINCT over a customer's many requests.
        tickets = self.model._meta.get_field("service_requests").related_model
        served_here = models.Exists(
            tickets.objects.filter(customer=models.OuterRef("pk"), store_id__in=store_ids)
        )
        return self.filter(models.Q(home_store_id__in=store_ids) | served_here)

    def with_email(self, address: str) -> "CustomerQuerySet":
        """Customers whose email is `address`, whatever the case of either: LOWER(email) = LOWER(address),
        the expression the index customer_email_lower holds. (`email__iexact` compares UPPER() on
        PostgreSQL, which that index cannot serve; both sides lowered by the database, not by Python,
        so the two agree on every letter.)"""
        return self.alias(email_lower=Lower("email")).filter(email_lower=Lower(models.Value(address)))

    def visible_get(self, user, pk: int, *, already_read=None):
        """The customer `pk` if `user` may see them (the rule of `visible_to`), else None: a plain read
        by primary key, and the `visible_to` query only for staff outside the customer's home store,
        whom a request served in their store may make see them. `already_read`: a customer the caller
        has in hand (e.g. read with an asset), which spares the read when it is customer `pk`."""
        if not user.is_authenticated or not user.is_active:
            return None
        if already_read is not None and already_read.pk == pk:
            customer = already_read
        else:
            customer = self.filter(pk=pk).first()
        if customer is None:
            return None
        if not user.is_staff_member:
            return customer if customer.user_id == user.pk else None
        if user.sees_all_stores or customer.home_store_id in user.store_ids:
            return customer
        return self.visible_to(user).filter(pk=pk).first()


class AssetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssetQuerySet":
        from aftersales.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user))
