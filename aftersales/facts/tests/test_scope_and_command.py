"""Who may import what and for which store; the `aftersales import` command's output and exit codes."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from aftersales.core.errors import NotAllowed
from aftersales.facts.models import ImportBatch, QualityCost, SalesDeal
from aftersales.facts.services import facts_import_file
from aftersales.facts.tests.conftest import SALES_HEADER, csv_bytes, sales_row, xlsx

pytestmark = pytest.mark.django_db


def run(data: bytes, *, by, dataset="sales_deals", name="deals.xlsx"):
    with translation.override("en"):
        return facts_import_file(dataset=dataset, file_name=name, data=data, by=by)


def test_a_store_manager_imports_their_own_stores_rows_only(manager_a, stores):
    # when store A's manager imports a file with a row of store B
    batch = run(xlsx([SALES_HEADER, sales_row("SD-1"), sales_row("SD-2", store="store-b")]), by=manager_a)
    # then that row is refused and nothing is written
    assert [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.errors] == [
        (3, "门店代码", "store-b", "you may import only the rows of your own store")
    ]
    assert SalesDeal.objects.count() == 0
    # and their own store's rows go in, recorded as theirs
    batch = run(xlsx([SALES_HEADER, sales_row("SD-1")]), by=manager_a)
    assert (batch.status, batch.by, batch.rows_created) == ("applied", manager_a, 1)


def test_a_store_manager_may_not_import_company_rows(manager_a, stores):
    header = [
        "月份",
        "门店代码",
        "营业收入(元)",
        "营业成本(元)",
        "营业利润(元)",
        "净利润(元)",
        "经营活动现金流(元)",
    ]
    batch = run(xlsx([header, ["2026-03", "", 1, 1, 1, 1, 1]]), by=manager_a, dataset="finance")
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (2, "门店代码", "a row without a store code is company-wide; only company-wide roles may import it")
    ]


def test_roles_without_the_dataset_are_refused(specialist_a, manager_a, executive, stores):
    data = csv_bytes([["月份", "质量成本类别", "金额(元)"], ["2026-03", "预防成本", "1200.5"]])
    for user in (specialist_a, manager_a):
        with pytest.raises(NotAllowed):
            run(data, by=user, dataset="quality_costs", name="q.csv")
    assert ImportBatch.objects.count() == 0
    batch = run(data, by=executive, dataset="quality_costs", name="q.csv")
    assert batch.status == "applied", batch.errors
    assert QualityCost.objects.get().amount == Decimal("1200.50")


def test_the_command_imports_and_prints_a_summary(tmp_path, stores):
    path = tmp_path / "deals.xlsx"
    path.write_bytes(xlsx([SALES_HEADER, sales_row("SD-1"), sales_row("SD-2")]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "sales_deals", str(path), stdout=out, stderr=err)
    assert out.getvalue().startswith("sales_deals: 2 rows from deals.xlsx in ")
    assert out.getvalue().rstrip().endswith(": created 2, updated 0")
    assert "write    [##############################] 2/2 rows" in err.getvalue()
    assert "validate" not in err.getvalue()  # fewer rows than one progress step of validation
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.by) == ("command", None)
    # a dry run of the same file says what it would do
    out = io.StringIO()
    call_command("import", "sales_deals", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert out.getvalue().rstrip().endswith("would create 0, would update 2 (dry run, nothing written)")


def test_the_command_lists_the_errors_and_exits_with_1(tmp_path, stores):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([SALES_HEADER, sales_row("SD-1", price="12万"), sales_row("SD-2", store="x")]))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import", "sales_deals", str(path), stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert str(raised.value) == "deals.csv: 2 error(s) in 2 rows; nothing was written."
    assert err.getvalue().splitlines() == [
        "row 2, column 成交价(元), value '12万': not a plain number: give the number alone, without a unit, "
        "currency sign or percent sign",
        "row 3, column 门店代码, value 'x': unknown store code",
    ]
    assert SalesDeal.objects.count() == 0


def test_the_command_refuses_unknown_datasets_files_and_users(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a\n")
    with translation.override("en"):
        for args, message in (
            (("nope", str(path)), "There is no dataset “nope”; the datasets are: sales_deals, inventory"),
            (("sales_deals", str(tmp_path / "missing.csv")), "No such file: "),
            (("sales_deals", str(path), "--by", "ghost"), "No user with the username 'ghost'."),
        ):
            with pytest.raises(CommandError) as raised:
                call_command("import", *args, stdout=io.StringIO(), stderr=io.StringIO())
            assert str(raised.value).startswith(message)
