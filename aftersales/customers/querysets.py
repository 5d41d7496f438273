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
        store_ids = sorted(user.store_ids)
        # EXISTS rather than a join: no DISTINCT over a customer's many requests.
        tickets = self.model._meta.get_field("service_requests").related_model
        served_here = models.Exists(
            tickets.objects.filter(customer=models.OuterRef("pk"), store_id__in=store_ids)
        )
        return self.filter(models.Q(home_store_id__in=store_ids) | served_here)


class AssetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssetQuerySet":
        from aftersales.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user))
