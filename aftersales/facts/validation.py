"""Row-by-row validation of one dataset's rows, collecting every error with its row, column, value and
reason; nothing is written here.

Two entry points share the per-cell work: `validate_table` (a file: headers in the first non-blank row,
Excel row numbers) and `validate_records` (the API: JSON objects keyed by field name, 0-based indexes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import Store
from aftersales.customers.models import Customer
from aftersales.facts import cells
from aftersales.facts.datasets import (
    BOOL,
    CHOICE,
    CUSTOMER,
    DATE,
    DECIMAL,
    INT,
    MONTH,
    PERSON,
    SESSION,
    STORE,
    TEXT,
    Column,
    Dataset,
)
from aftersales.facts.readers import Table, column_letter


@dataclass(frozen=True)
class RowError:
    row: int | None  # the Excel row number, the API's row index, or None for the file as a whole
    column: str  # the header as written in the file, or the API's field name
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class Scope:
    """The stores whose rows the importer may write: None = every store and company-wide rows."""

    store_ids: frozenset[int] | None = None


@dataclass
class Validated:
    rows: list[dict] = field(default_factory=list)  # attname -> value, ready for the database
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- headers -------------------------------------------------------------------------------------------


def _normal(header) -> str:
    text = cells.display(header).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text)


def _without_unit(text: str) -> str:
    return re.sub(r"\(.*?\)$", "", text)


def header_names(dataset: Dataset) -> dict[str, Column]:
    """Every way a column may be headed: Chinese, English, the field name, each with or without its unit."""
    names: dict[str, Column] = {}
    for column in dataset.columns:
        for name in (column.zh, column.en, column.field):
            normal = _normal(name)
            names.setdefault(normal, column)
            names.setdefault(_without_unit(normal), column)
    return names


def _column_label(column: Column) -> str:
    return column.header(translation.get_language() or "zh-hans")


HEADER_SEARCH_ROWS = 10


def find_header(dataset: Dataset, table: Table) -> int:
    """The index of the header row: the first of the first rows that names a column of the dataset (a
    sheet often has a title above its table), else the first row."""
    names = header_names(dataset)
    for index, (_number, row) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        if any(not cells.is_blank(raw) and _normal(raw) in names for raw in row):
            return index
    return 0


def map_headers(
    dataset: Dataset, number: int, header: list
) -> tuple[list[tuple[int, Column, str]], list[RowError]]:
    names = header_names(dataset)
    found: dict[str, tuple[int, str]] = {}
    placed: list[tuple[int, Column, str]] = []
    errors: list[RowError] = []
    expected = ", ".join(_column_label(column) for column in dataset.columns)
    for index, raw in enumerate(header):
        if cells.is_blank(raw):
            continue
        label = cells.display(raw).strip()
        column = names.get(_normal(raw)) or names.get(_without_unit(_normal(raw)))
        if column is None:
            reason = _("unknown column; the columns of this dataset are: %(columns)s") % {"columns": expected}
            errors.append(RowError(number, label, label, reason))
        elif column.field in found:
            first = found[column.field][1]
            reason = _("the column appears twice (also “%(first)s” in column %(letter)s)") % {
                "first": first,
                "letter": column_letter(found[column.field][0]),
            }
            errors.append(RowError(number, label, label, reason))
        else:
            found[column.field] = (index, label)
            placed.append((index, column, label))
    for column in dataset.columns:
        if column.required and column.field not in found:
            errors.append(RowError(number, _column_label(column), "", _("a required column is missing")))
    return placed, errors


# --- cells ---------------------------------------------------------------------------------------------


class References:
    """Codes of other rows a cell may name, loaded once per import (one query per kind)."""

    def __init__(self):
        self._maps: dict[str, dict[str, int]] = {}

    def get(self, kind: str) -> dict[str, int]:
        if kind not in self._maps:
            if kind == STORE:
                self._maps[kind] = dict(Store.objects.values_list("code", "pk"))
            elif kind == PERSON:
                self._maps[kind] = dict(get_user_model().objects.values_list("username", "pk"))
            elif kind == CUSTOMER:
                # A phone number shared by several customers names the first registered, as the web
                # form's look-up does (`customers.views.public`).
                phones = Customer.objects.exclude(phone="").order_by("-pk").values_list("phone", "pk")
                self._maps[kind] = dict(phones.iterator(chunk_size=10_000))
            else:
                from aftersales.facts.models import TrainingSession

                self._maps[kind] = dict(TrainingSession.objects.values_list("code", "pk"))
        return self._maps[kind]


UNKNOWN_REFERENCE = {
    STORE: lambda: _("unknown store code"),
    PERSON: lambda: _("unknown employee username"),
    SESSION: lambda: _("unknown training session code; import the session first"),
    CUSTOMER: lambda: _("no customer has this phone number"),
}


def _choice_parser(model_field) -> Callable:
    accepted: dict[str, str] = {}
    for value, label in model_field.choices:
        accepted[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                accepted[str(label).strip().lower()] = value
    shown = ", ".join(str(label) for value, label in model_field.choices if value != "")

    def parse(raw) -> str:
        value = accepted.get((raw if raw.__class__ is str else cells.display(raw)).strip().lower())
        if value is None:
            raise cells.CellError(_("one of: %(choices)s") % {"choices": shown})
        return value

    return parse


def _reference_parser(codes: dict[str, int], kind: str) -> Callable:
    def parse(raw) -> int:
        code = cells.parse_text(raw, max_length=150)
        pk = codes.get(code)
        if pk is None and kind == STORE:
            pk = codes.get(code.lower())
        if pk is None:
            raise cells.CellError(UNKNOWN_REFERENCE[kind]())
        return pk

    return parse


def cell_parser(dataset: Dataset, column: Column, references: References) -> Callable:
    model_field = dataset.model_field(column.field)
    kind = column.kind
    if kind == TEXT:
        return partial(cells.parse_text, max_length=model_field.max_length)
    if kind == INT:
        return partial(cells.parse_int, minimum=column.min, maximum=column.max)
    if kind == DECIMAL:
        return partial(
            cells.parse_decimal,
            places=model_field.decimal_places,
            digits=model_field.max_digits,
            minimum=column.min,
            maximum=column.max,
        )
    if kind == DATE:
        return cells.parse_date
    if kind == MONTH:
        return cells.parse_month
    if kind == BOOL:
        return cells.parse_bool
    if kind == CHOICE:
        return _choice_parser(model_field)
    return _reference_parser(references.get(kind), kind)


def empty_value(dataset: Dataset, column: Column):
    model_field = dataset.model_field(column.field)
    return None if model_field.null else model_field.get_default()


# --- rows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One column of the rows being validated: where its cell is, how it is named and parsed."""

    column: Column
    label: str  # as the errors name it
    attname: str
    parse: Callable
    empty: object
    letter_index: int | None = None  # the file's column index, for formula cells


