"""CSV and XLSX exports: text that a spreadsheet would run as a formula is escaped; numbers stay numbers."""

import csv
import io

import pytest
from openpyxl import load_workbook

from aftersales.core.spreadsheets import csv_response, spreadsheet_safe, xlsx_response

HEADER = ["编号", "备注"]
ROWS = [
    ["SR-1", '=HYPERLINK("http://evil.example","x")'],
    ["SR-2", "+86 138"],
    ["SR-3", "-1+1"],
    ["SR-4", "@SUM(A1)"],
    ["SR-5", "\tcmd"],
    ["SR-6", "正常 = 文本"],
    ["SR-7", -5],
    ["SR-8", None],
]
ESCAPED = [
    '\'=HYPERLINK("http://evil.example","x")',
    "'+86 138",
    "'-1+1",
    "'@SUM(A1)",
    "'\tcmd",
    "正常 = 文本",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        (-1, -1),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_spreadsheet_safe_escapes_formula_starts_only_in_text(value, expected):
    assert spreadsheet_safe(value) == expected


def test_the_csv_escapes_formulas_and_starts_with_a_bom_for_excel():
    response = csv_response("records", HEADER, ROWS)
    assert response["Content-Disposition"] == 'attachment; filename="records.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:7]] == ESCAPED
    assert [row[1] for row in rows[7:]] == ["-5", ""]


def test_the_xlsx_escapes_formulas_and_keeps_numbers():
    response = xlsx_response("records", HEADER, ROWS)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert [row[1] for row in values[1:7]] == ESCAPED
    assert values[7][1] == -5
    assert values[8][1] is None
    # nothing in the sheet is a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
