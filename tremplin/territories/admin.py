from django.contrib import admin

from tremplin.territories.models import Commune, Department, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    # The referential comes from import_communes: support staff read it, they do not edit it by hand.
    list_display = ["insee_code", "name", "kind", "department", "postal_codes", "population", "size_class"]
    list_filter = ["kind", "size_class", "department__region"]
    search_fields = ["insee_code", "name", "search_name", "postal_codes"]
    list_select_related = ["department"]
    readonly_fields = [field.name for field in Commune._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
