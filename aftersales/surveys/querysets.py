from django.db import models

from aftersales.accounts.models import COMPANY_WIDE_ROLES, MANAGER_ROLES

# Who runs relationship survey campaigns: managers, executives and quality staff.
CAMPAIGN_ROLES = MANAGER_ROLES | COMPANY_WIDE_ROLES


def may_run_campaigns(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff_member
        and (user.is_superuser or user.role in CAMPAIGN_ROLES)
    )


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CampaignQuerySet":
        """Campaigns a person may see: company-wide roles all of them; a store or department manager
        those whose stores are all their own (a campaign over every store is company-wide); nobody else
        any."""
        if not may_run_campaigns(user):
            return self.none()
        if user.sees_all_stores:
            return self
        mine = sorted(user.store_ids)
        foreign_store = models.Exists(
            self.model.stores.through.objects.filter(campaign=models.OuterRef("pk")).exclude(
                store_id__in=mine
            )
        )
        own_store = models.Exists(
            self.model.stores.through.objects.filter(campaign=models.OuterRef("pk"), store_id__in=mine)
        )
        return self.filter(own_store).exclude(foreign_store)
