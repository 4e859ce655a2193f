from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms

from tremplin.accounts.models import Membership, User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organisation"]


class OrganisationKindFilter(admin.SimpleListFilter):
    title = "type d'organisation"
    parameter_name = "organisation_kind"

    def lookups(self, request, model_admin):
        from tremplin.network.enums import OrganisationKind

        return OrganisationKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(organisation__kind=self.value())
        return queryset


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role")
    search_fields = ("email", "first_name", "last_name", "memberships__organisation__code")
    ordering = ("email",)
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        # The add form only asks for the email and password; memberships come on the next page.
        return self.inlines if obj is not None else []


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", OrganisationKindFilter]
    search_fields = ["user__email", "user__last_name", "organisation__code", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["created_at"]