def _slots(
    dataset: Dataset, placed: Iterable[tuple[int | None, Column, str]], references: References
) -> list[Slot]:
    return [
        Slot(
            column=column,
            label=label,
            attname=dataset.model_field(column.field).attname,
            parse=cell_parser(dataset, column, references),
            empty=empty_value(dataset, column),
            letter_index=index,
        )
        for index, column, label in placed
    ]


def _check_rows(
    dataset: Dataset,
    slots: list[Slot],
    records: Iterable[tuple[int, list]],
    scope: Scope,
    formulas: set[tuple[int, int]],
    progress: Callable[[int], None] | None,
) -> Validated:
    """The per-row loop, written for speed (100,000 rows × 14 columns in a few seconds): the cell
    checks are inlined and everything per column is looked up once, before the loop."""
    result = Validated()
    errors = result.errors
    present = {slot.column.field for slot in slots}
    defaults = {
        dataset.model_field(c.field).attname: empty_value(dataset, c)
        for c in dataset.columns
        if c.field not in present
    }
    position = {slot.column.field: index for index, slot in enumerate(slots)}
    attnames = {c.field: dataset.model_field(c.field).attname for c in dataset.columns}
    key_attnames = [attnames[name] for name in dataset.key]
    key_position = position.get(dataset.key[0])
    store_position = position.get("store")
    check_store = scope.store_ids is not None and store_position is not None
    rules = [(rule, position[rule.column]) for rule in dataset.rules]
    plan = [
        (slot.label, slot.attname, slot.parse, slot.column.required, slot.empty, slot.letter_index)
        for slot in slots
    ]
    formula_reason = _("a formula; import values only (copy the cells and paste them as values)")
    required_reason = _("required")
    seen: dict[tuple, int] = {}
    count = 0
    for count, (number, values) in enumerate(records, start=1):  # noqa: B007 - count is the total after the loop
        row = dict(defaults)
        row_errors = len(errors)
        for (label, attname, parse, required, empty, letter), raw in zip(plan, values, strict=True):
            if formulas and (number, letter) in formulas:
                errors.append(RowError(number, label, cells.display(raw), formula_reason))
                continue
            if raw.__class__ is str:
                text = raw.strip()
                if not text:
                    raw = None
                elif text[0] == "=":
                    errors.append(RowError(number, label, raw, formula_reason))
                    continue
            if raw is None:
                if required:
                    errors.append(RowError(number, label, "", required_reason))
                row[attname] = empty
                continue
            try:
                row[attname] = parse(raw)
            except cells.CellError as exc:
                errors.append(RowError(number, label, cells.display(raw), exc.reason))
        if len(errors) == row_errors and check_store:
            _check_store(row, values, slots[store_position], store_position, scope, number, errors)
        if len(errors) == row_errors and rules:
            by_field = {name: row[attname] for name, attname in attnames.items()}
            for rule, at in rules:
                if not rule.holds(by_field):
                    errors.append(
                        RowError(number, slots[at].label, cells.display(values[at]), str(rule.message))
                    )
        if len(errors) == row_errors:
            key = tuple([row[name] for name in key_attnames])
            first = seen.setdefault(key, number)
            if first != number:
                reason = _("the same key (%(key)s) as row %(row)s") % {
                    "key": ", ".join(_column_label(dataset.by_field[name]) for name in dataset.key),
                    "row": first,
                }
                errors.append(
                    RowError(number, slots[key_position].label, cells.display(values[key_position]), reason)
                )
            else:
                result.rows.append(row)
        if progress and count % 5000 == 0:
            progress(count)
    result.total = count
    return result


