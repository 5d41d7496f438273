"""Spreadsheet builders for the import tests: real .xlsx files written with openpyxl, and CSV bytes."""

import csv
import io

import openpyxl
import pytest


def xlsx(rows: list[list], *, formulas: dict[str, str] | None = None) -> bytes:
    """A workbook whose first sheet holds `rows` from A1; `formulas` puts formulas in cells ("C3": "=A1")."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, formula in (formulas or {}).items():
        sheet[ref] = formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


SALES_HEADER = [
    "成交单号",
    "交车日期",
    "门店代码",
    "销售顾问",
    "车型",
    "新车/二手车",
    "成交价(元)",
    "成本(元)",
    "金融",
    "置换",
]


def sales_row(number: str, *, store: str = "store-a", price="189900.00", day="2026-03-15", **changes) -> list:
    row = {
        "number": number,
        "day": day,
        "store": store,
        "salesperson": "王磊",
        "model": "EV S1",
        "kind": "新车",
        "price": price,
        "cost": "171500.00",
        "finance": "是",
        "trade_in": "否",
    }
    row.update(changes)
    return list(row.values())


@pytest.fixture
def stores(store_a, store_b):
    return store_a, store_b
