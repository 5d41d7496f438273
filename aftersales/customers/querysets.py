from django.db import models


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
        store_ids = list(user.stores.values_list("pk", flat=True))
        return self.filter(
            models.Q(home_store_id__in=store_ids) | models.Q(service_requests__store_id__in=store_ids)
        ).distinct()


class AssetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssetQuerySet":
        from aftersales.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user))
