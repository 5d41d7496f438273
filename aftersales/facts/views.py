"""The import pages: the datasets with their row counts and last import, the import form (dataset,
file, dry run) with its error table and the history, and the templates to download."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.errors import ApplicationError
from aftersales.facts import spreadsheets
from aftersales.facts.datasets import DATASETS
from aftersales.facts.permissions import can_import, importable_datasets
from aftersales.facts.selectors import HISTORY_SIZE, dataset_summaries, import_history
from aftersales.facts.services import facts_import_file
from aftersales.service.views.base import staff_required

ERRORS_SHOWN = 500
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _importer(view):
    """Staff with at least one dataset they may import; anyone else gets 403."""

    @staff_required
    def wrapped(request, *args, **kwargs):
        if not importable_datasets(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def max_import_bytes() -> int:
    return settings.AFTERSALES_IMPORT_MAX_BYTES


class ImportForm(forms.Form):
    dataset = forms.ChoiceField(label=gettext_lazy("Dataset"))
    # An empty file goes on to the importer, which names it and keeps it in the history, as the
    # command does (Django's own "The submitted file is empty." would leave no trace).
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"), allow_empty_file=True)
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and count the rows, write nothing"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.code, d.title) for d in importable_datasets(user)]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it or import it with the command.")
                % {"mb": max_import_bytes() // (1024 * 1024)}
            )
        return upload


@require_GET
@_importer
def datasets(request):
    return render(request, "facts/datasets.html", {"summaries": dataset_summaries(request.user)})


@require_http_methods(["GET", "POST"])
@_importer
def import_page(request):
    batch = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = facts_import_file(
                    dataset=form.cleaned_data["dataset"],
                    file_name=upload.name,
                    data=upload.read(),
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as exc:
                form.add_error("dataset", exc.message)
        if not form.is_valid() or (batch and batch.status == batch.Status.FAILED):
            status = 422
    else:
        form = ImportForm(user=request.user, initial={"dataset": request.GET.get("dataset", "")})
    context = {
        "form": form,
        "batch": batch,
        "errors_shown": batch.errors[:ERRORS_SHOWN] if batch else [],
        "errors_hidden": max(len(batch.errors) - ERRORS_SHOWN, 0) if batch else 0,
        "history": import_history(request.user)[:HISTORY_SIZE],
        "datasets": importable_datasets(request.user),
        "max_mb": max_import_bytes() // (1024 * 1024),
    }
    return render(request, "facts/import.html", context, status=status)


@require_GET
@_importer
def template(request, dataset: str, extension: str):
    spec = DATASETS.get(dataset)
    if spec is None or extension not in CONTENT_TYPES:
        raise Http404
    if not can_import(request.user, spec):
        raise PermissionDenied
    language = translation.get_language() or "zh-hans"
    if extension == "xlsx":
        content = spreadsheets.template_xlsx(spec, language)
    else:
        content = spreadsheets.template_csv(spec, language)
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{spreadsheets.file_name(spec, extension)}"'
    return response
