from django.contrib import admin

from tremplin.accounts.models import Membership
from tremplin.network.models import CnamSite, MissionLocale, Organisation, SteeringBody


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_filter = ["is_demo"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Organisation)
class AnyOrganisationAdmin(admin.ModelAdmin):
    """Every organisation in one list, for searching by code; each is edited in its own admin."""

    list_display = ["code", "name", "kind", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MissionLocale)
class MissionLocaleAdmin(OrganisationAdmin):
    list_display = ["code", "name", "commune", "department", "region", "is_demo"]
    list_filter = ["region", "department", "is_demo", ("commune", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "official_name", "commune__name"]
    list_select_related = ["commune", "department", "region"]
    # Raw ids rather than autocomplete: the commune admin belongs to the territories app.
    raw_id_fields = ["commune", "antennas"]
    fields = [
        "code",
        "name",
        "official_name",
        "commune",
        "department",
        "region",
        "address",
        "email",
        "phone",
        "antennas",
        "is_demo",
        "created_at",
        "updated_at",
    ]


@admin.register(CnamSite)
class CnamSiteAdmin(OrganisationAdmin):
    list_display = ["code", "name", "site_kind", "parent", "commune", "au_coeur_des_territoires", "is_demo"]
    list_filter = [
        "site_kind",
        "au_coeur_des_territoires",
        "is_demo",
        "parent",
        "commune__department__region",
    ]
    search_fields = ["code", "name", "commune__name"]
    list_select_related = ["parent", "commune"]
    raw_id_fields = ["commune"]
    autocomplete_fields = ["parent"]
    fields = [
        "code",
        "name",
        "site_kind",
        "parent",
        "commune",
        "address",
        "email",
        "phone",
        "au_coeur_des_territoires",
        "is_demo",
        "created_at",
        "updated_at",
    ]


@admin.register(SteeringBody)
class SteeringBodyAdmin(OrganisationAdmin):
    list_display = ["code", "name", "scope", "region"]
    list_filter = ["scope", "region"]
    list_select_related = ["region"]
    fields = ["code", "name", "scope", "region", "email", "phone", "is_demo", "created_at", "updated_at"]
