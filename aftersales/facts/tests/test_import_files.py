"""Importing files: every bad input of issue 4 with its exact row, column, value and reason; all-or-nothing;
re-import updates; .xlsx and .csv (UTF-8 with and without BOM, GB18030)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from aftersales.facts.models import Attendance, FinanceStatement, ImportBatch, SalesDeal
from aftersales.facts.services import facts_import_file
from aftersales.facts.tests.conftest import SALES_HEADER, csv_bytes, sales_row, xlsx

pytestmark = pytest.mark.django_db


def run(data: bytes, *, name: str = "deals.xlsx", dataset: str = "sales_deals", by=None, dry_run=False):
    with translation.override("en"):
        return facts_import_file(dataset=dataset, file_name=name, data=data, by=by, dry_run=dry_run)


def errors(batch: ImportBatch) -> list[tuple]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.errors]


def test_an_xlsx_of_sales_deals_is_imported_with_typed_values(stores):
    # given two deals, one with the optional columns left empty
    data = xlsx(
        [SALES_HEADER, sales_row("SD-1"), sales_row("SD-2", finance="", trade_in="是", price=99800.5)]
    )
    # when
    batch = run(data)
    # then
    assert (batch.status, batch.rows_total, batch.rows_created, batch.rows_updated) == ("applied", 2, 2, 0)
    assert batch.file_name == "deals.xlsx" and batch.file_size == len(data)
    first, second = SalesDeal.objects.order_by("deal_number")
    assert first.date == date(2026, 3, 15)
    assert first.store == stores[0]
    assert (first.price, first.cost) == (Decimal("189900.00"), Decimal("171500.00"))
    assert (first.vehicle_kind, first.channel, first.salesperson) == ("new", "retail", "王磊")
    assert (first.with_finance, first.with_trade_in, first.with_insurance) == (True, False, False)
    assert (second.price, second.with_finance, second.with_trade_in) == (Decimal("99800.50"), False, True)
    assert first.import_batch == batch


def test_reimporting_the_same_rows_updates_them(stores):
    # given an import of two deals
    first = run(xlsx([SALES_HEADER, sales_row("SD-1"), sales_row("SD-2")]))
    # when the same deals come again, one with a new price, plus a third
    second = run(
        xlsx([SALES_HEADER, sales_row("SD-1", price="180000"), sales_row("SD-2"), sales_row("SD-3")])
    )
    # then two are updated, one created, none duplicated
    assert (second.rows_created, second.rows_updated) == (1, 2)
    assert SalesDeal.objects.count() == 3
    assert SalesDeal.objects.get(deal_number="SD-1").price == Decimal("180000.00")
    assert set(SalesDeal.objects.values_list("import_batch", flat=True)) == {second.pk}
    assert first.status == "applied"


def test_csv_in_utf8_with_and_without_bom_and_in_gb18030(stores):
    rows = [SALES_HEADER, sales_row("SD-1"), sales_row("SD-2", store="store-b")]
    for number, encoding in enumerate(("utf-8", "utf-8-sig", "gb18030")):
        # when
        batch = run(csv_bytes(rows, encoding=encoding), name=f"deals-{number}.csv")
        # then the Chinese headers, names and labels are read right each time
        assert batch.status == "applied", (encoding, batch.errors)
        assert SalesDeal.objects.get(deal_number="SD-2").store == stores[1]
        assert SalesDeal.objects.get(deal_number="SD-1").salesperson == "王磊"
    assert SalesDeal.objects.count() == 2


def test_english_headers_and_labels_are_accepted(stores):
    header = [
        "Deal number",
        "Delivery date",
        "Store code",
        "Vehicle model",
        "New or used",
        "Price (CNY)",
        "Cost (CNY)",
    ]
    data = csv_bytes([header, ["SD-9", "2026/3/1", "store-a", "EV S1", "used vehicle", "1,250.00", "1000"]])
    batch = run(data, name="deals.csv")
    assert batch.status == "applied", batch.errors
    deal = SalesDeal.objects.get()
    assert (deal.date, deal.vehicle_kind, deal.price) == (date(2026, 3, 1), "used", Decimal("1250.00"))


def test_wrong_headers_are_reported_on_the_header_row():
    # given a file with an unknown column, a column twice, and the required price missing
    header = ["成交单号", "交车日期", "门店代码", "车型", "新车/二手车", "成本(元)", "颜色", "成交单号"]
    # when
    batch = run(xlsx([header, ["SD-1", "2026-03-01", "store-a", "EV", "新车", "1", "红", "SD-1"]]))
    # then
    assert batch.status == "failed"
    found = errors(batch)
    assert found[0][:3] == (1, "颜色", "颜色")
    assert found[0][3].startswith(
        "unknown column; the columns of this dataset are: Deal number, Delivery date"
    )
    assert found[1] == (1, "成交单号", "成交单号", "the column appears twice (also “成交单号” in column A)")
    assert found[2] == (1, "Price (CNY)", "", "a required column is missing")
    assert len(found) == 3
    assert SalesDeal.objects.count() == 0


def test_bad_cells_are_each_reported_with_row_column_value_and_reason(stores):
    # given one bad value per row (row 2 is fine)
    rows = [
        SALES_HEADER,
        sales_row("SD-1"),
        sales_row("SD-2", price="abc"),  # 3: type
        sales_row("SD-3", day="2026-02-30"),  # 4: impossible date
        sales_row("SD-4", day="31/03/2026"),  # 5: date in another order
        sales_row("SD-5", price="12万"),  # 6: a unit
        sales_row("SD-6", cost="-5"),  # 7: negative
        sales_row("SD-7", store="store-x"),  # 8: unknown store
        sales_row("SD-1"),  # 9: duplicate key of row 2
        sales_row("SD-8", kind="二手"),  # 10: not a choice
        sales_row("SD-9", finance="maybe"),  # 11: not yes/no
        sales_row("", price="1.005"),  # 12: missing required + too many decimals
    ]
    # when
    batch = run(xlsx(rows))
    # then
    assert errors(batch) == [
        (3, "成交价(元)", "abc", "a number is expected"),
        (4, "交车日期", "2026-02-30", "not a valid calendar date"),
        (5, "交车日期", "31/03/2026", "a date such as 2026-03-31 is expected"),
        (
            6,
            "成交价(元)",
            "12万",
            "not a plain number: give the number alone, without a unit, currency sign or percent sign",
        ),
        (7, "成本(元)", "-5", "must not be negative"),
        (8, "门店代码", "store-x", "unknown store code"),
        (9, "成交单号", "SD-1", "the same key (Deal number) as row 2"),
        (10, "新车/二手车", "二手", "one of: new vehicle, used vehicle"),
        (11, "金融", "maybe", "yes or no is expected (是/否, yes/no, 1/0)"),
        (12, "成交单号", "", "required"),
        (12, "成交价(元)", "1.005", "at most 2 decimal places"),
    ]
    assert batch.error_count == 11 and batch.rows_total == 11
    assert SalesDeal.objects.count() == 0


def test_a_file_whose_last_row_is_bad_writes_nothing(stores):
    # given 50 good rows and a bad last one
    rows = [SALES_HEADER, *(sales_row(f"SD-{n}") for n in range(50)), sales_row("SD-LAST", price="-1")]
    # when
    batch = run(xlsx(rows))
    # then
    assert errors(batch) == [(52, "成交价(元)", "-1", "must not be negative")]
    assert SalesDeal.objects.count() == 0
    assert (batch.rows_created, batch.rows_updated) == (0, 0)


def test_formulas_are_reported_even_when_the_file_holds_no_computed_value(stores):
    # given a formula in a data cell (openpyxl stores no cached value: calamine reads it as blank), one in
    # a row of its own below the data, and a text cell that is a formula typed as text in a CSV
    data = xlsx(
        [SALES_HEADER, sales_row("SD-1"), sales_row("SD-2")], formulas={"G3": "=G2*2", "B5": "=TODAY()"}
    )
    # when
    batch = run(data)
    # then
    assert errors(batch) == [
        (3, "成交价(元)", "", "a formula; import values only (copy the cells and paste them as values)"),
        (5, "交车日期", "", "a formula; import values only (copy the cells and paste them as values)"),
    ]
    csv_batch = run(csv_bytes([SALES_HEADER, sales_row("SD-1", price="=1+1")]), name="deals.csv")
    assert errors(csv_batch) == [
        (2, "成交价(元)", "=1+1", "a formula; import values only (copy the cells and paste them as values)")
    ]
    assert SalesDeal.objects.count() == 0


def test_a_file_level_error_for_empty_renamed_and_unsupported_files():
    cases = {
        ("deals.xlsx", b""): "The file “deals.xlsx” is empty (0 bytes).",
        ("deals.xlsx", b"Deal number,Price\nSD-1,1\n"): (
            "“deals.xlsx” is not an Excel workbook (.xlsx): it may be another kind of file renamed. Open it in "
            "Excel and save it as .xlsx, or export it as .csv."
        ),
        ("deals.xlsx", b"PK\x03\x04 a broken zip"): (
            "“deals.xlsx” is not an Excel workbook (.xlsx): it may be another kind of file renamed. Open it in "
            "Excel and save it as .xlsx, or export it as .csv."
        ),
        (
            "deals.xls",
            b"\xd0\xcf\x11\xe0",
        ): "Only .xlsx and .csv files can be imported; “deals.xls” is neither.",
        ("deals.csv", b""): "The file “deals.csv” is empty (0 bytes).",
        ("deals.csv", b"\xff\xfe\x00\x00\x81\x30"): (
            "The CSV file is neither UTF-8 nor GB18030 text; save it as “CSV UTF-8”."
        ),
        ("deals.xlsx", xlsx([])): "The file has no rows: not even a header row.",
    }
    for (name, data), message in cases.items():
        batch = run(data, name=name)
        assert errors(batch) == [(None, "", "", message)], name
        assert batch.status == "failed" and batch.file_size == len(data)
    assert SalesDeal.objects.count() == 0


def test_a_dry_run_counts_and_writes_nothing(stores):
    run(xlsx([SALES_HEADER, sales_row("SD-1")]))
    batch = run(xlsx([SALES_HEADER, sales_row("SD-1", price="1"), sales_row("SD-2")]), dry_run=True)
    assert (batch.status, batch.rows_created, batch.rows_updated) == ("dry_run", 1, 1)
    assert list(SalesDeal.objects.values_list("deal_number", "price")) == [("SD-1", Decimal("189900.00"))]


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_row_numbers(stores):
    rows = [["月度成交明细"], [], SALES_HEADER, sales_row("SD-1"), [None] * 10, sales_row("SD-2", price="x")]
    batch = run(xlsx(rows))
    assert errors(batch) == [(6, "成交价(元)", "x", "a number is expected")]


def test_months_and_company_rows_of_finance_are_upserted(stores):
    header = [
        "月份",
        "门店代码",
        "营业收入(元)",
        "营业成本(元)",
        "营业利润(元)",
        "净利润(元)",
        "经营活动现金流(元)",
    ]
    rows = [
        header,
        ["2026-03", "", "1000000", "800000", "-20000", "-25000.5", "30000"],
        [date(2026, 3, 1), "store-a", "400000", "300000", "10000", "8000", "9000"],
    ]
    first = run(xlsx(rows), dataset="finance")
    assert (first.status, first.rows_created) == ("applied", 2), first.errors
    rows[1][2] = "1100000"
    second = run(xlsx(rows), dataset="finance")
    assert (second.rows_created, second.rows_updated) == (0, 2)
    company = FinanceStatement.objects.get(store=None)
    assert (company.month, company.revenue, company.net_income) == (
        date(2026, 3, 1),
        Decimal("1100000.00"),
        Decimal("-25000.50"),
    )
    bad = run(
        xlsx(
            [header, ["2026-03-15", "", "1", "1", "1", "1", "1"], ["2026年13月", "", "1", "1", "1", "1", "1"]]
        ),
        dataset="finance",
    )
    assert errors(bad) == [
        (2, "月份", "2026-03-15", "a month such as 2026-03 is expected, not a day"),
        (3, "月份", "2026年13月", "not a valid calendar date"),
    ]


def test_rules_across_columns(stores, specialist_a):
    header = ["员工账号", "月份", "门店代码", "应出勤天数", "病假天数", "事假天数"]
    batch = run(
        xlsx(
            [
                header,
                ["specialist_a", "2026-03", "store-a", 2, 1.5, 1],
                ["nobody", "2026-03", "store-a", 22, 0, 0],
            ]
        ),
        dataset="attendance",
    )
    assert errors(batch) == [
        (2, "应出勤天数", "2", "the days absent add up to more than the scheduled days"),
        (3, "员工账号", "nobody", "unknown employee username"),
    ]
    assert Attendance.objects.count() == 0


def test_docs_imports_md_is_generated_from_the_registry():
    from aftersales.facts.docs import PATH, render

    assert PATH.read_text(encoding="utf-8") == render(), (
        "docs/imports.md is out of date: "
        'DEBUG=true python manage.py shell -c "from aftersales.facts.docs import write; write()"'
    )
