"""The downloadable template of a dataset: its headers and one example row, in the page's language, as
.xlsx (written with openpyxl, typed cells) or .csv (UTF-8 with a BOM, so Excel shows the Chinese)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
from django.utils import translation
from openpyxl.styles import Font

from aftersales.facts.datasets import BOOL, CHOICE, DATE, DECIMAL, INT, Column, Dataset

YES_NO = {"en": ("yes", "no"), "zh-hans": ("是", "否")}


def _language(language: str) -> str:
    return "en" if language.startswith("en") else "zh-hans"


def example_value(dataset: Dataset, column: Column, language: str, *, typed: bool):
    """The column's example as a person would type it in that language; `typed` gives numbers and dates
    as cells of their type (for .xlsx) rather than text."""
    example = column.example
    if example in ("", None):
        return None if typed else ""
    if column.kind == BOOL:
        return YES_NO[_language(language)][0 if example else 1]
    if column.kind == CHOICE:
        with translation.override(_language(language)):
            return str(dict(dataset.model_field(column.field).choices)[example])
    if typed and column.kind == INT:
        return int(example)
    if typed and column.kind == DECIMAL:
        number = Decimal(str(example))
        return int(number) if number == number.to_integral_value() else float(number)
    if typed and column.kind == DATE:
        return date.fromisoformat(str(example))
    return str(example)


def file_name(dataset: Dataset, extension: str) -> str:
    return f"{dataset.code}-template.{extension}"


def template_xlsx(dataset: Dataset, language: str) -> bytes:
    language = _language(language)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with translation.override(language):
        sheet.title = str(dataset.title)[:31]
    sheet.append([column.header(language) for column in dataset.columns])
    sheet.append([example_value(dataset, column, language, typed=True) for column in dataset.columns])
    for index, column in enumerate(dataset.columns, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        sheet.column_dimensions[header.column_letter].width = max(12, len(header.value) * 2 + 2)
        if column.kind == DATE:
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
        elif column.kind == DECIMAL:
            sheet.cell(row=2, column=index).number_format = "0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(dataset: Dataset, language: str) -> bytes:
    language = _language(language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.header(language) for column in dataset.columns])
    writer.writerow([example_value(dataset, column, language, typed=False) for column in dataset.columns])
    return out.getvalue().encode("utf-8-sig")
