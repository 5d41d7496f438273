"""Reading an uploaded .xlsx or .csv into rows of raw cells, with Excel's row numbers.

`read_table(name, data)` returns a `Table` or raises `FileError` with one clear message about the file
as a whole (empty, not a workbook, an encoding it cannot read).

Formulas: python-calamine gives the cached value of a formula cell, or nothing when the file was
written by a program that does not compute them (openpyxl). Imported figures must be values someone
typed or pasted, so the worksheet XML is scanned for formula cells and each is reported.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

ZIP_MAGIC = b"PK\x03\x04"
EXTENSIONS = (".xlsx", ".csv")
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


class FileError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """`rows` are (Excel row number, cells from column A); blank rows are left out. `formulas` holds the
    (row number, column index) of every formula cell, including those calamine reads as blank."""

    rows: list[tuple[int, list]]
    formulas: set[tuple[int, int]] = field(default_factory=set)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def read_table(name: str, data: bytes) -> Table:
    lower = name.lower()
    if not lower.endswith(EXTENSIONS):
        raise FileError(
            _("Only .xlsx and .csv files can be imported; “%(name)s” is neither.") % {"name": name}
        )
    if not data:
        raise FileError(_("The file “%(name)s” is empty (0 bytes).") % {"name": name})
    if lower.endswith(".csv"):
        return _read_csv(data)
    return _read_xlsx(name, data)


def _not_a_workbook(name: str) -> FileError:
    return FileError(
        _(
            "“%(name)s” is not an Excel workbook (.xlsx): it may be another kind of file renamed. Open it in "
            "Excel and save it as .xlsx, or export it as .csv."
        )
        % {"name": name}
    )


def _read_xlsx(name: str, data: bytes) -> Table:
    if not data.startswith(ZIP_MAGIC):
        raise _not_a_workbook(name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=True)
        first_row, first_column = sheet.start if cells else (0, 0)
    except (CalamineError, ValueError, IndexError):
        raise _not_a_workbook(name) from None
    padding = [""] * first_column
    rows = []
    for offset, row in enumerate(cells):
        if any(value != "" and value is not None for value in row):
            rows.append((first_row + offset + 1, padding + row if padding else row))
    return Table(rows=rows, formulas=_formula_cells(data))


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The worksheet calamine reads as index 0: the first <sheet> of workbook.xml, through its rels."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
    if not sheet:
        return None
    for relation in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = relation.group(0)
        if re.search(rb'\bId="' + re.escape(sheet.group(1)) + rb'"', tag):
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if target:
                path = target.group(1).decode()
                return (
                    path.lstrip("/")
                    if path.startswith("/")
                    else normpath(join(dirname("xl/workbook.xml"), path))
                )
    return None


def _formula_cells(data: bytes) -> set[tuple[int, int]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = _first_sheet_path(archive)
            xml = archive.read(path) if path else b""
    except (zipfile.BadZipFile, KeyError):
        return set()
    found = set()
    for match in FORMULA_TAG.finditer(xml):
        cell_start = xml.rfind(b"<c ", 0, match.start())
        if cell_start < 0:
            continue
        ref = CELL_REF.search(xml, cell_start, match.start())
        if ref:
            found.add((int(ref.group(2)), _column_index(ref.group(1))))
    return found


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030: what Excel on a Chinese Windows saves
    as "CSV" without the UTF-8 option."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError(
            _("The CSV file is neither UTF-8 nor GB18030 text; save it as “CSV UTF-8”.")
        ) from None


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise FileError(_("The file is not a CSV text file (it holds binary data)."))
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in (";", "\t") if d in first_line), ",")
    rows = []
    reader: Iterator[list[str]] = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Numbered as Excel shows the file: one row per record, even one with a line break in a field.
        for number, row in enumerate(reader, start=1):
            if any(value.strip() for value in row):
                rows.append((number, row))
    except csv.Error as exc:
        raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None
    return Table(rows=rows)
