"""The import pages and the templates: who gets in, what an upload shows, and that every template with
its example row imports cleanly in both languages and both formats."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.facts.datasets import REGISTRY
from aftersales.facts.models import ImportBatch, SalesDeal, TrainingSession
from aftersales.facts.services import facts_import_file
from aftersales.facts.tests.conftest import SALES_HEADER, sales_row, xlsx

pytestmark = pytest.mark.django_db


def client_for(user, language="en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def upload(client, data: bytes, *, name="deals.xlsx", dataset="sales_deals", dry_run=False):
    form = {"dataset": dataset, "file": SimpleUploadedFile(name, data)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(reverse("facts:import"), form)


def test_the_pages_are_for_roles_that_import(cast):
    for user in (cast.specialist_a, cast.technician_a, cast.customer_a.user):
        client = client_for(user)
        for name in ("facts:datasets", "facts:import"):
            assert client.get(reverse(name)).status_code == 403, (user, name)
        # a portal customer gets 404 for a URL with a parameter, like every staff page (service.views.base)
        expected = 404 if user == cast.customer_a.user else 403
        assert client.get(reverse("facts:template", args=["sales_deals", "xlsx"])).status_code == expected
    anonymous = Client().get(reverse("facts:import"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_dataset_list_shows_the_managers_datasets_and_their_own_stores_rows(cast):
    # given a deal in each store
    facts_import_file(
        dataset="sales_deals",
        file_name="deals.xlsx",
        data=xlsx(
            [
                SALES_HEADER,
                sales_row("SD-A"),
                sales_row("SD-B1", store="store-b"),
                sales_row("SD-B2", store="store-b"),
            ]
        ),
        by=None,
    )
    # when store A's manager opens the dataset list
    response = client_for(cast.manager_a).get(reverse("facts:datasets"))
    # then they see the store datasets only, and one sales deal (their store's)
    summaries = {s.dataset.code: s for s in response.context["summaries"]}
    assert list(summaries) == [
        "sales_deals",
        "inventory",
        "cogs",
        "attendance",
        "employee_survey",
        "finance",
        "service_audits",
        "quality_objectives",
        "service_opportunities",
    ]
    assert summaries["sales_deals"].rows == 1
    assert summaries["sales_deals"].last_import is None  # the console's import is not theirs
    executive = client_for(cast.executive).get(reverse("facts:datasets"))
    assert {s.dataset.code: s.rows for s in executive.context["summaries"]}["sales_deals"] == 3
    assert len(executive.context["summaries"]) == len(REGISTRY)
    assert 'href="/facts/templates/sales_deals.xlsx"' in executive.content.decode()


def test_an_upload_imports_and_shows_the_counts_and_the_history(cast):
    client = client_for(cast.manager_a)
    response = upload(client, xlsx([SALES_HEADER, sales_row("SD-1"), sales_row("SD-2")]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "deals.xlsx: 2 rows imported — 2 created, 0 updated." in body
    batch = ImportBatch.objects.get()
    assert (batch.by, batch.source, batch.status) == (cast.manager_a, "upload", "applied")
    assert list(response.context["history"]) == [batch]
    assert SalesDeal.objects.count() == 2


def test_a_failed_upload_shows_every_error_and_writes_nothing(cast):
    client = client_for(cast.manager_a)
    data = xlsx([SALES_HEADER, sales_row("SD-1", store="store-b"), sales_row("SD-2", price="12万")])
    response = upload(client, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "deals.xlsx: 2 errors; nothing was written." in body
    assert response.context["errors_shown"] == [
        {
            "row": 2,
            "column": "门店代码",
            "value": "store-b",
            "reason": "you may import only the rows of your own store",
        },
        {
            "row": 3,
            "column": "成交价(元)",
            "value": "12万",
            "reason": "not a plain number: give the number alone, without a unit, currency sign or percent sign",
        },
    ]
    assert "<td>3</td><td>成交价(元)</td><td><code>12万</code></td>" in body
    assert SalesDeal.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("deals.xlsx", b"", "The file “deals.xlsx” is empty (0 bytes)."),
        (
            "deals.xlsx",
            b"Deal number,Price\nSD-1,1\n",
            "“deals.xlsx” is not an Excel workbook (.xlsx): it may be another kind of file renamed.",
        ),
    ],
)
def test_an_empty_or_renamed_upload_is_named_on_the_page_and_kept_in_the_history(cast, name, data, message):
    response = upload(client_for(cast.manager_a), data, name=name)
    assert response.status_code == 422
    assert message in response.content.decode()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.file_name, batch.file_size, batch.by) == (
        "failed",
        name,
        len(data),
        cast.manager_a,
    )
    assert SalesDeal.objects.count() == 0


def test_a_dry_run_upload_writes_nothing(cast):
    response = upload(client_for(cast.executive), xlsx([SALES_HEADER, sales_row("SD-1")]), dry_run=True)
    assert (
        "Dry run of deals.xlsx: 1 rows are valid — 1 would be created, 0 updated. Nothing was written."
        in (response.content.decode())
    )
    assert SalesDeal.objects.count() == 0


def test_a_dataset_the_user_may_not_import_is_refused(cast):
    response = upload(client_for(cast.manager_a), xlsx([["x"]]), dataset="quality_costs")
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_chinese_page_and_template(cast):
    client = client_for(cast.executive, language="zh-hans")
    body = client.get(reverse("facts:import")).content.decode()
    assert "导入业务数据" in body and "试运行" in body
    response = client.get(reverse("facts:template", args=["sales_deals", "xlsx"]))
    assert response["Content-Disposition"] == 'attachment; filename="sales_deals-template.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("成交单号", "交车日期", "门店代码", "销售顾问", "车型", "新车/二手车")
    assert rows[1][5] == "新车" and rows[1][9] == "是"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_every_template_with_its_example_row_imports_cleanly(cast, language, extension):
    client = client_for(cast.admin, language=language)
    # sessions first: the results' example names the sessions' example
    for dataset in REGISTRY:
        response = client.get(reverse("facts:template", args=[dataset.code, extension]))
        assert response.status_code == 200
        with translation.override(language):
            batch = facts_import_file(
                dataset=dataset.code, file_name=f"t.{extension}", data=response.content, by=cast.admin
            )
        assert (batch.status, batch.rows_created, batch.errors) == ("applied", 1, []), dataset.code
        assert dataset.model.objects.count() == 1
    assert TrainingSession.objects.get().code == "TR-2026-03"


def test_a_file_over_the_size_limit_is_refused(cast, settings):
    settings.AFTERSALES_IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(client_for(cast.executive), b"x" * (1024 * 1024 + 1), name="big.csv")
    assert response.status_code == 422
    assert (
        "The file is larger than 1 MB; split it or import it with the command." in response.content.decode()
    )
    assert ImportBatch.objects.count() == 0
