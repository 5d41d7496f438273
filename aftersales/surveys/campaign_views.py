"""Relationship survey campaigns for managers, executives and quality staff: the list, the form (with a
live population count over htmx), the progress page and its buttons (draw, start, cancel; POST + CSRF).

Anybody else gets 403 on the list and the form, and 404 on a campaign, as for one that does not exist;
so does a manager for a campaign over stores they do not work in."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Customer
from aftersales.service.views.base import staff_required
from aftersales.surveys.campaigns import (
    campaign_cancel,
    campaign_create,
    campaign_sample_draw,
    campaign_start,
    population,
)
from aftersales.surveys.forms import CampaignForm
from aftersales.surveys.models import Campaign
from aftersales.surveys.querysets import may_run_campaigns
from aftersales.surveys.selectors import campaign_list, campaign_progress


def _require_runner(request) -> None:
    if not may_run_campaigns(request.user):
        raise PermissionDenied


def _campaign(request, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user).select_related("template"), pk=pk)


@staff_required
@require_GET
def campaigns(request):
    _require_runner(request)
    return render(request, "surveys/campaigns.html", {"campaigns": campaign_list(user=request.user)})


def _draw_message(draw) -> str:
    return ngettext(
        "Sample drawn: %(sample)s of %(population)s customer.",
        "Sample drawn: %(sample)s of %(population)s customers.",
        draw.population_size,
    ) % {"sample": draw.sample_size, "population": draw.population_size}


@staff_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    _require_runner(request)
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                by=request.user,
                name=data["name"],
                topic=data["topic"],
                criteria=form.criteria(),
                sample_size=data["sample_size"],
                sample_percent=data["sample_percent"],
                random_seed=data["random_seed"],
                batch_size=data["batch_size"],
                batch_interval_hours=data["batch_interval_hours"],
                starts_at=data["starts_at"],
            )
            draw = campaign_sample_draw(campaign=campaign, by=request.user)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _draw_message(draw))
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/campaign_form.html", {"form": form}, status=status)


@staff_required
@require_GET
def campaign_population(request):
    """The live count of the form (htmx): how many customers the criteria select, or what is wrong."""
    _require_runner(request)
    form = CampaignForm(request.GET, user=request.user)
    form.is_valid()
    errors = [message for field in CampaignForm.CRITERIA for message in form.errors.get(field, [])]
    count = None
    if not errors:
        criteria = form.criteria()
        if criteria.exclude_surveyed_days < 0:
            errors.append(_("The exclusion window cannot be negative."))
        elif (
            criteria.last_service_from
            and criteria.last_service_to
            and (criteria.last_service_to < criteria.last_service_from)
        ):
            errors.append(_("The last-service range ends before it starts."))
        else:
            count = population(by=request.user, criteria=criteria).count()
    return render(request, "surveys/_population.html", {"count": count, "errors": errors})


@staff_required
@require_GET
def campaign_detail(request, pk: int):
    campaign = _campaign(request, pk)
    context = {
        "campaign": campaign,
        "progress": campaign_progress(campaign),
        "stores": list(campaign.stores.order_by("code")),
        "categories": list(campaign.product_categories.order_by("code")),
        "tiers": [Customer.Tier(tier).label for tier in campaign.tiers],
    }
    return render(request, "surveys/campaign_detail.html", context)


def _act(request, pk: int, action, done):
    """Run `action` on the campaign; `done` is the success message, or makes it from the result."""
    campaign = _campaign(request, pk)
    try:
        result = action(campaign=campaign, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("surveys:campaign_detail", pk=campaign.pk)
    messages.success(request, done(result) if callable(done) else done)
    return redirect("surveys:campaign_detail", pk=campaign.pk)


@staff_required
@require_POST
def campaign_draw(request, pk: int):
    return _act(request, pk, campaign_sample_draw, _draw_message)


@staff_required
@require_POST
def campaign_start_view(request, pk: int):
    return _act(request, pk, campaign_start, _("The campaign is started."))


@staff_required
@require_POST
def campaign_cancel_view(request, pk: int):
    return _act(request, pk, campaign_cancel, _("The campaign is cancelled: no further batch goes out."))
