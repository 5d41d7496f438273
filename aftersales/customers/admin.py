"""Admin for customers, the product catalogue, warranty policies and assets with their coverage."""

from django.contrib import admin

from aftersales.customers.models import (
    Asset,
    Contact,
    Coverage,
    Customer,
    ProductCategory,
    ProductModel,
    WarrantyPolicy,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "phone", "email"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tier", "phone", "email", "home_store", "city"]
    list_filter = ["kind", "tier", "home_store", "consent_to_contact"]
    search_fields = ["name", "phone", "email"]
    list_select_related = ["home_store"]
    autocomplete_fields = ["user"]
    inlines = [ContactInline]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "identifier_kind", "warranty_policy"]
    list_filter = ["category", "identifier_kind"]
    search_fields = ["code", "name"]
    list_select_related = ["category", "warranty_policy"]


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "coverage_months", "parts_percent", "labour_percent", "start_basis"]
    search_fields = ["code", "name"]


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0
    fields = ["policy", "starts_on", "ends_on"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["serial", "product_model", "customer", "purchase_date", "selling_store"]
    list_filter = ["product_model__category", "selling_store"]
    search_fields = ["serial", "customer__name", "customer__phone"]
    list_select_related = ["product_model", "customer", "selling_store"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "purchase_date"
    inlines = [CoverageInline]
