"""The campaign form: it parses the input (numbers, dates, choices among what the person may pick);
the rules — ranges, one of size or percentage, criteria that select somebody — are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Store, User
from aftersales.customers.models import Customer, ProductCategory
from aftersales.surveys.campaigns import Criteria
from aftersales.surveys.models import Campaign


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Campaign.Topic.choices)
    stores = forms.ModelMultipleChoiceField(
        label=_("Home stores"),
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every store you work in."),
    )
    product_categories = forms.ModelMultipleChoiceField(
        label=_("Product categories"),
        queryset=ProductCategory.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers owning a product of these categories (or their sub-categories)."),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Customer tiers"),
        choices=Customer.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    last_service_from = forms.DateField(
        label=_("Last service from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_service_to = forms.DateField(
        label=_("Last service to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    exclude_surveyed_days = forms.IntegerField(
        label=_("Leave out customers surveyed within (days)"),
        initial=90,
        help_text=_("By any survey: after a request or by another campaign. 0 leaves nobody out."),
    )
    sample_size = forms.IntegerField(label=_("Sample size"), required=False)
    sample_percent = forms.IntegerField(label=_("or a percentage of the population"), required=False)
    random_seed = forms.IntegerField(
        label=_("Random seed"),
        required=False,
        help_text=_(
            "The same seed over the same population draws the same customers. Empty: chosen for you."
        ),
    )
    batch_size = forms.IntegerField(label=_("Batch size"), initial=100)
    batch_interval_hours = forms.IntegerField(label=_("Hours between batches"), initial=24)
    starts_at = forms.DateTimeField(
        label=_("First batch at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: as soon as the campaign is started."),
    )

    CRITERIA = (
        "stores",
        "product_categories",
        "tiers",
        "last_service_from",
        "last_service_to",
        "exclude_surveyed_days",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        stores = Store.objects.order_by("code")
        if not user.sees_all_stores:
            stores = stores.filter(pk__in=sorted(user.store_ids))
        self.fields["stores"].queryset = stores
        if user.sees_all_stores:
            self.fields["stores"].help_text = _("None ticked: every store.")

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            stores=tuple(data.get("stores") or ()),
            product_categories=tuple(data.get("product_categories") or ()),
            tiers=tuple(data.get("tiers") or ()),
            last_service_from=data.get("last_service_from"),
            last_service_to=data.get("last_service_to"),
            exclude_surveyed_days=data.get("exclude_surveyed_days") or 0,
        )
