"""Forms of the customer portal and of the public contact form.

They check what a person typed and say what is wrong next to the field, in the person's language;
the services check again (they are the rule), so a form only saves a round trip."""

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Store
from aftersales.customers.models import Asset, Customer
from aftersales.customers.services import PHONE_PATTERN
from aftersales.service.models.tickets import Kind
from aftersales.service.services.attachments import sniff_content_type

# An allow-list, not `Kind.choices`: a kind added later for staff only is not offered automatically.
CUSTOMER_KINDS = (
    (Kind.REPAIR, _("Something is not working (repair)")),
    (Kind.MAINTENANCE, _("Maintenance")),
    (Kind.INSTALLATION, _("Installation")),
    (Kind.RETURN, _("Return or replacement")),
    (Kind.INQUIRY, _("A question")),
    (Kind.COMPLAINT, _("A complaint")),
)
SUBJECT_MAX = 200
SUBJECT_REQUIRED = _("Say in a few words what the request is about.")
MESSAGE_MAX = 5000


def clean_upload(upload):
    """Size and type, decided from the file's first bytes as `attachment_add` does."""
    if not upload:
        return None
    if upload.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if sniff_content_type(head, upload.name or "") not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise forms.ValidationError(_("Send a photo (JPEG, PNG, WebP), a PDF, a text file or an MP4 video."))
    return upload


class MarkedForm(forms.Form):
    """Marks fields with errors `aria-invalid` (Pico CSS draws them red, screen readers announce them),
    also for errors a service raised after validation."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


class AttachmentField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photo or document"))
        kwargs.setdefault(
            "help_text",
            _("A photo of the problem or of the invoice helps. Up to %(mb)d MB.")
            % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
        )
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf,text/plain,video/mp4"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        return clean_upload(super().clean(data, initial))


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return f"{obj.product_model.name} · {obj.serial}"


class PortalRequestForm(MarkedForm):
    """A new request from a signed-in customer, about one of their own products."""

    asset = AssetChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label=_("Product"),
        empty_label=_("— not about a specific product —"),
    )
    kind = forms.ChoiceField(choices=CUSTOMER_KINDS, label=_("What do you need?"), initial=Kind.REPAIR)
    subject = forms.CharField(
        max_length=SUBJECT_MAX,
        label=_("Subject"),
        error_messages={"required": SUBJECT_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. The air conditioner does not cool")}),
    )
    description = forms.CharField(
        max_length=MESSAGE_MAX,
        required=False,
        label=_("Describe the problem"),
        help_text=_("When did it start, what did you notice, what have you tried?"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachment = AttachmentField()

    def __init__(self, *args, customer: Customer, asset_id: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        # Only the customer's own products can be chosen: another customer's asset id is "not a choice".
        assets = customer.assets.select_related("product_model").order_by("serial")
        self.fields["asset"].queryset = assets
        if asset_id and assets.filter(pk=asset_id).exists():
            self.fields["asset"].initial = int(asset_id)
        elif len(assets) == 1:
            self.fields["asset"].initial = assets[0].pk

    def clean_subject(self):
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise forms.ValidationError(SUBJECT_REQUIRED)
        return subject


class MessageForm(MarkedForm):
    body = forms.CharField(
        max_length=MESSAGE_MAX,
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write to the service team…")}),
    )
    attachment = AttachmentField()

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("The message is empty."))
        return body


class ReasonForm(MarkedForm):
    reason = forms.CharField(
        max_length=500,
        label=_("Reason"),
        widget=forms.TextInput(),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please tell us why."))
        return reason


class WebRequestForm(MarkedForm):
    """The public contact form: anyone may write, without an account."""

    name = forms.CharField(
        max_length=100, label=_("Your name"), widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        max_length=32,
        label=_("Mobile phone"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    email = forms.CharField(
        max_length=254,
        required=False,
        label=_("Email"),
        help_text=_("We send the confirmation and a link to follow your request to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    store = forms.ModelChoiceField(
        queryset=Store.objects.order_by("code"),
        label=_("Service store"),
        empty_label=_("— choose the store nearest to you —"),
    )
    serial = forms.CharField(
        max_length=64,
        required=False,
        label=_("Serial number or VIN"),
        help_text=_("On the nameplate of the appliance, or on the vehicle licence."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(choices=CUSTOMER_KINDS, label=_("What do you need?"), initial=Kind.REPAIR)
    subject = forms.CharField(
        max_length=SUBJECT_MAX, label=_("Subject"), error_messages={"required": SUBJECT_REQUIRED}
    )
    description = forms.CharField(
        max_length=MESSAGE_MAX,
        required=False,
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    # The honeypot: hidden from people by CSS, filled in by form-spamming robots.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us your name."))
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(_("Enter a phone number, e.g. 13800138000."))
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email:
            try:
                validate_email(email)
            except forms.ValidationError as exc:
                raise forms.ValidationError(_("Enter a valid email address, e.g. name@example.com.")) from exc
        return email

    def clean_subject(self):
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise forms.ValidationError(SUBJECT_REQUIRED)
        return subject

    def clean_serial(self):
        return self.cleaned_data["serial"].strip().upper()

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website", "").strip())
