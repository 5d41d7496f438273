"""Turning one spreadsheet cell (or one JSON value) into a typed value, or saying exactly why not.

Pure functions: each takes the raw value as the reader gives it (calamine: str, float, int, bool, date,
datetime; CSV: str; JSON: str, int, float, bool, None) and returns the Python value or raises
`CellError` with the reason. The import's validation adds the row, the column and the value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _


class CellError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


PLAIN_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
TRUE_WORDS = frozenset({"1", "y", "yes", "true", "t", "是", "有", "√", "✓"})
FALSE_WORDS = frozenset({"0", "n", "no", "false", "f", "否", "无", "×", "✗"})


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_formula(value) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("=")


def display(value) -> str:
    """The value as the person typed it, for an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value) -> Decimal:
    if value.__class__ is float and value == value and abs(value) < 1e15:
        return Decimal(repr(value))
    if isinstance(value, bool):
        raise CellError(_("a number is expected, not a yes/no value"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_("not a number"))
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if PLAIN_NUMBER.match(text):
            return Decimal(text.replace(",", ""))
        if re.search(r"\d", text):
            raise CellError(
                _("not a plain number: give the number alone, without a unit, currency sign or percent sign")
            )
        raise CellError(_("a number is expected"))
    raise CellError(_("a number is expected"))


def _bounded(number: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> Decimal:
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise CellError(_("must not be negative"))
        raise CellError(_("must be at least %(min)s") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise CellError(_("must be at most %(max)s") % {"max": maximum})
    return number


def parse_int(value, *, minimum: Decimal | None = None, maximum: Decimal | None = None) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise CellError(_("a whole number is expected"))
    return int(_bounded(number, minimum, maximum))


def parse_decimal(
    value, *, places: int, digits: int, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal:
    number = _number(value)
    step = Decimal(1).scaleb(-places)
    rounded = number.quantize(step)
    # A float from Excel carries binary noise (12.3450000001): what is left after the allowed places
    # must be noise, not a real digit the column would drop.
    if abs(number - rounded) > Decimal("1e-9"):
        raise CellError(_("at most %(places)d decimal places") % {"places": places})
    if len(rounded.as_tuple().digits) > digits and rounded.adjusted() >= digits - places:
        raise CellError(_("too large"))
    return _bounded(rounded, minimum, maximum)


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("not a valid calendar date")) from None


def parse_date(value) -> date:
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            raise CellError(_("a date is expected, not a date and time"))
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = DATE_TEXT.match(value.strip())
        if match:
            return _checked_date(*(int(part) for part in match.groups()))
    raise CellError(_("a date such as 2026-03-31 is expected"))


def parse_month(value) -> date:
    """A month, stored as its first day: 2026-03, 2026/3, 2026年3月, or a date on the 1st."""
    if isinstance(value, str):
        match = MONTH_TEXT.match(value.strip())
        if match:
            return _checked_date(int(match.group(1)), int(match.group(2)), 1)
    try:
        day = parse_date(value)
    except CellError:
        raise CellError(_("a month such as 2026-03 is expected")) from None
    if day.day != 1:
        raise CellError(_("a month such as 2026-03 is expected, not a day"))
    return day


def parse_bool(value) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise CellError(_("yes or no is expected (是/否, yes/no, 1/0)"))


def parse_text(value, *, max_length: int) -> str:
    if value.__class__ is str:
        text = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed as a number: 1001 comes back from Excel as 1001.0
        text = display(value).strip()
    if len(text) > max_length:
        raise CellError(_("at most %(n)d characters") % {"n": max_length})
    return text
