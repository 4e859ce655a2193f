from django.contrib import admin

from tremplin.api.models import ApiToken, Webhook, WebhookDelivery


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    # Tokens are created in the pages or by `create_api_token` (the only places that show them once).
    list_display = [
        "name",
        "organisation",
        "prefix",
        "can_write",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["can_write"]
    search_fields = ["name", "prefix", "organisation__name", "organisation__code"]
    readonly_fields = ["organisation", "prefix", "created_by", "created_at", "last_used_at", "revoked_by"]
    fields = [
        "name",
        "organisation",
        "prefix",
        "can_write",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organisation__name", "organisation__code"]
    readonly_fields = ["organisation", "url", "created_by", "created_at"]
    fields = ["organisation", "url", "is_active", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "uuid",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "next_attempt_at",
    ]
    list_filter = ["status"]
    search_fields = ["uuid", "webhook__url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