def _check_store(
    row: dict, values: list, slot: Slot, at: int, scope: Scope, number: int, errors: list
) -> None:
    store_id = row[slot.attname]
    if store_id is None:
        reason = _("a row without a store code is company-wide; only company-wide roles may import it")
        errors.append(RowError(number, slot.label, "", reason))
    elif store_id not in scope.store_ids:
        reason = _("you may import only the rows of your own store")
        errors.append(RowError(number, slot.label, cells.display(values[at]), reason))


def validate_table(
    dataset: Dataset,
    table: Table,
    *,
    scope: Scope,
    references: References | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validated:
    if not table.rows:
        return Validated(errors=[RowError(None, "", "", _("The file has no rows: not even a header row."))])
    header_at = find_header(dataset, table)
    header_number, header_cells = table.rows[header_at]
    placed, errors = map_headers(dataset, header_number, header_cells)
    for row, column in sorted(table.formulas):
        if row == header_number:
            errors.append(RowError(row, column_letter(column), "", _("a formula in the header row")))
    if errors:
        return Validated(errors=errors)
    slots = _slots(dataset, placed, references or References())
    indexes = [slot.letter_index for slot in slots]
    body = table.rows[header_at + 1 :]

    def records():
        for number, row in body:
            width = len(row)
            yield number, [row[i] if i < width else "" for i in indexes]

    result = _check_rows(dataset, slots, records(), scope, table.formulas, progress)
    # A formula cell calamine reads as blank may sit in a row it left out, or in a column without a header.
    rows_read = {number for number, _row in body}
    by_index = {slot.letter_index: slot.label for slot in slots}
    for row, column in sorted(table.formulas):
        if row > header_number and (row not in rows_read or column not in by_index):
            label = by_index.get(column, column_letter(column))
            reason = _("a formula; import values only (copy the cells and paste them as values)")
            result.errors.append(RowError(row, label, "", reason))
    result.errors.sort(key=lambda error: error.row or 0)
    return result


def validate_records(
    dataset: Dataset, records: list[dict], *, scope: Scope, references: References | None = None
) -> Validated:
    """The API's rows: objects keyed by field name; a field the dataset does not have is an error."""
    known = {column.field for column in dataset.columns}
    unknown = [
        RowError(index, name, cells.display(value), _("unknown field"))
        for index, record in enumerate(records)
        for name, value in record.items()
        if name not in known
    ]
    slots = _slots(
        dataset, [(None, column, column.field) for column in dataset.columns], references or References()
    )
    rows = (
        (index, [record.get(slot.column.field) for slot in slots]) for index, record in enumerate(records)
    )
    result = _check_rows(dataset, slots, rows, scope, set(), None)
    result.errors = sorted(unknown + result.errors, key=lambda error: error.row)
    return result
