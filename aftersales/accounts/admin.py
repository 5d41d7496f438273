"""Admin for the organisation's master data: stores and their hours, departments, teams, the fault
taxonomy, staff with their role, stores and skills, leave, and API tokens (read-only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import (
    ApiToken,
    CalendarOverride,
    Department,
    FaultCategory,
    Leave,
    Organisation,
    Store,
    Team,
    User,
    WorkingPeriod,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0
    fields = ["weekday", "starts", "ends"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "city", "timezone", "organisation"]
    list_filter = ["kind", "organisation", "region"]
    search_fields = ["code", "name", "city"]
    inlines = [WorkingPeriodInline]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "store", "is_workday", "name"]
    list_filter = ["is_workday", "store"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "store"]
    list_filter = ["kind", "store"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "department"]
    list_filter = ["department__store"]
    search_fields = ["name"]


@admin.register(FaultCategory)
class FaultCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "is_active", "on_duty", "last_login"]
    list_filter = ["role", "is_active", "on_duty", "stores", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "phone"]
    filter_horizontal = ["stores", "skills", "groups", "user_permissions"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email", "phone")}),
        (_("Work"), {"fields": ("role", "stores", "department", "team", "skills", "on_duty")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Work"), {"fields": ("display_name", "role", "stores")}),
    )


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_on", "ends_on", "reason"]
    list_filter = ["user__stores"]
    date_hierarchy = "starts_on"
    search_fields = ["user__username", "user__display_name", "reason"]
    autocomplete_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued by the `api_token` command, which shows the secret once."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
