from django.db import models


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportBatchQuerySet":
        """Admins and executives see every import; anyone else the imports they made themselves."""
        from aftersales.accounts.models import Role

        if not user.is_authenticated or not user.is_active or not user.is_staff_member:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMIN, Role.EXECUTIVE):
            return self
        return self.filter(by=user)


def facts_visible_to(dataset, user) -> models.QuerySet:
    """A dataset's rows a person may read: none unless they may import it; a store manager's only for
    their own stores (company-wide rows, without a store, are not theirs)."""
    from aftersales.facts.permissions import can_import, store_scope

    rows = dataset.model._default_manager.all()
    if not user.is_authenticated or not can_import(user, dataset):
        return rows.none()
    scope = store_scope(user)
    if scope.store_ids is None:
        return rows
    if dataset.store_field is None:
        return rows.none()
    return rows.filter(store_id__in=sorted(scope.store_ids))
