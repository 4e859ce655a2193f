"""Operators' view of referrals: read-only (every change goes through the services and leaves an
event), and the outbox, to see and resend failing emails."""

from django.contrib import admin, messages

from tremplin.referrals.models import NotificationPreference, OutboxEmail, Referral, ReferralEvent
from tremplin.referrals.notifications import deliver


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "action",
        "from_status",
        "to_status",
        "side",
        "actor",
        "organisation",
        "reason",
        "comment",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["pk", "young_person", "site", "mission_locale", "status", "sent_at", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["young_person__search_name", "site__name", "mission_locale__name"]
    list_select_related = ["young_person", "site", "mission_locale"]
    inlines = [ReferralEventInline]
    show_full_result_count = False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "subject", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    actions = ["send_now"]

    @admin.action(description="Envoyer maintenant les courriels sélectionnés non envoyés")
    def send_now(self, request, queryset):
        sent = deliver(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        self.message_user(request, f"{sent} courriel(s) envoyé(s).", messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency"]
    autocomplete_fields = ["user"]
