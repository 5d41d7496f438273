"""Who may import and read which dataset, and for which stores.

Admins and executives may import every dataset; each dataset names the other roles that may
(`Dataset.roles`: store managers for their store's business, HR for attendance and training, quality for
its datasets). A store manager is limited to the rows of their own stores; every other permitted role
works company-wide. Reads follow the same rule (`querysets.FactQuerySet.visible_to`).
"""

from aftersales.accounts.models import Role, User
from aftersales.facts.datasets import REGISTRY, Dataset
from aftersales.facts.validation import Scope


def can_import(user: User | None, dataset: Dataset) -> bool:
    """`None` is the console: whoever runs `aftersales import` has the server's own rights."""
    if user is None:
        return True
    if not user.is_active or not user.is_staff_member:
        return False
    return user.is_superuser or user.role in dataset.roles


def store_scope(user: User | None) -> Scope:
    if user is None or user.is_superuser or user.role != Role.STORE_MANAGER:
        return Scope(store_ids=None)
    return Scope(store_ids=frozenset(user.store_ids))


def importable_datasets(user: User | None) -> list[Dataset]:
    return [dataset for dataset in REGISTRY if can_import(user, dataset)]


def can_use_imports(user: User) -> bool:
    return bool(importable_datasets(user))
