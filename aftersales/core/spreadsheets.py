"""Tables out as CSV or XLSX, safe to open in a spreadsheet.

A text cell that begins with = + - @ (or a tab or carriage return) would be read by Excel, WPS or
LibreOffice as a formula: a customer who types `=HYPERLINK(...)` into a request would run it on the
desk of whoever opens the export (CSV injection). Such a cell gets a leading apostrophe, which the
spreadsheet shows as text. Numbers stay numbers.

    return table_response(request.GET.get("format"), "kpi-records", header, rows)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value):
    """`value` as a spreadsheet cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_rows(header: Sequence, rows: Iterable[Sequence]) -> Iterable[list]:
    yield [spreadsheet_safe(str(title)) for title in header]
    for row in rows:
        yield [spreadsheet_safe("" if value is None else value) for value in row]


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in _safe_rows(header, rows):
        writer.writerow(row)
    return response


def xlsx_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    for row in _safe_rows(header, rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_response(
    export_format: str, filename: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """The table in `export_format` ("csv" or "xlsx"; the caller has checked it is one of FORMATS)."""
    if export_format == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)
