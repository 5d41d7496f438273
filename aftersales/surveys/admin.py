"""Read-only admin for surveys: templates change only through `survey_template_revise` (a new version,
so answers keep the wording they were given), invitations and responses only through the link, campaigns
only through their pages (their services check who may run them)."""

from django.contrib import admin

from aftersales.surveys.models import (
    Campaign,
    RecoveryCase,
    SurveyAnswer,
    SurveyInvitation,
    SurveyItem,
    SurveyLink,
    SurveyResponse,
    SurveyTemplate,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SurveyItemInline(ReadOnlyMixin, admin.TabularInline):
    model = SurveyItem
    extra = 0
    fields = ["order", "kind", "wording_zh", "wording_en", "choices", "required"]
    readonly_fields = fields
    ordering = ["order"]


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "version", "name", "active", "created_at"]
    list_filter = ["active", "code"]
    inlines = [SurveyItemInline]


class SurveyLinkInline(ReadOnlyMixin, admin.TabularInline):
    """The further links of an invitation: when, how and by whom; never the token's digest."""

    model = SurveyLink
    extra = 0
    fields = ["created_at", "channel", "issued_by"]
    readonly_fields = fields


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "ticket",
        "campaign",
        "customer",
        "template",
        "sent_at",
        "reminded_at",
        "expires_at",
        "answered_at",
    ]
    list_filter = ["template"]
    search_fields = ["ticket__number", "campaign__name"]
    list_select_related = ["ticket", "campaign", "customer", "template"]
    exclude = ["token_digest"]
    inlines = [SurveyLinkInline]


class SurveyAnswerInline(ReadOnlyMixin, admin.TabularInline):
    model = SurveyAnswer
    extra = 0
    fields = ["item", "number", "choices", "text"]
    readonly_fields = fields


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["invitation", "language", "created_at"]
    search_fields = ["invitation__ticket__number"]
    list_select_related = ["invitation__ticket", "invitation__template"]
    inlines = [SurveyAnswerInline]


@admin.register(RecoveryCase)
class RecoveryCaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Opened by a low score, closed by the store manager's `recovery_outcome_record`."""

    list_display = ["original", "follow_up", "outcome", "closed_at", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["original__number", "follow_up__number"]
    list_select_related = ["original", "follow_up"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "topic", "status", "population_size", "batches_sent", "created_at"]
    list_filter = ["status", "topic"]
    search_fields = ["name"]
