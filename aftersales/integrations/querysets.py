from django.db import models

from aftersales.accounts.models import Role


class WebhookSubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WebhookSubscriptionQuerySet":
        """Administrators see every subscription; a store manager those of their stores (a subscription
        without a store sends every store's events, so it is for administrators only); nobody else any."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self
        if user.role == Role.STORE_MANAGER:
            return self.filter(store_id__in=sorted(user.store_ids))
        return self.none()
