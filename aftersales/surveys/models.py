"""Survey templates (versioned), their items, invitations behind a single-use token link, and responses.

A template is never edited in place once used: a change is a new row with the same `code` and the next
`version`, and only one version of a code is active. An invitation and its response keep the version
they were sent and answered with, so old answers stay readable against the wording they had.

An invitation is about one resolved request (transactional) or part of a relationship survey campaign
(`Campaign`: a sample of customers asked about product quality, service or partners, S2 第八条).

Models only here; the surveys app's querysets live in `querysets.py`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel
from aftersales.surveys.querysets import CampaignQuerySet


class SurveyTemplate(TimeStampedModel):
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_template_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(active=True), name="survey_template_one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class SurveyItem(TimeStampedModel):
    class Kind(models.TextChoices):
        CSAT = "csat", _("satisfaction (CSAT 1–5)")
        NPS = "nps", _("recommendation (NPS 0–10)")
        CES = "ces", _("effort (CES 1–7, agreement)")
        RATING = "rating", _("rating 1–5")
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        TEXT = "text", _("free text")

    # kind -> (lowest, highest) of its numeric scale
    SCALES = {Kind.CSAT: (1, 5), Kind.NPS: (0, 10), Kind.CES: (1, 7), Kind.RATING: (1, 5)}

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    wording_zh = models.CharField(_("wording (Chinese)"), max_length=300)
    wording_en = models.CharField(_("wording (English)"), max_length=300)
    # Choice items: [{"value": "price", "zh": "价格", "en": "Price"}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("survey item")
        verbose_name_plural = _("survey items")
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="survey_item_order")]

    def __str__(self) -> str:
        return f"{self.template} #{self.order} {self.kind}"

    @property
    def wording(self) -> str:
        """The wording in the active language: English for any `en*`, Chinese otherwise."""
        return self.wording_en if (translation.get_language() or "").startswith("en") else self.wording_zh

    @property
    def scale(self) -> tuple[int, int] | None:
        return self.SCALES.get(self.kind)

    def choice_options(self) -> list[tuple[str, str]]:
        """(value, label in the active language) of a choice item."""
        english = (translation.get_language() or "").startswith("en")
        return [
            (str(choice["value"]), choice.get("en" if english else "zh") or str(choice["value"]))
            for choice in self.choices
        ]


class Campaign(TimeStampedModel):
    """A periodic relationship survey: criteria pick the population, a seeded draw picks the sample
    (`CampaignRecipient` rows), and the sample is invited in batches of `batch_size`, one batch every
    `batch_interval_hours` (services in `surveys/campaigns.py`).

    draft (criteria editable, sample drawn and redrawn) → scheduled (start time ahead) or running →
    finished (every recipient handled) | cancelled. Timestamps of each step are kept on the row."""

    class Topic(models.TextChoices):
        PRODUCT_QUALITY = "product_quality", _("product quality")
        SERVICE = "service", _("after-sales service")
        PARTNERS = "partners", _("partners and dealers")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")

    # The relationship template seeded for each topic (migration 0005); a campaign may use another one.
    TOPIC_TEMPLATES = {
        Topic.PRODUCT_QUALITY: "relationship_product",
        Topic.SERVICE: "relationship_service",
        Topic.PARTNERS: "relationship_partners",
    }

    name = models.CharField(_("name"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("survey template")
    )
    # Sampling criteria; an empty one does not restrict.
    stores = models.ManyToManyField(
        "accounts.Store", blank=True, related_name="survey_campaigns", verbose_name=_("home stores")
    )
    product_categories = models.ManyToManyField(
        "customers.ProductCategory",
        blank=True,
        related_name="survey_campaigns",
        verbose_name=_("product categories"),
    )
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    last_service_from = models.DateField(_("last service from"), null=True, blank=True)
    last_service_to = models.DateField(_("last service to"), null=True, blank=True)
    exclude_surveyed_days = models.PositiveSmallIntegerField(
        _("exclude customers surveyed within (days)"), default=90
    )
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    sample_percent = models.PositiveSmallIntegerField(
        _("sample (percentage of the population)"), null=True, blank=True
    )
    random_seed = models.PositiveIntegerField(_("random seed"))
    batch_size = models.PositiveIntegerField(_("batch size"), default=100)
    batch_interval_hours = models.PositiveSmallIntegerField(_("hours between batches"), default=24)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    starts_at = models.DateTimeField(_("first batch at"), null=True, blank=True)
    population_size = models.PositiveIntegerField(_("population"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("sample drawn"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    last_batch_at = models.DateTimeField(_("last batch sent"), null=True, blank=True)
    batches_sent = models.PositiveSmallIntegerField(_("batches sent"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) ^ Q(sample_percent__isnull=True),
                name="survey_campaign_size_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(sample_percent__isnull=True) | Q(sample_percent__gte=1, sample_percent__lte=100),
                name="survey_campaign_percent_1_100",
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gte=1),
                name="survey_campaign_size_positive",
            ),
            models.CheckConstraint(condition=Q(batch_size__gte=1), name="survey_campaign_batch_positive"),
            models.CheckConstraint(
                condition=Q(last_service_from__isnull=True)
                | Q(last_service_to__isnull=True)
                | Q(last_service_to__gte=models.F("last_service_from")),
                name="survey_campaign_service_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        """Still to send (or still in preparation): it can be cancelled."""
        return self.status in {self.Status.DRAFT, self.Status.SCHEDULED, self.Status.RUNNING}


class SurveyInvitation(TimeStampedModel):
    """Either about one resolved request (`ticket`) or part of a campaign (`campaign` and the invited
    `customer`; the ticket has its own customer). Only the SHA-256 digest of the link's token is stored."""

    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="survey_invitations"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaign_invitations",
    )
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="invitations")
    token_digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "template"], name="survey_invitation_one_per_ticket"),
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="survey_invitation_one_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, campaign__isnull=True, customer__isnull=True)
                | Q(ticket__isnull=True, campaign__isnull=False, customer__isnull=False),
                name="survey_invitation_ticket_or_campaign",
            ),
        ]

    def __str__(self) -> str:
        if self.campaign_id:
            return f"{self.campaign_id}/{self.customer_id} {self.template}"
        return f"{self.ticket_id} {self.template}"


