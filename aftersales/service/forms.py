"""Forms of the staff pages. They parse what the browser sends (choices, people, date-times in the
store's time zone, files); the rules themselves live in the service functions, whose ApplicationError is
put next to the field it names with `add_service_error`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import FaultCategory, Store, User
from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Asset, Customer
from aftersales.service.models.complaints import Severity, Source
from aftersales.service.models.tickets import Channel, Kind, Outcome, Priority, Status
from aftersales.service.selectors_pages import store_handlers, store_technicians

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ServiceForm(forms.Form):
    """Marks invalid inputs for assistive technology (and Pico's red outline)."""

    # Service error fields that are called differently in this form.
    field_aliases: dict[str, str] = {}

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self.fields[name].widget.attrs["aria-describedby"] = error_id(self, name)

    def add_service_error(self, error: ApplicationError) -> None:
        name = self.field_aliases.get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, error.message)


def error_id(form: forms.Form, name: str) -> str:
    """The id of the text that explains what is wrong with field `name` of `form`."""
    base = form.auto_id % name if isinstance(form.auto_id, str) and "%s" in form.auto_id else name
    return f"{base}-error"


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("any")), *choices]


class WorkspaceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Number, subject, customer or phone"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(Status.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(Kind.choices))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=_blank(Priority.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_blank(Channel.choices))


# --- ticket actions ----------------------------------------------------------------------------------


class EmptyForm(ServiceForm):
    """Actions that need nothing but the button (start, resume, close, confirm / arrive at a visit)."""


class ReplyForm(ServiceForm):
    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LogCallForm(ServiceForm):
    summary = forms.CharField(
        label=_("What was said"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WaitForm(ServiceForm):
    on = forms.ChoiceField(label=_("Wait on"))
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, wait_on: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        labels = {Status.PENDING_CUSTOMER: _("the customer"), Status.PENDING_PARTS: _("parts")}
        self.fields["on"].choices = [(on, labels.get(on, on)) for on in wait_on] or [
            (on, label) for on, label in labels.items()
        ]


class BookVisitForm(ServiceForm):
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none())
    window_start = forms.DateTimeField(
        label=_("From"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    window_end = forms.DateTimeField(
        label=_("Until"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        help_text=_("empty = the customer's address"),
        max_length=300,
    )

    def __init__(self, *args, store_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = store_technicians(store_id) if store_id else User.objects.none()


class CompleteVisitForm(ServiceForm):
    report = forms.CharField(
        label=_("What was done on site"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PartForm(ServiceForm):
    part_number = forms.CharField(label=_("Part number"), required=False, max_length=40)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    # Numbers are parsed by the service, which names what is wrong with them.
    quantity = forms.CharField(
        label=_("Quantity"),
        required=False,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit_cost = forms.CharField(
        label=_("Unit cost (¥)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class ResolveForm(ServiceForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    root_cause = forms.CharField(label=_("Root-cause code"), required=False, max_length=40)
    note = forms.CharField(label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    replacement_serial = forms.CharField(
        label=_("Replacement serial"), required=False, max_length=64, help_text=_("only for a replacement")
    )
    labour_hours = forms.CharField(
        label=_("Labour hours"),
        required=False,
        initial="0",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(ServiceForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, store_id: int | None = None, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if handlers is not None:
            # Already loaded (manager page): no query per form.
            self.fields["assignee"].queryset = User.objects.filter(pk__in=[user.pk for user in handlers])
            self.fields["assignee"].choices = [
                ("", "---------"),
                *((user.pk, str(user)) for user in handlers),
            ]
        elif store_id:
            self.fields["assignee"].queryset = store_handlers(store_id)


class AttachmentForm(ServiceForm):
    attachment = forms.FileField(label=_("File"), required=True)


# --- registration ------------------------------------------------------------------------------------

STAFF_CHANNELS = (Channel.PHONE, Channel.WALK_IN, Channel.EMAIL, Channel.WEB_FORM)


class RegisterForm(ServiceForm):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    new_customer = forms.BooleanField(label=_("Register a new customer"), required=False)
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    new_email = forms.CharField(label=_("Email"), required=False, max_length=254)
    new_tier = forms.ChoiceField(
        label=_("Tier"), choices=Customer.Tier.choices, initial=Customer.Tier.STANDARD, required=False
    )
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none(), required=False)
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), empty_label=None)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(channel.value, channel.label) for channel in STAFF_CHANNELS]
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.REPAIR)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    fault_category = forms.ModelChoiceField(
        label=_("Fault category"), queryset=FaultCategory.objects.all(), required=False
    )
    subject = forms.CharField(
        label=_("Subject"), required=False, max_length=200, widget=forms.TextInput(attrs={"required": True})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Only for a complaint (the page shows them when the kind is "complaint").
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, initial=Severity.MINOR, required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=Source.choices, initial=Source.DIRECT, required=False
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    # customer_create names its fields without the prefix.
    customer_aliases = {"name": "new_name", "phone": "new_phone", "email": "new_email", "tier": "new_tier"}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)
        self.fields["asset"].queryset = Asset.objects.visible_to(user).select_related("product_model")
        stores = Store.objects.all() if user.sees_all_stores else Store.objects.filter(staff=user)
        self.fields["store"].queryset = stores.order_by("code")
        self.fields["fault_category"].queryset = FaultCategory.objects.order_by("code")

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("new_customer"):
            self.add_error("customer", _("Find and choose the customer, or register a new one."))
        if data.get("new_customer"):
            data["customer"] = None
        return data

    def customer_error(self, error: ApplicationError) -> ApplicationError:
        """customer_create's error, pointed at this form's new-customer fields."""
        return ApplicationError(error.message, field=self.customer_aliases.get(error.field or "", "new_name"))


# --- complaints --------------------------------------------------------------------------------------


class ComplaintForm(ServiceForm):
    """The complaint panel of a request of kind complaint."""

    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    reason = forms.CharField(
        label=_("Reason for a new severity"),
        required=False,
        max_length=500,
        help_text=_("only when it changes"),
    )
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    corrective_measure = forms.CharField(
        label=_("Corrective measure"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
