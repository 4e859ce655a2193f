"""Operators' view of referrals: read-only (every change goes through the services and leaves an
event), and the outbox, to see and resend failing emails.

Operators see a young person's number, never the name: reading records is the missions locales'
business, and every read there is logged for the ML manager."""

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
    list_display = ["pk", "person_number", "site", "mission_locale", "status", "sent_at", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["=pk", "=young_person__pk", "site__name", "mission_locale__name"]
    list_select_related = ["site", "mission_locale"]
    exclude = ["young_person"]
    readonly_fields = ["person_number"]
    inlines = [ReferralEventInline]
    show_full_result_count = False

    @admin.display(description="jeune (n° de fiche)", ordering="young_person_id")
    def person_number(self, referral):
        return referral.young_person_id


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
