"""`docs/imports.md`, generated from the dataset registry (a test keeps the file up to date):

DEBUG=true python manage.py shell -c "from aftersales.facts.docs import write; write()"
"""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from aftersales.facts.datasets import CHOICE, KINDS, REGISTRY, Column, Dataset

PATH = Path(settings.BASE_DIR) / "docs" / "imports.md"

INTRO = """# Business data imports

Generated from `aftersales/facts/datasets.py` by `aftersales.facts.docs` (a test fails when this file
is out of date). Import a dataset on the page `/facts/import/`, with `aftersales import DATASET FILE
[--dry-run]`, or through `POST /api/v1/facts/{dataset}` (JSON rows keyed by the *field* names below;
see [api.md](api.md)). Templates with the headers and an example row: `/facts/templates/{dataset}.xlsx`
(or `.csv`), in the page's language.

**Files**: `.xlsx` (the first sheet) or `.csv` (UTF-8 with or without BOM, or GB18030; comma, semicolon
or tab). The header row is the first row that names a column (a title above it is fine); headers may be
Chinese or English, with or without the unit in brackets; columns may come in any order; blank rows are
skipped. Row numbers in error reports are the spreadsheet's.

**Values**: numbers plain (`1,234.50` is fine; `12万`, `¥100`, `85%` are not); dates `2026-03-31`,
`2026/3/31`, `2026年3月31日` or a date cell; months `2026-03`, `2026年3月` or a date on the 1st; yes/no as
`是/否`, `yes/no`, `1/0`, `true/false`; choices by code or by Chinese or English label. Quantities and
amounts are non-negative unless marked *signed*. Cells must hold values, not formulas.

**All or nothing**: one error anywhere and nothing of the file is written; every error is listed with
its row, column, value and reason. **Re-import** of a row with the same natural key updates it (a
column left out of the file resets that field to its default). Every import, failed or not, is kept in
the import history. Store managers import only their own store's rows.
"""

KIND_NAMES = {
    "text": "text",
    "int": "whole number",
    "decimal": "number",
    "date": "date",
    "month": "month",
    "bool": "yes/no",
    "choice": "choice",
    "store": "store code",
    "person": "username",
    "session": "training session code",
    "customer": "customer's phone number (shared by several: the first registered)",
}
assert set(KIND_NAMES) == set(KINDS)


def _type(dataset: Dataset, column: Column) -> str:
    text = KIND_NAMES[column.kind]
    model_field = dataset.model_field(column.field)
    if column.kind == CHOICE:
        text += ": " + ", ".join(f"`{value}` {label}" for value, label in model_field.choices if value)
    if column.kind == "decimal":
        text += f", {model_field.decimal_places} decimals"
        if column.min is None:
            text += ", signed"
    bounds = []
    if column.min is not None and column.min != 0:
        bounds.append(f"≥ {column.min}")
    if column.max is not None:
        bounds.append(f"≤ {column.max}")
    if column.kind == "text":
        bounds.append(f"≤ {model_field.max_length} characters")
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def render() -> str:
    parts = [INTRO]
    with translation.override("en"):
        for dataset in REGISTRY:
            model = dataset.model._meta
            roles = ", ".join(sorted(str(role) for role in dataset.roles))
            parts.append(
                f"\n## `{dataset.code}`: {dataset.title}\n\n{dataset.description}\n\n"
                f"- table `{model.db_table}` (model `facts.{model.object_name}`); natural key: "
                f"{', '.join(f'`{name}`' for name in dataset.key)}; time column `{dataset.time_field}`\n"
                f"- who may import: {roles}"
                + (" (store managers: their own stores' rows)" if "store_manager" in dataset.roles else "")
                + "\n\n| 中文表头 | English header | field | type | required | example |\n|---|---|---|---|---|---|\n"
            )
            for column in dataset.columns:
                example = column.example
                if isinstance(example, bool):
                    example = "是" if example else "否"
                parts.append(
                    f"| {column.zh} | {column.en} | `{column.field}` | {_type(dataset, column)} | "
                    f"{'yes' if column.required else 'no'} | {example} |\n"
                )
            rules = "; ".join(str(rule.message) for rule in dataset.rules)
            if rules:
                parts.append(f"\nChecked across columns: {rules}.\n")
    return "".join(parts)


def write() -> None:
    PATH.write_text(render(), encoding="utf-8")
