from django import template

from aftersales.facts.permissions import importable_datasets

register = template.Library()


@register.filter
def imports_business_data(user) -> bool:
    """Whether the business data pages are for this user (some dataset they may import)."""
    return bool(getattr(user, "is_authenticated", False) and importable_datasets(user))