class SurveyLink(TimeStampedModel):
    """A further token for an invitation, issued after the first one was mailed: the reminder mail, or a
    link staff show on the spot as a QR code or copy into SMS/WeChat. The plain token is only known when
    it is issued, so each showing is a new token; only its SHA-256 digest is stored. Every token of an
    invitation opens it until it is answered or expires; the invitation is still answered once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("reminder email")
        QR = "qr", _("QR code")
        COPY = "copy", _("copied link")

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.CASCADE, related_name="links")
    token_digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.channel}"


class CampaignRecipient(models.Model):
    """A customer drawn into a campaign's sample, in draw order (`position`). Sending gives it a batch
    number and its invitation, or a skip reason when the customer can no longer be mailed."""

    class Skipped(models.TextChoices):
        NO_EMAIL = "no_email", _("no email address any more")
        NO_CONSENT = "no_consent", _("withdrew consent to be contacted")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("position in the draw"))
    batch = models.PositiveSmallIntegerField(_("batch"), null=True, blank=True)
    handled_at = models.DateTimeField(_("sent or skipped"), null=True, blank=True)
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="recipient"
    )
    skipped = models.CharField(_("skipped"), max_length=12, choices=Skipped.choices, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_recipient_once"),
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_recipient_position"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} #{self.position}"


class SurveyResponse(TimeStampedModel):
    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.CASCADE, related_name="response")
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.invitation}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(SurveyItem, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(_("value"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["response", "item__order"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="survey_answer_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.item_id}"


class RecoveryCase(TimeStampedModel):
    """Service recovery: a low score opened a follow-up request for the store manager. The case links the
    response, the request it was about and the follow-up, and records how the recovery ended."""

    class Outcome(models.TextChoices):
        CONTACTED = "contacted", _("customer contacted")
        RESOLVED = "resolved", _("resolved")
        COMPENSATED = "compensated", _("compensated")
        STILL_DISSATISFIED = "still_dissatisfied", _("customer still dissatisfied")

    response = models.OneToOneField(SurveyResponse, on_delete=models.CASCADE, related_name="recovery")
    original = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, related_name="recovery_cases_as_original"
    )
    follow_up = models.OneToOneField(
        "service.Ticket", on_delete=models.CASCADE, related_name="recovery_case_as_follow_up"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")

    def __str__(self) -> str:
        return f"{self.original_id} -> {self.follow_up_id}"
