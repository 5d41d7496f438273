"""Survey templates (versioned), their items, invitations behind a single-use token link, and responses.

A template is never edited in place once used: a change is a new row with the same `code` and the next
`version`, and only one version of a code is active. An invitation and its response keep the version
they were sent and answered with, so old answers stay readable against the wording they had."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


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


class SurveyInvitation(TimeStampedModel):
    """One per ticket and template. Only the SHA-256 digest of the link's token is stored."""

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="survey_invitations")
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
            models.UniqueConstraint(fields=["ticket", "template"], name="survey_invitation_one_per_ticket")
        ]

    def __str__(self) -> str:
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
