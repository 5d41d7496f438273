"""Lenient readers of query-string filters: a value that does not parse is no filter, not an error
(a list page keeps working with a hand-edited URL). Endpoints that must answer a bad value with 400
validate with their schemas instead."""

from datetime import date


def int_or_none(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def date_or_none(value) -> date | None:
    """An ISO date (2026-11-30), or None."""
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None
